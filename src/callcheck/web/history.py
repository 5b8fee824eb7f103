"""An agent's practice history: attempts, the score trend and the checks that keep failing.

Built from `Store.history(agent, source="practice")`; the JSON of
`GET /api/history` is `summarize(...)`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callcheck.batch.store import CallRecord, Store
from callcheck.rules import RULE_IDS, RULES

RECENT = 5  # "keeps failing" looks at this many latest scored attempts
RECURRING_MIN = 2  # ... and needs this many failures among them
TITLES = {rule.RULE: rule.TITLE for rule in RULES}


def practice_history(db: Path, agent: str, *, language: str = "en") -> dict[str, Any]:
    """The summary of `agent`'s practice attempts in the database at `db`."""
    with Store(db) as store:
        records = store.history(agent, source="practice")
    return summarize(agent, records, language=language)


def summarize(agent: str, records: Sequence[CallRecord], *, language: str = "en", recent: int = RECENT) -> dict[str, Any]:
    """{agent, attempts (oldest first), trend, recurring}: see the README's API section."""
    attempts = [_attempt(r) for r in records]
    scores = [a["score"] for a in attempts if a["score"] is not None]
    trend = {"scores": scores, "first": scores[0] if scores else None, "last": scores[-1] if scores else None,
             "best": max(scores) if scores else None,
             "change": round(scores[-1] - scores[0], 1) if len(scores) > 1 else None}
    latest = [r for r in records if r.status == "ok"][-recent:]
    counts = Counter(rule for r in latest for rule in r.failed_rules)
    lang = "de" if language == "de" else "en"
    recurring = [
        {"rule": rule, "title": TITLES.get(rule, {}).get(lang, rule), "failed": counts[rule], "of": len(latest)}
        for rule in sorted(counts, key=lambda r: (-counts[r], RULE_IDS.index(r) if r in RULE_IDS else 99))
        if counts[rule] >= RECURRING_MIN
    ]
    return {"agent": agent, "attempts": attempts, "trend": trend, "recurring": recurring}


def _attempt(record: CallRecord) -> dict[str, Any]:
    scenario = record.call_id.split("-")[1] if record.call_id.startswith("practice-") else None
    return {"call_id": record.call_id, "started_at": record.started_at, "analyzed_at": record.analyzed_at,
            "scenario": scenario, "status": record.status, "score": record.score, "language": record.language,
            "duration_s": record.duration_s, "failed_rules": list(record.failed_rules)}
