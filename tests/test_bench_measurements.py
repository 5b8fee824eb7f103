"""Tests for the pure helpers of scripts/bench_measurements.py (no model, no real data)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import bench_measurements as bm  # noqa: E402


def test_md_table_pads_columns_and_has_a_separator_row():
    table = bm.md_table(["file", "x"], [["a.wav", 1.5], ["long_name.wav", "-"]])
    assert table.splitlines() == [
        "| file          | x   |",
        "|---------------|-----|",
        "| a.wav         | 1.5 |",
        "| long_name.wav | -   |",
    ]


def test_num_prints_a_dash_for_missing_values():
    assert (bm.num(None), bm.num(float("nan")), bm.num(2.345), bm.num(2.345, 1)) == ("-", "-", "2.35", "2.3")


def test_silver_gaps_pairs_customer_ends_with_the_next_agent_onset(tmp_path):
    rttm = tmp_path / "call.rttm"
    rttm.write_text(
        "SPEAKER c 1 1.000 2.000 <NA> <NA> user_ch0 <NA> <NA>\n"
        "SPEAKER c 1 3.500 1.000 <NA> <NA> agent_ch1 <NA> <NA>\n"
        "SPEAKER c 1 5.000 1.000 <NA> <NA> agent_ch1 <NA> <NA>\n"
        "SPEAKER c 1 6.200 1.000 <NA> <NA> user_ch0 <NA> <NA>\n"
        "SPEAKER c 1 7.000 1.000 <NA> <NA> agent_ch1 <NA> <NA>\n"
    )
    gaps = bm.silver_gaps(rttm)
    assert [(round(t, 3), round(g, 3)) for t, g in gaps] == [(3.0, 0.5), (7.2, -0.2)]


def test_cached_transcriber_returns_each_speaking_channel_in_order():
    word = {"start_s": 0.1, "end_s": 0.4, "text": "hallo", "probability": 0.9}
    report = {"call": {"language": "de"}, "speakers": [
        {"speech_s": 1.0, "words": [word]}, {"speech_s": 0.0, "words": []}]}
    cached = bm.CachedTranscriber(report)
    samples = np.zeros(16_000, dtype=np.float32)
    assert cached.detect_language(samples, chunks=()) == "de"
    assert [w.text for w in cached.transcribe(samples, chunks=(), language="de")] == ["hallo"]
    assert cached.queue == []


def test_every_synthetic_call_injects_interruptions_and_a_backchannel_somewhere():
    calls = bm.synth_calls(quick=False)
    labels = [label for call in calls for label, _ in call.script]
    assert set(labels) <= {"", "interruption", "backchannel"}
    assert all(any(label == "interruption" for label, _ in call.script) for call in calls)
    assert labels.count("backchannel") >= 1
    assert {c.language for c in calls} == {"de", "en"} and any(c.subtype == "ULAW" and c.sr == 8000 for c in calls)
    assert {c.name for c in bm.synth_calls(quick=True)} < {c.name for c in calls}
