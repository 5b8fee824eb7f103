"""The command line through click's runner: output, errors, exit codes."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from callcheck.cli import main
from conftest import write
from test_audio import _bad_inputs


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args])


def test_every_bad_input_is_one_line_and_exit_2(run, tmp_path):
    for name, problem in _bad_inputs(tmp_path).items():
        result = run("analyze", tmp_path / name)
        assert result.exit_code == 2, (name, result.output)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"callcheck: {tmp_path / name}: ")
        assert re.search(problem, lines[0]), (name, lines[0])
        assert "Traceback" not in result.output


def test_three_channels_without_map_is_refused_with_the_fix(run, tmp_path):
    path = write(tmp_path / "conf.wav", np.zeros((16_000, 3), np.float32), sr=16_000)
    result = run("analyze", path)
    assert result.exit_code == 2
    assert "--channel-map" in result.stderr


def test_silent_call_writes_a_no_speech_report(run, tmp_path):
    path = write(tmp_path / "quiet.wav", np.zeros((16_000, 2), np.float32), sr=16_000)
    out = tmp_path / "quiet.json"
    result = run("analyze", path, "-o", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["call"]["status"] == "no_speech"
    assert report["model"]["name"] == "whisper-base"


def test_bad_channel_map_syntax_is_a_usage_error(run, tmp_path):
    result = run("analyze", tmp_path / "x.wav", "--channel-map", "agent:0")
    assert result.exit_code == 2 and "ROLE=INDEX" in result.output


def test_unknown_model_is_one_line(run, tmp_path):
    path = write(tmp_path / "quiet.wav", np.zeros((16_000, 2), np.float32), sr=16_000)
    result = run("analyze", path, "--model", tmp_path / "no-such-model")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "not found" in result.stderr


def test_models_list_shows_the_base_model(run):
    result = run("models", "list")
    assert result.exit_code == 0 and "whisper-base: ready" in result.output


def test_several_formats_from_one_analysis_into_a_directory(run, tmp_path):
    path = write(tmp_path / "quiet.wav", np.zeros((16_000, 2), np.float32), sr=16_000)
    result = run("analyze", path, "--format", "json,md,html", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["quiet.html", "quiet.json", "quiet.md"]
    assert json.loads((tmp_path / "out" / "quiet.json").read_text())["call"]["status"] == "no_speech"
    no_dir = run("analyze", path, "--format", "json,md")
    assert no_dir.exit_code == 2 and "-o DIR" in no_dir.stderr
    bad = run("analyze", path, "--format", "json,pdf")
    assert bad.exit_code == 2 and "pdf" in bad.stderr


def test_one_format_into_an_existing_directory_is_named_after_the_call(run, tmp_path):
    path = write(tmp_path / "quiet.wav", np.zeros((16_000, 2), np.float32), sr=16_000)
    (tmp_path / "reports").mkdir()
    result = run("analyze", path, "--format", "md", "-o", tmp_path / "reports", "--call-id", "c7")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["c7.md"]


def test_output_into_a_missing_folder_and_a_map_without_agent_are_one_line_errors(run, tmp_path):
    path = write(tmp_path / "quiet.wav", np.zeros((16_000, 2), np.float32), sr=16_000)
    missing = run("analyze", path, "-o", tmp_path / "nope" / "r.json")
    assert missing.exit_code == 2 and missing.stderr.startswith(f"callcheck: {tmp_path / 'nope' / 'r.json'}: ")
    assert "Traceback" not in missing.output
    no_agent = run("analyze", path, "--channel-map", "customer=1")
    assert no_agent.exit_code == 2 and "needs the agent's channel" in no_agent.stderr
    same = run("analyze", path, "--channel-map", "agent=0,customer=0")
    assert same.exit_code == 2 and "same channel" in same.stderr


def test_rules_lists_every_rule_with_values_sources_and_meaning(run, tmp_path):
    config = tmp_path / "my.toml"
    config.write_text("[rules.rushed_voice]\npauses_per_min_max = 2.0\n")
    result = run("rules", "--config", config)
    assert result.exit_code == 0, result.output
    assert result.output.count("    weight = ") == 8
    assert "    pauses_per_min_max = 2.0    [" + str(config) + "]\n" in result.output
    assert "        sign 'few pauses': fewer pauses per minute than this\n" in result.output


def test_hotwords_option_is_checked_before_anything_runs(run, tmp_path):
    result = run("analyze", tmp_path / "x.wav", "--hotwords", "Acme;" + "x" * 101)
    assert result.exit_code == 2 and "--hotwords: 'xxx" in result.output and "longer than 100" in result.output
    rules = run("rules")
    assert "    hotwords = []    [default]\n" in rules.output and "    hint_mode = prompt    [default]\n" in rules.output
