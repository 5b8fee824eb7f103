"""The real Whisper model on real and bundled audio: words, times, roles."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from callcheck.asr import WhisperTranscriber
from callcheck.cli import main
from callcheck.models import resolve_model
from callcheck.pipeline import AnalyzeOptions, analyze_call
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
    events = json.loads(sample.with_suffix(".events.json").read_text())
    for role in ("agent", "customer"):
        speaker = next(s for s in report["speakers"] if s["role"] == role)
        assert speaker["words"], role
        first_event = min(e["start_s"] for e in events if e["role"] == role)
        assert speaker["words"][0]["start_s"] == pytest.approx(first_event, abs=0.5)
