"""Benchmark the speaker core (issue 12): DER of two-party mono mixes, one-vs-two speaker decisions, speed.

    PYTHONPATH=src CALLCHECK_MODEL=models/whisper-base .venv/bin/python scripts/bench_diarize.py

Data: ../shared/realdata (see its README). References:
- aws_call_auto_repairs and spokenwoz_speechbrain: the mono mix (a + b) / 2 of two
  time-aligned tracks, each party's reference speech = callcheck's VAD on that
  party's clean track (so the reference is exact up to the VAD);
- the same mixes after a G.711 mu-law round trip at 8 kHz (libsndfile's codec);
- pyannote_sample: its gold RTTM.
DER: scripts/der.py (10 ms frames, optimal speaker mapping, overlapped speech
scored, +-0.25 s around every reference boundary not scored, as md-eval `-c 0.25`
and pyannote.metrics `collar=0.5`); the system's speech comes
from callcheck's VAD on the mix, so VAD misses and false alarms count. "oracle"
is the DER when the system is given the reference speech (clustering errors
only). Speed: CPU seconds (user + system, all threads) of the diarization
stage (embeddings, clustering, smoothing) and of Whisper-base recognition of
the same 5-minute mono call, in one run.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.records import Region
from callcheck.signal.audio import read_audio, resample
from callcheck.signal.diarize import Diarization, DiarizeSettings, diarize
from callcheck.signal.regions import merge
from callcheck.signal.speakers import SpeakerEmbedder
from callcheck.signal.vad import asr_chunks, speech_regions
from der import der, read_rttm

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SINGLE = ("silero_vad/de.wav", "silero_vad/en.wav", "osr_joinly/OSR_us_000_0034_8k.wav", "whisper_jfk/jfk.flac",
          "ljspeech_speechbrain/LJ050-0131.wav", "picovoice/leopard_test_de.wav", "picovoice/leopard_test_en.wav",
          "parselmouth_ipa/the_north_wind_and_the_sun.wav", "thorsten_voice/neutral_read/*.wav",
          "thorsten_voice/dataset_gt/*.wav")
DER_TARGETS = {"aws_call_auto_repairs mix": 0.08, "aws_call_auto_repairs mix, mu-law": 0.08,
               "spokenwoz mix": 0.08, "spokenwoz mix, mu-law": 0.08, "pyannote_sample": 0.10}
Segments = dict[str, list[tuple[float, float]]]  # speaker -> (start_s, end_s) pairs


def load_16k(path: Path) -> np.ndarray:
    """float32 (channels, n) at 16 kHz."""
    data, rate = read_audio(path)
    return np.stack([resample(data[:, c], rate_hz=rate) for c in range(data.shape[1])])


def mu_law_round_trip(samples_8k: np.ndarray) -> np.ndarray:
    """G.711 mu-law encode + decode (libsndfile), 8 kHz float32 (n,)."""
    buffer = io.BytesIO()
    sf.write(buffer, samples_8k, 8000, format="WAV", subtype="ULAW")
    buffer.seek(0)
    return sf.read(buffer, dtype="float32")[0]


def two_track_case(a_8k: np.ndarray, b_8k: np.ndarray, *, mu_law: bool) -> tuple[np.ndarray, Segments]:
    """Mono mix (a + b) / 2 at 16 kHz and its reference from each clean track's speech."""
    mix = (a_8k + b_8k) / 2
    if mu_law:
        mix = mu_law_round_trip(mix)
    reference = {name: [(r.start_s, r.end_s) for r in speech_regions(resample(track, rate_hz=8000))]
                 for name, track in (("a", a_8k), ("b", b_8k))}
    return resample(mix, rate_hz=8000), reference


def system_segments(result: Diarization) -> Segments:
    out: Segments = {}
    for turn in result.turns:
        out.setdefault(f"s{turn.speaker}", []).append((turn.start_s, turn.end_s))
    return out


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def der_cases() -> dict[str, tuple[np.ndarray, Segments]]:
    cases = {}
    aws = REALDATA / "aws_call_auto_repairs"
    agent, _ = sf.read(aws / "agent.flac", dtype="float32")
    caller, _ = sf.read(aws / "caller.flac", dtype="float32")
    woz, _ = sf.read(REALDATA / "spokenwoz_speechbrain" / "MUL1011_8k_stereo.flac", dtype="float32")
    for name, (a, b) in (("aws_call_auto_repairs mix", (agent, caller)), ("spokenwoz mix", (woz[:, 0], woz[:, 1]))):
        cases[name] = two_track_case(a, b, mu_law=False)
        cases[f"{name}, mu-law"] = two_track_case(a, b, mu_law=True)
    sample = REALDATA / "pyannote_sample"
    cases["pyannote_sample"] = (load_16k(sample / "sample.wav")[0], read_rttm(sample / "sample.rttm"))
    return cases


def bench_der(embedder: SpeakerEmbedder, settings: DiarizeSettings) -> list[bool]:
    ok = []
    print("DER (collar +-0.25 s, overlap scored; VAD speech / reference speech)")
    for name, (mix, reference) in der_cases().items():
        result = diarize(mix, speech=speech_regions(mix), embedder=embedder, settings=settings)
        oracle_speech = tuple(merge([Region(s, e) for segs in reference.values() for s, e in segs]))
        oracle = diarize(mix, speech=oracle_speech, embedder=embedder, settings=settings)
        d, o = der(reference, system_segments(result)), der(reference, system_segments(oracle))
        target = DER_TARGETS[name]
        ok.append(d.der <= target and result.count.speakers == 2)
        print(f"  {name:36s} DER {d.der:6.1%} (miss {d.missed:5.1%}, false alarm {d.false_alarm:5.1%}, "
              f"confusion {d.confusion:5.1%} of {d.reference_s:5.1f} s)  oracle {o.der:5.1%}  "
              f"[target <= {target:.0%}: {'met' if ok[-1] else 'NOT met'}]  decided {result.count.speakers} "
              f"(similarity {result.count.similarity:.3f} < {result.count.threshold:.3f}, "
              f"confidence {result.count.confidence:.2f})")
    return ok


def bench_single(embedder: SpeakerEmbedder, settings: DiarizeSettings) -> list[bool]:
    ok = []
    print("single-speaker files: decided 1 (cluster similarity >= threshold)")
    for pattern in SINGLE:
        paths = sorted(REALDATA.glob(pattern))
        samples = np.concatenate([load_16k(p).mean(axis=0) for p in paths])
        result = diarize(samples, speech=speech_regions(samples), embedder=embedder, settings=settings)
        ok.append(result.count.speakers == 1)
        label = pattern if len(paths) == 1 else f"{pattern} ({len(paths)} files joined)"
        print(f"  {label:55s} {samples.size / 16000:6.1f} s  {result.windows:4d} windows  decided "
              f"{result.count.speakers} (similarity {result.count.similarity:.3f} vs {result.count.threshold:.3f}, "
              f"confidence {result.count.confidence:.2f})  [{'met' if ok[-1] else 'NOT met'}]")
    falcon = load_16k(REALDATA / "picovoice" / "falcon_test_3spk.wav")[0]
    result = diarize(falcon, speech=speech_regions(falcon), embedder=embedder, settings=settings)
    print(f"  (three voices, picovoice/falcon_test_3spk.wav: decided {result.count.speakers}, "
          f"similarity {result.count.similarity:.3f})")
    return ok


def bench_speed(embedder: SpeakerEmbedder, settings: DiarizeSettings, *, skip_asr: bool) -> list[bool]:
    """Diarization vs Whisper-base CPU time on a 5-minute mono call (the aws mix, then the SpokenWOZ mix).

    The machine may be shared: diarization runs before and after recognition and
    the mean of the two counts, so both stages see about the same load.
    """
    aws, woz = der_cases()["aws_call_auto_repairs mix"][0], der_cases()["spokenwoz mix"][0]
    call = np.concatenate([aws, woz])[: 300 * 16000]
    c0 = cpu_s()
    speech = speech_regions(call)
    vad_s = cpu_s() - c0
    first_s, result = _timed_diarize(call, speech, embedder, settings)
    print(f"speed, 5-minute mono call ({sum(r.duration_s for r in speech):.0f} s speech, {result.windows} windows):")
    print(f"  diarization {first_s:5.1f} s CPU (VAD before it, shared with the pipeline: {vad_s:.1f} s)")
    if skip_asr:
        return []
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model

    transcriber = WhisperTranscriber(resolve_model(None))
    transcriber.model  # noqa: B018  (load outside the timing)
    c1, t1 = cpu_s(), time.perf_counter()
    words = transcriber.transcribe(call, chunks=asr_chunks(speech, duration_s=call.size / 16000), language="en")
    asr_s = cpu_s() - c1
    wall_s = time.perf_counter() - t1
    second_s, _ = _timed_diarize(call, speech, embedder, settings)
    diar_s = (first_s + second_s) / 2
    ratio = diar_s / asr_s
    print(f"  Whisper-base ASR {asr_s:5.1f} s CPU ({wall_s:.1f} s wall, {len(words)} words); diarization again "
          f"{second_s:.1f} s, mean {diar_s:.1f} s = {1000 * diar_s / result.windows:.0f} ms per window")
    print(f"  diarization / ASR = {ratio:.1%}  [target <= 10%: {'met' if ratio <= 0.10 else 'NOT met'}]")
    return [ratio <= 0.10]


def _timed_diarize(call, speech, embedder, settings) -> tuple[float, Diarization]:
    start = cpu_s()
    result = diarize(call, speech=speech, embedder=embedder, settings=settings)
    return cpu_s() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="speaker ONNX model (default: the committed int8 CAM++)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--window-s", type=float, default=DiarizeSettings().window_s)
    parser.add_argument("--step-s", type=float, default=DiarizeSettings().step_s)
    parser.add_argument("--skip-asr", action="store_true", help="do not time Whisper (no speed ratio)")
    args = parser.parse_args()
    if not REALDATA.is_dir():
        print(f"no {REALDATA}: nothing to benchmark")
        return 0
    embedder = SpeakerEmbedder(args.model, threads=args.threads)
    settings = DiarizeSettings(window_s=args.window_s, step_s=args.step_s)
    ok = bench_der(embedder, settings) + bench_single(embedder, settings)
    ok += bench_speed(embedder, settings, skip_asr=args.skip_asr)
    print(f"{sum(ok)} of {len(ok)} targets met")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
