"""Speech regions: our FFT front end and segmentation against faster-whisper's own VAD path."""

from __future__ import annotations

import faster_whisper.vad
import numpy as np
import pytest
from faster_whisper.vad import VadOptions, get_vad_model

from callcheck.errors import ConfigError, ModelError
from callcheck.signal import vad
from callcheck.signal.audio import load_recording
from callcheck.signal.vad import WINDOW, SileroVad, VadSettings, speech_regions, speech_spans
from conftest import SAMPLES, realdata, tone

SETTINGS = VadSettings()


def faster_whisper_spans(samples: np.ndarray, settings: VadSettings = SETTINGS) -> list[tuple[int, int]]:
    options = VadOptions(threshold=settings.threshold, min_speech_duration_ms=settings.min_speech_duration_ms,
                         min_silence_duration_ms=settings.min_silence_duration_ms, speech_pad_ms=settings.speech_pad_ms)
    return [(s["start"], s["end"]) for s in faster_whisper.vad.get_speech_timestamps(samples, options)]


def our_spans(samples: np.ndarray, settings: VadSettings = SETTINGS) -> list[tuple[int, int]]:
    return speech_spans(vad.silero().probabilities(samples), n_samples=samples.size, settings=settings)


def test_the_fft_front_end_is_in_use():
    assert vad.silero().stft_window is not None and vad.silero().stft_window.size == 256


@pytest.mark.parametrize("name", ["de_support_call.wav", "de_hotline_8k_ulaw.wav", "en_support_call.wav"])
def test_regions_equal_faster_whispers_on_the_samples(name):
    recording = load_recording(SAMPLES / name)
    for channel in recording.channels:
        spans = our_spans(channel.samples)
        assert len(spans) >= 3
        assert spans == faster_whisper_spans(channel.samples)


@pytest.mark.parametrize("relative", ["spokenwoz_speechbrain/MUL1011_8k_stereo.flac", "silero_vad/de.wav",
                                      "pyannote_sample/sample.wav", "osr_joinly/OSR_us_000_0034_8k.wav"])
def test_regions_equal_faster_whispers_on_real_speech(relative):
    recording = load_recording(realdata(relative), agent_channel="right")
    coarse = VadSettings(min_silence_duration_ms=2000, speech_pad_ms=400, min_speech_duration_ms=0)
    for channel in recording.channels:
        assert our_spans(channel.samples) == faster_whisper_spans(channel.samples)
        assert our_spans(channel.samples, coarse) == faster_whisper_spans(channel.samples, coarse)


def test_probabilities_match_the_whole_network_and_faster_whispers_model():
    samples = load_recording(SAMPLES / "en_support_call.wav").channels[0].samples
    whole = SileroVad(vad.model_path(), fft_front_end=False)
    assert whole.stft_window is None
    ours, theirs = vad.silero().probabilities(samples), whole.probabilities(samples)
    assert ours.shape == theirs.shape == (samples.size // WINDOW + 1,)
    assert np.abs(ours - theirs).max() < 1e-4
    assert (theirs > 0.5).mean() > 0.2  # the call has speech for the comparison to mean something
    model = get_vad_model()
    for n in (0, 1, 512, 5 * 512, 5 * 512 + 448, 5 * 512 + 449, 5 * 512 + 500, 5 * 512 + 511, 40_000):
        clip = samples[16_000:16_000 + n]  # speech throughout, so the last window matters
        reference = model(np.pad(clip, (0, WINDOW - clip.size % WINDOW))).ravel()
        assert np.abs(whole.probabilities(clip) - reference).max() < 1e-6, n


def test_segmentation_equals_faster_whispers_on_random_probabilities(monkeypatch):
    class Scripted:  # stands in for faster-whisper's model: returns the probabilities under test
        probs = np.zeros(1, dtype=np.float32)

        def __call__(self, audio):
            assert audio.size // WINDOW == self.probs.size
            return self.probs[:, None]

    scripted = Scripted()
    monkeypatch.setattr(faster_whisper.vad, "get_vad_model", lambda: scripted)
    rng = np.random.default_rng(7)
    for case in range(1500):
        n = int(rng.choice([1, 511, 512, 513, rng.integers(1, 60 * WINDOW)]))
        settings = VadSettings(threshold=float(rng.choice([0.5, 0.35, 0.2, 0.8])),
                               min_speech_duration_ms=int(rng.choice([0, 32, 90, 250])),
                               min_silence_duration_ms=int(rng.choice([0, 64, 100, 2000])),
                               speech_pad_ms=int(rng.choice([0, 30, 200, 400])))
        levels = np.float32([0.0, 1.0, settings.threshold, settings.threshold - 0.15, 0.35, 0.42, rng.random()])
        runs = rng.integers(1, 12, size=n // WINDOW + 1)
        scripted.probs = np.repeat(rng.choice(levels, size=runs.size), runs)[:n // WINDOW + 1]
        theirs = faster_whisper_spans(np.zeros(n, dtype=np.float32), settings)
        assert speech_spans(scripted.probs, n_samples=n, settings=settings) == theirs, (case, settings)


def probs(*runs: tuple[float, int]) -> np.ndarray:
    """Per-window probabilities from (value, number of windows) runs."""
    return np.concatenate([np.full(n, p, dtype=np.float32) for p, n in runs])


def test_a_short_dip_does_not_split_speech():
    # 100 ms minimum silence = 3.1 windows: a 2-window dip stays inside, a 6-window one splits
    one = speech_spans(probs((0, 10), (0.9, 20), (0.1, 2), (0.9, 20), (0, 10)), n_samples=62 * WINDOW,
                       settings=SETTINGS)
    two = speech_spans(probs((0, 10), (0.9, 20), (0.1, 6), (0.9, 20), (0, 10)), n_samples=66 * WINDOW,
                       settings=SETTINGS)
    assert len(one) == 1 and len(two) == 2


def test_between_thresholds_keeps_speech_going_but_never_starts_it():
    spans = speech_spans(probs((0.4, 10), (0.9, 10), (0.4, 30), (0, 10)), n_samples=60 * WINDOW, settings=SETTINGS)
    pad = 480  # 30 ms
    assert spans == [(10 * WINDOW - pad, 50 * WINDOW + pad)]


def test_blips_shorter_than_the_minimum_are_dropped_and_speech_runs_to_the_end():
    spans = speech_spans(probs((0, 10), (0.9, 2), (0, 20), (0.9, 20)), n_samples=52 * WINDOW, settings=SETTINGS)
    assert spans == [(32 * WINDOW - 480, 52 * WINDOW)]


def test_close_neighbours_share_the_gap_instead_of_padding():
    settings = VadSettings(speech_pad_ms=200)  # 3200 samples, more than half the 6-window gap
    spans = speech_spans(probs((0.9, 20), (0, 6), (0.9, 20), (0, 10)), n_samples=56 * WINDOW, settings=settings)
    gap = 6 * WINDOW
    assert spans[0] == (0, 20 * WINDOW + gap // 2)
    assert spans[1][0] == 26 * WINDOW - gap // 2


def test_silence_and_a_pure_tone_have_no_speech():
    assert speech_regions(np.zeros(16_000, dtype=np.float32)) == ()
    assert speech_regions(tone(1000.0, duration_s=2.0, sr=16_000, amplitude=0.3)) == ()


def test_an_unreadable_model_is_a_model_error(tmp_path):
    for name, content in [("garbage.onnx", b"not a model"), ("empty.onnx", b"")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ModelError, match=name):
            SileroVad(tmp_path / name)
    with pytest.raises(ModelError, match="missing.onnx"):
        SileroVad(tmp_path / "missing.onnx")


def test_a_model_without_the_stft_layer_runs_whole_and_a_wrong_one_says_so(tmp_path):
    import onnx
    from onnx.utils import Extractor

    tail = Extractor(onnx.load(vad.model_path())).extract_model(
        ["/encoder/feature_extractor/Sqrt_output_0", "h", "c"], ["speech_probs", "hn", "cn"])
    onnx.save(tail, tmp_path / "tail.onnx")
    other = SileroVad(tmp_path / "tail.onnx")
    assert other.stft_window is None
    with pytest.raises(ModelError, match="32 ms windows"):
        other.probabilities(np.zeros(4000, dtype=np.float32))


def test_a_front_end_that_disagrees_with_the_model_is_not_used(monkeypatch, caplog):
    monkeypatch.setattr(vad, "_magnitudes", lambda windows, window: np.zeros((len(windows), 129, 4), np.float32))
    assert SileroVad(vad.model_path()).stft_window is None
    assert "disagrees" in caplog.text


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="threshold"):
        VadSettings(threshold=1.5)
    with pytest.raises(ConfigError, match="speech_pad_ms"):
        VadSettings(speech_pad_ms=30.5)
