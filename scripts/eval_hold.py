"""Hold-music detection (`callcheck.signal.music`) on real speech and on synthetic music spliced into real calls.

1. False alarms: every recording of ../shared/realdata (each channel, and the
   mono mix of the two-channel ones and of the AWS tracks), the repository's
   samples and, when present, the generated corpora in ../eval: each must give
   no hold stretch.
2. Detection: synthetic hold music (scripts/holdsynth.py: chords, piano, a
   melody with and without vibrato, a pop loop with drums, a picked guitar;
   clean and through an 8 kHz mu-law line; music under an announcement;
   an announcement alone; music and announcement taking turns) spliced into
   real calls (the AWS agent track with its caller, SpokenWOZ, a German and an
   English monologue, a mixed mono call): start and end error of each found
   stretch against the truth.
   With --music DIR, recordings of real music (e.g. the CC-BY pieces of the
   librosa example data: a waltz, ragtime piano, a string orchestra, a song,
   jazz with drums, drum and bass) are spliced in the same way; --speech DIR
   adds recordings of real speech to the false-alarm check.
3. Cost: the detector's time per minute of audio, next to the speech
   detector's (and Whisper's with --asr).

    PYTHONPATH=src python scripts/eval_hold.py [--quick] [--asr] [--music DIR] [--speech DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))

import holdsynth as hs  # noqa: E402
from callcheck.signal.audio import load_recording  # noqa: E402
from callcheck.signal.music import HoldSettings, hold_regions  # noqa: E402
from callcheck.signal.vad import speech_regions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
CORPORA = ROOT.parent / "eval"
SR = 16_000
AUDIO = {".wav", ".flac", ".ogg"}
ANNOUNCEMENT = {
    "en": "Thank you for calling. All our agents are busy at the moment. Please hold the line, "
          "your call is important to us. The next available agent will be with you shortly.",
    "de": "Vielen Dank für Ihren Anruf. Zurzeit sind alle Mitarbeiter im Gespräch. Bitte bleiben Sie in der "
          "Leitung, Ihr Anruf ist uns wichtig. Der nächste freie Mitarbeiter ist gleich für Sie da.",
}


@dataclass(frozen=True)
class Case:
    name: str
    truth: tuple[tuple[float, float], ...]  # where hold music really is (s); () = none expected
    found: tuple[tuple[float, float], ...]
    seconds: float  # audio length
    hold_s: float  # detector time
    vad_s: float  # speech detector time


def detect(x: np.ndarray) -> tuple[tuple[tuple[float, float], ...], float, float]:
    """(hold stretches, detector time, VAD time) of one 16 kHz channel."""
    t0 = time.perf_counter()
    speech = speech_regions(x)
    t1 = time.perf_counter()
    found = hold_regions(x, sample_rate_hz=SR, speech=speech, settings=HoldSettings())
    t2 = time.perf_counter()
    return tuple((h.start_s, h.end_s) for h in found), t2 - t1, t1 - t0


def read_16k(path: Path) -> np.ndarray:
    """Any file soundfile reads (also Ogg Vorbis), as 16 kHz mono."""
    from callcheck.signal.audio import resample

    y, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(y.mean(axis=1), rate_hz=sr)


def channels_of(path: Path) -> list[tuple[str, np.ndarray]]:
    """Each channel at 16 kHz, plus the mono mix of a multi-channel file."""
    if path.suffix.lower() == ".ogg":
        return [("mono", read_16k(path))]
    recording = load_recording(path, channel_map={"agent": 0, "customer": 1}) if _channels(path) == 2 \
        else load_recording(path)
    chans = [(f"ch{c.index}", c.samples) for c in sorted(recording.channels, key=lambda c: c.index)]
    if len(chans) == 2:
        chans.append(("mix", 0.5 * (chans[0][1] + chans[1][1])))
    return chans


def _channels(path: Path) -> int:
    return sf.info(str(path)).channels


def false_alarms(folders: list[Path], *, limit: int | None) -> list[Case]:
    cases = []
    for folder in folders:
        if not folder.is_dir():
            continue
        paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO)[:limit]
        for path in paths:
            for label, x in channels_of(path):
                found, hold_s, vad_s = detect(x)
                cases.append(Case(f"{path.relative_to(folder.parent)} {label}", (), found, x.size / SR, hold_s, vad_s))
    aws = REALDATA / "aws_call_auto_repairs"
    if (aws / "agent.flac").exists():
        a, c = (load_recording(aws / f).channels[0].samples for f in ("agent.flac", "caller.flac"))
        n = min(a.size, c.size)
        found, hold_s, vad_s = detect(0.5 * (a[:n] + c[:n]))
        cases.append(Case("realdata/aws_call_auto_repairs agent+caller mix", (), found, n / SR, hold_s, vad_s))
    return cases


def espeak(text: str, *, voice: str) -> np.ndarray | None:
    """An announcement by espeak-ng at 16 kHz (None without espeak-ng)."""
    if shutil.which("espeak-ng") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True, capture_output=True)
        y, sr = sf.read(wav, dtype="float32")
    from callcheck.signal.audio import resample

    return resample(y, rate_hz=sr)


def hold_audio(kind: str, *, duration_s: float, seed: int, language: str) -> np.ndarray | None:
    """`duration_s` of hold audio of `kind` (a style of holdsynth, "line:" + style, a voice case, or
    "file:" / "file-line:" + the path of a music recording: 5 s in), RMS -22 dBFS."""
    if kind.startswith(("file:", "file-line:")):
        y = read_16k(Path(kind.split(":", 1)[1]))
        y = y[5 * SR:(5 + int(duration_s)) * SR] if y.size > (10 + duration_s) * SR else y[:int(duration_s * SR)]
        return hs.level(hs.telephone(y, sr=SR) if kind.startswith("file-line:") else y, dbfs=-22)
    if kind in hs.STYLES:
        return hs.level(hs.music(kind, duration_s=duration_s, sr=SR, seed=seed), dbfs=-22)
    if kind.startswith("line:"):
        return hs.level(hs.telephone(hs.music(kind[5:], duration_s=duration_s, sr=SR, seed=seed), sr=SR), dbfs=-22)
    if kind == "quiet-pad":
        return hs.level(hs.music("pad", duration_s=duration_s, sr=SR, seed=seed), dbfs=-38)
    voice = espeak(ANNOUNCEMENT[language], voice="de" if language == "de" else "en-us")
    if voice is None:
        return None
    n = int(duration_s * SR)
    spoken = np.resize(np.concatenate([voice, np.zeros(SR, np.float32)]), n)
    if kind == "voice-over":  # an announcement 10 dB under the music bed
        bed = hs.level(hs.music("pad", duration_s=duration_s, sr=SR, seed=seed), dbfs=-22)
        return bed + hs.level(spoken, dbfs=-32)
    if kind == "announcement":  # the announcement alone, looped
        return hs.level(spoken, dbfs=-22)
    raise ValueError(kind)


def hosts() -> list[tuple[str, np.ndarray, np.ndarray | None, float]]:
    """(name, agent/mono signal, customer signal or None, where to splice) of real calls to put hold into."""
    out = []
    aws = REALDATA / "aws_call_auto_repairs"
    if (aws / "agent.flac").exists():
        a, c = (load_recording(aws / f).channels[0].samples for f in ("agent.flac", "caller.flac"))
        n = min(a.size, c.size)
        out.append(("aws stereo", a[:n], c[:n], 61.0))
        out.append(("aws mono mix", 0.5 * (a[:n] + c[:n]), None, 61.0))
    woz = REALDATA / "spokenwoz_speechbrain" / "MUL1011_8k_stereo.flac"
    if woz.exists():
        rec = load_recording(woz, channel_map={"agent": 1, "customer": 0})
        out.append(("spokenwoz stereo 8k", rec.channel("agent").samples, rec.channel("customer").samples, 40.0))
    for name in ("de", "en"):
        path = REALDATA / "silero_vad" / f"{name}.wav"
        if path.exists():
            out.append((f"silero {name} monologue", load_recording(path).channels[0].samples, None, 25.0))
    sample = REALDATA / "pyannote_sample" / "sample.wav"
    if sample.exists():
        out.append(("pyannote mono mix", load_recording(sample).channels[0].samples, None, 12.0))
    return out


def splice(x: np.ndarray, hold: np.ndarray, at_s: float, *, seed: int) -> np.ndarray:
    """`x` with `hold` inserted at `at_s` (the call pauses while the music plays)."""
    i = int(at_s * SR)
    return np.concatenate([x[:i], hold, x[i:]]).astype(np.float32)


def detection(kinds: list[str], *, duration_s: float, only: tuple[str, ...] = ()) -> list[Case]:
    cases = []
    for seed, (host, agent, customer, at_s) in enumerate(hosts()):
        if only and host not in only:
            continue
        language = "de" if " de " in f" {host} " else "en"
        for kind in kinds:
            if kind == "turns":  # music 12 s, announcement, music 12 s
                parts = [hold_audio("pad", duration_s=12, seed=seed, language=language),
                         hold_audio("announcement", duration_s=7, seed=seed, language=language),
                         hold_audio("pad", duration_s=12, seed=seed + 1, language=language)]
                if parts[1] is None:
                    continue
                hold = np.concatenate(parts)
                truth = ((at_s, at_s + 12), (at_s + 19, at_s + 31))
            else:
                hold = hold_audio(kind, duration_s=duration_s, seed=seed, language=language)
                if hold is None:
                    continue
                truth = () if kind == "announcement" else ((at_s, at_s + hold.size / SR),)
            x = splice(agent, hold, at_s, seed=seed)
            found, hold_s, vad_s = detect(x)
            label = kind if ":" not in kind or kind.startswith("line:") else \
                f"{kind.split(':')[0]}:{Path(kind.split(':', 1)[1]).name[:40]}"
            cases.append(Case(f"{host}: {label}", truth, found, x.size / SR, hold_s, vad_s))
            if customer is not None:  # the customer's channel gets quiet line noise meanwhile: no hold there
                line = np.random.default_rng(seed).standard_normal(hold.size).astype(np.float32) * 10 ** (-65 / 20)
                found, hold_s, vad_s = detect(splice(customer, line, at_s, seed=seed))
                cases.append(Case(f"{host}: {kind} (customer channel)", (), found, x.size / SR, hold_s, vad_s))
    return cases


def errors(case: Case) -> tuple[list[tuple[float, float]], float, int]:
    """(start/end error per true stretch (NaN when missed), seconds found outside the truth, stretches missed)."""
    out, missed = [], 0
    for lo, hi in case.truth:
        best = max(case.found, key=lambda f: min(f[1], hi) - max(f[0], lo), default=None)
        if best is None or min(best[1], hi) <= max(best[0], lo):
            out.append((np.nan, np.nan))
            missed += 1
        else:
            out.append((best[0] - lo, best[1] - hi))
    extra = sum(max(0.0, (f[1] - f[0]) - sum(max(0.0, min(f[1], hi) - max(f[0], lo)) for lo, hi in case.truth))
                for f in case.found)
    return out, extra, missed


def report(title: str, cases: list[Case]) -> None:
    print(f"\n## {title}\n")
    print("| case | truth (s) | found (s) | start / end error (s) | outside truth (s) |")
    print("|---|---|---|---|---|")
    for case in cases:
        errs, extra, _ = errors(case)
        shown = ", ".join(f"{s:+.2f} / {e:+.2f}" for s, e in errs) or "-"
        print(f"| {case.name} | {_spans(case.truth)} | {_spans(case.found)} | {shown} | {extra:.1f} |")


def _spans(spans) -> str:
    return ", ".join(f"{a:.1f}-{b:.1f}" for a, b in spans) or "none"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases: the first 3 files per corpus folder")
    parser.add_argument("--asr", action="store_true", help="also time Whisper base on a 60 s real recording")
    parser.add_argument("--no-corpora", action="store_true", help="skip the generated corpora in ../eval")
    parser.add_argument("--music", type=Path, help="a folder of music recordings to splice into real calls")
    parser.add_argument("--speech", type=Path, help="a folder of further real speech for the false-alarm check")
    args = parser.parse_args()
    if not REALDATA.is_dir():
        print(f"no {REALDATA}: nothing to evaluate")
        return 1
    folders = [REALDATA, ROOT / "samples"]
    if not args.no_corpora:
        folders += sorted(p for p in CORPORA.glob("*") if p.is_dir() and p.name != "cache")
    quiet = false_alarms(folders[:2] + ([args.speech] if args.speech else []), limit=None) \
        + false_alarms(folders[2:], limit=3 if args.quick else None)
    alarms = [c for c in quiet if c.found]
    print(f"# Hold detection\n\nfalse alarms on real and synthetic speech: {len(alarms)} of {len(quiet)} channels "
          f"({sum(c.seconds for c in quiet) / 60:.1f} min)")
    for case in alarms:
        print(f"- FALSE ALARM {case.name}: {_spans(case.found)}")
    kinds = ["pad", "piano", "melody", "vibrato", "pop", "pluck", "line:pad", "line:melody", "line:vibrato",
             "line:pluck", "quiet-pad", "voice-over", "announcement", "turns"]
    if args.quick:
        kinds = ["pad", "line:melody", "voice-over", "announcement"]
    found = detection(kinds, duration_s=30.0)
    report("Synthetic hold spliced into real calls", found)
    if args.music:
        pieces = sorted(p for p in args.music.iterdir() if p.suffix.lower() in AUDIO)
        real = detection([f"{how}:{p}" for p in pieces for how in ("file", "file-line")], duration_s=30.0,
                         only=("aws stereo", "silero de monologue"))
        report("Real music recordings spliced into real calls", real)
        summary(real)
    summary(found)
    everything = quiet + found
    minutes = sum(c.seconds for c in everything) / 60
    print(f"\ncost: hold detector {sum(c.hold_s for c in everything) / minutes * 1000:.0f} ms per minute of audio "
          f"(speech detector: {sum(c.vad_s for c in everything) / minutes * 1000:.0f} ms per minute)")
    if args.asr:
        print(asr_time())
    return 0


def summary(cases: list[Case]) -> None:
    """How many true stretches were found, how exactly, and how much was found where there was none."""
    hits = [e for c in cases for e in errors(c)[0] if c.truth]
    detected = [e for e in hits if np.isfinite(e[0])]
    edge = np.abs(np.array(detected)).ravel() if detected else np.zeros(0)
    covered = sum(max(0.0, min(f[1], hi) - max(f[0], lo)) for c in cases for lo, hi in c.truth for f in c.found)
    truth = sum(hi - lo for c in cases for lo, hi in c.truth)
    wrong = [c for c in cases if not c.truth and c.found]
    print(f"\nstretches of music found: {len(detected)} of {len(hits)}, {covered / truth:.0%} of their time; "
          + (f"edge error median {np.median(edge):.2f} s, max {edge.max():.2f} s, within 1 s: {np.mean(edge <= 1.0):.0%}"
             if edge.size else "no edges"))
    print(f"channels without music that got a hold stretch: {len(wrong)} ({', '.join(c.name for c in wrong) or '-'}); "
          f"found outside the truth: {sum(errors(c)[1] for c in cases):.1f} s")


def asr_time() -> str:
    """Whisper base on the 60 s English monologue, for the cost comparison."""
    from callcheck.signal.vad import VadSettings, asr_chunks
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model

    x = load_recording(REALDATA / "silero_vad" / "en.wav").channels[0].samples
    speech = speech_regions(x)
    settings = VadSettings()
    chunks = asr_chunks(speech, duration_s=x.size / SR, pad_s=settings.asr_pad_ms / 1000,
                        merge_gap_s=settings.asr_merge_gap_ms / 1000)
    transcriber = WhisperTranscriber(resolve_model())
    t0 = time.perf_counter()
    transcriber.transcribe(x, chunks=chunks, language="en")
    asr_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hold_regions(x, sample_rate_hz=SR, speech=speech)
    hold_s = time.perf_counter() - t0
    return (f"Whisper base: {asr_s:.1f} s for {x.size / SR:.0f} s of speech; hold detector {hold_s * 1000:.0f} ms "
            f"= {hold_s / asr_s:.2%} of it")


if __name__ == "__main__":
    raise SystemExit(main())
