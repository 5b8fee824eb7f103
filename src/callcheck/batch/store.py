"""The results database: every analysed call, its rule outcomes, findings and metrics.

SQLite in WAL mode, readable with plain SQL and pandas. A call is keyed by the
SHA-256 of its audio bytes, the hash of everything that shapes its analysis
(`config_hash`) and its `source` ("batch" or "practice"), so saving the same
call again replaces its row instead of adding one. Each save is one
transaction: a call is in the database completely or not at all, also after a
`kill -9`. Several processes may write (WAL, `BEGIN IMMEDIATE`, a busy timeout);
a batch keeps one writer, its parent process.

The schema is versioned (`PRAGMA user_version`); `MIGRATIONS[i]` takes a
database from version i to i + 1 and runs when an older file is opened.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from callcheck.batch.metadata import CallMeta
from callcheck.config import Config, load_config
from callcheck.errors import StoreError
from callcheck.records import CallReport

log = logging.getLogger(__name__)

APPLICATION_ID = 0x43434B31  # "CCK1": marks the file as a callcheck database
SOURCES = ("batch", "practice")
_META_FIELDS = ("agent", "team", "direction", "agent_channel")
ROLE_METRICS = (
    "pitch_median_hz", "pitch_sd_st", "pitch_range_st", "level_dbfs", "dynamic_range_db", "level_vs_other_db",
    "speaking_rate_sps", "articulation_rate_sps", "words_per_minute", "pauses_per_min", "mean_pause_s",
    "longest_pause_s", "mean_run_syllables", "talk_share", "speech_s", "speaking_s", "voiced_s", "turns", "words",
    "syllables", "longest_turn_s", "mean_word_probability", "low_confidence_share", "spectral_balance_db",
)
CONVERSATION_METRICS = (
    "interruptions", "interruptions_by_agent", "interruptions_by_customer", "overlap_s", "response_gap_median_s",
    "response_gap_p90_s", "dead_air_count", "dead_air_s", "longest_agent_monologue_s", "method",
)

_V1 = """
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    audio_sha256 TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'batch' CHECK (source IN ('batch', 'practice')),
    status TEXT NOT NULL CHECK (status IN ('ok', 'no_speech', 'failed')),
    error TEXT,
    path TEXT NOT NULL,
    call_id TEXT NOT NULL,
    agent TEXT,
    team TEXT,
    started_at TEXT,
    direction TEXT,
    agent_channel TEXT,
    duration_s REAL,
    sample_rate_hz INTEGER,
    channels INTEGER,
    language TEXT,
    score REAL,
    model TEXT,
    report_path TEXT,
    analyzed_at TEXT NOT NULL,
    elapsed_s REAL,
    UNIQUE (audio_sha256, config_hash, source)
);
CREATE INDEX calls_agent_started ON calls (agent, started_at);
CREATE INDEX calls_team_started ON calls (team, started_at);
CREATE TABLE outcomes (
    call_pk INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'not_applicable')),
    reason TEXT,
    PRIMARY KEY (call_pk, rule)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    call_pk INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    title TEXT,
    severity TEXT,
    confidence REAL,
    measured TEXT,
    threshold TEXT,
    tip TEXT
);
CREATE INDEX findings_call ON findings (call_pk);
CREATE TABLE evidence (
    finding_id INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    call_pk INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    start_s REAL,
    end_s REAL,
    role TEXT,
    quote TEXT
);
CREATE INDEX evidence_finding ON evidence (finding_id);
CREATE TABLE metrics (
    call_pk INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    pitch_median_hz REAL, pitch_sd_st REAL, pitch_range_st REAL, level_dbfs REAL, dynamic_range_db REAL,
    level_vs_other_db REAL, speaking_rate_sps REAL, articulation_rate_sps REAL, words_per_minute REAL,
    pauses_per_min REAL, mean_pause_s REAL, longest_pause_s REAL, mean_run_syllables REAL, talk_share REAL,
    speech_s REAL, speaking_s REAL, voiced_s REAL, turns INTEGER, words INTEGER, syllables INTEGER,
    longest_turn_s REAL, mean_word_probability REAL, low_confidence_share REAL, spectral_balance_db REAL,
    PRIMARY KEY (call_pk, role)
);
CREATE TABLE conversation (
    call_pk INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    interruptions INTEGER, interruptions_by_agent INTEGER, interruptions_by_customer INTEGER,
    overlap_s REAL, response_gap_median_s REAL, response_gap_p90_s REAL,
    dead_air_count INTEGER, dead_air_s REAL, longest_agent_monologue_s REAL, method TEXT
);
"""
_V2 = """
ALTER TABLE calls ADD COLUMN layout TEXT;
ALTER TABLE calls ADD COLUMN agent_speaker_confidence REAL;
CREATE INDEX calls_layout ON calls (layout)
"""
MIGRATIONS: tuple[str, ...] = (_V1, _V2)  # never edit a released step: add one
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One row of `calls`, as `history()` returns it."""

    pk: int
    call_id: str
    path: str
    source: str
    status: str
    agent: str | None
    team: str | None
    started_at: str | None
    duration_s: float | None
    language: str | None
    score: float | None
    error: str | None
    report_path: str | None
    analyzed_at: str
    failed_rules: tuple[str, ...] = ()


def content_hash(path: str | Path) -> str:
    """SHA-256 of the file's bytes: the same audio under any name is the same call."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def config_hash(config: Config, **analysis: Any) -> str:
    """Hash of the effective settings (not where they came from) and analysis options
    such as the model name, decoding and the agent channel; 16 hex digits.

    The [layout], [privacy] and [hold] sections count when they differ from the
    shipped defaults (so a default config keeps the hashes it had before they
    counted): a call analysed without redaction is never taken for a redacted one.
    """
    values = {
        "measure": dataclasses.asdict(config.measure),
        "rules": config.rules, "phrases": config.phrases, "score": config.score, "analysis": analysis,
    }
    shipped = _shipped_sections()
    values |= {name: getattr(config, name) for name in HASHED_IF_CHANGED if getattr(config, name) != shipped[name]}
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


HASHED_IF_CHANGED = ("layout", "privacy", "hold")


@functools.cache
def _shipped_sections() -> dict[str, Any]:
    defaults = load_config()
    return {name: getattr(defaults, name) for name in HASHED_IF_CHANGED}


class Store:
    """The results database at `path`, created or migrated on open."""

    def __init__(self, path: str | Path, *, timeout_s: float = 60.0):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path}: cannot open results database ({err})") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: one writer at a time, all or nothing.

        A database another process keeps locked past the busy timeout, or a full
        disk, becomes a StoreError naming the file, not a traceback.
        """
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"{self.path}: cannot write ({err})") from None
        try:
            yield self.db
        except sqlite3.OperationalError as err:
            self.db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot write ({err})") from None
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as err:
            raise StoreError(f"{self.path}: cannot write ({err})") from None

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = self.version
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            has_tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id != APPLICATION_ID and (app_id or has_tables):
                raise StoreError(f"{self.path}: not a callcheck results database")
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: database schema version {version} is newer than this "
                                 f"callcheck supports ({SCHEMA_VERSION}); upgrade callcheck")
            for step in range(version, SCHEMA_VERSION):
                log.info("%s: migrating schema %d -> %d", self.path, step, step + 1)
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def has_result(self, audio_sha256: str, config_hash: str, *, source: str = "batch") -> bool:
        """True when this audio has been analysed with these settings (failures do not count)."""
        row = self.db.execute(
            "SELECT 1 FROM calls WHERE audio_sha256 = ? AND config_hash = ? AND source = ? AND status != 'failed'",
            (audio_sha256, config_hash, source)).fetchone()
        return row is not None

    def finished_keys(self, *, source: str = "batch") -> set[tuple[str, str]]:
        """(audio_sha256, config_hash) of every finished call, to plan a batch in one query."""
        rows = self.db.execute("SELECT audio_sha256, config_hash FROM calls WHERE source = ? AND status != 'failed'",
                               (source,))
        return {(a, c) for a, c in rows}

    def save(self, report: CallReport, meta: CallMeta, *, audio_sha256: str, config_hash: str, source: str = "batch",
             report_path: str | Path | None = None, elapsed_s: float | None = None) -> int:
        """Store one analysed call with its outcomes, findings and metrics; returns its row id."""
        values = {
            "status": report.status, "duration_s": report.duration_s, "sample_rate_hz": report.sample_rate_hz,
            "channels": report.channels, "language": report.language, "score": report.score,
            "model": report.model.name, "report_path": str(report_path) if report_path else None,
            "elapsed_s": elapsed_s,
            "layout": report.layout.kind if report.layout else None,
            "agent_speaker_confidence": report.layout.agent_speaker_confidence if report.layout else None,
        }
        with self.transaction() as db:
            pk = self._replace_call(db, meta, values, audio_sha256=audio_sha256, config_hash=config_hash,
                                    source=source)
            _insert_results(db, pk, report)
        return pk

    def save_failure(self, meta: CallMeta, error: str, *, audio_sha256: str, config_hash: str,
                     source: str = "batch", elapsed_s: float | None = None) -> int:
        """Record that a call could not be analysed, with the message why."""
        with self.transaction() as db:
            return self._replace_call(db, meta, {"status": "failed", "error": error, "elapsed_s": elapsed_s},
                                      audio_sha256=audio_sha256, config_hash=config_hash, source=source)

    def _replace_call(self, db: sqlite3.Connection, meta: CallMeta, values: dict, *, audio_sha256: str,
                      config_hash: str, source: str) -> int:
        if source not in SOURCES:
            raise StoreError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
        db.execute("DELETE FROM calls WHERE audio_sha256 = ? AND config_hash = ? AND source = ?",
                   (audio_sha256, config_hash, source))
        row = {
            "audio_sha256": audio_sha256, "config_hash": config_hash, "source": source, "path": str(meta.path),
            "call_id": meta.call_id, "agent": meta.agent, "team": meta.team,
            "started_at": meta.started_at.isoformat(timespec="seconds") if meta.started_at else None,
            "direction": meta.direction, "agent_channel": meta.agent_channel,
            "analyzed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **values,
        }
        cursor = db.execute(f"INSERT INTO calls ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                            tuple(row.values()))
        return int(cursor.lastrowid)

    def update_meta(self, rows: Iterable[tuple[CallMeta, str, str]], *, source: str = "batch") -> int:
        """Set the metadata of finished calls, given as (meta, audio_sha256, config_hash);
        fields that are None keep their stored value. Returns the number of rows changed."""
        rows, changed = list(rows), 0
        if not rows:
            return 0
        with self.transaction() as db:
            for meta, audio_sha256, key in rows:
                values = {name: getattr(meta, name) for name in _META_FIELDS}
                values["path"], values["call_id"] = str(meta.path), meta.call_id
                if meta.started_at is not None:
                    values["started_at"] = meta.started_at.isoformat(timespec="seconds")
                values = {k: v for k, v in values.items() if v is not None}
                changed += db.execute(
                    f"UPDATE calls SET {', '.join(f'{k} = ?' for k in values)} WHERE audio_sha256 = ? AND "
                    f"config_hash = ? AND source = ? AND NOT ({' AND '.join(f'{k} IS ?' for k in values)})",
                    (*values.values(), audio_sha256, key, source, *values.values())).rowcount
        return changed

    def history(self, agent: str, *, source: str | None = None, include_failed: bool = False) -> list[CallRecord]:
        """An agent's calls, oldest first (by start, then by analysis time)."""
        where = ["c.agent = ?"]
        params: list[Any] = [agent]
        if source is not None:
            where.append("c.source = ?")
            params.append(source)
        if not include_failed:
            where.append("c.status != 'failed'")
        rows = self.db.execute(
            "SELECT c.id AS pk, c.call_id, c.path, c.source, c.status, c.agent, c.team, c.started_at, c.duration_s,"
            " c.language, c.score, c.error, c.report_path, c.analyzed_at,"
            " (SELECT group_concat(o.rule, ',') FROM outcomes o WHERE o.call_pk = c.id AND o.outcome = 'fail')"
            " AS failed FROM calls c WHERE " + " AND ".join(where) +
            " ORDER BY c.started_at IS NULL, c.started_at, c.analyzed_at, c.id", params)
        return [CallRecord(**{k: r[k] for k in r.keys() if k != "failed"},
                           failed_rules=tuple(r["failed"].split(",")) if r["failed"] else ()) for r in rows]

    def counts(self) -> dict[str, int]:
        """Number of calls per status."""
        return dict(self.db.execute("SELECT status, count(*) FROM calls GROUP BY status").fetchall())


def _insert_results(db: sqlite3.Connection, pk: int, report: CallReport) -> None:
    db.executemany("INSERT INTO outcomes (call_pk, rule, outcome, reason) VALUES (?, ?, ?, ?)",
                   [(pk, o.rule, o.outcome, o.reason) for o in report.outcomes])
    for f in report.findings:
        cursor = db.execute(
            "INSERT INTO findings (call_pk, rule, title, severity, confidence, measured, threshold, tip)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pk, f.rule, f.title, f.severity, _number(f.confidence), _json(f.measured), _json(f.threshold), f.tip))
        db.executemany("INSERT INTO evidence (finding_id, call_pk, start_s, end_s, role, quote) VALUES (?, ?, ?, ?, ?, ?)",
                       [(cursor.lastrowid, pk, _number(e.start_s), _number(e.end_s), e.role, e.quote)
                        for e in f.evidence])
    m = report.measurements
    if m is None:
        return
    columns = ", ".join(ROLE_METRICS)
    for role, values in m.roles.items():
        db.execute(f"INSERT INTO metrics (call_pk, role, {columns}) VALUES (?, ?, {', '.join('?' * len(ROLE_METRICS))})",
                   (pk, role, *(_number(getattr(values, name, None)) for name in ROLE_METRICS)))
    c = m.conversation
    conv = {name: _number(getattr(c, name, None)) for name in CONVERSATION_METRICS}
    conv["interruptions"] = len(c.interruptions) if c.interruptions is not None else None
    conv["dead_air_count"] = len(c.dead_air) if c.dead_air is not None else None
    db.execute(f"INSERT INTO conversation (call_pk, {', '.join(conv)}) VALUES (?, {', '.join('?' * len(conv))})",
               (pk, *conv.values()))


def _number(value: Any) -> Any:
    """numpy scalars as plain Python numbers; everything else unchanged."""
    return value.item() if hasattr(value, "item") else value


def _json(value: Any) -> str:
    from callcheck.report.json_report import plain

    return json.dumps(plain(value), ensure_ascii=False)
