"""Benchmark callcheck.signal.pitch against Praat (parselmouth) on ../shared/realdata.

Every file is resampled to 16 kHz mono float32 (resample_poly, as the loader
does; the stereo call is split into its two channels) and given to both
trackers with the same floor/ceiling and a 10 ms step. Statistics are computed
the same way for both: all voiced frames of the whole file, semitones re the
median, population SD, p10-p90 range. Speeds are best-of-N wall times in the
same run, pinned to one CPU core by default (Praat would otherwise use threads).

Pass: |SD ours - SD Praat| < 0.3 st and median within 3 %, required for every
file with >= 5 s of (Praat-)voiced speech; exit status 1 if one fails.

    python scripts/bench_pitch.py [--realdata DIR] [--floor-hz 60] [--ceiling-hz 500]

parselmouth (GPL) is a dev/benchmark dependency only; librosa.pyin is timed
once on the first 10 s of one file, for the record.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from callcheck.signal.pitch import fold_octave_jumps, pitch_stats, semitones, track_pitch

SR = 16_000
HOP_S = 0.01
SD_TOLERANCE_ST = 0.3
MEDIAN_TOLERANCE = 0.03
MIN_VOICED_S = 5.0
FILES: list[tuple[str, int | None]] = [  # (path under realdata, channel or None = mono mix)
    ("silero_vad/de.wav", None),
    ("silero_vad/en.wav", None),
    ("osr_joinly/OSR_us_000_0034_8k.wav", None),
    ("pyannote_sample/sample.wav", None),
    ("spokenwoz_speechbrain/MUL1011_8k_stereo.flac", 0),
    ("spokenwoz_speechbrain/MUL1011_8k_stereo.flac", 1),
    ("whisper_jfk/jfk.flac", None),
    ("ljspeech_speechbrain/LJ050-0131.wav", None),
    ("picovoice/falcon_test_3spk.wav", None),
    ("picovoice/leopard_test_de.wav", None),
    ("picovoice/leopard_test_en.wav", None),
]


def load_16k(path: Path, channel: int | None) -> tuple[np.ndarray, int]:
    """16 kHz float32 mono of one channel (or the mean of all); also the native rate."""
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    x = data[:, channel] if channel is not None else data.mean(axis=1)
    if rate != SR:
        g = gcd(rate, SR)
        x = resample_poly(x, SR // g, rate // g)
    return np.ascontiguousarray(x, dtype=np.float32), rate


def best_time(fn, repeats: int) -> tuple[float, object]:
    """Smallest wall time of `repeats` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def stats_of(f0_hz: np.ndarray, *, hop_s: float = HOP_S) -> tuple[float, float, float, float]:
    """(median Hz, SD st, p10-p90 st, voiced s) of voiced frames (f0 > 0, finite), `hop_s` per frame."""
    f0 = f0_hz[np.isfinite(f0_hz) & (f0_hz > 0)]
    if f0.size < 2:
        return float("nan"), float("nan"), float("nan"), f0.size * hop_s
    st = semitones(f0, ref_hz=float(np.median(f0)))
    p10, p90 = np.percentile(st, [10, 90])
    return float(np.median(f0)), float(st.std()), float(p90 - p10), f0.size * hop_s


def praat_pitch(x: np.ndarray, *, floor_hz: float, ceiling_hz: float, time_step_s: float | None = HOP_S):
    """Praat's "To Pitch (ac)" on a 16 kHz signal; time_step_s=None = Praat's default (0.75 / floor).

    Returns the parselmouth Pitch object (frequency 0 on unvoiced frames).
    """
    import parselmouth

    sound = parselmouth.Sound(np.asarray(x, dtype=np.float64), SR)
    return sound.to_pitch_ac(time_step=time_step_s, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)


def compare(x: np.ndarray, args) -> dict:
    """Run both trackers on one 16 kHz signal and return the table row."""
    dur = x.size / SR
    t_ours, track = best_time(lambda: track_pitch(
        x, sr=SR, floor_hz=args.floor_hz, ceiling_hz=args.ceiling_hz, hop_s=HOP_S), args.repeats)
    t_praat, pitch = best_time(lambda: praat_pitch(
        x, floor_hz=args.floor_hz, ceiling_hz=args.ceiling_hz), args.repeats)
    f_praat = pitch.selected_array["frequency"]
    # frame-level agreement: nearest frames (both grids are centred, 10 ms)
    idx = np.clip(np.rint((pitch.xs() - track.times_s[0]) / HOP_S).astype(int), 0, track.f0_hz.size - 1)
    v_ours, v_praat = track.voiced[idx], f_praat > 0
    both = v_ours & v_praat
    gross = np.abs(12 * np.log2(track.f0_hz[idx][both] / f_praat[both])) > 1.0
    ours, praat = stats_of(track.f0_hz), stats_of(f_praat)
    return dict(
        dur=dur, ours=ours, praat=praat, fold_sd=pitch_stats(fold_octave_jumps(track)).sd_st,
        vagree=float(np.mean(v_ours == v_praat)), gross=float(gross.mean()) if both.any() else 0.0,
        x_ours=dur / t_ours, x_praat=dur / t_praat)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--realdata", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "realdata")
    ap.add_argument("--floor-hz", type=float, default=60.0)
    ap.add_argument("--ceiling-hz", type=float, default=500.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--all-cores", action="store_true", help="do not pin to one CPU core")
    ap.add_argument("--no-pyin", action="store_true", help="skip the librosa.pyin timing")
    args = ap.parse_args()
    try:
        import parselmouth  # noqa: F401
    except ImportError:
        print("parselmouth is not installed (pip install praat-parselmouth)", file=sys.stderr)
        return 2
    if not args.realdata.is_dir():
        print(f"{args.realdata} not found", file=sys.stderr)
        return 2
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"floor {args.floor_hz:g} Hz, ceiling {args.ceiling_hz:g} Hz, step {HOP_S * 1000:g} ms, "
          f"16 kHz input, {'all cores' if args.all_cores else 'one core'}; SD = population SD in "
          f"semitones re median; pass: |dSD| < {SD_TOLERANCE_ST} st and |dMedian| < 3 %")
    head = (f"{'file':34s} {'dur':>5s} {'vcd':>5s} {'vcdP':>5s} | {'med':>6s} {'SD':>5s} {'rng':>5s} | "
            f"{'medP':>6s} {'SDP':>5s} {'rngP':>5s} | {'|dSD|':>5s} {'dMed%':>6s} {'Vagr':>5s} "
            f"{'gross':>5s} {'SDfold':>6s} | {'ours x':>7s} {'praat x':>7s} result")
    print(head)
    print("-" * len(head))
    failed = 0
    for rel, channel in FILES:
        path = args.realdata / rel
        if not path.exists():
            print(f"{rel}: missing, skipped")
            continue
        x, rate = load_16k(path, channel)
        row = compare(x, args)
        (m, sd, rng, vs), (mp, sdp, rngp, vsp) = row["ours"], row["praat"]
        dsd, dmed = abs(sd - sdp), 100 * (m / mp - 1)
        ok = dsd < SD_TOLERANCE_ST and abs(dmed) < 100 * MEDIAN_TOLERANCE
        graded = vsp >= MIN_VOICED_S
        failed += graded and not ok
        name = Path(rel).name + (f"[ch{channel}]" if channel is not None else "") + f" {rate // 1000}k"
        verdict = ("pass" if ok else "FAIL") if graded else ("(pass)" if ok else "(fail)") + " <5 s"
        print(f"{name[:34]:34s} {row['dur']:5.1f} {vs:5.1f} {vsp:5.1f} | {m:6.1f} {sd:5.2f} {rng:5.2f} | "
              f"{mp:6.1f} {sdp:5.2f} {rngp:5.2f} | {dsd:5.3f} {dmed:+6.2f} {row['vagree']:5.3f} "
              f"{row['gross']:5.3f} {row['fold_sd']:6.2f} | {row['x_ours']:6.0f}x {row['x_praat']:6.0f}x {verdict}")
    print("vcd/vcdP: voiced seconds (ours/Praat); Vagr: frame voicing agreement; gross: share of "
          "frames voiced in both that differ by > 1 st; SDfold: our SD after fold_octave_jumps (opt-in)")
    if not args.no_pyin:
        time_pyin(args)
    print("RESULT:", "all graded files pass" if not failed else f"{failed} graded file(s) FAIL")
    return 1 if failed else 0


def time_pyin(args) -> None:
    """librosa.pyin (first and second call) on the first 10 s of de.wav, 10 ms hop, same floor/ceiling."""
    path = args.realdata / "silero_vad" / "de.wav"
    if not path.exists():
        return
    import librosa

    x = load_16k(path, None)[0][: 10 * SR]
    pyin = lambda y: librosa.pyin(y, fmin=args.floor_hz, fmax=args.ceiling_hz, sr=SR, hop_length=160)  # noqa: E731
    t_cold, _ = best_time(lambda: pyin(x), 1)  # first call includes librosa's JIT compilation
    t_pyin, _ = best_time(lambda: pyin(x), 1)
    t_ours, _ = best_time(lambda: track_pitch(x, sr=SR, floor_hz=args.floor_hz,
                                              ceiling_hz=args.ceiling_hz), args.repeats)
    print(f"librosa.pyin, first 10 s of de.wav (hop 10 ms, frame 2048): {10 / t_pyin:.2f}x real time "
          f"({10 / t_cold:.2f}x on the first, compiling call); "
          f"ours on the same 10 s: {10 / t_ours:.0f}x ({t_pyin / t_ours:.0f} times faster)")


if __name__ == "__main__":
    sys.exit(main())
