"""Batch throughput: calls/hour with 1 vs 2 jobs, and the batch machinery's overhead.

Builds a set of distinct calls from samples/ (copies with a few extra silent
samples, so every file has its own content hash), then times

- single analyses in one process, model loaded once (the work itself),
- `callcheck analyze` run once per call (what a user would script without batch),
- `callcheck batch` on one silent call (the fixed start-up: CLI, worker, model load),
- `callcheck batch` with --jobs 1 (threads = cores), --jobs 1 --threads 1 and
  --jobs 2 (one thread each), each on a fresh database.

Targets (issue 5): 2 jobs >= 1.7x the calls/hour of 1 job (same threads per
worker); batch with 1 job <= 5 % slower than the summed single analyses. Run on a quiet machine:

    .venv/bin/python scripts/bench_batch.py            # 12 calls
    .venv/bin/python scripts/bench_batch.py --quick    # the 3 samples, to check it works
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples").glob("*.wav"))
CLI = [sys.executable, "-m", "callcheck"]


def make_calls(folder: Path, count: int) -> list[Path]:
    """`count` distinct calls cycling through the samples."""
    folder.mkdir(parents=True, exist_ok=True)
    calls = []
    for i in range(count):
        source = SAMPLES[i % len(SAMPLES)]
        info = sf.info(source)
        data, sr = sf.read(source, dtype="int16", always_2d=True)
        path = folder / f"{source.stem}_{i:03d}.wav"
        silence = np.zeros((i // len(SAMPLES), data.shape[1]), np.int16)
        sf.write(path, np.concatenate([data, silence]), sr, subtype=info.subtype)
        calls.append(path)
    return calls


def single_in_process(calls: list[Path], *, model: str | None) -> tuple[float, float]:
    """(model load seconds, summed seconds of analyze_call + JSON per call)."""
    from callcheck.pipeline import AnalyzeOptions, analyze_call
    from callcheck.report import render
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model

    start = time.perf_counter()
    transcriber = WhisperTranscriber(resolve_model(model))
    transcriber.model  # noqa: B018 - load now, outside the timed calls
    load_s = time.perf_counter() - start
    total = 0.0
    for call in calls:
        start = time.perf_counter()
        render(analyze_call(call, transcriber=transcriber, options=AnalyzeOptions()), fmt="json")
        total += time.perf_counter() - start
    return load_s, total


def single_cli(calls: list[Path], *, model_args: list[str], out: Path) -> float:
    start = time.perf_counter()
    for call in calls:
        subprocess.run([*CLI, "analyze", str(call), "-o", str(out / f"{call.stem}.json"), *model_args], check=True)
    return time.perf_counter() - start


def batch(folder: Path, *, jobs: int, threads: int, work: Path, model_args: list[str]) -> float:
    """Wall time of `callcheck batch` (start-up included) on a fresh database."""
    db = work / f"bench-j{jobs}-t{threads}-{time.monotonic_ns()}.db"
    start = time.perf_counter()
    result = subprocess.run([*CLI, "batch", str(folder), "--db", str(db), "-j", str(jobs), "--threads", str(threads),
                             *model_args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or "failed 0" not in result.stdout:
        sys.exit(f"batch -j {jobs} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def startup(work: Path, *, model_args: list[str]) -> float:
    """`callcheck batch` on one silent 1 s call: CLI start, worker start, model load, no recognition."""
    folder = work / "silent"
    folder.mkdir()
    sf.write(folder / "silent.wav", np.zeros((16_000, 2), np.int16), 16_000)
    return batch(folder, jobs=1, threads=0, work=work, model_args=model_args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=12, help="number of distinct calls (default 12)")
    parser.add_argument("--quick", action="store_true", help="only the 3 samples, once each")
    parser.add_argument("--model", help="model name or directory (default: whisper-base)")
    parser.add_argument("--no-cli", action="store_true", help="skip the one-process-per-call `callcheck analyze` runs")
    args = parser.parse_args()
    count = len(SAMPLES) if args.quick else args.calls
    model_args = ["--model", args.model] if args.model else []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        calls = make_calls(work / "calls", count)
        audio_s = sum(sf.info(c).duration for c in calls)
        print(f"{count} calls, {audio_s / 60:.1f} min of audio, {os.cpu_count()} cores", flush=True)
        load_s, single_s = single_in_process(calls, model=args.model)
        cli_s = None if args.no_cli else single_cli(calls, model_args=model_args, out=work)
        start_s = startup(work, model_args=model_args)
        j1 = batch(work / "calls", jobs=1, threads=0, work=work, model_args=model_args)
        j1_t1 = batch(work / "calls", jobs=1, threads=1, work=work, model_args=model_args)
        j2 = batch(work / "calls", jobs=2, threads=1, work=work, model_args=model_args)
    rows = [("single analyses in one process (model loaded once, load excluded)", single_s),
            *([("`callcheck analyze` once per call", cli_s)] if cli_s is not None else []),
            ("`callcheck batch --jobs 1` (1 worker, threads = all cores)", j1),
            ("`callcheck batch --jobs 1 --threads 1`", j1_t1),
            ("`callcheck batch --jobs 2` (2 workers x 1 thread)", j2)]
    print(f"\nmodel load {load_s:.1f} s; batch start-up (CLI, worker, model; one silent call) {start_s:.1f} s\n")
    print("| run | wall time | calls/hour |\n|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} s | {3600 * count / seconds:,.0f} |")
    print(f"\nspeed-up 2 jobs vs 1 job, 1 thread per worker: {j1_t1 / j2:.2f}x (target >= 1.7x)")
    print(f"speed-up 2 jobs vs 1 job using all cores (the defaults): {j1 / j2:.2f}x")
    print(f"batch overhead, 1 job vs summed single analyses: {100 * (j1 - single_s) / single_s:+.1f} % in total, "
          f"{100 * (j1 - start_s - single_s) / single_s:+.1f} % after start-up (target <= 5 %)")
    if cli_s is not None:
        print(f"batch, 1 job vs one `callcheck analyze` per call: {100 * (j1 - cli_s) / cli_s:+.1f} %")

if __name__ == "__main__":
    main()
