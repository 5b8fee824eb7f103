"""Synthetic hold music, a voice-like signal and a telephone line, for tests and `eval_hold.py`.

Music as a telephone system plays it while the customer waits: chords (a soft
pad, or struck piano chords with arpeggios), a melody with note changes over a
bass (optionally with vibrato), a "pop" loop with drums; each made of harmonic
notes with envelopes, so the true answer (where the music is) is known to the
sample. `voice()` is the opposite: syllables of a gliding harmonic buzz through
changing vowels, between short gaps and pauses. `telephone()` puts a signal through a 300-3400 Hz band, 8 kHz and
8-bit mu-law, like a G.711 line.

This module does not import callcheck; it needs numpy and scipy.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

STYLES = ("pad", "piano", "melody", "vibrato", "pop", "pluck")
# I-V-vi-IV in C major, as MIDI note numbers (the loop of countless hold tunes)
PROGRESSION = ((60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60))
SCALE = (60, 62, 64, 65, 67, 69, 71, 72, 74, 76)


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def note(freq_hz: float, *, duration_s: float, sr: int, harmonics: int = 8, tilt: float = 1.2,
         attack_s: float = 0.02, release_s: float = 0.05, decay_s: float | None = None,
         vibrato_cents: float = 0.0, vibrato_hz: float = 5.5, phase_seed: int = 0) -> np.ndarray:
    """One harmonic note, float32 (n,), peak about 1; `decay_s` makes it struck (exponential decay)."""
    n = int(round(duration_s * sr))
    t = np.arange(n) / sr
    rng = np.random.default_rng(phase_seed)
    bend = 2 ** (vibrato_cents / 1200 * np.sin(2 * np.pi * vibrato_hz * t)) if vibrato_cents else 1.0
    phase = 2 * np.pi * np.cumsum(freq_hz * bend * np.ones(n)) / sr
    y = np.zeros(n)
    for k in range(1, harmonics + 1):
        if k * freq_hz * 1.02 >= sr / 2:
            break
        y += np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k ** tilt
    env = np.minimum(1.0, t / max(attack_s, 1e-3)) * np.minimum(1.0, (duration_s - t) / max(release_s, 1e-3))
    if decay_s is not None:
        env = env * np.exp(-t / decay_s)
    return (y * np.clip(env, 0, 1) / np.max(np.abs(y) + 1e-9)).astype(np.float32)


def _place(out: np.ndarray, x: np.ndarray, at: int, gain: float) -> None:
    end = min(out.size, at + x.size)
    if end > at:
        out[at:end] += gain * x[: end - at]


def music(style: str, *, duration_s: float, sr: int, seed: int = 0, bpm: float = 96.0) -> np.ndarray:
    """`duration_s` of hold music in `style` (see STYLES), float32 (n,), RMS about -20 dBFS."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, not {style!r}")
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sr))
    out = np.zeros(n, np.float32)
    beat = 60.0 / bpm
    bar = 4 * beat
    bars = int(np.ceil(duration_s / bar))
    for b in range(bars):
        chord = PROGRESSION[b % len(PROGRESSION)]
        at = int(b * bar * sr)
        if style in ("pad", "pop"):
            for i, m in enumerate(chord):
                _place(out, note(midi_hz(m), duration_s=bar + 0.3, sr=sr, attack_s=0.3, release_s=0.4, tilt=1.6,
                                 phase_seed=seed + b * 7 + i), at, 0.25)
        if style == "piano":
            for i, m in enumerate(chord):
                _place(out, note(midi_hz(m), duration_s=bar, sr=sr, attack_s=0.005, decay_s=1.2, tilt=1.0,
                                 phase_seed=seed + b * 7 + i), at, 0.3)
            for k in range(8):  # arpeggio in eighths
                m = chord[k % 3] + 12
                _place(out, note(midi_hz(m), duration_s=beat / 2, sr=sr, attack_s=0.005, decay_s=0.25,
                                 phase_seed=seed + b * 11 + k), at + int(k * beat / 2 * sr), 0.2)
        if style == "pluck":  # a guitar picking eighths: decays every 0.3 s, like syllables
            for k in range(8):
                m = chord[k % 3] + (12 if k % 4 == 3 else 0)
                _place(out, note(midi_hz(m), duration_s=beat, sr=sr, attack_s=0.003, decay_s=0.15, tilt=0.9,
                                 phase_seed=seed + b * 13 + k), at + int(k * beat / 2 * sr), 0.5)
        if style in ("melody", "vibrato", "pop"):
            _place(out, note(midi_hz(chord[0] - 24), duration_s=bar, sr=sr, attack_s=0.01, release_s=0.1,
                             harmonics=6, phase_seed=seed + b), at, 0.3)
            t = 0.0
            while t < bar - 0.05:
                length = float(rng.choice([beat / 2, beat, beat, 1.5 * beat]))
                m = SCALE[int(rng.integers(len(SCALE)))]
                _place(out, note(midi_hz(m), duration_s=min(length, bar - t), sr=sr, attack_s=0.02, release_s=0.04,
                                 vibrato_cents=30.0 if style == "vibrato" else 0.0,
                                 phase_seed=seed + b * 17 + int(t * 10)), at + int(t * sr), 0.4)
                t += length
        if style == "pop":
            for k in range(4):
                kick = note(55.0, duration_s=0.15, sr=sr, attack_s=0.002, decay_s=0.05, harmonics=2)
                _place(out, kick, at + int(k * beat * sr), 0.6)
                hat = rng.standard_normal(int(0.05 * sr)).astype(np.float32) * np.exp(-np.arange(int(0.05 * sr))
                                                                                     / (0.01 * sr))
                _place(out, np.diff(hat, prepend=0).astype(np.float32), at + int((k + 0.5) * beat * sr), 0.3)
    rms = float(np.sqrt(np.mean(np.square(out, dtype=np.float64)))) or 1.0
    return (out * (0.1 / rms)).astype(np.float32)


VOWELS_HZ = ((730, 1090), (270, 2290), (530, 1840), (300, 870), (570, 840), (440, 1020), (660, 1720))


def voice(duration_s: float, *, sr: int, seed: int = 0, f0_hz: float = 130.0, glide_st: float = 4.0) -> np.ndarray:
    """A voice-like signal, float32 (n,), RMS about -20 dBFS while speaking.

    Words of 1-4 syllables (0.12-0.28 s each: a harmonic buzz through one
    vowel's two formants, with a fricative burst at some onsets), 40-160 ms
    between words and a 0.3-0.8 s pause every few words; the pitch glides by
    up to `glide_st` semitones within a syllable and drifts between them
    (`glide_st` = 0: a monotone).
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sr))
    out = np.zeros(n, np.float32)
    t_s, words = 0.1, 0
    while t_s < duration_s:
        for _ in range(int(rng.integers(1, 5))):
            length = float(rng.uniform(0.12, 0.28))
            m = int(length * sr)
            t = np.arange(m) / sr
            base = f0_hz * 2 ** (rng.uniform(-1, 1) * glide_st / 12 / 2)
            f0 = base * 2 ** (glide_st / 12 * (rng.uniform(-0.5, 0.5) * t / length + 0.3 * np.sin(np.pi * t / length)))
            phase = 2 * np.pi * np.cumsum(f0) / sr
            f1, f2 = VOWELS_HZ[int(rng.integers(len(VOWELS_HZ)))]
            y = np.zeros(m)
            for k in range(1, int(3400 / base)):
                hz = k * f0
                gain = 1 / (1 + ((hz - f1) / 90) ** 2) + 0.5 / (1 + ((hz - f2) / 120) ** 2) + 0.02
                y += gain * np.sin(k * phase) / k ** 0.5
            y *= np.sin(np.pi * t / length) ** 0.7
            if rng.random() < 0.4:  # a fricative before the vowel
                burst = rng.standard_normal(int(0.04 * sr)) * np.hanning(int(0.04 * sr)) * 0.3
                y[:burst.size] += np.diff(burst, prepend=0)
            _place(out, (y / (np.max(np.abs(y)) + 1e-9)).astype(np.float32), int(t_s * sr), 0.3)
            t_s += length + float(rng.uniform(0.0, 0.04))
        words += 1
        t_s += float(rng.uniform(0.04, 0.16)) + (float(rng.uniform(0.3, 0.8)) if words % 4 == 0 else 0.0)
    return out


def telephone(x: np.ndarray, *, sr: int) -> np.ndarray:
    """`x` (float32, `sr` Hz) through a telephone line: 300-3400 Hz, 8 kHz, 8-bit mu-law, back at `sr`."""
    band = sosfilt(butter(4, [300, 3400], btype="bandpass", fs=sr, output="sos"), x)
    g = np.gcd(sr, 8000)
    narrow = resample_poly(band, 8000 // g, sr // g)
    mu = 255.0
    code = np.round(np.sign(narrow) * np.log1p(mu * np.minimum(np.abs(narrow), 1.0)) / np.log1p(mu) * 127) / 127
    expanded = np.sign(code) * np.expm1(np.abs(code) * np.log1p(mu)) / mu
    return resample_poly(expanded, sr // g, 8000 // g)[: x.size].astype(np.float32)


def level(x: np.ndarray, *, dbfs: float) -> np.ndarray:
    """`x` scaled to an RMS of `dbfs` dB full scale."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) or 1.0
    return (x * (10 ** (dbfs / 20) / rms)).astype(np.float32)
