"""The HTML coaching report: content, order, languages, escaping, audio mode, edge cases.

Reports come from the bundled sample calls with a scripted transcriber whose
words are the samples' true script (events.json), so no model is needed.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from callcheck.cli import main
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import Region, Turn, Word
from callcheck.report import FORMATS, render, to_dict, to_html
from callcheck.report.html import measured_vs_threshold, overlaps, report_language
from callcheck.signal.frames import FrameGrid
from callcheck.signal.pitch import PitchTrack
from conftest import SAMPLES, ScriptedTranscriber, write

EVIL = "<script>alert(1)</script>"


def scripted_words(name: str, *, evil: bool = False) -> dict[int, tuple[Word, ...]]:
    """The sample's script as timed words, per transcribe call (0 = agent, 1 = customer)."""
    events = json.loads((SAMPLES / f"{name}.events.json").read_text(encoding="utf-8"))["events"]
    by_role: dict[str, list[Word]] = {"agent": [], "customer": []}
    for n, event in enumerate(events):
        tokens = event["text"].split() + ([EVIL] if evil and n == 0 else [])
        step = (event["end_s"] - event["start_s"]) / len(tokens)
        by_role[event["role"]] += [
            Word(event["start_s"] + i * step, event["start_s"] + (i + 0.9) * step, token, 0.3 if i == 2 else 0.9)
            for i, token in enumerate(tokens)]
    return {0: tuple(by_role["agent"]), 1: tuple(by_role["customer"])}


def analyze_sample(name: str, *, language: str, evil: bool = False, report_language: str | None = None, path=None):
    transcriber = ScriptedTranscriber(scripted_words(name, evil=evil), language=language)
    options = AnalyzeOptions(language=language, report_language=report_language)
    return analyze_call(path or SAMPLES / f"{name}.wav", transcriber=transcriber, options=options)


@pytest.fixture(scope="module")
def hotline():
    """A German call with five findings, one transcript word a script tag."""
    return analyze_sample("de_hotline_8k_ulaw", language="de", evil=True)


def sections(page: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)"', page)


def test_page_is_one_self_contained_file(hotline):
    page = to_html(hotline)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)
    assert page.count("<svg") == 3 and "<?xml" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "element ids must be unique across the inline plots"


def test_transcript_words_and_names_are_escaped(hotline):
    report = dataclasses.replace(hotline, call_id='"><img src=x onerror=alert(2)>')
    for page in (to_html(report), to_html(report, audio_url="/audio?call=1&x=<b>")):
        assert EVIL not in page and "<img" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_findings_come_first_with_evidence_values_and_tips(hotline):
    page = to_html(hotline)
    assert sections(page) == ["findings", "outcomes", "plots", "transcript"]
    assert [f.rule for f in hotline.findings][:1] == ["toneless_voice"]
    cards = re.findall(r'<article class="finding (\w+)" id="finding-(\d+)"><h3><span class="number">\d+</span> ([^<]+)</h3>',
                       page)
    assert [(s, int(n), t) for s, n, t in cards] == [
        (f.severity, n, f.title) for n, f in enumerate(hotline.findings, start=1)]
    greeting = next(f for f in hotline.findings if f.rule == "overlong_greeting")
    card = page[page.index(f"<h3><span class=\"number\">{hotline.findings.index(greeting) + 1}</span>"):]
    card = card[:card.index("</article>")]
    assert "„" not in greeting.tip or greeting.tip.split("„")[0] in card
    assert "<q>Herzlich willkommen</q>" in card and "0:00.5–0:05." in card
    assert re.search(r"<code>duration_s</code></th><td>\d\.\d+</td><td>6\.0 <code class=\"key\">max_duration_s</code>", card)
    assert "Tonhöhen-SD" in page and '<span class="described">' in page  # measurement evidence is not quoted


def test_all_eight_outcomes_are_listed_with_reasons(hotline):
    page = to_html(hotline)
    table = page[page.index('<section id="outcomes">'):page.index('<section id="plots">')]
    rows = re.findall(r'<tr class="(pass|fail|not_applicable)">.*?<code>(\w+)</code>', table)
    assert [rule for _, rule in rows] == [o.rule for o in hotline.outcomes] and len(rows) == 8
    assert all(o.reason.split("(")[0].strip() in table for o in hotline.outcomes)
    assert "nicht bestanden" in table and "bestanden" in table


def test_german_and_english_texts(hotline):
    german = to_html(hotline)
    assert report_language(hotline) == "de" and '<html lang="de">' in german
    assert all(s in german for s in ("Woran Sie arbeiten können", "Alle acht Prüfungen", "Mitschrift", "Tipp:",
                                     "Gesprächsverlauf", "Tonhöhe des Agenten", "Sprechtempo", "Kunde"))
    english = to_html(hotline, language="en")
    assert all(s in english for s in ("What to work on", "All eight checks", "Transcript", "Tip:", "Turns",
                                      "Agent&#x27;s pitch", "Speech rate", "Customer"))
    assert "Woran Sie" not in english


def test_page_language_follows_the_findings_language():
    report = analyze_sample("de_hotline_8k_ulaw", language="de", report_language="en")
    assert report.findings and report.findings[0].title == "Toneless, monotone voice"
    page = to_html(report)
    assert '<html lang="en">' in page and "What to work on" in page and "Toneless, monotone voice" in page


def test_audio_mode_links_evidence_and_words_to_the_player(hotline):
    page = to_html(hotline, audio_url="calls/7/audio.wav")
    assert re.search(r'<audio id="call-audio" controls [^>]*src="calls/7/audio.wav"', page)
    assert "<script>" in page and "currentTime" in page
    n_words = sum(len(s.words) for s in hotline.speakers)
    assert len(re.findall(r'<span class="w( low)?"[^>]*data-start="\d+\.\d\d"', page)) == n_words
    n_evidence = sum(len(f.evidence) for f in hotline.findings)
    assert len(re.findall(r'<li data-start="\d+\.\d\d" tabindex="0" role="button">', page)) == n_evidence
    assert 'data-start="0.50"' in page  # the greeting starts at 0.5 s
    plain = to_html(hotline)
    assert "<audio" not in plain and 'data-start="' not in plain and "<script" not in plain


def test_good_call_says_so_and_scores_100():
    report = analyze_sample("en_support_call", language="en")
    page = to_html(report)
    assert report.score == 100.0 and not report.findings
    applicable = sum(o.outcome != "not_applicable" for o in report.outcomes)
    assert "None of the eight checks flagged anything" in page
    assert f"{applicable} of {applicable} applicable checks passed" in page and applicable >= 7
    assert ">100<" in page and sections(page) == ["findings", "outcomes", "plots", "transcript"]


def test_mono_recording_renders_agent_only(tmp_path):
    stereo, sr = sf.read(SAMPLES / "de_support_call.wav", dtype="float32")
    path = write(tmp_path / "practice.wav", stereo[:, 0], sr=sr)
    report = analyze_sample("de_support_call", language="de", path=path)
    assert [s.role for s in report.speakers] == ["agent"]
    page = to_html(report)
    assert "Mono-Aufnahme" in page and 'class="turn customer' not in page
    assert 'class="turn agent"' in page and page.count("<svg") == 3


def test_no_speech_report_renders_without_plots(tmp_path):
    path = write(tmp_path / "silence.wav", np.zeros((16_000 * 2, 2), np.float32), sr=16_000)
    report = analyze_call(path, transcriber=ScriptedTranscriber())
    page = to_html(report, language="de")
    assert report.status == "no_speech"
    assert "keine Sprache erkannt" in page and "<svg" not in page
    assert '<p class="note">In dieser Aufnahme wurde keine Sprache erkannt.</p>' in page
    assert sections(page) == ["findings", "outcomes", "transcript"] and "Gesprächsverlauf" not in page


def test_pitch_tracks_are_measured_but_not_serialised(hotline):
    tracks = hotline.measurements.pitch_tracks
    assert set(tracks) == {"agent", "customer"}
    agent = tracks["agent"]
    assert agent.times_s.shape == agent.f0_hz.shape and agent.voiced.sum() * agent.hop_s > 5.0
    inside = np.zeros(agent.times_s.shape, bool)
    reach = agent.hop_s / 2  # a frame of the plotted track stands for this much either side of its time
    for region in hotline.speakers[0].regions:
        inside |= (agent.times_s >= region.start_s - reach) & (agent.times_s <= region.end_s + reach)
    assert not agent.voiced[~inside].any()
    assert "pitch_tracks" not in json.dumps(to_dict(hotline))


def test_render_and_cli_know_the_html_format(hotline, tmp_path):
    assert "html" in FORMATS and render(hotline, fmt="html", language="en").startswith("<!DOCTYPE html>")
    silent = write(tmp_path / "quiet.wav", np.zeros((16_000, 2), np.float32), sr=16_000)
    out = tmp_path / "quiet.html"
    result = CliRunner().invoke(main, ["analyze", str(silent), "--format", "html", "--report-language", "de",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert '<html lang="de">' in out.read_text(encoding="utf-8")


def test_cli_start_up_does_not_import_matplotlib():
    code = "import sys, callcheck.cli; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_measured_values_sit_next_to_their_thresholds():
    rows = measured_vs_threshold({"pitch_sd_st": 1.4, "words": 17, "signs": 3},
                                 {"pitch_sd_max_st": 2.0, "max_words": 12, "min_signs": 2, "early_start_s": -0.3})
    assert rows == [("pitch_sd_st", 1.4, 2.0, "pitch_sd_max_st"), ("words", 17, 12, "max_words"),
                    ("signs", 3, 2, "min_signs"), ("early_start_s", None, -0.3, "early_start_s")]


def test_overlaps_ignore_backchannels_and_jitter():
    def turn(role, start, end, backchannel=False):
        return Turn(role, start, end, (Region(start, end),), (), backchannel)

    turns = [turn("agent", 0.0, 5.0), turn("customer", 4.9, 8.0), turn("customer", 2.0, 2.6, backchannel=True),
             turn("agent", 7.0, 9.0)]
    assert overlaps(turns) == [Region(7.0, 8.0)]


def test_decimate_keeps_gaps_and_medians():
    grid = FrameGrid(first=0, hop=160, centre=0.0, sr=16_000)  # 10 ms frames
    times = grid.times(10_000)
    values = np.where((times >= 20) & (times < 40), np.nan, 100.0 + (np.arange(10_000) % 5))
    small = PitchTrack(values, grid).decimated(2_000)
    t, v = small.times_s, small.f0_hz
    assert t.size == v.size == 2_000 and small.hop_s == pytest.approx(0.05)
    np.testing.assert_allclose(t, times.reshape(-1, 5).mean(axis=1), rtol=0, atol=1e-9)  # block mean times
    assert np.allclose(v[np.isfinite(v)], 102.0)
    assert np.isnan(v[(t > 20.1) & (t < 39.9)]).all()
    assert PitchTrack(values[:100], grid).decimated(2_000).f0_hz.size == 100
    uneven = PitchTrack(np.full(10_003, 120.0), grid).decimated(2_000)  # blocks of 6: the last holds 1 frame
    assert uneven.f0_hz.size == 1_668 and uneven.f0_hz[-1] == 120.0
    assert uneven.times_s[-1] >= grid.times(10_003)[-1] - 0.05  # the end of the track is drawn, not dropped


@pytest.mark.parametrize("measured,threshold", [
    ("articulation_rate_sps", "articulation_max_sps"), ("response_gap_median_s", "response_gap_max_s"),
    ("agent_interruptions", "max_interruptions"), ("agent_talk_share", "talk_share_max"),
    ("pauses_per_min", "pauses_per_min_max"), ("pitch_sd_st", "pitch_sd_max_st"),
])
def test_each_rules_measured_value_finds_its_threshold(measured, threshold):
    (row,) = measured_vs_threshold({measured: 1.0}, {threshold: 2.0})
    assert row == (measured, 1.0, 2.0, threshold)


def test_plots_use_the_calls_own_thresholds_when_the_rule_passed(tmp_path):
    from callcheck.config import load_config

    path = tmp_path / "my.toml"
    path.write_text("[rules.toneless_voice]\nwindow_sd_max_st = 2.7\n")
    transcriber = ScriptedTranscriber(scripted_words("en_support_call"), language="en")
    report = analyze_call(SAMPLES / "en_support_call.wav", transcriber=transcriber,
                          options=AnalyzeOptions(language="en", config=load_config(path)))
    assert not any(f.rule == "toneless_voice" for f in report.findings)
    assert "2.7 semitones" in to_html(report) and "1.5 semitones" not in to_html(report)
