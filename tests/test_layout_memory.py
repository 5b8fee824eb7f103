"""The layout stage on disk-backed channels: only `len()`, `.size`, `.shape`, `.dtype` and slices,
a bounded stretch at a time, with the same results as on whole arrays."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile as sf

from callcheck import parties
from callcheck.signal import crosstalk, layout, speakers
from callcheck.signal.audio import load_recording, resample
from callcheck.signal.crosstalk import remove_leak
from callcheck.signal.diarize import diarize
from callcheck.signal.layout import channel_similarity
from callcheck.signal.samplefile import SampleFile
from callcheck.signal.speakers import SpeakerEmbedder, speech_windows
from callcheck.signal.vad import speech_regions
from conftest import SAMPLES, write


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


def dual_mono_recording(tmp_path, *, lazy: bool):
    data, sr = sf.read(SAMPLES / "de_support_call.wav", dtype="float32")
    mix = data.mean(axis=1)
    recording = load_recording(write(tmp_path / "dual.wav", np.column_stack([mix, mix * 0.9]), sr=sr))
    if lazy:
        recording = dataclasses.replace(recording, channels=tuple(
            dataclasses.replace(ch, samples=SliceOnly(ch.samples)) for ch in recording.channels))
    return recording


def test_dual_mono_test_and_merge_read_slices(tmp_path, monkeypatch):
    settings = parties.layout_settings({}, {})
    eager, reason = parties.merge_dual_mono(dual_mono_recording(tmp_path, lazy=False), requested="auto",
                                            settings=settings)
    assert len(eager.channels) == 1 and reason.code == "same_signal"
    monkeypatch.setattr(layout, "SEGMENT_S", 2.0)
    lazy_recording = dual_mono_recording(tmp_path, lazy=True)
    a, b = (ch.samples for ch in lazy_recording.channels)
    assert channel_similarity(a, b, sr=16_000) == channel_similarity(a._data, b._data, sr=16_000)
    assert max(a.longest, b.longest) <= 2 * 16_000
    merged, lazy_reason = parties.merge_dual_mono(lazy_recording, requested="auto", settings=settings)
    assert lazy_reason == reason
    mono = merged.channels[0].samples
    assert len(mono) == eager.channels[0].samples.size
    assert np.array_equal(mono[1000:50_000], eager.channels[0].samples[1000:50_000])
    assert isinstance(mono, SampleFile)  # merged on disk, a block at a time
    monkeypatch.setattr(SampleFile, "strict", True)
    with pytest.raises(RuntimeError):
        np.asarray(mono)


def test_embeddings_and_diarization_read_slices(monkeypatch):
    data, sr = sf.read(SAMPLES / "en_support_call.wav", dtype="float32")
    mix = resample(data.mean(axis=1), rate_hz=sr)
    speech = speech_regions(mix)
    embedder = SpeakerEmbedder()
    windows = speech_windows(speech)
    expected = embedder.embed(mix, windows)
    monkeypatch.setattr(speakers, "CHUNK_FRAMES", 300)  # 3 s of frames at a time
    lazy = SliceOnly(mix)
    np.testing.assert_allclose(embedder.embed(lazy, windows), expected, atol=1e-5)
    assert lazy.longest <= 4.5 * 16_000  # a chunk plus at most one window
    assert diarize(lazy, speech=speech, embedder=embedder, force_two=True).turns == \
        diarize(mix, speech=speech, embedder=embedder, force_two=True).turns
