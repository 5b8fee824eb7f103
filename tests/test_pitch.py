"""F0 tracker: synthetic signals with known answers, plus agreement with Praat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, resample_poly, sosfiltfilt

from callcheck.signal.frames import FrameGrid
from callcheck.signal.pitch import (
    PitchTrack,
    fold_octave_jumps,
    pitch_stats,
    semitones,
    track_pitch,
    windowed_pitch_sd,
)

SR = 16_000
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def voice(f0_hz: np.ndarray, sr: int) -> np.ndarray:
    """Sawtooth-like 'voice': all harmonics up to Nyquist at 1/k, phase-continuous."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / sr
    n_harm = int(0.5 * sr / np.max(f0_hz))
    return (0.3 * sum(np.sin(k * phase) / k for k in range(1, n_harm + 1))).astype(np.float32)


def tone(f_hz: float, seconds: float, sr: int) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * f_hz * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def glide(seconds: float, sr: int, *, start_hz: float = 150.0, span_st: float = 2.0) -> np.ndarray:
    """Linear in semitones from start_hz up by span_st."""
    frac = np.arange(int(seconds * sr)) / (seconds * sr)
    return voice(start_hz * 2 ** (span_st * frac / 12), sr)


def telephone(x: np.ndarray, sr: int) -> np.ndarray:
    """300-3400 Hz band-pass: removes the fundamental of a low voice."""
    return sosfiltfilt(butter(6, [300, 3400], btype="band", fs=sr, output="sos"), x)


def to_16k(x8k: np.ndarray) -> np.ndarray:
    return resample_poly(x8k, 2, 1).astype(np.float32)


def check_tone(x: np.ndarray, f_hz: float) -> None:
    track = track_pitch(x, sr=SR)
    assert track.voiced.mean() > 0.98
    stats = pitch_stats(track)
    assert stats.median_hz == pytest.approx(f_hz, rel=0.01)
    assert stats.sd_st < 0.01
    octave_errors = np.abs(semitones(track.f0_hz[track.voiced], ref_hz=f_hz)) > 1.0
    assert not octave_errors.any()


@pytest.mark.parametrize("rate", [SR, 8_000])
def test_pure_tone_220(rate):
    x = tone(220.0, 3.0, rate)
    check_tone(x if rate == SR else to_16k(x), 220.0)


@pytest.mark.parametrize("rate", [SR, 8_000])
def test_harmonic_voice_120_no_octave_errors(rate):
    x = voice(np.full(3 * rate, 120.0), rate)
    check_tone(x if rate == SR else to_16k(x), 120.0)


@pytest.mark.parametrize("f0", [90.0, 120.0])
def test_telephone_band_missing_fundamental(f0):
    x8k = telephone(voice(np.full(3 * 8_000, f0), 8_000), 8_000)
    check_tone(to_16k(x8k), f0)


@pytest.mark.parametrize("rate", [SR, 8_000])
def test_glide_sd_matches_uniform_distribution(rate):
    x = glide(3.0, rate)
    stats = pitch_stats(track_pitch(x if rate == SR else to_16k(x), sr=SR))
    assert stats.sd_st == pytest.approx(2.0 / np.sqrt(12.0), abs=0.05)
    assert stats.range_st == pytest.approx(0.8 * 2.0, abs=0.1)  # p10..p90 of uniform
    assert stats.median_hz == pytest.approx(150.0 * 2 ** (1 / 12), rel=0.01)


def test_semitones():
    out = semitones(np.array([100.0, 200.0, np.nan, 0.0, 50.0]), ref_hz=100.0)
    np.testing.assert_allclose(out[[0, 1, 4]], [0.0, 12.0, -12.0])
    assert np.isnan(out[[2, 3]]).all()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("kind", ["silence", "white", "pink", "telephone_noise", "empty", "short"])
def test_silence_and_noise_give_no_pitch(kind):
    rng = np.random.default_rng(1)
    n = 3 * SR
    x = {
        "silence": np.zeros(n),
        "white": 0.1 * rng.standard_normal(n),
        "pink": np.cumsum(rng.standard_normal(n)) * 0.001 + 0.05 * rng.standard_normal(n),
        "telephone_noise": to_16k(telephone(rng.standard_normal(n // 2), 8_000)),
        "empty": np.zeros(0),
        "short": np.ones(100),
    }[kind].astype(np.float32)
    track = track_pitch(x, sr=SR)
    assert track.times_s.shape == track.f0_hz.shape
    assert track.voiced.mean() < 0.02 if track.voiced.size else True
    if kind in ("silence", "empty", "short"):
        assert not track.voiced.any()
        stats = pitch_stats(track)
        assert (stats.median_hz, stats.sd_st, stats.range_st, stats.voiced_s) == (None, None, None, 0.0)
        windows = windowed_pitch_sd(track)
        assert all(sd is None for _, _, sd in windows)


def test_a_click_does_not_silence_the_file():
    x = 0.05 * voice(np.full(3 * SR, 120.0), SR)
    x[SR] = 1.0  # one full-scale click, 30x the voice's peak
    assert track_pitch(x, sr=SR).voiced.mean() > 0.95


def test_frame_times_and_hop():
    track = track_pitch(tone(200.0, 2.0, SR), sr=SR, hop_s=0.005)
    assert track.hop_s == pytest.approx(0.005)
    np.testing.assert_allclose(np.diff(track.times_s), 0.005)
    assert 0.0 < track.times_s[0] < 0.05 and 1.95 < track.times_s[-1] < 2.0
    assert pitch_stats(track).median_hz == pytest.approx(200.0, rel=0.01)


def test_bad_input_raises():
    with pytest.raises(ValueError):
        track_pitch(np.zeros((2, 1000), np.float32), sr=SR)
    with pytest.raises(ValueError):
        track_pitch(np.zeros(1000, np.float32), sr=SR, floor_hz=300.0, ceiling_hz=200.0)


def test_windowed_sd_flat_half_and_varied_half():
    t = np.arange(20 * SR) / SR
    contour_st = np.where(t < 10.0, 0.0, 2.0 * np.sin(2 * np.pi * 0.5 * t))  # +-2 st vibrato
    track = track_pitch(voice(150.0 * 2 ** (contour_st / 12), SR), sr=SR)
    windows = windowed_pitch_sd(track, window_s=10.0)
    assert [(a, round(b)) for a, b, _ in windows] == [(0.0, 10), (10.0, 20)]
    assert windows[0][2] < 0.05
    assert windows[1][2] == pytest.approx(2.0 / np.sqrt(2.0), abs=0.1)  # SD of a sine


def test_windowed_sd_needs_enough_voiced_frames_and_respects_mask():
    x = np.concatenate([voice(np.full(int(0.5 * SR), 150.0), SR), np.zeros(12 * SR, np.float32)])
    track = track_pitch(x, sr=SR)
    windows = windowed_pitch_sd(track, window_s=5.0, min_voiced_s=1.0)
    assert len(windows) == 3 and all(sd is None for _, _, sd in windows)
    assert windowed_pitch_sd(track, window_s=5.0, min_voiced_s=0.2)[0][2] < 0.01
    none = np.zeros(track.f0_hz.size, bool)
    assert pitch_stats(track, mask=none).median_hz is None
    with pytest.raises(ValueError):
        pitch_stats(track, mask=none[:-1])


def test_fold_octave_jumps_repairs_short_excursions_only():
    f0 = np.full(300, 120.0)
    f0[100:104] = 240.0  # 40 ms octave-up error
    f0[200:300] = 250.0  # 1 s at a new register: real, must stay
    fixed = fold_octave_jumps(PitchTrack(f0, FrameGrid(0, 1, 0.0, 100)), context_s=1.0, max_run_s=0.1)
    np.testing.assert_allclose(fixed.f0_hz[100:104], 120.0)
    np.testing.assert_allclose(fixed.f0_hz[200:300], 250.0)
    np.testing.assert_allclose(fixed.f0_hz[:100], 120.0)


def test_sd_agrees_with_praat_on_real_speech():
    path = REALDATA / "silero_vad" / "de.wav"
    if not path.exists():
        pytest.skip(f"{path} not present")
    parselmouth = pytest.importorskip("parselmouth")
    import soundfile as sf

    x, sr = sf.read(path, dtype="float32")
    assert sr == SR and x.ndim == 1
    ours = pitch_stats(track_pitch(x, sr=SR, floor_hz=60.0, ceiling_hz=500.0))
    praat = parselmouth.Sound(x.astype(np.float64), SR).to_pitch_ac(
        time_step=0.01, pitch_floor=60.0, pitch_ceiling=500.0)
    f0 = praat.selected_array["frequency"]
    f0 = f0[f0 > 0]
    ref = semitones(f0, ref_hz=float(np.median(f0)))
    assert ours.voiced_s >= 5.0
    assert abs(ours.sd_st - float(np.std(ref))) < 0.3
    assert ours.median_hz == pytest.approx(float(np.median(f0)), rel=0.03)
    assert ours.voiced_s == pytest.approx(f0.size * 0.01, rel=0.05)
