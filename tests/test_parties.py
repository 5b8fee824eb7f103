"""The layout stage: dual-mono through codecs, crosstalk on stereo, agent cues, words to speakers,
and a mixed recording through the whole pipeline."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import soundfile as sf

from callcheck import parties
from callcheck.measure.conversation import overlap_s
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import Region, Word
from callcheck.report import render
from callcheck.signal.audio import load_recording, resample
from callcheck.signal.crosstalk import remove_leak
from callcheck.signal.layout import channel_similarity
from callcheck.signal.vad import speech_regions
from callcheck.speech.roles import RoleCues, decide_agent
from conftest import ROOT, SAMPLES, ScriptedTranscriber, write

sys.path.insert(0, str(ROOT / "scripts"))
from audio_codecs import roundtrip  # noqa: E402

SETTINGS = parties.layout_settings({}, {})


def stereo_sample(name: str = "en_support_call") -> tuple[np.ndarray, int, dict]:
    data, sr = sf.read(SAMPLES / f"{name}.wav", dtype="float32")
    events = json.loads((SAMPLES / f"{name}.events.json").read_text())
    return data, sr, events


def delayed(x: np.ndarray, *, delay_s: float, sr: int) -> np.ndarray:
    d = int(delay_s * sr)
    return np.concatenate([np.zeros(d, np.float32), x[: x.size - d]])


@pytest.mark.parametrize("codec", ["aac", "mp3", "opus", "ulaw", "alaw"])
def test_a_mono_mix_saved_as_stereo_is_one_signal_after_any_codec(tmp_path, codec):
    data, sr, _ = stereo_sample("de_support_call")
    mix = data.mean(axis=1)
    decoded, rate = roundtrip(np.column_stack([mix, mix]), sr=sr if codec not in ("ulaw", "alaw") else 8000,
                              codec=codec)
    path = write(tmp_path / f"dual.{codec}.wav", decoded, sr=rate)
    merged, reason = parties.merge_dual_mono(load_recording(path), requested="auto", settings=SETTINGS)
    assert len(merged.channels) == 1 and merged.source_channels == 2
    assert reason.code == "same_signal" and reason.get("correlation") > 0.85


def test_two_parties_and_two_microphones_stay_stereo():
    data, sr, _ = stereo_sample()
    a, b = (resample(data[:, k], rate_hz=sr) for k in (0, 1))
    noise = np.random.default_rng(1).normal(0, 0.003, a.size).astype(np.float32)  # a line's hiss on both
    assert not channel_similarity(a + noise, b + noise[::-1], sr=16_000).same_signal()
    # two microphones in one room: each voice loud in its own, 10 dB down and 2 ms late in the other
    room_a = a + 0.3 * delayed(b, delay_s=0.002, sr=16_000)
    room_b = b + 0.3 * delayed(a, delay_s=0.002, sr=16_000)
    similarity = channel_similarity(room_a, room_b, sr=16_000)
    assert similarity.level_spread_db > 10 and not similarity.same_signal()


@pytest.mark.parametrize(("down_db", "delay_s"), [(20, 0.02), (20, 0.06), (30, 0.04)])
def test_leak_into_the_other_channel_is_not_speech(down_db, delay_s):
    data, sr, _ = stereo_sample()
    agent, customer = (resample(data[:, k], rate_hz=sr) for k in (0, 1))
    clean = speech_regions(agent), speech_regions(customer)
    gain = 10 ** (-down_db / 20)
    leaky_agent = agent + gain * delayed(customer, delay_s=delay_s, sr=16_000)
    leaky_customer = customer + gain * delayed(agent, delay_s=delay_s, sr=16_000)
    heard = speech_regions(leaky_agent), speech_regions(leaky_customer)
    assert overlap_s(*heard) > 5  # without the check, the leak is heard as both talking at once
    kept_agent, leak = remove_leak(leaky_agent, leaky_customer, heard[0], heard[1], sr=16_000)
    kept_customer, _ = remove_leak(leaky_customer, leaky_agent, heard[1], heard[0], sr=16_000)
    assert leak.duration_s > 2
    assert abs(overlap_s(kept_agent, kept_customer) - overlap_s(*clean)) < 0.5
    for kept, truth in ((kept_agent, clean[0]), (kept_customer, clean[1])):
        assert sum(r.duration_s for r in kept) == pytest.approx(sum(r.duration_s for r in truth), abs=1.0)


@pytest.mark.parametrize("name", ["en_support_call", "de_support_call"])
@pytest.mark.parametrize("delay_s", [0.02, 0.06])
def test_leak_both_ways_on_a_noisy_line_with_unequal_levels(name, delay_s):
    # as on SpokenWOZ: a line hiss at -50 dBFS, the agent 8 dB quieter than the customer, each
    # leaking 20 dB down into the other channel. The other channel's detector fires on almost all
    # of each party's speech (on its leak), so "speaking alone" must not mean "the other detector
    # silent", or each party's speech level comes out 15-30 dB too low and the ends of leaked
    # words are kept as speech (2.7 s of extra overlap on the English call before).
    data, sr, _ = stereo_sample(name)
    rng = np.random.default_rng(7)
    agent, customer = resample(data[:, 0], rate_hz=sr) * np.float32(10 ** (-8 / 20)), resample(data[:, 1], rate_hz=sr)
    hiss = [rng.normal(0, 10 ** (-50 / 20), agent.size).astype(np.float32) for _ in range(2)]
    clean = speech_regions(agent + hiss[0]), speech_regions(customer + hiss[1])
    leaky_agent = agent + hiss[0] + 0.1 * delayed(customer, delay_s=delay_s, sr=16_000)
    leaky_customer = customer + hiss[1] + 0.1 * delayed(agent, delay_s=delay_s, sr=16_000)
    heard = speech_regions(leaky_agent), speech_regions(leaky_customer)
    kept_agent, _ = remove_leak(leaky_agent, leaky_customer, heard[0], heard[1], sr=16_000)
    kept_customer, _ = remove_leak(leaky_customer, leaky_agent, heard[1], heard[0], sr=16_000)
    assert abs(overlap_s(kept_agent, kept_customer) - overlap_s(*clean)) < 0.3


def words(text: str, *, start_s: float, step_s: float = 0.3) -> tuple[Word, ...]:
    return tuple(Word(start_s + k * step_s, start_s + k * step_s + 0.25, w, 0.9) for k, w in enumerate(text.split()))


@pytest.mark.parametrize(("language", "agent_text", "customer_text"), [
    ("en", "thank you for calling Acme, this is Sam, how can I help you?",
     "hello, I'm calling because my order never arrived"),
    ("de", "Kundenservice Müller, mein Name ist Weber, was kann ich für Sie tun?",
     "ja hallo, ich habe ein Problem mit meiner Rechnung"),
])
def test_the_agent_is_found_by_cue_phrases_even_when_the_caller_speaks_first(language, agent_text, customer_text):
    settings = parties.layout_settings({}, __import__("callcheck.config").config.load_config().phrases)
    cues = settings.cues_for(language)
    said = {0: words(customer_text, start_s=0.0), 1: words(agent_text, start_s=4.0)}  # the caller speaks first
    decision = decide_agent(said, cues=cues, first_speaker=0)
    assert decision.agent == 1 and decision.confidence > 0.8
    assert decide_agent({0: said[1], 1: said[0]}, cues=cues, first_speaker=1).agent == 0
    assert decide_agent(said, cues=cues, first_speaker=0, requested="first").agent == 0


def test_without_cues_the_first_speaker_is_only_a_weak_guess():
    decision = decide_agent({0: words("okay", start_s=0), 1: words("fine", start_s=2)}, cues=RoleCues((), ()),
                            first_speaker=0)
    assert decision.agent == 0 and decision.confidence < 0.6


def test_each_word_goes_to_the_speaker_talking_at_its_time():
    regions = {0: (Region(0.0, 2.0), Region(5.0, 6.0)), 1: (Region(2.2, 4.8),)}
    said = (Word(0.1, 0.4, "a", 1), Word(1.9, 2.3, "b", 1), Word(3.0, 3.2, "c", 1), Word(4.85, 4.95, "d", 1))
    split = parties.split_words(said, regions)
    assert [w.text for w in split[0]] == ["a", "b", "d"] and [w.text for w in split[1]] == ["c"]


def true_regions(events: dict, role: str) -> tuple[Region, ...]:
    return tuple(Region(e["start_s"], e["end_s"]) for e in events["events"] if e["role"] == role)


def test_a_mono_mix_is_split_into_agent_and_customer(tmp_path):
    data, sr, events = stereo_sample()
    path = write(tmp_path / "mix.wav", data.mean(axis=1), sr=sr)
    # the caller is speaker 0 here, so the agent must be found by what they say
    truth = {0: true_regions(events, "customer"), 1: true_regions(events, "agent")}

    def diarizer(samples, *, regions, sr, force_two):
        return parties.SpeakerSplit(speakers=2, separation=0.4, confidence=0.9, regions=truth)

    said = tuple(w for e in events["events"] for w in words(e["text"], start_s=e["start_s"],
                                                              step_s=(e["end_s"] - e["start_s"]) / len(e["text"].split())))
    report = analyze_call(path, transcriber=ScriptedTranscriber({0: said}), diarizer=diarizer,
                          options=AnalyzeOptions(language="en"))
    data = json.loads(render(report, fmt="json"))
    assert data["call"]["layout"] == "mixed" and data["call"]["agent_speaker_confidence"] > 0.8
    assert "how can I help" in data["call"]["layout_reason"]
    agent, customer = data["speakers"]
    assert agent["words"][0]["text"] == "Grumps" and customer["words"][0]["text"] == "Hi,"
    assert data["metrics"]["agent"]["talk_share"] is not None
    assert data["metrics"]["conversation"]["response_gap_median_s"] is not None
    assert "mixed mono" in data["metrics"]["conversation"]["method"]
    assert "mixed" in render(report, fmt="md") and "mixed" in render(report, fmt="html")


def test_single_speaker_and_forced_layouts(tmp_path):
    data, sr, events = stereo_sample()
    path = write(tmp_path / "agent.wav", data[:, 0], sr=sr)

    def one_voice(samples, *, regions, sr, force_two):
        return parties.SpeakerSplit(speakers=2 if force_two else 1, separation=0.05, confidence=0.95,
                                    regions={0: tuple(regions), 1: ()})

    report = analyze_call(path, transcriber=ScriptedTranscriber(), diarizer=one_voice)
    assert report.layout.kind == "single" and "one voice" in report.layout.reason
    assert [s.role for s in report.speakers] == ["agent"]
    forced = analyze_call(path, transcriber=ScriptedTranscriber(), diarizer=one_voice,
                          options=AnalyzeOptions(layout="single"))
    assert forced.layout.kind == "single" and "--layout single" in forced.layout.reason
    stereo = write(tmp_path / "stereo.wav", data, sr=sr)
    mixed = analyze_call(stereo, transcriber=ScriptedTranscriber(), diarizer=one_voice,
                         options=AnalyzeOptions(layout="mixed"))
    assert mixed.layout.kind == "mixed" and "--layout mixed" in mixed.layout.reason



def test_a_short_word_over_the_other_party_keeps_its_head_when_its_tail_reads_as_leak():
    # "Oh," said over the caller (flite calls, seed 81): the word's fading tail, quiet while the caller talks
    # on, reads as the caller leaking in; what was left (one block of the agent's own voice at full level) had
    # been dropped as a sliver, so the barge-in started 0.5 s late and its overlap fell below a second.
    data, sr, events = stereo_sample()
    agent, customer = (resample(data[:, k], rate_hz=sr) for k in (0, 1))
    said = next(e for e in events["events"] if e["role"] == "customer" and e["end_s"] - e["start_s"] > 2)
    voice = agent[int(0.8 * 16_000):int(2.8 * 16_000)]
    voice = voice / np.sqrt(np.mean(voice ** 2)) * 0.1  # the agent's own speech at -20 dBFS
    own = np.zeros_like(agent)
    own[8000:8000 + voice.size] = voice  # alone, from 0.5 s: the agent's typical level
    at = int((said["start_s"] + 1.0) * 16_000)  # the short word, over the caller
    own[at:at + 1600] = voice[4800:6400]
    own[at + 1600:at + 3200] = 0.12 * delayed(customer, delay_s=0.02, sr=16_000)[at + 1600:at + 3200]
    mine = (Region(0.5, 0.5 + voice.size / 16_000), Region(at / 16_000, (at + 3200) / 16_000))
    kept, leak = remove_leak(own, customer, mine, (Region(said["start_s"], said["end_s"]),), sr=16_000)
    assert leak.duration_s > 0  # the tail is taken for the caller leaking in ...
    assert any(r.start_s == pytest.approx(at / 16_000) and r.duration_s >= 0.09 for r in kept)  # ... the word stays
