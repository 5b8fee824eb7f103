"""The real Whisper model on real and bundled audio: words, times, roles."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from callcheck.cli import main
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.report import render
from callcheck.speech.asr import WhisperTranscriber
from callcheck.speech.models import resolve_model
from conftest import SAMPLES, realdata

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def transcriber():
    return WhisperTranscriber(resolve_model())


def _text(speaker) -> str:
    return re.sub(r"[^\w ]", "", " ".join(w.text for w in speaker.words).lower())


def test_german_monologue_gives_german_words(transcriber):
    report = analyze_call(realdata("silero_vad/de.wav"), transcriber=transcriber)
    (agent,) = report.speakers
    text = _text(agent)
    assert report.language == "de" and report.status == "ok"
    for expected in ("architektur", "europa", "wohnung", "handwerker"):
        assert expected in text
    starts = [w.start_s for w in agent.words]
    assert starts == sorted(starts) and 0 <= starts[0] and agent.words[-1].end_s <= 60.0
    assert all(0 <= w.probability <= 1 for w in agent.words)


def test_stereo_call_both_roles_have_words_at_the_right_times(transcriber):
    path = realdata("spokenwoz_speechbrain/MUL1011_8k_stereo.flac")
    report = analyze_call(path, transcriber=transcriber, options=AnalyzeOptions(agent_channel="right"))
    agent, customer = report.speakers
    assert (agent.role, agent.channel, customer.channel) == ("agent", 1, 0)
    assert report.language == "en"
    # Silver per-channel turns: customer "Hello, it's a customer service" at 4.94 s,
    # agent "Yes, what can I help you?" at 8.02-10.02 s.
    first_customer = customer.words[0]
    assert first_customer.text.lower().startswith("hello") and first_customer.start_s == pytest.approx(4.94, abs=0.5)
    first_agent = agent.words[0]
    assert first_agent.text.lower().startswith("yes") and first_agent.start_s == pytest.approx(8.02, abs=0.5)
    assert "cambridge" in _text(customer) and "booking" in _text(customer)


def test_bundled_german_sample_through_the_cli(tmp_path):
    sample = SAMPLES / "de_support_call.wav"
    if not sample.exists():
        pytest.skip("samples not built")
    result = CliRunner().invoke(main, ["analyze", str(sample), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["call"]["language"] == "de"
    events = json.loads(sample.with_suffix(".events.json").read_text())["events"]
    for role in ("agent", "customer"):
        speaker = next(s for s in report["speakers"] if s["role"] == role)
        assert speaker["words"], role
        first_event = min(e["start_s"] for e in events if e["role"] == role)
        assert speaker["words"][0]["start_s"] == pytest.approx(first_event, abs=0.5)


def _sample(name: str):
    path = SAMPLES / f"{name}.wav"
    if not path.exists():
        pytest.skip("samples not built")
    return path, json.loads(path.with_suffix(".events.json").read_text())["events"]


def test_planned_interruption_in_the_hotline_sample_is_found(transcriber):
    path, events = _sample("de_hotline_8k_ulaw")
    report = analyze_call(path, transcriber=transcriber)
    conversation = report.measurements.conversation
    (event,) = conversation.interruptions
    barge_in = events[2]  # the agent starts 1.5 s before the customer stops
    assert event.interrupter == "agent"
    assert event.start_s == pytest.approx(barge_in["start_s"], abs=0.2)
    assert event.overlap_s == pytest.approx(1.5, abs=0.3)
    assert "moment" in event.words.lower()
    agent = report.measurements.roles["agent"]
    assert agent.articulation_rate_sps > 4.5  # the hurried agent at 230 wpm (4.96-5.1 syll/s, by thread count)


def test_backchannel_in_the_english_sample_is_not_an_interruption(transcriber):
    path, events = _sample("en_support_call")
    report = analyze_call(path, transcriber=transcriber)
    conversation = report.measurements.conversation
    assert conversation.interruptions == ()
    backchannel = events[3]
    assert any(t.backchannel and t.role == "customer" and abs(t.start_s - backchannel["start_s"]) < 0.2
               for t in report.measurements.turns)
    assert len(conversation.response_gaps) == 2


def test_mono_recording_has_null_turn_taking_with_a_reason(transcriber):
    report = analyze_call(realdata("whisper_jfk/jfk.flac"), transcriber=transcriber,
                          options=AnalyzeOptions(channel_map={"agent": 0}))
    metrics = json.loads(render(report, fmt="json"))["metrics"]
    conversation = metrics["conversation"]
    assert conversation["interruptions"] is None and conversation["response_gaps"] is None
    assert conversation["dead_air"] is None and conversation["overlap_s"] is None
    assert "mono" in conversation["method"] or "one speaker" in conversation["method"]
    assert metrics["agent"]["talk_share"] is None
    assert 2.0 < metrics["agent"]["articulation_rate_sps"] < 7.0
    assert metrics["agent"]["pitch_median_hz"] > 60


def test_vocabulary_hints_spell_the_names_of_the_greeting(transcriber):
    sample = SAMPLES / "de_support_call.wav"  # "Grumps und Söhne, Sonja Müller, guten Tag." (without hints: "Kump, Suntzune")
    if not sample.exists():
        pytest.skip("samples not built")
    hints = AnalyzeOptions(hotwords=("Grumps und Söhne", "Sonja Müller"), language="de", redact=False)
    agent = analyze_call(sample, transcriber=transcriber, options=hints).speakers[0]
    assert _text(agent).startswith("grumps und söhne sonja müller guten tag")
