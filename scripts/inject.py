"""Signal manipulations that inject phone-support errors into real speech.

Pure functions on float mono signals (``samples``: float32/float64, shape
(n,), full scale = 1.0) at ``sr`` Hz; every option is keyword-only and named
with its unit. Pitch and duration changes use Praat's PSOLA / overlap-add
through ``praat-parselmouth`` (GPL: a dev/evaluation dependency only, never
imported from ``src/``); codecs go through PyAV (FFmpeg).

This module does not import callcheck: the corpus must not be built with the
measurements it is meant to test.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import parselmouth
from parselmouth.praat import call
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

PITCH_FLOOR_HZ, PITCH_CEILING_HZ = 60.0, 500.0
WORK_RATE_HZ = 16000  # PSOLA runs at least at this rate: at 8 kHz Praat's overlap-add leaves
# subharmonic "growl" in steady vowels (~5 % of voiced frames tracked 1-2 octaves low); at 16 kHz none
CODECS = {  # name -> (FFmpeg encoder, decoder, sample rate the codec runs at)
    "amr_nb": ("libopencore_amrnb", "amrnb", 8000),
    "opus": ("libopus", "libopus", 8000),
    "mp3": ("libmp3lame", "mp3float", 8000),
}


def _sound(samples: np.ndarray, sr: int) -> parselmouth.Sound:
    return parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sr)


def _work_sound(samples: np.ndarray, sr: int) -> tuple[parselmouth.Sound, int]:
    """`samples` as a Praat Sound at >= WORK_RATE_HZ, and the up-sampling factor."""
    up = max(1, int(np.ceil(WORK_RATE_HZ / sr)))
    x = resample_poly(np.asarray(samples, dtype=np.float64), up, 1) if up > 1 else samples
    return _sound(x, sr * up), up


def _back(sound: parselmouth.Sound, up: int) -> np.ndarray:
    values = sound.values[0]
    return resample_poly(values, 1, up) if up > 1 else values


def _as_float32(values: np.ndarray, n: int) -> np.ndarray:
    """`values` cut or zero-padded to `n` samples."""
    out = np.zeros(n, dtype=np.float32)
    m = min(n, values.size)
    out[:m] = values[:m]
    return out


def pitch_track(samples: np.ndarray, *, sr: int, time_step_s: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Praat's autocorrelation F0 (60-500 Hz): frame times (s) and F0 in Hz (0 = unvoiced)."""
    pitch = _sound(samples, sr).to_pitch_ac(time_step=time_step_s, pitch_floor=PITCH_FLOOR_HZ,
                                           pitch_ceiling=PITCH_CEILING_HZ)
    return pitch.xs(), pitch.selected_array["frequency"]


def pitch_spread_st(samples: np.ndarray, *, sr: int) -> dict[str, float | None]:
    """Pitch variability by Praat: ``sd_st`` (SD of F0 in semitones re the median),
    ``robust_sd_st`` (1.4826 x median absolute deviation: immune to the odd octave
    error) and ``range_st`` (p10-p90). None without 1 s of voiced frames."""
    _, f0 = pitch_track(samples, sr=sr)
    f0 = f0[f0 > 0]
    if f0.size < 100:
        return {"sd_st": None, "robust_sd_st": None, "range_st": None}
    st = 12 * np.log2(f0 / np.median(f0))
    p10, p90 = np.percentile(st, [10, 90])
    return {"sd_st": float(st.std()), "robust_sd_st": float(1.4826 * np.median(np.abs(st))),
            "range_st": float(p90 - p10)}


def flatten_pitch(samples: np.ndarray, *, sr: int, keep_ratio: float,
                  fall_st: float = 0.0, spans_s: tuple[tuple[float, float], ...] = ()) -> np.ndarray:
    """Compress the pitch contour towards its median, by PSOLA resynthesis.

    Every F0 value's distance from the median (in semitones) is multiplied by
    `keep_ratio` (0.2 = 20 % of the original range is left). With `fall_st` > 0
    the flattened contour also falls linearly by that many semitones from the
    start to the end of each of `spans_s` (start, end in s; the turns): the
    flat, sinking melody of someone reading off a script. Duration, timing and
    loudness are unchanged; unvoiced sounds are copied as they are.
    """
    if not 0.0 <= keep_ratio <= 1.0:
        raise ValueError(f"keep_ratio must be in [0, 1], got {keep_ratio}")
    snd, up = _work_sound(samples, sr)
    pitch = snd.to_pitch_cc(time_step=0.005, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    f0 = pitch.selected_array["frequency"]
    if np.count_nonzero(f0) < 20:
        return np.asarray(samples, dtype=np.float32).copy()
    median = float(np.median(f0[f0 > 0]))
    times = pitch.xs()[f0 > 0]
    st = keep_ratio * 12 * np.log2(f0[f0 > 0] / median)
    for start, end in spans_s:
        inside = (times >= start) & (times < end)
        st[inside] -= fall_st * ((times[inside] - start) / max(end - start, 1e-3) - 0.5)
    tier = call("Create PitchTier", "flat", snd.xmin, snd.xmax)
    for t, value in zip(times, median * 2 ** (st / 12), strict=True):
        call(tier, "Add point", float(t), float(value))
    manipulation = call(snd, "To Manipulation", 0.01, PITCH_FLOOR_HZ, PITCH_CEILING_HZ)
    call([manipulation, call([snd, pitch], "To PointProcess (cc)")], "Replace pulses")
    call([tier, manipulation], "Replace pitch tier")
    return _as_float32(_back(call(manipulation, "Get resynthesis (overlap-add)"), up), len(samples))


def time_compress(samples: np.ndarray, *, sr: int, factor: float, method: str = "psola") -> np.ndarray:
    """Speed speech up by `factor` (1.5 = 1.5x as fast, duration / 1.5) without changing its pitch.

    ``method``: ``"psola"`` (Praat Manipulation with a constant duration tier,
    pitch-synchronous overlap-add) or ``"ola"`` (Praat's Lengthen (overlap-add)).
    Pieces shorter than 0.1 s are resampled in time instead (too short for a
    pitch analysis; they are mostly consonant fragments).
    """
    if factor <= 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    n_out = max(1, int(round(len(samples) / factor)))
    if len(samples) < 0.1 * sr:
        return np.interp(np.linspace(0, len(samples) - 1, n_out), np.arange(len(samples)), samples).astype(np.float32)
    snd, up = _work_sound(samples, sr)
    if method == "ola":
        out = call(snd, "Lengthen (overlap-add)", PITCH_FLOOR_HZ, PITCH_CEILING_HZ, 1.0 / factor)
    elif method == "psola":
        manipulation = call(snd, "To Manipulation", 0.01, PITCH_FLOOR_HZ, PITCH_CEILING_HZ)
        tier = call("Create DurationTier", "fast", snd.xmin, snd.xmax)
        call(tier, "Add point", snd.xmin, 1.0 / factor)
        call([tier, manipulation], "Replace duration tier")
        out = call(manipulation, "Get resynthesis (overlap-add)")
    else:
        raise ValueError(f"method must be 'psola' or 'ola', got {method!r}")
    return _as_float32(_back(out, up), n_out)


def active_level_db(samples: np.ndarray, *, sr: int, frame_s: float = 0.02) -> float:
    """Speech level in dBFS: energy mean of the loudest 30 % of 20 ms frames."""
    n = max(1, int(frame_s * sr))
    m = len(samples) // n
    if m == 0:
        return -120.0
    power = np.mean(np.asarray(samples[: m * n], dtype=np.float64).reshape(m, n) ** 2, axis=1)
    top = np.sort(power)[int(0.7 * m):]
    return float(10 * np.log10(max(float(np.mean(top)), 1e-12)))


def gain(samples: np.ndarray, *, db: float) -> np.ndarray:
    """`samples` amplified by `db` decibels (negative = quieter)."""
    return (np.asarray(samples) * 10 ** (db / 20)).astype(np.float32)


def lowpass(samples: np.ndarray, *, sr: int, cutoff_hz: float, order: int = 8) -> np.ndarray:
    """Butterworth low-pass (muffled: a covered microphone, mumbling into the
    headset), the speech level kept so only the sound changes, not the loudness."""
    sos = butter(order, min(cutoff_hz, 0.45 * sr), fs=sr, output="sos")
    out = sosfilt(sos, np.asarray(samples, dtype=np.float64))
    return gain(out, db=active_level_db(samples, sr=sr) - active_level_db(out, sr=sr))


def add_noise(samples: np.ndarray, *, sr: int, snr_db: float, rng: np.random.Generator,
              colour: str = "white") -> np.ndarray:
    """Stationary line noise `snr_db` below the speech level (``colour`` white or pink), over the whole track."""
    noise = rng.standard_normal(len(samples))
    if colour == "pink":
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(len(noise), 1 / sr), 50.0))
        noise = np.fft.irfft(spectrum, n=len(noise))
    elif colour != "white":
        raise ValueError(f"colour must be 'white' or 'pink', got {colour!r}")
    noise *= 10 ** ((active_level_db(samples, sr=sr) - snr_db) / 20) / np.sqrt(np.mean(noise ** 2))
    return (np.asarray(samples) + noise).astype(np.float32)


def smear(samples: np.ndarray, *, sr: int, rt60_s: float, direct_db: float, rng: np.random.Generator) -> np.ndarray:
    """Temporal smearing: convolution with exponentially decaying noise
    (reverberation time `rt60_s`), the direct sound `direct_db` above the tail;
    syllables run into each other. Speech level kept."""
    n = int(rt60_s * sr)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * 10 ** (-3 * t / rt60_s)
    tail *= 10 ** (-direct_db / 20) / np.sqrt(np.sum(tail ** 2))
    tail[0] += 1.0
    out = fftconvolve(np.asarray(samples, dtype=np.float64), tail)[: len(samples)]
    return gain(out, db=active_level_db(samples, sr=sr) - active_level_db(out, sr=sr))


def codec_roundtrip(samples: np.ndarray, *, sr: int, codec: str, bitrate_bps: int) -> np.ndarray:
    """Encode and decode through a low-bitrate speech codec (AMR-NB, Opus, MP3 via
    FFmpeg) at 8 kHz, back at `sr`, time-aligned with the input (codec delay removed)."""
    encoder_name, decoder_name, codec_sr = CODECS[codec]
    x = resample_poly(np.asarray(samples, dtype=np.float64), codec_sr, sr) if sr != codec_sr else np.asarray(samples)
    pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    encoder = av.CodecContext.create(encoder_name, "w")
    encoder.sample_rate, encoder.layout, encoder.format = codec_sr, "mono", "s16"
    encoder.bit_rate, encoder.time_base = bitrate_bps, Fraction(1, codec_sr)
    encoder.open()
    decoder = av.CodecContext.create(decoder_name, "r")
    decoder.sample_rate, decoder.layout = codec_sr, "mono"
    size = encoder.frame_size or 1152
    pcm = np.concatenate([pcm, np.zeros((-len(pcm)) % size + size * 4, dtype=np.int16)])
    frames: list[av.AudioFrame] = []
    for start in range(0, len(pcm), size):
        frame = av.AudioFrame.from_ndarray(pcm[None, start:start + size], format="s16", layout="mono")
        frame.sample_rate, frame.pts = codec_sr, start
        frames += [f for packet in encoder.encode(frame) for f in decoder.decode(packet)]
    frames += [f for packet in encoder.encode(None) for f in decoder.decode(packet)]
    decoded = np.concatenate([_frame_float(f) for f in frames])
    out_sr = frames[0].sample_rate  # Opus decodes at 48 kHz whatever it was fed
    if out_sr != codec_sr:
        decoded = resample_poly(decoded, codec_sr, out_sr)
    decoded = decoded[_delay(x, decoded):][: len(x)]
    y = resample_poly(decoded, sr, codec_sr) if sr != codec_sr else decoded
    return _as_float32(y, len(samples))


def _frame_float(frame: av.AudioFrame) -> np.ndarray:
    """A decoded mono frame as float64 in [-1, 1]."""
    values = frame.to_ndarray().reshape(-1)
    return values / 32768.0 if values.dtype == np.int16 else values.astype(np.float64)


def _delay(reference: np.ndarray, delayed: np.ndarray, *, max_lag: int = 4000) -> int:
    """Lag (samples) at which `delayed` best matches `reference` (cross-correlation over the first 10 s)."""
    n = min(len(reference), len(delayed) - max_lag, 80000)
    if n <= 0:
        return 0
    corr = fftconvolve(delayed[: n + max_lag], reference[:n][::-1], mode="valid")
    return int(np.argmax(corr))
