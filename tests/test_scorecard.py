"""Monthly scorecards against a small database whose numbers are worked out by hand."""

from __future__ import annotations

import math
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

from batchkit import fake_report, meta
from callcheck.batch.scorecard import EXPORT_FORMATS, GROUPS, build_scorecard, columns
from callcheck.batch.scorecard_files import export
from callcheck.batch.store import Store
from callcheck.cli import main
from callcheck.cli.batch import SCORECARD_FORMATS, SCORECARD_GROUPS
from callcheck.errors import ScorecardError
from callcheck.rules import RULE_IDS

NOV = "2026-11-{:02d}T10:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """November 2026: anna (blue) 3 calls, ben (blue) 1 + 1 without speech, cara (green) 2.
    Noise that must not count: a failed call, an older analysis of the same audio, a practice
    attempt, a December call. October: anna 1 call (score 70)."""
    path = tmp_path_factory.mktemp("scorecard") / "qa.db"
    with Store(path) as store:
        def add(sha, score, name, agent, team, started, *, source="batch", key="k", **kwargs):
            store.save(fake_report(score=score, **kwargs), meta(name, agent=agent, team=team, started=started),
                       audio_sha256=sha, config_hash=key, source=source)

        add("a1", 10.0, "a1", "anna", "blue", NOV.format(2), key="old")  # superseded by the next line
        add("a1", 80.0, "a1", "anna", "blue", NOV.format(2), fails=("toneless_voice",), speaking_rate_sps=4.0,
            talk_share=0.5, interruptions=0, dead_air_s=0.0)
        add("a2", 60.0, "a2", "anna", "blue", NOV.format(9), fails=("toneless_voice", "too_fast"),
            speaking_rate_sps=5.0, talk_share=0.6, interruptions=2, dead_air_s=3.0)
        add("a3", 100.0, "a3", "anna", "blue", NOV.format(30), speaking_rate_sps=4.5, talk_share=0.7,
            interruptions=1, dead_air_s=6.0)
        add("b1", 50.0, "b1", "ben", "blue", NOV.format(5), fails=("lacks_empathy",))
        add("b2", None, "b2", "ben", "blue", NOV.format(6), status="no_speech")
        add("c1", 90.0, "c1", "cara", "green", NOV.format(7))
        add("c2", 70.0, "c2", "cara", "green", NOV.format(8), fails=("lacks_empathy",))
        add("p1", 0.0, "p1", "anna", "blue", NOV.format(3), source="practice")
        add("d1", 0.0, "d1", "anna", "blue", "2026-12-01T08:00")
        add("o1", 70.0, "o1", "anna", "blue", "2026-10-15T08:00")
        store.save_failure(meta("f1", agent="anna", team="blue", started=NOV.format(4)), "bad", audio_sha256="f1",
                           config_hash="k")
    return path


def test_scorecard_by_agent_matches_hand_computed_numbers(db):
    card = build_scorecard(db, month="2026-11", by="agent")
    table = card.table.set_index("agent")
    assert list(card.table.columns) == columns("agent")
    assert list(table.index) == ["anna", "ben", "cara"]
    anna = table.loc["anna"]
    assert (anna["team"], anna["calls"], anna["no_speech_calls"]) == ("blue", 3, 0)
    assert (anna["mean_score"], anna["median_score"]) == (80.0, 80.0)
    assert anna["fail_rate_toneless_voice"] == pytest.approx(0.667, abs=1e-3)
    assert anna["fail_rate_too_fast"] == pytest.approx(0.333, abs=1e-3)
    assert anna["fail_rate_lacks_empathy"] == 0
    assert (anna["speaking_rate_sps"], anna["talk_share"]) == (4.5, 0.6)
    assert (anna["interruptions_per_call"], anna["dead_air_s_per_call"]) == (1.0, 3.0)
    assert (anna["calls_prev"], anna["mean_score_prev"], anna["mean_score_change"]) == (1, 70.0, 10.0)
    ben = table.loc["ben"]
    assert (ben["calls"], ben["no_speech_calls"], ben["mean_score"], ben["fail_rate_lacks_empathy"]) == (1, 1, 50.0, 1.0)
    assert ben["calls_prev"] == 0 and math.isnan(ben["mean_score_change"])
    assert table.loc["cara", "fail_rate_lacks_empathy"] == 0.5 and table.loc["cara", "team"] == "green"


def test_scorecard_by_team(db):
    card = build_scorecard(db, month="2026-11", by="team")
    table = card.table.set_index("team")
    assert list(card.table.columns) == columns("team") and "agent" not in card.table
    assert table.loc["blue", "calls"] == 4 and table.loc["blue", "mean_score"] == 72.5
    assert table.loc["blue", "median_score"] == 70.0 and table.loc["blue", "mean_score_change"] == 2.5
    assert table.loc["green", "mean_score"] == 80.0 and table.loc["green", "fail_rate_lacks_empathy"] == 0.5
    assert list(card.trend.index) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert card.trend.loc["2026-10", "blue"] == 70.0 and card.trend.loc["2026-11", "(all)"] == 75.0


def test_columns_are_pinned_and_the_cli_choices_match():
    assert columns("agent") == [
        "agent", "team", "calls", "no_speech_calls", "mean_score", "median_score",
        *(f"fail_rate_{rule}" for rule in RULE_IDS), "speaking_rate_sps", "articulation_rate_sps", "talk_share",
        "interruptions_per_call", "dead_air_s_per_call", "calls_prev", "mean_score_prev", "mean_score_change"]
    assert len(RULE_IDS) == 8
    assert (SCORECARD_GROUPS, SCORECARD_FORMATS) == (GROUPS, EXPORT_FORMATS)


def test_empty_month_is_a_clear_error_and_writes_nothing(db, tmp_path):
    with pytest.raises(ScorecardError, match=r"no scored calls in 2026-09 \(scored months: 2026-10, 2026-11, 2026-12\)"):
        build_scorecard(db, month="2026-09")
    result = CliRunner().invoke(main, ["scorecard", "--db", str(db), "--month", "2025-01", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no scored calls in 2025-01" in result.stderr
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ScorecardError, match="YYYY-MM"):
        build_scorecard(db, month="11/2026")
    with pytest.raises(ScorecardError, match="no such results database"):
        build_scorecard(tmp_path / "none.db", month="2026-11")


def test_csv_and_parquet_round_trip_through_pandas(db, tmp_path):
    card = build_scorecard(db, month="2026-11")
    for fmt in ("csv", "parquet"):
        path = export(card, tmp_path / f"card.{fmt}")
        back = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
        assert list(back.columns) == columns("agent")
        pd.testing.assert_frame_equal(back, card.table, check_dtype=False)


def test_xlsx_has_summary_and_team_sheets_with_numbers(db, tmp_path):
    path = export(build_scorecard(db, month="2026-11"), tmp_path / "card.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["Summary", "blue", "green"]
    summary = sheets["Summary"]
    assert summary.columns[:4].tolist() == ["Agent", "Team", "Calls scored", "Calls without speech"]
    assert "Fails: Toneless, monotone voice" in summary.columns
    assert summary["Mean score"].tolist() == [80.0, 50.0, 80.0]
    assert sheets["blue"]["Agent"].tolist() == ["anna", "ben"] and "Team" not in sheets["blue"]
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Summary"]
    assert sheet.freeze_panes == "B2"
    share = sheet.cell(row=2, column=summary.columns.get_loc("Fails: Toneless, monotone voice") + 1)
    assert share.number_format == "0.0%" and isinstance(share.value, float)


def test_html_is_self_contained_with_table_and_three_charts(db, tmp_path):
    result = CliRunner().invoke(main, ["scorecard", "--db", str(db), "--month", "2026-11", "--by", "team",
                                       "-o", str(tmp_path / "card.html")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("card.html: 2 teams, 6 scored calls in 2026-11")
    page = (tmp_path / "card.html").read_text()
    assert page.count("<svg") == 3 and "<table>" in page and "Fails: Speaking too fast" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "<script" not in page
    assert not zipfile.is_zipfile(tmp_path / "card.html")
