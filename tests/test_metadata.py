"""Call metadata: manifest CSV rows (good and bad), path patterns, file defaults."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from callcheck.batch.metadata import PathPattern, call_metas, file_meta, read_manifest
from callcheck.errors import ManifestError


@pytest.fixture
def audio(tmp_path):
    for name in ("a.wav", "b.wav", "c.wav"):
        (tmp_path / name).write_bytes(b"RIFF")
    return tmp_path


def test_manifest_rows_become_metadata_and_only_path_is_required(audio):
    manifest = audio / "calls.csv"
    manifest.write_text(
        "path,call_id,agent,team,started_at,direction,agent_channel\n"
        "a.wav,A-1,anna,blue,2026-11-03 09:15,Inbound,right\n"
        "b.wav,,,,,,\n", encoding="utf-8")
    rows, problems = read_manifest(manifest)
    assert problems == []
    a, b = rows[(audio / "a.wav").resolve()], rows[(audio / "b.wav").resolve()]
    assert (a.call_id, a.agent, a.team, a.direction, a.agent_channel) == ("A-1", "anna", "blue", "inbound", "right")
    assert a.started_at == datetime(2026, 11, 3, 9, 15)
    assert a.origin == f"{manifest} line 2"
    assert (b.call_id, b.agent, b.agent_channel) == ("b", None, None)
    assert b.started_at is not None  # the file's modification time


def test_bad_rows_are_named_and_the_rest_goes_on(audio):
    manifest = audio / "calls.csv"
    manifest.write_text(
        "path;agent;started_at;direction\n"
        "a.wav;anna;2026-11-31;inbound\n"
        "missing.wav;ben;2026-11-02;inbound\n"
        "b.wav;cara;2026-11-02;sideways\n"
        ";dora;2026-11-02;inbound\n"
        "c.wav;emil;2026-11-02T10:00:00Z;outbound\n"
        "c.wav;emil;2026-11-02;outbound\n", encoding="utf-8-sig")
    rows, problems = read_manifest(manifest)
    assert [p.where for p in problems] == [f"{manifest} line {n}" for n in (2, 3, 4, 5, 7)]
    messages = [p.message for p in problems]
    assert "started_at '2026-11-31' is not an ISO 8601 date" in messages[0]
    assert "missing.wav: no such audio file" in messages[1]
    assert "direction 'sideways' must be inbound or outbound" in messages[2]
    assert messages[3] == "empty path"
    assert "already listed on line 6" in messages[4]
    (only,) = rows.values()
    assert only.agent == "emil" and only.started_at.tzinfo is not None


def test_manifest_without_path_column_or_file_is_an_error(tmp_path):
    manifest = tmp_path / "calls.csv"
    manifest.write_text("file,agent\na.wav,anna\n")
    with pytest.raises(ManifestError, match="needs a 'path' column"):
        read_manifest(manifest)
    with pytest.raises(ManifestError, match="no such manifest"):
        read_manifest(tmp_path / "nope.csv")


def test_pattern_reads_fields_from_the_path():
    pattern = PathPattern("{team}/{agent}/{started_at:%Y-%m-%d}_{call_id}.wav")
    fields = pattern.fields(Path("/data/nov/blue/anna/2026-11-03_C-17.wav"))
    assert fields == {"team": "blue", "agent": "anna", "call_id": "C-17", "started_at": datetime(2026, 11, 3)}
    with pytest.raises(ValueError, match="does not match"):
        pattern.fields(Path("blue/anna/03.11.2026_C-17.wav"))


def test_pattern_wildcards_and_time_of_day():
    pattern = PathPattern("{agent}_{started_at:%Y%m%d-%H%M}*.*")
    fields = pattern.fields(Path("x/anna_20261103-0915_extra.flac"))
    assert fields == {"agent": "anna", "started_at": datetime(2026, 11, 3, 9, 15)}


@pytest.mark.parametrize("bad, problem", [
    ("{agent}/{who}.wav", "unknown field"), ("{agent}/{agent}.wav", "appears twice"),
    ("{agent:%Y}.wav", "only started_at takes a format"), ("{started_at:%A}.wav", "%A is not supported"),
])
def test_bad_patterns_are_refused(bad, problem):
    with pytest.raises(ManifestError, match=problem):
        PathPattern(bad)


def test_call_metas_prefers_manifest_then_pattern_then_file(audio):
    manifest = audio / "calls.csv"
    manifest.write_text("path,agent\na.wav,anna\n")
    rows, _ = read_manifest(manifest)
    (audio / "blue").mkdir()
    other = audio / "blue" / "ben_1.wav"
    other.write_bytes(b"RIFF")
    metas, problems = call_metas([audio / "a.wav", other, audio / "b.wav"], manifest=rows,
                                 pattern=PathPattern("{team}/{agent}_{call_id}.wav"))
    assert [(m.agent, m.team, m.origin) for m in metas] == [("anna", None, f"{manifest} line 2"),
                                                            ("ben", "blue", "pattern")]
    assert [p.where for p in problems] == [str(audio / "b.wav")]
    assert file_meta(audio / "c.wav").call_id == "c"


def test_manifest_hotwords_are_semicolon_separated_and_checked(audio):
    manifest = audio / "calls.csv"
    long = "x" * 101
    manifest.write_text(
        "path,agent,hotwords\n"
        'a.wav,anna,"Grumps und Söhne; Anna Berger ;"\n'
        "b.wav,ben,\n"
        f"c.wav,cara,{long}\n", encoding="utf-8")
    rows, problems = read_manifest(manifest)
    a, b = rows[(audio / "a.wav").resolve()], rows[(audio / "b.wav").resolve()]
    assert a.hotwords == ("Grumps und Söhne", "Anna Berger")
    assert b.hotwords == ()  # and the agent ID "ben" is no hint: see CallMeta.hotwords
    assert [p.where for p in problems] == [f"{manifest} line 4"]
    assert "longer than 100 characters" in problems[0].message
