"""Personal data never reaches a report, the database, the redacted audio: redaction as a pipeline stage."""

from __future__ import annotations

import json
import re
import sqlite3
import sys

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from callcheck.batch.metadata import CallMeta
from callcheck.batch.store import Store
from callcheck.cli import main
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.privacy import write_redacted_audio
from callcheck.records import RedactedSpan, Word
from callcheck.report import render
from conftest import ROOT, SAMPLES, ScriptedTranscriber, peak_hz

sys.path.insert(0, str(ROOT / "scripts"))

IBAN = "DE89 3704 0044 0532 0130 00"
SECRETS = ("3704", "0044", "0532", "Mustermann", "max.mustermann", "0151")


def without_plots(text: str) -> str:
    """A report without its inline SVG plots (their coordinates are numbers, not words)."""
    return re.sub(r"<svg.*?</svg>", "", text, flags=re.S)


def words(text: str, *, start_s: float, step_s: float = 0.3) -> tuple[Word, ...]:
    return tuple(Word(round(start_s + k * step_s, 3), round(start_s + k * step_s + 0.25, 3), w, 0.9)
                 for k, w in enumerate(text.split()))


def scripted_call() -> ScriptedTranscriber:
    agent = words("Guten Tag, Kundenservice Müller, mein Name ist Anna Schmidt, was kann ich für Sie tun?", start_s=0.5)
    customer = words(f"Ja hallo, hier ist Max Mustermann, meine IBAN ist {IBAN} und meine Nummer ist 0151 2345 6789.",
                     start_s=6.0)
    return ScriptedTranscriber({0: agent, 1: customer}, language="de")


def test_every_written_form_carries_placeholders_not_values(tmp_path):
    report = analyze_call(SAMPLES / "de_support_call.wav", transcriber=scripted_call(),
                          options=AnalyzeOptions(language="de", known_names=("Anna Schmidt",)))
    outputs = {fmt: render(report, fmt=fmt) for fmt in ("json", "md", "html")}
    for fmt, text in outputs.items():
        for secret in SECRETS:
            assert not re.search(rf"\b{re.escape(secret)}\b", without_plots(text)), (fmt, secret)
    data = json.loads(outputs["json"])
    labels = {s["label"] for s in data["redaction"]["spans"]}
    assert data["redaction"]["enabled"] is True and {"IBAN", "PHONE", "PERSON"} <= labels
    assert all(list(s) == ["label", "role", "start_s", "end_s"] for s in data["redaction"]["spans"])
    assert "[IBAN]" in json.dumps(data["speakers"]) and "[IBAN]" in json.dumps(data["metrics"]["turns"])
    assert "Anna" not in outputs["json"]  # the agent's name from the metadata, wherever it occurs
    with Store(tmp_path / "qa.db") as store:
        store.save(report, CallMeta(path=SAMPLES / "de_support_call.wav", call_id="c1"), audio_sha256="x",
                   config_hash="y")
    dump = "\n".join(sqlite3.connect(tmp_path / "qa.db").iterdump())
    assert not any(secret in dump for secret in SECRETS)


def test_rules_still_see_a_greeting_with_a_redacted_name():
    report = analyze_call(SAMPLES / "de_support_call.wav", transcriber=scripted_call(),
                          options=AnalyzeOptions(language="de"))
    greeting = next(o for o in report.outcomes if o.rule == "overlong_greeting")
    assert greeting.outcome != "not_applicable", greeting.reason
    assert any(w.text.startswith("[PERSON]") for w in report.speakers[0].words)


def test_no_redact_keeps_every_word_and_says_so():
    report = analyze_call(SAMPLES / "de_support_call.wav", transcriber=scripted_call(),
                          options=AnalyzeOptions(language="de", redact=False))
    data = json.loads(render(report, fmt="json"))
    assert data["redaction"] == {"enabled": False, "spans": []}
    assert "Mustermann" in render(report, fmt="json") and "--no-redact" in render(report, fmt="md")


@pytest.mark.parametrize("bleep", ["silence", "tone"])
def test_redacted_audio_replaces_each_padded_span_on_every_channel(tmp_path, bleep):
    source = SAMPLES / "en_support_call.wav"
    span = RedactedSpan("PHONE", "customer", 5.0, 6.0)
    out = write_redacted_audio(source, [span], tmp_path / "out.wav", bleep=bleep)
    original, sr = sf.read(source, dtype="float32")
    redacted, rate = sf.read(out, dtype="float32")
    assert rate == sr and redacted.shape == original.shape
    inside = redacted[int(4.9 * sr): int(6.1 * sr)]
    if bleep == "silence":
        assert np.abs(inside).max() == 0
    else:
        assert peak_hz(inside[:, 1], sr=sr) == pytest.approx(1000, abs=5)
    assert np.allclose(redacted[: int(4.8 * sr)], original[: int(4.8 * sr)], atol=1e-4)


def test_redact_command_and_its_one_line_errors(tmp_path):
    runner = CliRunner()
    done = runner.invoke(main, ["redact", "-", "--language", "en"],
                         input="my card is 4111 1111 1111 1111, thanks\nthat costs 19 dollars 99\n")
    assert done.exit_code == 0 and done.output.splitlines() == ["my card is [CARD], thanks", "that costs 19 dollars 99"]
    missing = runner.invoke(main, ["redact", str(tmp_path / "nope.txt"), "--language", "de"])
    assert missing.exit_code == 2 and "nope.txt: no such file" in missing.output
    (tmp_path / "latin1.txt").write_bytes("Straße".encode("latin-1"))
    bad = runner.invoke(main, ["redact", str(tmp_path / "latin1.txt"), "--language", "de"])
    assert bad.exit_code == 2 and "not UTF-8" in bad.output


@pytest.mark.slow
def test_pii_spoken_into_a_call_is_gone_from_reports_database_and_redacted_audio(tmp_path):
    callsynth = pytest.importorskip("callsynth")
    if not callsynth.espeak_available():
        pytest.skip("espeak-ng not installed")
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model

    cues = [
        callsynth.Cue(callsynth.Turn("agent", 0, "Thank you for calling Acme, this is Sam, how can I help you?",
                                     voice="en-us", speed_wpm=150)),
        callsynth.Cue(callsynth.Turn("customer", 0, "Hi, my phone number is 0 7 7 0 0, 9 0 0, 1 2 3. "
                                     "And my email is john dot smith at gmail dot com.", voice="en-us+m3",
                                     speed_wpm=140)),
        callsynth.Cue(callsynth.Turn("agent", 0, "Thank you, I have noted that.", voice="en-us", speed_wpm=150)),
    ]
    stereo, _ = callsynth.render_call(callsynth.layout(cues, sr=16000), sr=16000)
    path = callsynth.write_call(tmp_path / "pii.wav", stereo, sr=16000)
    out = tmp_path / "reports"
    out.mkdir()
    runner = CliRunner()
    done = runner.invoke(main, ["analyze", str(path), "--language", "en", "--format", "json,md,html", "-o", str(out),
                                "--redacted-audio", str(tmp_path / "pii.redacted.wav")])
    assert done.exit_code == 0, done.output
    secrets = ("07700", "900", "123", "smith", "gmail")
    for report_file in out.iterdir():
        text = without_plots(report_file.read_text()).lower()
        leaked = [s for s in secrets if re.search(rf"\b{s}\b", text)]
        assert not leaked, (report_file.name, leaked)
    data = json.loads((out / "pii.json").read_text())
    assert {"PHONE", "EMAIL"} <= {s["label"] for s in data["redaction"]["spans"]}
    again = analyze_call(tmp_path / "pii.redacted.wav", transcriber=WhisperTranscriber(resolve_model(None)),
                         options=AnalyzeOptions(language="en", redact=False))
    heard = " ".join(w.text for s in again.speakers for w in s.words).lower()
    assert not any(s in heard for s in ("smith", "gmail", "07700")), heard
    batch = runner.invoke(main, ["batch", str(path), "--db", str(tmp_path / "qa.db"), "--language", "en"])
    assert batch.exit_code == 0, batch.output
    dump = "\n".join(sqlite3.connect(tmp_path / "qa.db").iterdump()).lower()
    assert not any(s in dump for s in ("smith", "gmail", "07700"))
