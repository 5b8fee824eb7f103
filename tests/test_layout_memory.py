"""The layout stage on disk-backed channels: only `len()`, `.size`, `.shape`, `.dtype` and slices,
a bounded stretch at a time, with the same results as on whole arrays."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from callcheck.signal import crosstalk
from callcheck.signal.audio import resample
from callcheck.signal.crosstalk import remove_leak
from callcheck.signal.vad import speech_regions
from conftest import SAMPLES


class SliceOnly:
    """A signal that can only be sliced (`x[a:b]` -> a new float32 ndarray), like a lazy disk-backed
    array; turning it into an array as a whole raises. `longest` is the largest slice read."""

    def __init__(self, data: np.ndarray):
        self._data = np.asarray(data, dtype=np.float32)
        self.longest = 0

    def __len__(self) -> int:
        return self._data.size

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError(f"only x[a:b] slices, not {key!r}")
        part = self._data[key].copy()
        self.longest = max(self.longest, part.size)
        return part

    def __array__(self, *args, **kwargs):
        raise TypeError("the whole signal was requested as an array")

    def __iter__(self):
        raise TypeError("the signal was iterated sample by sample")


def leaky_call(*, down_db: float = 20.0, delay_s: float = 0.04) -> tuple[np.ndarray, np.ndarray]:
    """The English sample call (16 kHz) with each party leaking into the other channel."""
    data, sr = sf.read(SAMPLES / "en_support_call.wav", dtype="float32")
    a, b = (resample(data[:, k], rate_hz=sr) for k in (0, 1))
    d, gain = int(delay_s * 16_000), np.float32(10 ** (-down_db / 20))

    def late(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros(d, np.float32), x[: x.size - d]])

    return a + gain * late(b), b + gain * late(a)


def test_slice_only_refuses_whole_array_use():
    x = SliceOnly(np.zeros(10))
    assert x[2:5].shape == (3,) and len(x) == x.size == 10
    with pytest.raises(TypeError):
        np.asarray(x)
    with pytest.raises(TypeError):
        x[np.arange(3)]


def test_remove_leak_reads_segments_and_finds_the_same(monkeypatch):
    own, other = leaky_call()
    heard = speech_regions(own), speech_regions(other)
    expected = remove_leak(own, other, heard[0], heard[1], sr=16_000)
    assert expected[1].duration_s > 2  # the leak is found at all
    monkeypatch.setattr(crosstalk, "SEGMENT_S", 3.0)  # the 19 s call in several segments
    lazy_own, lazy_other = SliceOnly(own), SliceOnly(other)
    assert remove_leak(lazy_own, lazy_other, heard[0], heard[1], sr=16_000) == expected
    assert max(lazy_own.longest, lazy_other.longest) <= 3.5 * 16_000
