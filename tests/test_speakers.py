"""CAM++ features and embeddings: numpy fbank against torchaudio's, the model file check, batching."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from callcheck.errors import AudioError, ConfigError, ModelError
from callcheck.records import Region
from callcheck.signal import speakers
from callcheck.signal.speakers import CAMPP, SpeakerEmbedder, frames_in, log_mel, speech_windows, verify_model

REFERENCE = Path(__file__).parent / "data" / "speaker_reference.npz"


def reference_signal() -> np.ndarray:
    """The fixed 0.6 s signal of scripts/convert_speaker_models.py: a gliding harmonic tone, noise, a silence."""
    t = np.arange(9600) / 16000
    f0 = 120 + 80 * t
    tone = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / 16000) / k for k in range(1, 12))
    x = 0.2 * tone + np.random.default_rng(12).standard_normal(t.size) * 0.003
    x[3200:4800] = 0.0
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def embedder() -> SpeakerEmbedder:
    return SpeakerEmbedder()


def test_log_mel_matches_torchaudio_kaldi_fbank():
    # Reference: torchaudio.compliance.kaldi.fbank(x, num_mel_bins=80, sample_frequency=16000, dither=0.0)
    # (torch 2.13, float32), saved once by scripts/convert_speaker_models.py. Tolerance 1e-3 in log units:
    # float32 FFTs differ by ~1e-4 (2e-4 measured), the silent frames sit on the same eps floor.
    expected = np.load(REFERENCE)["log_mel"]
    got = log_mel(reference_signal())
    assert got.shape == expected.shape == (58, 80)
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_log_mel_framing_and_input_checks():
    assert log_mel(np.zeros(399, dtype=np.float32)).shape == (0, 80)
    assert log_mel(np.zeros(16000, dtype=np.float32)).shape == (frames_in(1.0), 80) == (98, 80)
    with pytest.raises(AudioError, match="mono"):
        log_mel(np.zeros((2, 16000), dtype=np.float32))


def test_mel_filters_are_kaldi_triangles():
    filters = speakers.mel_filters()
    assert filters.shape == (257, 80)
    assert filters[-1].max() == 0.0  # the Nyquist bin carries no weight, as in Kaldi
    assert np.all(filters.max(axis=0) > 0.4) and filters.max() <= 1.0  # the narrow low bands miss their peak bin


def test_speech_windows_cover_each_region():
    regions = [Region(0.0, 2.2), Region(3.0, 4.4), Region(5.0, 5.2)]
    tiled = speech_windows(regions, window_s=1.0, step_s=1.0)
    assert [x for w in tiled for x in (w.start_s, w.end_s)] == pytest.approx([
        0.0, 1.0, 1.2, 2.2, 3.0, 4.4])  # the 1.4 s region is one window, the 0.2 s one too short
    overlapping = speech_windows(regions[:1], window_s=1.0, step_s=0.5)
    assert [w.start_s for w in overlapping] == pytest.approx([0.0, 0.6, 1.2])
    with pytest.raises(ConfigError, match="step_s"):
        speech_windows([Region(0, 1)], window_s=1.0, step_s=0.0)


def test_embedding_matches_the_float32_torch_network(embedder):
    # int8 convolutions against the float32 torch model on the same features: cosine 0.95-0.99 on speech.
    expected = np.load(REFERENCE)["embedding_fp32"]
    got = embedder.embed(reference_signal(), [Region(0.0, 0.6)])[0]
    cosine = got @ expected / np.linalg.norm(expected)
    assert cosine > 0.93


def test_embed_batches_like_single_windows(embedder):
    x = reference_signal()
    x = np.concatenate([x, x[::-1], x]) * np.float32(0.5)
    windows = [Region(0.0, 1.0), Region(0.3, 1.3), Region(0.5, 1.5), Region(1.0, 1.4)]
    batch = embedder.embed(x, windows)
    assert batch.shape == (4, 192) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, rtol=1e-5)
    one = np.concatenate([embedder.embed(x, [w]) for w in windows])
    np.testing.assert_allclose(batch, one, atol=2e-3)
    assert embedder.embed(x, []).shape == (0, 192)
    with pytest.raises(AudioError, match="inside the signal"):
        embedder.embed(x, [Region(1.5, 2.5)])


def test_model_file_is_verified(tmp_path):
    assert verify_model(speakers.model_dir() / CAMPP.name) == speakers.model_dir() / CAMPP.name
    broken = tmp_path / CAMPP.name
    shutil.copyfile(speakers.model_dir() / CAMPP.name, broken)
    data = bytearray(broken.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"SHA-256 .* does not match"):
        SpeakerEmbedder(broken).embed(reference_signal(), [Region(0.0, 0.6)])
    broken.write_bytes(bytes(data[:-10]))
    with pytest.raises(ModelError, match="bytes, expected"):
        verify_model(broken)
    with pytest.raises(ModelError, match="missing"):
        verify_model(tmp_path / "nothing.onnx")
