"""Batch scoring: discovery, skipping finished calls, failures isolated, kill -9 and
resume, the CLI, a Dask LocalCluster, and (slow) the real model."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from batchkit import cut, sample_copies
from callcheck.batch.executors import CRASHED, LocalExecutor
from callcheck.batch.metadata import CallMeta, call_metas
from callcheck.batch.runner import AnalysisSpec, discover, plan_batch, run_batch
from callcheck.batch.store import Store
from callcheck.cli import main
from callcheck.config import load_config
from callcheck.errors import ConfigError
from conftest import SAMPLES, ScriptedTranscriber

TESTS = Path(__file__).resolve().parent
SAMPLE_FILES = sorted(SAMPLES.glob("*.wav"))


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args])


def rows(db: Path) -> list[tuple]:
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.OperationalError:  # not created yet
        return []
    try:
        return con.execute("SELECT path, status, error, agent FROM calls ORDER BY path").fetchall()
    except sqlite3.OperationalError:  # no schema yet
        return []
    finally:
        con.close()


def test_discover_walks_directories_globs_and_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/one.wav", "a/b/two.FLAC", "a/b/notes.txt", "a/.hidden.wav", "three.mp3", "odd.bin"):
        (tmp_path / name).write_bytes(b"x")
    paths, problems = discover([tmp_path / "a", str(tmp_path / "*.mp3"), tmp_path / "odd.bin", tmp_path / "a/one.wav",
                                tmp_path / "gone.wav", str(tmp_path / "*.ogg")])
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["a/b/two.FLAC", "a/one.wav", "odd.bin", "three.mp3"]
    assert [(Path(p.where).name, p.message) for p in problems] == [("gone.wav", "no such file or directory"),
                                                                   ("*.ogg", "no files match this pattern")]


def test_batch_scores_isolates_a_bad_file_and_skips_on_rerun(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    paths = [*SAMPLE_FILES, bad]
    spec = AnalysisSpec(config=load_config(), transcriber_factory=ScriptedTranscriber, formats=("json", "md"))
    reports = tmp_path / "reports"
    with Store(tmp_path / "r.db") as store:
        metas, _ = call_metas(paths)
        plan = plan_batch(metas, spec=spec, store=store, reports_dir=reports)
        seen = []
        summary = run_batch(plan, spec=spec, store=store, executor=LocalExecutor(jobs=2), reports_dir=reports,
                            on_result=seen.append)
        assert (summary.scored, summary.skipped, len(seen)) == (3, 0, 4)
        assert [Path(f.where).name for f in summary.failed] == ["broken.wav"]
        assert "truncated or corrupt" in summary.failed[0].message
        again = plan_batch(call_metas(paths)[0], spec=spec, store=store, reports_dir=reports)
        assert len(again.done) == 3 and [j.meta.path for j in again.todo] == [bad]  # failures are retried
        (next(reports.glob("en_support_call_*.md"))).unlink()
        assert [j.meta.call_id for j in plan_batch(metas, spec=spec, store=store, reports_dir=reports).todo] == [
            "en_support_call", "broken"]
    assert sorted((Path(p).name, s) for p, s, *_ in rows(tmp_path / "r.db")) == [  # by name: paths differ per machine
        ("broken.wav", "failed"), ("de_hotline_8k_ulaw.wav", "ok"), ("de_support_call.wav", "ok"),
        ("en_support_call.wav", "ok")]
    report = json.loads(next(reports.glob("de_support_call_*.json")).read_text())
    assert report["call"]["path"] == str(SAMPLES / "de_support_call.wav") and len(report["outcomes"]) == 8


def test_a_worker_crash_fails_only_its_call(tmp_path):
    crash = cut(tmp_path / "crash.wav", seconds=8.0)
    paths = [crash, *SAMPLE_FILES[:2]]
    from batchkit import CrashingTranscriber

    spec = AnalysisSpec(config=load_config(), transcriber_factory=CrashingTranscriber)
    with Store(tmp_path / "r.db") as store:
        plan = plan_batch(call_metas(paths)[0], spec=spec, store=store)
        summary = run_batch(plan, spec=spec, store=store, executor=LocalExecutor(jobs=2), reports_dir=tmp_path / "rep")
    assert summary.scored == 2
    assert [(Path(f.where).name, f.message) for f in summary.failed] == [("crash.wav", CRASHED)]


def test_a_pool_that_breaks_between_two_submissions_loses_no_call():
    # the race behind an occasional BrokenProcessPool escaping the batch: a worker dies after wait() returned
    # another call's result, so the next submit() raises before the dead call's future reports it
    from collections import deque
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class BreakingPool:
        def __init__(self):
            self.futures = []

        def submit(self, fn, job, spec):
            if len(self.futures) == 2:
                self.futures[0].set_exception(BrokenProcessPool("a worker died"))
                raise BrokenProcessPool("a worker died")
            future = Future()
            if self.futures:
                future.set_result(f"done {job}")
            self.futures.append(future)
            return future

    queue, suspects = deque(["crash", "fine", "later"]), deque()
    results = list(LocalExecutor(jobs=2)._drain(BreakingPool(), queue, suspects, spec=None))
    assert results == ["done fine"]
    assert list(queue) == ["later"] and list(suspects) == ["crash"]  # run again in a new pool, the suspect alone


def test_a_transcriber_that_cannot_start_fails_each_call_with_the_reason(tmp_path):
    from batchkit import broken_factory

    spec = AnalysisSpec(config=load_config(), transcriber_factory=broken_factory)
    with Store(tmp_path / "r.db") as store:
        plan = plan_batch(call_metas(SAMPLE_FILES[:2])[0], spec=spec, store=store)
        summary = run_batch(plan, spec=spec, store=store, executor=LocalExecutor(jobs=1), reports_dir=tmp_path / "rep")
    assert summary.scored == 0
    assert [f.message for f in summary.failed] == ["cannot create the transcriber (RuntimeError: no GPU here)"] * 2


def test_unknown_report_format_is_refused():
    with pytest.raises(ConfigError, match="report format pdf"):
        AnalysisSpec(config=load_config(), transcriber_factory=ScriptedTranscriber, formats=("json", "pdf"))


def test_hints_are_part_of_the_analysis_key_only_when_given(tmp_path):
    plain = AnalysisSpec(config=load_config(), transcriber_factory=ScriptedTranscriber)
    batch_wide = AnalysisSpec(config=load_config(), transcriber_factory=ScriptedTranscriber, hotwords=("Acme",))
    toml = tmp_path / "asr.toml"
    toml.write_text('[asr]\nhotwords = ["Acme"]\n')
    from_config = AnalysisSpec(config=load_config(toml), transcriber_factory=ScriptedTranscriber)
    toml.write_text('[asr]\nhotwords = ["Acme"]\nhint_mode = "off"\n')
    switched_off = AnalysisSpec(config=load_config(toml), transcriber_factory=ScriptedTranscriber)
    assert plain.key("left") == plain.key("left", hotwords=()) == switched_off.key("left", hotwords=("Sam",))
    assert plain.key("left") != plain.key("left", hotwords=("Acme",)) != plain.key("left", hotwords=("Sam",))
    assert batch_wide.key("left") == from_config.key("left") == plain.key("left", hotwords=("Acme",))
    meta = CallMeta(path=tmp_path / "a.wav", call_id="a", agent="anna", hotwords=("Sam Miller",))
    assert batch_wide.options(meta).hotwords == ("Acme", "Sam Miller")


@pytest.mark.parametrize("section", ["[privacy]\nredact = false", "[layout]\nopening_s = 20.0",
                                     "[hold]\ndetect = false"])
def test_changed_privacy_layout_and_hold_settings_are_part_of_the_analysis_key(tmp_path, section):
    plain = AnalysisSpec(config=load_config(), transcriber_factory=ScriptedTranscriber)
    toml = tmp_path / "c.toml"
    toml.write_text("[privacy]\nredact = true\n[hold]\ndetect = true\n")  # the shipped values, set explicitly
    same = AnalysisSpec(config=load_config(toml), transcriber_factory=ScriptedTranscriber)
    toml.write_text(section + "\n")
    changed = AnalysisSpec(config=load_config(toml), transcriber_factory=ScriptedTranscriber)
    assert same.key("left") == plain.key("left")  # a default config keeps its earlier hashes
    assert changed.key("left") != plain.key("left")  # e.g. unredacted results are never reused for a redacted run


def test_changed_hotwords_analyse_a_call_again(tmp_path):
    spec = AnalysisSpec(config=load_config(), transcriber_factory=ScriptedTranscriber)
    (meta,), _ = call_metas(SAMPLE_FILES[:1])
    with Store(tmp_path / "r.db") as store:
        run_batch(plan_batch([meta], spec=spec, store=store), spec=spec, store=store,
                  executor=LocalExecutor(jobs=1), reports_dir=tmp_path / "rep")
        assert len(plan_batch([meta], spec=spec, store=store).done) == 1
        hinted = dataclasses.replace(meta, hotwords=("Grumps und Söhne",))
        assert len(plan_batch([hinted], spec=spec, store=store).todo) == 1


def test_cli_batch_with_manifest_names_bad_rows_and_exits_1(run, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    for source in SAMPLE_FILES[:2]:
        shutil.copy(source, calls / source.name)
    manifest = tmp_path / "calls.csv"
    manifest.write_text(f"path,agent,team,started_at\ncalls/{SAMPLE_FILES[0].name},anna,blue,2026-11-03 09:15\n"
                        f"calls/{SAMPLE_FILES[1].name},ben,blue,yesterday\n")
    db = tmp_path / "qa.db"
    result = run("batch", "--manifest", manifest, "--db", db, "-j", "1", "--html",
                 "--transcriber", "conftest:ScriptedTranscriber")
    assert result.exit_code == 1, result.output
    assert f"failed: {manifest} line 3: started_at 'yesterday' is not an ISO 8601 date" in result.stdout
    assert result.stdout.startswith("scored 1, skipped 0 (already done), failed 1 in ")
    assert [(Path(p).name, s, a) for p, s, _, a in rows(db)] == [(SAMPLE_FILES[0].name, "ok", "anna")]
    assert len(list((tmp_path / "qa-reports").glob("*.html"))) == 1
    rerun = run("batch", calls, "--db", db, "-j", "1", "--transcriber", "conftest:ScriptedTranscriber")
    assert rerun.exit_code == 0 and rerun.stdout.startswith("scored 1, skipped 1 (already done), failed 0")
    assert [a for *_, a in rows(db)] == ["anna", None]
    manifest.write_text(manifest.read_text().replace("yesterday", "2026-11-04"))
    fixed = run("batch", "--manifest", manifest, "--db", db, "--transcriber", "conftest:ScriptedTranscriber")
    assert fixed.exit_code == 0 and fixed.stdout.startswith("scored 0, skipped 2 (already done), failed 0")
    assert [a for *_, a in rows(db)] == ["anna", "ben"]  # metadata updated without analysing again


def test_cli_batch_usage_errors(run, tmp_path):
    assert "give audio files" in run("batch").output
    result = run("batch", tmp_path, "--executor", "dask")
    assert result.exit_code == 2 and "--scheduler" in result.output
    result = run("batch", tmp_path, "--transcriber", "nowhere:Nothing", "--db", tmp_path / "x.db")
    assert result.exit_code == 2 and result.stderr.startswith("callcheck: --transcriber nowhere:Nothing: cannot load")


def test_kill_9_mid_batch_then_rerun_finishes_without_duplicates(tmp_path):
    psutil = pytest.importorskip("psutil")
    sample_copies(tmp_path / "calls", 6)
    db = tmp_path / "r.db"
    command = [sys.executable, "-m", "callcheck", "batch", str(tmp_path / "calls"), "--db", str(db), "-j", "2",
               "--transcriber", "batchkit:SlowTranscriber"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(command, env={**env, "CALLCHECK_TEST_DELAY_S": "1.0"}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not rows(db):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "no call finished in time"
        time.sleep(0.05)
    workers = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_with = len(rows(db))
    assert 1 <= killed_with < 6
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive, "workers outlived their killed parent"
    rerun = subprocess.run(command, env={**env, "CALLCHECK_TEST_DELAY_S": "0"}, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    expected = f"scored {6 - killed_with}, skipped {killed_with} (already done), failed 0"
    assert rerun.stdout.startswith(expected), (rerun.stdout, rerun.stderr[-2000:])
    final = rows(db)
    assert sorted(Path(p).name for p, *_ in final) == [f"call{i:02d}.wav" for i in range(6)]
    assert {s for _, s, *_ in final} == {"ok"}
    assert len(list((tmp_path / "r-reports").glob("*.json"))) == 6


def test_dask_local_cluster_fills_the_same_database(run, tmp_path):
    distributed = pytest.importorskip("distributed")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    db = tmp_path / "r.db"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run("batch", *SAMPLE_FILES, bad, "--db", db, "--executor", "dask", "--scheduler",
                     cluster.scheduler_address, "--transcriber", "conftest:ScriptedTranscriber")
    assert result.exit_code == 1, result.output
    assert sorted((Path(p).name, s) for p, s, *_ in rows(db)) == [("bad.wav", "failed"), ("de_hotline_8k_ulaw.wav", "ok"),
                                                            ("de_support_call.wav", "ok"), ("en_support_call.wav", "ok")]
    error = next(e for p, _, e, _ in rows(db) if Path(p).name == "bad.wav")
    assert error.startswith(f"{bad}: ") and "callcheck-" not in error  # the temporary copy's name never shows
    assert len(list((tmp_path / "r-reports").glob("*.json"))) == 3


@pytest.mark.slow
def test_real_model_batch_on_the_samples(run, tmp_path):
    db = tmp_path / "r.db"
    result = run("batch", SAMPLES, "--db", db, "-j", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("scored 3, skipped 0 (already done), failed 0")
    con = sqlite3.connect(db)
    languages = dict(con.execute("SELECT call_id, language FROM calls WHERE status = 'ok'").fetchall())
    assert languages == {"de_support_call": "de", "de_hotline_8k_ulaw": "de", "en_support_call": "en"}
    assert con.execute("SELECT count(*) FROM outcomes").fetchone()[0] == 24
    assert con.execute("SELECT count(*) FROM metrics WHERE role = 'agent' AND words > 10").fetchone()[0] == 3
