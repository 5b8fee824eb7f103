"""The pipeline's stages with a scripted transcriber: no model needed."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from callcheck.config import load_config
from callcheck.errors import ConfigError
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import AsrHints, ModelInfo, Region, Word
from callcheck.report import render, to_dict
from callcheck.signal.vad import asr_chunks
from callcheck.speech.asr import ChunkOffset, WhisperTranscriber, hint_text, holes, join_chunks, restore_times
from callcheck.speech.models import ModelSpec
from conftest import SAMPLES, ScriptedTranscriber, realdata, write


def test_asr_chunks_pad_clip_and_merge():
    regions = [Region(0.1, 1.0), Region(2.0, 3.0), Region(6.0, 7.0)]
    chunks = asr_chunks(regions, duration_s=7.2, pad_s=0.4, merge_gap_s=2.0)
    assert chunks == (Region(0.0, 3.4), Region(5.6, 7.2))


def test_join_chunks_and_restore_times_round_trip():
    samples = np.arange(16_000 * 10, dtype=np.float32)
    audio, offsets = join_chunks(samples, [Region(1.0, 2.0), Region(5.0, 6.5)])
    assert audio.size == 16_000 * 2.5
    assert offsets == [ChunkOffset(0.0, 1.0, 1.0), ChunkOffset(1.0, 2.5, 5.0)]
    words = [Word(0.2, 0.5, "hallo", 0.9), Word(1.1, 1.4, "welt", 0.8)]
    assert restore_times(words, offsets) == [Word(1.2, 1.5, "hallo", 0.9), Word(5.1, 5.4, "welt", 0.8)]


def test_silent_call_is_a_valid_no_speech_report(tmp_path):
    path = write(tmp_path / "silence.wav", np.zeros((16_000 * 2, 2), np.float32), sr=16_000)
    transcriber = ScriptedTranscriber()
    report = analyze_call(path, transcriber=transcriber)
    data = to_dict(report)
    assert data["call"]["status"] == "no_speech"
    assert data["call"]["language"] is None
    assert [s["role"] for s in data["speakers"]] == ["agent", "customer"]
    assert all(s["words"] == [] and s["speech_s"] == 0 for s in data["speakers"])
    assert transcriber.calls == []
    assert "No speech was detected" in render(report, fmt="md")
    assert data["score"] is None  # nothing to judge is not a perfect call
    assert {o["outcome"] for o in data["outcomes"]} == {"not_applicable"}


def test_report_layout_is_pinned(tmp_path):
    path = realdata("faster_whisper_stereo/stereo_diarization.wav")
    words = {0: (Word(0.5, 0.9, "hello", 0.9),), 1: (Word(1.0, 1.3, "hi", 0.8),)}
    report = analyze_call(path, transcriber=ScriptedTranscriber(words), options=AnalyzeOptions(call_id="c1"))
    data = json.loads(render(report, fmt="json"))
    assert list(data) == ["schema", "call", "model", "speakers", "metrics", "findings", "score", "outcomes", "redaction"]
    assert [o["rule"] for o in data["outcomes"]] == ["toneless_voice", "apathetic_voice", "impatient_voice",
                                                     "overlong_greeting", "rushed_voice", "indistinct_speech",
                                                     "too_fast", "lacks_empathy"]
    assert all(list(o) == ["rule", "outcome", "reason"] for o in data["outcomes"])
    assert list(data["metrics"]) == ["agent", "customer", "conversation", "timeline", "turns"]
    assert list(data["metrics"]["agent"])[:11] == [
        "pitch_median_hz", "pitch_sd_st", "pitch_range_st", "level_dbfs", "dynamic_range_db", "speaking_rate_sps",
        "articulation_rate_sps", "words_per_minute", "pauses_per_min", "mean_pause_s", "talk_share"]
    assert {"interruptions", "response_gaps", "dead_air", "overlap_s", "method"} <= set(data["metrics"]["conversation"])
    assert data["schema"] == "callcheck.report/1"
    assert list(data["call"]) == ["path", "call_id", "duration_s", "sample_rate_hz", "channels", "language", "status",
                                  "layout", "layout_reason", "layout_method", "agent_speaker_confidence",
                                  "layout_notes", "warnings", "usable_duration_s"]
    assert data["call"]["layout"] == "stereo" and data["call"]["agent_speaker_confidence"] is None
    assert data["call"]["call_id"] == "c1" and data["call"]["channels"] == 2
    assert list(data["model"]) == ["name", "compute_type"]
    assert [list(s) for s in data["speakers"]] == [["role", "channel", "speech_s", "words"]] * 2
    assert data["speakers"][0]["words"] == [{"start_s": 0.5, "end_s": 0.9, "text": "hello", "probability": 0.9}]


def test_both_channels_get_their_own_speech_regions():
    path = realdata("faster_whisper_stereo/stereo_diarization.wav")
    transcriber = ScriptedTranscriber(language="en")
    report = analyze_call(path, transcriber=transcriber, options=AnalyzeOptions(language="en"))
    agent, customer = report.speakers
    assert agent.regions and customer.regions
    assert len(transcriber.calls) == 2 and all(lang == "en" for *_, lang in transcriber.calls)


def test_options_are_validated_at_once():
    with pytest.raises(ConfigError, match="language"):
        AnalyzeOptions(language="fr")
    with pytest.raises(ConfigError, match="agent channel"):
        AnalyzeOptions(agent_channel="middle")


def test_finding_layout_is_pinned():
    from callcheck.report.json_report import plain
    from rulekit import evaluate

    outcomes, _ = evaluate(agent={"pitch_sd_st": 1.0, "pitch_range_st": 2.0})
    finding = plain(outcomes["toneless_voice"].finding)
    assert list(finding) == ["rule", "title", "severity", "confidence", "measured", "threshold", "evidence", "tip"]
    assert list(finding["evidence"][0]) == ["start_s", "end_s", "role", "quote"]
    assert finding["severity"] in ("minor", "major", "critical") and 0 <= finding["confidence"] <= 1


class LanguageProbe(ScriptedTranscriber):
    """Records the audio handed to language detection."""

    def detect_language(self, samples, *, chunks):
        self.detected = (samples.size / 16_000, tuple(chunks))
        return "de"


def test_language_is_detected_on_both_parties_within_whisper_window():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "samples" / "de_support_call.wav"
    probe = LanguageProbe(language="de")
    analyze_call(sample, transcriber=probe)
    seconds, chunks = probe.detected
    # the chunks each party's pass got (the transcripts' regions have their onsets refined after recognition)
    agent_s, customer_s = (sum(c.duration_s for c in chunks) for _, chunks, _ in probe.calls)
    assert seconds == pytest.approx(min(agent_s, 15.0) + min(customer_s, 15.0), abs=0.01)
    assert seconds > agent_s  # the customer's speech is in it too
    assert chunks == (Region(0.0, seconds),)
    fixed = LanguageProbe(language="de")
    analyze_call(sample, transcriber=fixed, options=AnalyzeOptions(language="en"))
    assert not hasattr(fixed, "detected")  # a given language is never detected


def write_toml(tmp_path, text):
    path = tmp_path / "my.toml"
    path.write_text(text)
    return path


def test_vocabulary_hints_reach_every_channel_of_the_call(tmp_path):
    config = load_config(write_toml(tmp_path, '[asr]\nhotwords = ["Grumps und Söhne"]\n'))
    transcriber = ScriptedTranscriber(language="de")
    analyze_call(SAMPLES / "de_support_call.wav", transcriber=transcriber,
                 options=AnalyzeOptions(config=config, hotwords=["Sonja Müller", "grumps und söhne"], language="de"))
    assert transcriber.hints == [AsrHints(words=("Grumps und Söhne", "Sonja Müller"), mode="prompt")] * 2
    plain = ScriptedTranscriber(language="de")  # no hints: the keyword is not passed at all (old transcribers work)
    analyze_call(SAMPLES / "de_support_call.wav", transcriber=plain, options=AnalyzeOptions(language="de"))
    assert plain.hints == [None, None]
    off = load_config(write_toml(tmp_path, '[asr]\nhotwords = ["Acme"]\nhint_mode = "off"\n'))
    switched_off = ScriptedTranscriber(language="de")
    analyze_call(SAMPLES / "de_support_call.wav", transcriber=switched_off, options=AnalyzeOptions(config=off))
    assert switched_off.hints == [None, None]


def test_call_hotwords_are_validated_at_once():
    with pytest.raises(ConfigError, match="hotwords: an empty entry"):
        AnalyzeOptions(hotwords=("Acme", " "))
    assert AnalyzeOptions(hotwords=["Sam  Miller"]).hotwords == ("Sam Miller",)


class FakeWhisper:
    """Stands in for faster_whisper.WhisperModel: records the decoding options, answers from a script
    of (start, end, word) per call, times in the joined audio."""

    class hf_tokenizer:  # noqa: N801 - the attribute name faster-whisper uses
        @staticmethod
        def encode(text, add_special_tokens=False):
            return SimpleNamespace(ids=text.split())

    def __init__(self, *answers):
        self.answers, self.options = list(answers), []

    def transcribe(self, audio, **options):
        self.options.append(options)
        words = [SimpleNamespace(start=a, end=b, word=f" {w}", probability=0.9) for a, b, w in
                 (self.answers.pop(0) if self.answers else ())]
        return iter([SimpleNamespace(words=words)]), None


def fake_transcriber(*answers) -> tuple[WhisperTranscriber, FakeWhisper]:
    transcriber = WhisperTranscriber(ModelSpec("fake", SAMPLES))
    transcriber.__dict__["model"] = fake = FakeWhisper(*answers)  # the cached model property, never loaded
    return transcriber, fake


@pytest.mark.parametrize(("mode", "expected"), [
    ("hotwords", {"hotwords": "Names: Acme, Sam Miller."}),
    ("prompt", {"initial_prompt": "Names: Acme, Sam Miller."}),
    ("off", {}),
])
def test_whisper_gets_hints_as_hotwords_or_initial_prompt(mode, expected):
    transcriber, fake = fake_transcriber()
    assert transcriber.info == ModelInfo("fake", "int8")
    transcriber.transcribe(np.zeros(16_000, np.float32), chunks=(Region(0.0, 1.0),), language="en",
                           hints=AsrHints(words=("Acme", "Sam Miller"), mode=mode))
    assert hint_text(AsrHints(words=("Grumps und Söhne",)), language="de") == "Namen: Grumps und Söhne."
    transcriber.transcribe(np.zeros(16_000, np.float32), chunks=(Region(0.0, 1.0),), language="en")
    hinted, plain = fake.options
    assert {k: v for k, v in hinted.items() if k in ("hotwords", "initial_prompt")} == expected
    assert "hotwords" not in plain and "initial_prompt" not in plain


def test_holes_are_long_stretches_of_a_chunk_without_words():
    words = [Word(1.0, 1.5, "a", 0.9), Word(1.6, 2.0, "b", 0.9), Word(6.0, 6.4, "c", 0.9)]
    chunks = (Region(0.5, 10.0), Region(12.0, 16.0))
    assert holes(chunks, words, min_s=3.0) == (Region(2.0, 6.0), Region(6.4, 10.0), Region(12.0, 16.0))
    assert holes(chunks, words, min_s=5.0) == ()


def test_speech_a_hinted_pass_skipped_is_decoded_again_without_hints():
    # the hinted pass stops after 4 s of a 10 s chunk (Whisper ended the window early); the rest comes back plain
    transcriber, fake = fake_transcriber([(0.2, 0.8, "Acme,"), (1.0, 1.5, "Sam"), (3.5, 4.0, "hello.")],
                                         [(0.5, 1.0, "Thank"), (1.1, 1.6, "you.")])
    words = transcriber.transcribe(np.zeros(16_000 * 12, np.float32), chunks=(Region(1.0, 11.0),), language="en",
                                   hints=AsrHints(words=("Acme",), mode="hotwords"))
    assert [(w.start_s, w.text) for w in words] == [(1.2, "Acme,"), (2.0, "Sam"), (4.5, "hello."), (5.5, "Thank"),
                                                    (6.1, "you.")]
    assert "hotwords" in fake.options[0] and "hotwords" not in fake.options[1]
    plain, fake = fake_transcriber([(0.2, 0.8, "Acme,")])
    plain.transcribe(np.zeros(16_000 * 12, np.float32), chunks=(Region(1.0, 11.0),), language="en")
    assert len(fake.options) == 1  # without hints a hole is left as Whisper left it
