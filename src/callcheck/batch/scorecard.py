"""Monthly scorecards per agent or team from the results database.

`build_scorecard(db, month="2026-11", by="agent")` reads the month's calls with
plain SQL into pandas and returns one row per agent (or team): calls scored,
mean and median score, the share of calls failing each of the eight rules, the
agent's mean speaking and articulation rate, talk share, interruptions and
dead air per call, and the change against the previous month. Writing
it to a file is `scorecard_files.export()`.

A call analysed more than once (other settings, a re-run) counts once: its
latest successful analysis. Calls count in the month of `started_at`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from callcheck.batch.store import APPLICATION_ID, SCHEMA_VERSION
from callcheck.errors import ScorecardError
from callcheck.rules import RULE_IDS, RULES

GROUPS = ("agent", "team")
LAYOUT_KINDS = ("stereo", "mixed", "single")
EXPORT_FORMATS = ("csv", "xlsx", "parquet", "html")
UNASSIGNED = "(unassigned)"
TREND_MONTHS = 6
METRIC_COLUMNS = ("speaking_rate_sps", "articulation_rate_sps", "talk_share", "interruptions_per_call",
                  "dead_air_s_per_call")
FAIL_COLUMNS = tuple(f"fail_rate_{rule}" for rule in RULE_IDS)
TAIL_COLUMNS = ("calls", "no_speech_calls", "mean_score", "median_score", *FAIL_COLUMNS, *METRIC_COLUMNS,
                "calls_prev", "mean_score_prev", "mean_score_change")
LABELS = {
    "agent": "Agent", "team": "Team", "calls": "Calls scored", "no_speech_calls": "Calls without speech",
    "mean_score": "Mean score", "median_score": "Median score", "speaking_rate_sps": "Speaking rate (syll/s)",
    "articulation_rate_sps": "Articulation rate (syll/s)", "talk_share": "Agent talk share",
    "interruptions_per_call": "Interruptions by agent per call", "dead_air_s_per_call": "Dead air per call (s)",
    "calls_prev": "Calls previous month", "mean_score_prev": "Mean score previous month",
    "mean_score_change": "Mean score change",
    **{f"fail_rate_{r.RULE}": f"Fails: {r.TITLE['en']}" for r in RULES},
}
_CALLS_SQL = """
WITH latest AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.audio_sha256 ORDER BY c.analyzed_at DESC, c.id DESC) AS n
    FROM calls c
    WHERE c.source = :source AND c.status != 'failed' AND substr(c.started_at, 1, 7) BETWEEN :first AND :last
      AND (:layout IS NULL OR c.layout = :layout)
)
SELECT l.id AS pk, substr(l.started_at, 1, 7) AS month, l.agent, l.team, l.status, l.score,
       m.speaking_rate_sps, m.articulation_rate_sps, m.talk_share,
       v.interruptions_by_agent AS interruptions, v.dead_air_s
FROM latest l
LEFT JOIN metrics m ON m.call_pk = l.id AND m.role = 'agent'
LEFT JOIN conversation v ON v.call_pk = l.id
WHERE l.n = 1
"""


@dataclass(frozen=True, slots=True, eq=False)
class Scorecard:
    """A month's scorecard: `table` (one row per group), `agents` (one row per agent,
    for per-team sheets), `calls` (the month's calls) and `trend` (mean score by month)."""

    month: str
    by: str
    table: pd.DataFrame
    agents: pd.DataFrame
    calls: pd.DataFrame
    trend: pd.DataFrame


def columns(by: str) -> list[str]:
    """The scorecard's columns, in order."""
    return [by, *(["team"] if by == "agent" else []), *TAIL_COLUMNS]


def build_scorecard(db: str | Path, *, month: str, by: str = "agent", source: str = "batch",
                    layout: str | None = None) -> Scorecard:
    """The scorecard for `month` ("YYYY-MM") per agent or team; ScorecardError when
    the month has no scored calls. `layout` ("stereo"|"mixed"|"single") counts only
    calls recorded that way."""
    if by not in GROUPS:
        raise ScorecardError(f"--by must be agent or team, not {by!r}")
    if layout is not None and layout not in LAYOUT_KINDS:
        raise ScorecardError(f"--layout must be one of {', '.join(LAYOUT_KINDS)}, not {layout!r}")
    months = _months_back(month, TREND_MONTHS)
    calls = load_calls(db, first=months[0], last=month, source=source, layout=layout)
    current = calls[calls["month"] == month]
    if not (current["status"] == "ok").any():
        have = scored_months(db, source=source)
        hint = f" (scored months: {', '.join(have[-12:])})" if have else " (the database has no scored calls)"
        recorded = f" recorded as {layout}" if layout else ""
        raise ScorecardError(f"{db}: no scored calls{recorded} in {month}{hint}")
    previous = calls[calls["month"] == months[-2]]
    table = _with_change(_aggregate(current, by), _aggregate(previous, by), by)
    agents = _with_change(_aggregate(current, "agent"), _aggregate(previous, "agent"), "agent")
    ok = calls[calls["status"] == "ok"]
    trend = ok.pivot_table(index="month", columns=by, values="score", aggfunc="mean").reindex(months)
    trend["(all)"] = ok.groupby("month")["score"].mean()
    return Scorecard(month=month, by=by, table=table[columns(by)], agents=agents[columns("agent")],
                     calls=current, trend=trend)


def load_calls(db: str | Path, *, first: str, last: str, source: str = "batch", layout: str | None = None) -> pd.DataFrame:
    """Analysed calls started in months first..last ("YYYY-MM"), one row each, with
    the agent's metrics and one boolean `fail_<rule>` column per rule."""
    with _connect(db) as con:
        calls = pd.read_sql_query(_CALLS_SQL, con, params={"source": source, "first": first, "last": last,
                                                           "layout": layout})
        outcomes = pd.read_sql_query(
            "SELECT o.call_pk AS pk, o.rule, o.outcome = 'fail' AS failed FROM outcomes o "
            f"WHERE o.call_pk IN ({', '.join(str(int(pk)) for pk in calls['pk']) or 'NULL'})", con)
    fails = outcomes.pivot_table(index="pk", columns="rule", values="failed", aggfunc="max")
    fails = fails.reindex(columns=list(RULE_IDS)).fillna(0).astype(bool).add_prefix("fail_")
    calls = calls.join(fails, on="pk")
    for rule in RULE_IDS:
        calls[f"fail_{rule}"] = calls[f"fail_{rule}"].fillna(False).astype(bool)
    for group in GROUPS:
        calls[group] = calls[group].fillna(UNASSIGNED)
    return calls


def scored_months(db: str | Path, *, source: str = "batch") -> list[str]:
    """Every month ("YYYY-MM") with at least one scored call, oldest first."""
    with _connect(db) as con:
        rows = con.execute("SELECT DISTINCT substr(started_at, 1, 7) FROM calls WHERE source = ? AND status = 'ok'"
                           " AND started_at IS NOT NULL ORDER BY 1", (source,))
        return [month for (month,) in rows]


def _connect(db: str | Path) -> sqlite3.Connection:
    path = Path(db)
    if not path.is_file():
        raise ScorecardError(f"{path}: no such results database (create it with callcheck batch)")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as err:
        raise ScorecardError(f"{path}: cannot read results database ({err})") from None
    if app_id != APPLICATION_ID or not 1 <= version <= SCHEMA_VERSION:
        con.close()
        raise ScorecardError(f"{path}: not a callcheck results database of a version this callcheck reads")
    return con


def _aggregate(calls: pd.DataFrame, by: str) -> pd.DataFrame:
    """One row per group: counts, scores, fail rates and metric means of its scored calls."""
    ok = calls[calls["status"] == "ok"]
    groups = sorted(calls[by].unique())
    grouped = ok.groupby(by)
    out = pd.DataFrame(index=pd.Index(groups, name=by))
    out["calls"] = grouped.size().reindex(groups, fill_value=0)
    out["no_speech_calls"] = calls[calls["status"] == "no_speech"].groupby(by).size().reindex(groups, fill_value=0)
    out["mean_score"] = grouped["score"].mean()
    out["median_score"] = grouped["score"].median()
    for rule in RULE_IDS:
        out[f"fail_rate_{rule}"] = grouped[f"fail_{rule}"].mean()
    for column in ("speaking_rate_sps", "articulation_rate_sps", "talk_share"):
        out[column] = grouped[column].mean()
    out["interruptions_per_call"] = grouped["interruptions"].mean()
    out["dead_air_s_per_call"] = grouped["dead_air_s"].mean()
    if by == "agent":
        out["team"] = calls.groupby("agent")["team"].agg(lambda teams: teams.mode().iloc[0])
    return out


def _with_change(current: pd.DataFrame, previous: pd.DataFrame, by: str) -> pd.DataFrame:
    table = current.copy()
    table["calls_prev"] = previous["calls"].reindex(table.index).fillna(0).astype(int)
    table["mean_score_prev"] = previous["mean_score"].reindex(table.index)
    table["mean_score_change"] = table["mean_score"] - table["mean_score_prev"]
    table[["calls", "no_speech_calls"]] = table[["calls", "no_speech_calls"]].astype(int)
    numeric = table.select_dtypes("float").columns
    table[numeric] = table[numeric].round(3)
    return table.reset_index()


def _months_back(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ScorecardError(f"month must be YYYY-MM (e.g. 2026-11), not {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    out = []
    for back in range(count - 1, -1, -1):
        index = year * 12 + mon - 1 - back
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return out
