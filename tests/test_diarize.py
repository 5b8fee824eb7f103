"""Two-speaker diarization and the one-vs-two decision: pure parts on made-up numbers, the whole on real voices."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from callcheck.errors import ConfigError
from callcheck.records import Region
from callcheck.signal.audio import read_audio, resample
from callcheck.signal.diarize import (
    DiarizeSettings,
    SpeakerTurn,
    count_speakers,
    diarize,
    frame_labels,
    speaker_at,
    split_two,
    viterbi,
)
from callcheck.signal.speakers import SpeakerEmbedder
from callcheck.signal.vad import speech_regions

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
needs_realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata not present")


def clusters(n_a: int, n_b: int, *, angle_deg: float, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (n_a + n_b, 192) around two centres `angle_deg` apart, and their true labels."""
    rng = np.random.default_rng(seed)
    a = np.zeros(192)
    a[0] = 1.0
    b = np.zeros(192)
    b[0], b[1] = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    truth = np.r_[np.zeros(n_a, int), np.ones(n_b, int)]
    x = np.where(truth[:, None] == 0, a, b) + rng.standard_normal((truth.size, 192)) * noise / np.sqrt(192)
    return x / np.linalg.norm(x, axis=1, keepdims=True), truth


def test_split_two_finds_two_groups_and_count_tells_them_apart():
    x, truth = clusters(30, 20, angle_deg=75)
    labels = split_two(x)
    assert labels[0] == 0 and np.array_equal(labels, truth)
    two = count_speakers(x, labels)
    assert two.speakers == 2 and two.confidence == 1.0 and two.similarity < 0.4
    same, _ = clusters(30, 20, angle_deg=0, noise=1.0, seed=1)
    one = count_speakers(same, split_two(same))
    assert one.speakers == 1 and one.similarity > one.threshold


def test_split_two_of_a_long_call_runs_the_spectral_step_on_a_subsample():
    x, truth = clusters(700, 500, angle_deg=75, seed=3)
    order = np.random.default_rng(4).permutation(truth.size)  # the two voices interleaved over the call
    x, truth = x[order], truth[order]
    full = split_two(x)
    assert np.array_equal(full, truth if truth[0] == 0 else 1 - truth)
    assert np.array_equal(split_two(x, max_spectral=200), full)  # 200 x 200 instead of 1200 x 1200


def test_count_threshold_is_lower_for_few_windows():
    x, truth = clusters(4, 4, angle_deg=40)
    few = count_speakers(x, truth)
    many = count_speakers(*clusters(200, 200, angle_deg=40))
    assert few.threshold < many.threshold < 0.76


def test_viterbi_smooths_short_flips_but_keeps_long_turns():
    scores = np.tile([0.8, 0.2], (60, 1))
    scores[20:40] = [0.2, 0.8]  # a 1 s turn of the other speaker (50 ms frames)
    scores[10] = [0.3, 0.7]  # one stray frame
    path = viterbi(scores, switch_penalty=4.0)
    assert path.tolist() == [0] * 20 + [1] * 20 + [0] * 20
    assert viterbi(np.zeros((0, 2)), switch_penalty=4.0).size == 0


def test_frame_labels_average_covering_windows():
    windows = [Region(0.0, 1.0), Region(0.5, 1.5)]
    scores = np.array([[1.0, 0.0], [0.0, 1.0]])
    times, frame_scores = frame_labels(scores, windows=windows, speech=[Region(0.0, 1.5), Region(3.0, 3.1)], frame_s=0.25)
    assert times.tolist() == pytest.approx([0.125, 0.375, 0.625, 0.875, 1.125, 1.375, 3.05])  # 0.1 s: one frame
    assert frame_scores[:, 0].tolist() == pytest.approx([1, 1, 0.5, 0.5, 0, 0, 0])  # the last: nearest window


def test_speaker_at_looks_up_turns_by_time():
    turns = (SpeakerTurn(0.0, 1.0, 0), SpeakerTurn(1.0, 2.5, 1), SpeakerTurn(4.0, 5.0, 0))
    assert speaker_at(turns, [0.5, 1.0, 2.4, 3.0, 4.5, 9.0]).tolist() == [0, 1, 1, -1, 0, -1]
    assert speaker_at((), [1.0]).tolist() == [-1]


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="frame_s"):
        DiarizeSettings(frame_s=1.0, step_s=0.5)


def test_too_little_speech_is_one_speaker():
    embedder = SpeakerEmbedder(Path("/nonexistent.onnx"))  # never opened: nothing to embed
    result = diarize(np.zeros(16000, np.float32), speech=[Region(0.1, 0.9)], embedder=embedder)
    assert result.count.speakers == 1 and result.turns == (SpeakerTurn(0.1, 0.9, 0),)


class ScriptedEmbedder:
    """Embeddings of two made-up voices by who speaks at each window's middle; counts what it embeds."""

    def __init__(self, speaker_at_s, *, angle_deg: float = 75.0, noise: float = 0.3):
        self.speaker_at_s, self.embedded = speaker_at_s, 0
        self.voices = clusters(1, 1, angle_deg=angle_deg, noise=0.0)[0]
        self.noise, self.rng = noise, np.random.default_rng(5)

    def embed(self, samples, windows):
        self.embedded += len(windows)
        who = [self.speaker_at_s((w.start_s + w.end_s) / 2) for w in windows]
        x = self.voices[who] + self.rng.standard_normal((len(windows), 192)) * self.noise / np.sqrt(192)
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def long_call() -> tuple[list[Region], Callable[[float], int]]:
    """40 regions of 5.2 s (5 windows each); voices alternate by region, and every 4th region
    changes voice 2.6 s in (no pause between them)."""
    speech = [Region(6.0 * k, 6.0 * k + 5.2) for k in range(40)]

    def speaker(t: float) -> int:
        k, into = int(t // 6.0), t % 6.0
        return (k + (k % 4 == 0 and into > 2.6)) % 2

    return speech, speaker


def test_a_long_call_is_embedded_coarse_to_fine_with_the_same_turns():
    speech, speaker = long_call()
    coarse, full = ScriptedEmbedder(speaker), ScriptedEmbedder(speaker)
    every = DiarizeSettings(coarse_from_windows=10**6)
    found = diarize(np.zeros(int(240 * 16000), np.float32), speech=speech, embedder=coarse)
    reference = diarize(np.zeros(int(240 * 16000), np.float32), speech=speech, embedder=full, settings=every)
    assert full.embedded == 200 and coarse.embedded == found.windows < 160  # 3 of 5 per region, 5 where it changes
    assert found.count.speakers == 2 and found.count.confidence == 1.0
    assert found.turns == reference.turns


def test_a_doubtful_long_call_is_decided_on_every_window():
    speech, speaker = long_call()
    alike = ScriptedEmbedder(speaker, angle_deg=45)  # two voices nearly as alike as one
    result = diarize(np.zeros(int(240 * 16000), np.float32), speech=speech, embedder=alike)
    assert alike.embedded == result.windows == 200 and result.count.confidence < 1.0


# --- real voices (../shared/realdata) --------------------------------------------------------------------

@pytest.fixture(scope="module")
def embedder() -> SpeakerEmbedder:
    return SpeakerEmbedder()


def voice(name: str, seconds: float) -> np.ndarray:
    data, rate = read_audio(REALDATA / name)
    return resample(data.mean(axis=1), rate_hz=rate)[: int(seconds * 16000)]


@needs_realdata
def test_two_real_voices_alternating_are_split_at_their_turns(embedder):
    a, b = voice("silero_vad/en.wav", 24.0), voice("silero_vad/de.wav", 24.0)
    parts, truth, t = [], [], 0.0
    for i in range(6):  # 4 s turns, alternating, 0.4 s of silence between
        source = a if i % 2 == 0 else b
        chunk = source[i // 2 * 64000:(i // 2 + 1) * 64000]
        parts += [chunk, np.zeros(6400, np.float32)]
        truth.append((t, t + 4.0, i % 2))
        t += 4.4
    mix = np.concatenate(parts)
    result = diarize(mix, speech=speech_regions(mix), embedder=embedder)
    assert result.count.speakers == 2
    times = np.arange(0.05, t, 0.1)
    expected = np.full(times.size, -1)
    for start, end, label in truth:
        expected[(times >= start + 0.25) & (times < end - 0.25)] = label
    got = result.speaker_at(times)
    scored = (expected >= 0) & (got >= 0)
    assert scored.sum() > 0.7 * (expected >= 0).sum()
    assert np.mean(got[scored] == expected[scored]) > 0.95


@needs_realdata
@pytest.mark.parametrize("name", ["silero_vad/en.wav", "thorsten_voice/neutral_read/recorded_sample_01.wav"])
def test_one_real_voice_is_one_speaker(embedder, name):
    x = voice(name, 20.0)
    result = diarize(x, speech=speech_regions(x), embedder=embedder)
    assert result.count.speakers == 1
    assert {t.speaker for t in result.turns} == {0}
    forced = diarize(x, speech=speech_regions(x), embedder=embedder, force_two=True)
    assert forced.count == result.count and {t.speaker for t in forced.turns} <= {0, 1}


@needs_realdata
def test_backchannels_of_the_other_voice_are_attributed(embedder):
    a, b = voice("silero_vad/en.wav", 30.0), voice("ljspeech_speechbrain/LJ050-0131.wav", 7.0)
    mix = a.copy()
    for k, start_s in enumerate((6.0, 14.0, 22.0)):  # 1.5 s of the second voice, mixed in over a pause-free stretch
        piece = b[k * 24000:(k + 1) * 24000]
        mix[int(start_s * 16000):int(start_s * 16000) + piece.size] = piece
    result = diarize(mix, speech=speech_regions(mix), embedder=embedder)
    assert result.count.speakers == 2
    other = 1 - result.speaker_at([2.0])[0]
    assert all(result.speaker_at([s + 0.75])[0] == other for s in (6.0, 14.0, 22.0))
