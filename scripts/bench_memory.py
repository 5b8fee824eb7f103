"""Peak memory of one analysis against the call's length, measured side by side.

Builds long calls by repeating real recordings (outside the repository, in
--work): stereo 8 kHz PCM WAV from the SpokenWOZ call (one party per channel)
and a 16 kHz mono mix of the same call. Each call is analysed by
`callcheck analyze` in its own process; the peak resident set size of that
process (its rusage, like GNU `time -v`) and its wall time are printed per call
length, with the ratio of the longest to the shortest.

With --baseline SRC (the `src` folder of another checkout, e.g. the commit
before streaming) the same calls are also analysed by that code, for the
"same wall time" and "memory before/after" columns. With --batch two copies of
the longest stereo call go through `callcheck batch -j 2`.

Targets (issue 15): peak RSS <= 1.2 GB for every call and the 180-minute
figure within 15 % of the 10-minute one; wall time of the 60-minute call
within 5 % of the baseline; batch -j 2 on two 180-minute calls completes.

    .venv/bin/python scripts/bench_memory.py --quick                 # 2 and 6 minutes, a smoke test
    .venv/bin/python scripts/bench_memory.py --baseline /tmp/old/src --batch
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SOURCE = REALDATA / "spokenwoz_speechbrain" / "MUL1011_8k_stereo.flac"
LIMIT_MB = 1200.0
FLAT_LIMIT = 0.15


@dataclass(frozen=True)
class Run:
    label: str
    peak_mb: float
    wall_s: float
    ok: bool
    note: str = ""


def make_call(work: Path, *, minutes: int, mono_16k: bool) -> Path:
    """The SpokenWOZ call repeated to `minutes`: stereo 8 kHz, or a 16 kHz mono mix; written in blocks."""
    name = f"spokenwoz_{minutes}min_{'mono16k' if mono_16k else 'stereo8k'}.wav"
    path = work / name
    if path.exists():
        return path
    data, rate = sf.read(SOURCE, dtype="float32", always_2d=True)
    if mono_16k:
        from scipy.signal import resample_poly

        data = resample_poly(data.mean(axis=1), 2, 1).astype(np.float32)[:, None]
        rate = 16_000
    total = minutes * 60 * rate
    tmp = path.with_suffix(".part.wav")
    with sf.SoundFile(tmp, "w", samplerate=rate, channels=data.shape[1], subtype="PCM_16") as out:
        written = 0
        while written < total:
            piece = data[: total - written]
            out.write(piece)
            written += piece.shape[0]
    tmp.rename(path)
    return path


def measure(command: list[str], *, env: dict[str, str], label: str) -> Run:
    """Run `command`; its own peak RSS (rusage of that child) and wall time."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child can never block on a full pipe
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: Popen must not wait again
        errors.seek(0)
        stderr = errors.read().decode(errors="replace").strip()
    note = "" if proc.returncode == 0 else stderr.splitlines()[-1] if stderr else f"exit {proc.returncode}"
    return Run(label, usage.ru_maxrss / 1024, wall, proc.returncode == 0, note)


def env_for(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    return env


def analyze(call: Path, *, src: Path, out: Path, label: str) -> Run:
    command = [sys.executable, "-m", "callcheck", "analyze", str(call), "--format", "json,md,html", "-o", str(out)]
    return measure(command, env=env_for(src), label=label)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, nargs="+", default=[10, 60, 180], help="stereo 8 kHz call lengths")
    parser.add_argument("--mono-minutes", type=int, nargs="*", default=[60], help="16 kHz mono mix lengths")
    parser.add_argument("--baseline", type=Path, help="src folder of the code to compare with (wall time, memory)")
    parser.add_argument("--baseline-minutes", type=int, nargs="*", default=[60], help="lengths the baseline runs")
    parser.add_argument("--batch", action="store_true", help="also: callcheck batch -j 2 on two of the longest calls")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "callcheck-bench-memory")
    parser.add_argument("--quick", action="store_true", help="2 and 6 minutes stereo, 3 minutes mono")
    args = parser.parse_args()
    if not SOURCE.exists():
        print(f"needs {SOURCE}", file=sys.stderr)
        return 2
    if args.quick:
        args.minutes, args.mono_minutes, args.baseline_minutes = [2, 6], [3], [6]
    args.work.mkdir(parents=True, exist_ok=True)
    src = ROOT / "src"
    runs: list[tuple[str, int, Run]] = []
    for minutes in args.minutes:
        call = make_call(args.work, minutes=minutes, mono_16k=False)
        runs.append(("stereo 8 kHz", minutes, analyze(call, src=src, out=args.work / "out", label="this tree")))
        print_run(*runs[-1])
    for minutes in args.mono_minutes:
        call = make_call(args.work, minutes=minutes, mono_16k=True)
        runs.append(("mono 16 kHz", minutes, analyze(call, src=src, out=args.work / "out", label="this tree")))
        print_run(*runs[-1])
    base: dict[int, Run] = {}
    if args.baseline:
        for minutes in args.baseline_minutes:
            call = make_call(args.work, minutes=minutes, mono_16k=False)
            base[minutes] = analyze(call, src=args.baseline, out=args.work / "out-base", label="baseline")
            print_run("stereo 8 kHz", minutes, base[minutes])
    batch = run_batch(args) if args.batch else None
    summary(runs, base, batch)
    return 0


def run_batch(args) -> Run:
    minutes = max(args.minutes)
    folder = args.work / "batch"
    folder.mkdir(exist_ok=True)
    call = make_call(args.work, minutes=minutes, mono_16k=False)
    for i in range(2):  # two distinct files: one extra sample each, so each has its own content hash
        copy = folder / f"call{i}.wav"
        if not copy.exists():
            with sf.SoundFile(call) as src_file, sf.SoundFile(copy, "w", samplerate=src_file.samplerate,
                                                            channels=src_file.channels, subtype="PCM_16") as dst:
                for block in src_file.blocks(blocksize=1 << 20, dtype="int16", always_2d=True):
                    dst.write(block)
                dst.write(np.full((i + 1, src_file.channels), 0, np.int16))
    db = args.work / "batch.db"
    db.unlink(missing_ok=True)
    command = [sys.executable, "-m", "callcheck", "batch", str(folder), "--jobs", "2", "--db", str(db),
               "--reports", str(args.work / "batch-reports")]
    run = measure(command, env=env_for(ROOT / "src"), label=f"batch -j 2, 2 x {minutes} min")
    print_run("batch", minutes, run)
    return run


def print_run(kind: str, minutes: int, run: Run) -> None:
    status = "ok" if run.ok else f"FAILED ({run.note})"
    print(f"{kind:13} {minutes:4d} min  {run.label:28} peak {run.peak_mb:7.0f} MB  wall {run.wall_s:7.1f} s  {status}",
          flush=True)


def summary(runs: list[tuple[str, int, Run]], base: dict[int, Run], batch: Run | None) -> None:
    print("\n| call | minutes | peak RSS (MB) | wall (s) | x real time |")
    print("|---|---|---|---|---|")
    for kind, minutes, run in runs:
        print(f"| {kind} | {minutes} | {run.peak_mb:.0f} | {run.wall_s:.1f} | {run.wall_s / (minutes * 60):.3f} |")
    for minutes, run in base.items():
        print(f"| stereo 8 kHz, baseline | {minutes} | {run.peak_mb:.0f} | {run.wall_s:.1f} | "
              f"{run.wall_s / (minutes * 60):.3f} |")
    stereo = [(m, r) for kind, m, r in runs if kind == "stereo 8 kHz"]
    print()
    worst = max(r.peak_mb for _, _, r in runs)
    print(f"peak RSS, worst call: {worst:.0f} MB (limit {LIMIT_MB:.0f}): {'met' if worst <= LIMIT_MB else 'NOT met'}")
    if len(stereo) >= 2:
        (short_m, short), (long_m, long) = min(stereo), max(stereo)
        growth = long.peak_mb / short.peak_mb - 1
        print(f"peak RSS {long_m} min / {short_m} min: {long.peak_mb:.0f} / {short.peak_mb:.0f} MB = "
              f"{1 + growth:.3f} (limit {1 + FLAT_LIMIT:.2f}): {'met' if growth <= FLAT_LIMIT else 'NOT met'}")
    for minutes, old in base.items():
        new = next((r for kind, m, r in runs if kind == "stereo 8 kHz" and m == minutes), None)
        if new:
            ratio = new.wall_s / old.wall_s
            print(f"wall time {minutes} min, this tree / baseline: {new.wall_s:.1f} / {old.wall_s:.1f} s = "
                  f"{ratio:.3f} (limit 1.05): {'met' if ratio <= 1.05 else 'NOT met'}; "
                  f"peak RSS {new.peak_mb:.0f} vs {old.peak_mb:.0f} MB")
    if batch is not None:
        print(f"batch -j 2: {'completed' if batch.ok else 'FAILED: ' + batch.note}, peak RSS of the batch process "
              f"{batch.peak_mb:.0f} MB (its workers are separate processes), {batch.wall_s:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
