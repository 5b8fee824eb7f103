"""Benchmark: every recording layout read correctly (issue 12's targets), each printed with its value.

Uses ../shared/realdata (not part of this repository):
- aws_call_auto_repairs (agent and caller on separate tracks: any mix of them has an exact reference),
- spokenwoz_speechbrain (stereo 8 kHz, caller left, agent right),
- pyannote_sample (mono two-party call, gold RTTM),
- the single-speaker recordings.

For each two-track call: the stereo analysis is the reference; the mono mix (a+b)/2 (also after a
G.711 mu-law round trip) must be decided "mixed", diarized (DER, collar 0.25 s, overlap scored, against
each track's own speech regions), have the right agent, give >= 95 % of the agent's words to the agent
and agree with the stereo metrics; the mix saved as dual-mono through AAC/MP3/Opus must be read as one
signal; leakage of each party into the other channel 20/30 dB down (20-60 ms late) must leave the
interruptions and the overlap as in the clean call. Speed: the layout stage against the ASR time on a
5-minute mono call, measured in the same run.

    python scripts/bench_layout.py            # everything (~10 minutes on 2 cores)
    python scripts/bench_layout.py --quick    # one call, fewer variants
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audio_codecs import roundtrip  # noqa: E402
from callcheck import parties  # noqa: E402
from callcheck.pipeline import AnalyzeOptions, analyze_call  # noqa: E402
from callcheck.records import CallReport  # noqa: E402
from callcheck.signal.audio import resample  # noqa: E402
from callcheck.signal.vad import speech_regions  # noqa: E402
from callcheck.speech.asr import WhisperSettings, WhisperTranscriber  # noqa: E402
from callcheck.speech.models import resolve_model  # noqa: E402
from der import der, read_rttm  # noqa: E402

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
SINGLE = ("silero_vad/de.wav", "silero_vad/en.wav", "osr_joinly", "whisper_jfk", "ljspeech_speechbrain",
          "thorsten_voice", "picovoice/leopard_test_de.wav", "picovoice/leopard_test_en.wav", "parselmouth_ipa")


@dataclass(frozen=True)
class TwoTrack:
    name: str
    agent: np.ndarray  # float32 at `sr`
    customer: np.ndarray
    sr: int


def two_track_calls(quick: bool) -> list[TwoTrack]:
    calls = []
    aws = REALDATA / "aws_call_auto_repairs"
    if aws.exists():
        agent, sr = sf.read(aws / "agent.flac", dtype="float32")
        caller, _ = sf.read(aws / "caller.flac", dtype="float32")
        calls.append(TwoTrack("aws_call_auto_repairs", agent, caller, sr))
    woz = REALDATA / "spokenwoz_speechbrain" / "MUL1011_8k_stereo.flac"
    if woz.exists() and not quick:
        data, sr = sf.read(woz, dtype="float32")
        calls.append(TwoTrack("spokenwoz", data[:, 1], data[:, 0], sr))
    return calls


class Timed:
    """A pipeline hook that records when each stage ended (wall clock and this process's CPU time)."""

    def __init__(self):
        self.marks: dict[str, float] = {"start": time.perf_counter()}
        self.cpu: dict[str, float] = {"start": time.process_time()}

    def __call__(self, stage, value):
        self.marks[stage] = time.perf_counter()
        self.cpu[stage] = time.process_time()

    def span(self, first: str, last: str) -> float:
        return self.marks[last] - self.marks[first]

    def cpu_span(self, first: str, last: str) -> float:
        return self.cpu[last] - self.cpu[first]


def analyze(path: Path, transcriber, **options) -> tuple[CallReport, Timed]:
    timed = Timed()
    report = analyze_call(path, transcriber=transcriber, options=AnalyzeOptions(language="auto", **options), hook=timed)
    return report, timed


def reference_regions(call: TwoTrack) -> dict[str, list[tuple[float, float]]]:
    return {role: [(r.start_s, r.end_s) for r in speech_regions(resample(x, rate_hz=call.sr))]
            for role, x in (("agent", call.agent), ("customer", call.customer))}


def hypothesis(report: CallReport) -> dict[str, list[tuple[float, float]]]:
    return {s.role: [(r.start_s, r.end_s) for r in s.regions] for s in report.speakers}


def agent_word_share(report: CallReport, reference: dict) -> float:
    """Of the mix's words lying in the agent's true speech only, the share given to the agent."""
    def inside(word, segs):
        middle = (word.start_s + word.end_s) / 2
        return any(a <= middle <= b for a, b in segs)

    words = [(s.role, w) for s in report.speakers for w in s.words]
    agent_words = [(role, w) for role, w in words if inside(w, reference["agent"]) and not inside(w, reference["customer"])]
    return sum(role == "agent" for role, _ in agent_words) / max(len(agent_words), 1)


def row(target: str, value: str, ok: bool) -> None:
    print(f"| {target} | {value} | {'pass' if ok else 'FAIL'} |", flush=True)


def bench_mixes(calls: list[TwoTrack], transcriber, tmp: Path, *, quick: bool) -> None:
    for call in calls:
        stereo_path = tmp / f"{call.name}_stereo.wav"
        sf.write(stereo_path, np.column_stack([call.agent, call.customer]), call.sr)
        stereo, _ = analyze(stereo_path, transcriber)
        reference = reference_regions(call)
        mix = (call.agent + call.customer) / 2
        variants = {"mix": mix}
        if not quick:
            variants["mix, mu-law"] = roundtrip(mix, sr=call.sr, codec="ulaw")[0][:, 0]
        for label, signal in variants.items():
            path = tmp / f"{call.name}_{label.replace(', ', '_')}.wav"
            sf.write(path, signal, call.sr)
            report, _ = analyze(path, transcriber)
            layout = report.layout
            result = der(reference, hypothesis(report))
            row(f"{call.name} {label}: layout", f"{layout.kind} ({layout.reason})", layout.kind == "mixed")
            row(f"{call.name} {label}: DER (collar 0.25 s, overlap scored)",
                f"{result.der:.1%} (missed {result.missed:.1%}, false alarm {result.false_alarm:.1%}, "
                f"confusion {result.confusion:.1%})", result.der <= 0.08)
            share = agent_word_share(report, reference)
            row(f"{call.name} {label}: agent found, agent's words to the agent",
                f"confidence {layout.agent_speaker_confidence}, {share:.1%} of words", share >= 0.95)
            compare_metrics(f"{call.name} {label}", stereo, report)


def compare_metrics(name: str, stereo: CallReport, mixed: CallReport) -> None:
    a, b = stereo.measurements.roles["agent"], mixed.measurements.roles["agent"]
    ca, cb = stereo.measurements.conversation, mixed.measurements.conversation
    checks = [
        ("articulation rate", a.articulation_rate_sps, b.articulation_rate_sps,
         lambda x, y: abs(y - x) <= 0.10 * x, "within 10 %"),
        ("pitch SD (st)", a.pitch_sd_st, b.pitch_sd_st, lambda x, y: abs(y - x) <= 0.5, "within 0.5 st"),
        ("median response gap (s)", ca.response_gap_median_s, cb.response_gap_median_s,
         lambda x, y: abs(y - x) <= 0.25, "within 0.25 s"),
        ("talk share", a.talk_share, b.talk_share, lambda x, y: abs(y - x) <= 0.05, "within 0.05"),
    ]
    for label, x, y, good, limit in checks:
        ok = x is not None and y is not None and good(x, y)
        shown = "n/a" if x is None or y is None else f"stereo {x:.3f}, mix {y:.3f}"
        row(f"{name}: agent {label} vs stereo ({limit})", shown, ok)


def bench_pyannote(transcriber) -> None:
    folder = REALDATA / "pyannote_sample"
    if not folder.exists():
        return
    report, _ = analyze(folder / "sample.wav", transcriber)
    result = der(read_rttm(folder / "sample.rttm"), hypothesis(report))
    row("pyannote_sample: layout", f"{report.layout.kind} ({report.layout.reason})", report.layout.kind == "mixed")
    row("pyannote_sample: DER vs gold RTTM (collar 0.25 s, overlap scored)",
        f"{result.der:.1%} (missed {result.missed:.1%}, false alarm {result.false_alarm:.1%}, "
        f"confusion {result.confusion:.1%})", result.der <= 0.10)


def single_files() -> list[Path]:
    out = []
    for item in SINGLE:
        path = REALDATA / item
        out += sorted(p for p in path.rglob("*") if p.suffix in (".wav", ".flac")) if path.is_dir() else [path]
    return [p for p in out if p.exists()]


def bench_single(transcriber, *, quick: bool) -> None:
    files = single_files()[: 4 if quick else None]
    decided = {}
    for path in files:
        data, sr = sf.read(path, dtype="float32", always_2d=True)
        mono = path if data.shape[1] == 1 else None
        if mono is None:  # whisper_jfk is stereo: one voice on both channels
            mono = Path(tempfile.mkdtemp()) / path.name
            sf.write(mono.with_suffix(".wav"), data.mean(axis=1), sr)
            mono = mono.with_suffix(".wav")
        report, _ = analyze(mono, transcriber)
        decided[path.relative_to(REALDATA)] = (report.layout.kind, report.layout.speaker_separation)
    wrong = {str(p): kind for p, (kind, _) in decided.items() if kind != "single"}
    seps = [s for _, s in decided.values() if s is not None]
    row(f"single-speaker files decided single ({len(decided)} files)",
        f"{len(decided) - len(wrong)}/{len(decided)}; separations {min(seps, default=0):.2f}-{max(seps, default=0):.2f}"
        + (f"; wrong: {wrong}" if wrong else ""), not wrong)


def bench_dual_mono(calls: list[TwoTrack], transcriber, tmp: Path) -> None:
    for call in calls[:1]:
        mix = (call.agent + call.customer) / 2
        for codec in ("aac", "mp3", "opus"):
            decoded, rate = roundtrip(np.column_stack([mix, mix]), sr=call.sr, codec=codec)
            path = tmp / f"{call.name}_dual_{codec}.wav"
            sf.write(path, decoded, rate)
            report, _ = analyze(path, transcriber)
            conv = report.measurements.conversation
            ok = report.layout.kind in ("mixed", "single") and "same signal" in report.layout.reason
            row(f"{call.name} dual-mono through {codec}: read as one signal",
                f"{report.layout.kind}; overlap {conv.overlap_s if conv.overlap_s is not None else 'n/a'} s", ok)


def leaked(own: np.ndarray, other: np.ndarray, *, down_db: float, delay_s: float, sr: int) -> np.ndarray:
    d = int(delay_s * sr)
    late = np.concatenate([np.zeros(d, np.float32), other[: other.size - d]])
    return (own + 10 ** (-down_db / 20) * late).astype(np.float32)


def bench_leakage(calls: list[TwoTrack], transcriber, tmp: Path, *, quick: bool) -> None:
    for call in calls:
        clean_path = tmp / f"{call.name}_clean.wav"
        sf.write(clean_path, np.column_stack([call.agent, call.customer]), call.sr)
        clean, _ = analyze(clean_path, transcriber)
        base = clean.measurements.conversation
        for down_db, delay_s in ((20, 0.02), (30, 0.06)) if quick else ((20, 0.02), (20, 0.06), (30, 0.02), (30, 0.06)):
            a = leaked(call.agent, call.customer, down_db=down_db, delay_s=delay_s, sr=call.sr)
            c = leaked(call.customer, call.agent, down_db=down_db, delay_s=delay_s, sr=call.sr)
            path = tmp / f"{call.name}_leak{down_db}_{int(delay_s * 1000)}.wav"
            sf.write(path, np.column_stack([a, c]), call.sr)
            report, _ = analyze(path, transcriber)
            conv = report.measurements.conversation
            same = [(e.interrupter, round(e.start_s)) for e in conv.interruptions] == \
                [(e.interrupter, round(e.start_s)) for e in base.interruptions]
            ok = same and abs(conv.overlap_s - base.overlap_s) <= 1.0
            row(f"{call.name} leak {down_db} dB down, {delay_s * 1000:.0f} ms: interruptions, overlap vs clean",
                f"{len(conv.interruptions)} vs {len(base.interruptions)} interruptions; overlap {conv.overlap_s:.2f} s vs "
                f"{base.overlap_s:.2f} s", ok)


def bench_speed(calls: list[TwoTrack], transcriber, tmp: Path) -> None:
    """Layout stage vs ASR on a 5-minute mono call, both models loaded beforehand (each loads once
    per process; Whisper's load was never in the ASR time). Wall clock and CPU time (all threads of
    this process): on a shared machine the CPU time says more, the wall clock depends on the others."""
    call = calls[0]
    mix = (call.agent + call.customer) / 2
    repeats = int(np.ceil(300 * call.sr / mix.size))
    five = np.tile(mix, repeats)[: 300 * call.sr]
    path = tmp / "five_minutes_mono.wav"
    sf.write(path, five, call.sr)
    start = time.perf_counter()
    parties._embedder().session  # noqa: B018  (open the speaker model outside the timing)
    load_s = time.perf_counter() - start
    transcriber.model  # noqa: B018
    report, timed = analyze(path, transcriber)
    layout_s, asr_s = timed.span("vad", "layout"), timed.span("language", "asr")
    layout_cpu, asr_cpu = timed.cpu_span("vad", "layout"), timed.cpu_span("language", "asr")
    row("speed: layout stage (single/mixed + diarization) vs ASR on a 5-minute mono call",
        f"wall {layout_s:.2f} s vs {asr_s:.1f} s ASR = {layout_s / asr_s:.1%}; CPU {layout_cpu:.2f} s vs "
        f"{asr_cpu:.1f} s = {layout_cpu / asr_cpu:.1%} ({report.layout.kind}; speaker model opened once before: "
        f"{load_s:.2f} s)", layout_s <= 0.10 * asr_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one call, fewer variants")
    args = parser.parse_args()
    if not REALDATA.exists():
        print(f"real data not found at {REALDATA}", file=sys.stderr)
        return 1
    transcriber = WhisperTranscriber(resolve_model(None), settings=WhisperSettings())
    calls = two_track_calls(args.quick)
    print("| target | measured | result |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        bench_speed(calls, transcriber, tmp)
        bench_mixes(calls, transcriber, tmp, quick=args.quick)
        bench_pyannote(transcriber)
        bench_single(transcriber, quick=args.quick)
        bench_dual_mono(calls, transcriber, tmp)
        bench_leakage(calls, transcriber, tmp, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
