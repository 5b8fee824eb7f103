"""Pieces of the practice app without a server: content sniffing, safe names, the
page language, the history summary, the job queue, `serve` options."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcheck.batch.store import CallRecord
from callcheck.cli import main
from callcheck.web.history import summarize
from callcheck.web.jobs import JobQueue, PracticeRequest
from callcheck.web.page import render_page
from callcheck.web.texts import TEXTS, page_language
from callcheck.web.uploads import SavedUpload, UploadRejected, clean_agent, display_name, save_upload, sniff


@pytest.mark.parametrize(("head", "kind"), [
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"), (b"RF64\xff\xff\xff\xffWAVEds64", "wav"), (b"fLaC\x00\x00\x00\x22", "flac"),
    (b"OggS\x00\x02", "ogg"), (b"ID3\x04\x00", "mp3"), (b"\xff\xfb\x90\x64", "mp3"), (b"\xff\xf1\x50\x80", "aac"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "webm"), (b"\x00\x00\x00\x20ftypM4A ", "m4a"),
    (b"\x00\x00\x00\x14ftyp3gp4", "3gp"), (b"FORM\x00\x00\x00\x00AIFF", "aiff"), (b"#!AMR\n", "amr"),
    (b"RIFF\x24\x00\x00\x00AVI LIST", None), (b"%PDF-1.7", None), (b"\x89PNG\r\n\x1a\n", None), (b"<html>", None),
    (b"PK\x03\x04", None), (b"MZ\x90\x00", None),
])
def test_sniffing_decides_by_content(head, kind):
    assert sniff(head) == kind


def test_save_upload_uses_the_server_name_and_leaves_nothing_on_refusal(tmp_path):
    saved = save_upload(io.BytesIO(b"OggS" + bytes(5000)), folder=tmp_path, stem="abc", max_bytes=10_000)
    assert saved.path == tmp_path / "abc.ogg" and saved.size_bytes == 5004 and saved.kind == "ogg"
    assert oct(saved.path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(UploadRejected, match="larger than the limit") as err:
        save_upload(io.BytesIO(b"OggS" + bytes(20_000)), folder=tmp_path, stem="big", max_bytes=10_000)
    assert err.value.status_code == 413 and not (tmp_path / "big.ogg").exists()
    with pytest.raises(UploadRejected, match="not an audio file"):
        save_upload(io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), folder=tmp_path, stem="sh", max_bytes=10_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc.ogg"]


@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\call.wav", "call.wav"), ("a\x00b\r\n.wav", "ab.wav"),
    ("..", "upload"), ("", "upload"), (None, "upload"), ("x" * 200 + ".wav", "x" * 80), ("Übung 1.m4a", "Übung 1.m4a"),
])
def test_display_names_are_safe(name, shown):
    assert display_name(name) == shown


def test_agent_names_are_trimmed_and_bounded():
    assert clean_agent("  Anna\tMüller\n ") == "Anna Müller" and clean_agent("   ") is None and len(clean_agent("a" * 500)) == 100


@pytest.mark.parametrize(("query", "header", "language"), [
    (None, "de-DE,de;q=0.9,en;q=0.8", "de"), (None, "en-GB,de;q=0.5", "en"), (None, "fr-FR,de;q=0.7,en;q=0.3", "de"),
    (None, "fr", "en"), (None, None, "en"), ("de", "en", "de"), ("xx", "de", "de"), (None, "en;q=0.2,de;q=0.9", "de"),
])
def test_page_language(query, header, language):
    assert page_language(query, header) == language


def test_page_texts_exist_in_both_languages_and_the_config_cannot_break_out():
    assert TEXTS["de"].keys() == TEXTS["en"].keys()
    page = render_page("de", max_upload_bytes=50 * 2**20, max_duration_s=900, keep_audio=True)
    assert "{{" not in page and "aufbewahrt" in page
    config = page[page.index('<script id="config"'):]
    config = config[:config.index("</script>")]
    assert "<" not in config.split(">", 1)[1]


def record(n: int, score: float | None, fails: tuple[str, ...] = (), status: str = "ok") -> CallRecord:
    return CallRecord(pk=n, call_id=f"practice-greeting-2026110{n}-100000", path="x.webm", source="practice",
                      status=status, agent="anna", team=None, started_at=f"2026-11-0{n}T10:00:00+00:00", duration_s=30.0,
                      language="de", score=score, error=None, report_path=None, analyzed_at="2026-11-09T10:00:00+00:00",
                      failed_rules=fails)


def test_history_summary_trend_and_recurring_failures():
    records = [record(1, 40.0, ("too_fast", "toneless_voice", "rushed_voice")), record(2, 50.0, ("too_fast",)),
               record(3, None, status="no_speech"), record(4, 70.0, ("too_fast", "toneless_voice")),
               record(5, 80.0, ("overlong_greeting",)), record(6, 85.0), record(7, 90.0, ("toneless_voice",))]
    summary = summarize("anna", records, language="de")
    assert summary["trend"] == {"scores": [40.0, 50.0, 70.0, 80.0, 85.0, 90.0], "first": 40.0, "last": 90.0,
                                "best": 90.0, "change": 50.0}
    # the last five scored attempts are 2, 4, 5, 6, 7: too_fast twice, toneless twice, the rest once
    assert [(r["rule"], r["failed"], r["of"]) for r in summary["recurring"]] == [
        ("toneless_voice", 2, 5), ("too_fast", 2, 5)]
    assert summary["recurring"][0]["title"] == "Stimme klingt tonlos"
    assert [a["scenario"] for a in summary["attempts"]] == ["greeting"] * 7
    assert summarize("anna", [])["trend"]["first"] is None


def request(tmp_path: Path, n: int) -> PracticeRequest:
    path = tmp_path / f"{n}.wav"
    path.write_bytes(b"x")
    return PracticeRequest(upload=SavedUpload(path, 1, "0" * 64, "wav"), name=f"{n}.wav")


def test_job_queue_runs_in_order_keeps_a_bounded_number_and_survives_errors(tmp_path):
    order, forgotten = [], []

    def runner(job, set_stage):
        set_stage("asr")
        order.append(job.request.name)
        if job.request.name == "1.wav":
            raise RuntimeError("boom")

    jobs = JobQueue(runner, describe_error=lambda job, err: f"failed: {err}", max_kept=3, on_forget=forgotten.append)
    submitted = [jobs.submit(request(tmp_path, n)) for n in range(5)]
    deadline = time.monotonic() + 5
    while any(j.status in ("queued", "running") for j in submitted) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert order == [f"{n}.wav" for n in range(5)]
    assert [(j.status, j.error) for j in submitted[:2]] == [("done", None), ("failed", "failed: boom")]
    assert submitted[2].progress == 1.0 and submitted[2].started_at <= submitted[2].finished_at
    jobs.submit(request(tmp_path, 5))  # beyond max_kept: the oldest finished jobs are forgotten
    assert jobs.get(submitted[0].id) is None and forgotten[:1] == [submitted[0]]
    jobs.stop()
    assert jobs.get(submitted[-1].id) is None


def test_serve_help_and_clean_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output and "--keep-audio" in result.output
    (tmp_path / "not-a-db").write_bytes(b"this is not sqlite" * 100)
    result = runner.invoke(main, ["serve", "--db", str(tmp_path / "not-a-db"), "--transcriber", "conftest:ScriptedTranscriber"])
    assert result.exit_code == 2 and result.output.startswith("callcheck: ") and "Traceback" not in result.output
    result = runner.invoke(main, ["serve", "--transcriber", "nope:Nothing", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "--transcriber nope:Nothing: cannot load" in result.output
