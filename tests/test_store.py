"""The results database: schema, idempotent saves, failures, history, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pandas as pd
import pytest

from batchkit import fake_report, meta
from callcheck.batch.store import CONVERSATION_METRICS, ROLE_METRICS, SCHEMA_VERSION, Store, config_hash
from callcheck.config import load_config
from callcheck.errors import StoreError


def test_schema_is_versioned_and_pinned(tmp_path):
    with Store(tmp_path / "r.db") as store:
        assert store.version == SCHEMA_VERSION == 2
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"calls", "outcomes", "findings", "evidence", "metrics", "conversation"}

        def cols(table):
            return [r[1] for r in store.db.execute(f"PRAGMA table_info({table})")]

        assert cols("calls") == [
            "id", "audio_sha256", "config_hash", "source", "status", "error", "path", "call_id", "agent", "team",
            "started_at", "direction", "agent_channel", "duration_s", "sample_rate_hz", "channels", "language",
            "score", "model", "report_path", "analyzed_at", "elapsed_s", "layout", "agent_speaker_confidence"]
        assert cols("outcomes") == ["call_pk", "rule", "outcome", "reason"]
        assert cols("findings") == ["id", "call_pk", "rule", "title", "severity", "confidence", "measured",
                                    "threshold", "tip"]
        assert cols("evidence") == ["finding_id", "call_pk", "start_s", "end_s", "role", "quote"]
        assert cols("metrics") == ["call_pk", "role", *ROLE_METRICS]
        assert cols("conversation") == ["call_pk", *CONVERSATION_METRICS]


def test_a_version_1_database_is_migrated_and_keeps_its_calls(tmp_path):
    from callcheck.batch.store import APPLICATION_ID, MIGRATIONS

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0])
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO calls (audio_sha256, config_hash, status, path, call_id, analyzed_at) "
                "VALUES ('aa', 'k1', 'ok', 'a.wav', 'c1', '2026-11-01T00:00:00')")
    con.commit()
    con.close()
    with Store(path) as store:
        assert store.version == 2 and store.has_result("aa", "k1")
        assert store.db.execute("SELECT layout FROM calls").fetchone()[0] is None


def test_saving_twice_replaces_and_never_duplicates(tmp_path):
    with Store(tmp_path / "r.db") as store:
        m = meta("c1", agent="anna", team="blue", started="2026-11-03T09:15")
        assert not store.has_result("aa", "k1")
        store.save_failure(m, "truncated file", audio_sha256="aa", config_hash="k1")
        assert not store.has_result("aa", "k1")  # a failure is retried
        store.save(fake_report(score=60.0, fails=("too_fast",)), m, audio_sha256="aa", config_hash="k1")
        pk = store.save(fake_report(score=80.0, fails=("too_fast",)), m, audio_sha256="aa", config_hash="k1")
        assert store.has_result("aa", "k1") and not store.has_result("aa", "k2")
        assert not store.has_result("aa", "k1", source="practice")
        con = store.db
        assert tuple(con.execute("SELECT count(*), max(score), max(error) FROM calls").fetchone()) == (1, 80.0, None)
        assert con.execute("SELECT count(*) FROM outcomes").fetchone()[0] == 8
        assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM metrics").fetchone()[0] == 2
        row = con.execute("SELECT * FROM calls WHERE id = ?", (pk,)).fetchone()
        assert (row["agent"], row["team"], row["started_at"], row["status"]) == ("anna", "blue", "2026-11-03T09:15:00",
                                                                               "ok")
        evidence = con.execute("SELECT e.role, e.quote, f.rule FROM evidence e JOIN findings f ON f.id = e.finding_id")
        assert [tuple(r) for r in evidence] == [("agent", "ja ja", "too_fast")]


def test_readable_with_pandas(tmp_path):
    path = tmp_path / "r.db"
    with Store(path) as store:
        store.save(fake_report(score=70.0, talk_share=0.6), meta("c1", agent="anna"), audio_sha256="a", config_hash="k")
    frame = pd.read_sql_query("SELECT c.call_id, m.talk_share FROM calls c JOIN metrics m ON m.call_pk = c.id "
                              "WHERE m.role = 'agent'", sqlite3.connect(path))
    assert frame.to_dict("records") == [{"call_id": "c1", "talk_share": 0.6}]


def test_history_is_ordered_by_time_and_filters_source(tmp_path):
    with Store(tmp_path / "r.db") as store:
        store.save(fake_report(score=50.0, fails=("lacks_empathy",)), meta("late", agent="anna", started="2026-11-20"),
                   audio_sha256="b", config_hash="k")
        store.save(fake_report(score=90.0), meta("early", agent="anna", started="2026-11-01"), audio_sha256="a",
                   config_hash="k", source="practice")
        store.save(fake_report(score=40.0), meta("other", agent="ben", started="2026-11-05"), audio_sha256="c",
                   config_hash="k")
        store.save_failure(meta("broken", agent="anna", started="2026-11-10"), "bad", audio_sha256="d", config_hash="k")
        history = store.history("anna")
        assert [(h.call_id, h.source, h.score) for h in history] == [("early", "practice", 90.0),
                                                                    ("late", "batch", 50.0)]
        assert history[1].failed_rules == ("lacks_empathy",)
        assert [h.call_id for h in store.history("anna", source="practice")] == ["early"]
        assert [h.call_id for h in store.history("anna", include_failed=True)] == ["early", "broken", "late"]
        with pytest.raises(StoreError, match="source"):
            store.save(fake_report(score=1.0), meta("x"), audio_sha256="e", config_hash="k", source="web")


def test_foreign_and_newer_files_are_refused(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)")
    with pytest.raises(StoreError, match="not a callcheck results database"):
        Store(other)
    (tmp_path / "text.db").write_text("hello, I am not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path / "text.db")
    newer = tmp_path / "newer.db"
    Store(newer).close()
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer than this callcheck"):
        Store(newer)


def test_config_hash_depends_on_values_not_on_their_source(tmp_path):
    custom = tmp_path / "same.toml"
    custom.write_text("[measure]\ndead_air_min_s = 3.0\n")
    changed = tmp_path / "changed.toml"
    changed.write_text("[measure]\ndead_air_min_s = 5.0\n")
    base = config_hash(load_config(), model="whisper-base")
    assert config_hash(load_config(custom), model="whisper-base") == base
    assert config_hash(load_config(changed), model="whisper-base") != base
    assert config_hash(load_config(), model="tiny.en") != base


def _writer(path, worker: int, count: int) -> None:
    with Store(path) as store:
        for i in range(count):
            store.save(fake_report(score=float(i)), meta(f"w{worker}-{i}"), audio_sha256=f"{worker}-{i}",
                       config_hash="k")


def test_concurrent_writer_processes_do_not_corrupt(tmp_path):
    path = tmp_path / "r.db"
    Store(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, w, 25)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 75
    assert con.execute("SELECT count(*) FROM outcomes").fetchone()[0] == 75 * 8
