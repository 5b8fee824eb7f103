"""The Markdown report: findings first, report language, measured turns in the transcript."""

from __future__ import annotations

import pytest

from callcheck.report import render
from test_html import analyze_sample


@pytest.fixture(scope="module")
def hotline():
    return analyze_sample("de_hotline_8k_ulaw", language="de")


def test_german_report_puts_findings_before_outcomes_and_transcript(hotline):
    text = render(hotline, fmt="md")
    order = [text.index(h) for h in ("## Woran Sie arbeiten können", "## Alle acht Prüfungen", "## Mitschrift")]
    assert order == sorted(order)
    assert "| `overlong_greeting` | nicht bestanden |" in text
    assert "- Aufnahme: Stereo (eine Partei je Kanal) - zwei Kanäle mit verschiedenen Signalen" in text
    assert "- Stereo: eine Partei je Kanal" in text  # the method, worded in the report's language
    first = hotline.findings[0]
    assert f"### {first.title} (`{first.rule}`" in text and f"**Tipp:** {first.tip}" in text


def test_report_language_switches_the_labels(hotline):
    english = render(hotline, fmt="md", language="en")
    assert "## What to work on" in english and "**Agent**" in english and "## All eight checks" in english
    assert "two channels with different signals: one party per channel" in english


def test_transcript_keeps_speech_under_a_barge_in_in_one_turn(hotline):
    # the customer talks on for 1.5 s after the agent barges in at 13.3 s: one customer turn, not word scraps
    lines = [line for line in render(hotline, fmt="md").splitlines() if line.startswith("**Kunde**")]
    assert any("zweimal angerufen" in line and "ganz bestimmt" in line for line in lines)
    assert all(len(line.split("]: ", 1)[1].split()) > 2 for line in lines)
