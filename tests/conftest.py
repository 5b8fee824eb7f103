"""Shared test helpers: synthetic audio with known answers, paths to real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.records import ModelInfo, Word

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
REALDATA = ROOT.parent / "shared" / "realdata"


def tone(freq_hz: float, *, duration_s: float, sr: int, amplitude: float = 0.5) -> np.ndarray:
    """A sine tone, float32, shape (n,)."""
    t = np.arange(int(round(duration_s * sr))) / sr
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def write(path: Path, data: np.ndarray, *, sr: int, subtype: str | None = None, fmt: str | None = None) -> Path:
    sf.write(path, data, sr, subtype=subtype, format=fmt)
    return path


def peak_hz(samples: np.ndarray, *, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / sr)[np.argmax(spectrum)])


def realdata(relative: str) -> Path:
    """A file from ../shared/realdata, or skip the test when it is absent."""
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


class ScriptedTranscriber:
    """A Transcriber that returns words it was given, for tests without a model."""

    info = ModelInfo(name="scripted", compute_type="none")

    def __init__(self, words_by_call: dict[int, tuple[Word, ...]] | None = None, language: str = "en"):
        self.words = words_by_call or {}
        self.language = language
        self.calls: list[tuple] = []
        self.hints: list = []  # the vocabulary hints of each call (None: none given)

    def detect_language(self, samples, *, chunks):
        return self.language

    def transcribe(self, samples, *, chunks, language, hints=None):
        self.calls.append((samples.size, tuple(chunks), language))
        self.hints.append(hints)
        return self.words.get(len(self.calls) - 1, ())
