"""Helpers for batch, store and scorecard tests: transcribers worker processes can
import, distinct copies of the sample calls, and hand-made call reports."""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.batch.metadata import CallMeta
from callcheck.records import CallReport, ModelInfo
from callcheck.rules import RULE_IDS
from callcheck.rules.base import Evidence, Finding, RuleResult
from conftest import SAMPLES, ScriptedTranscriber
from rulekit import NEUTRAL_CONVERSATION, NEUTRAL_ROLE

CRASH_SAMPLES = 16_000 * 8  # CrashingTranscriber dies on a channel of exactly 8.0 s at 16 kHz


class SlowTranscriber(ScriptedTranscriber):
    """Sleeps $CALLCHECK_TEST_DELAY_S per channel, so a batch can be killed mid-run."""

    def transcribe(self, samples, *, chunks, language, **hints):
        time.sleep(float(os.environ.get("CALLCHECK_TEST_DELAY_S", "0")))
        return super().transcribe(samples, chunks=chunks, language=language, **hints)


class CrashingTranscriber(ScriptedTranscriber):
    """Kills its worker process (like a segfault would) on an 8.0 s call."""

    def transcribe(self, samples, *, chunks, language, **hints):
        if samples.size == CRASH_SAMPLES:
            os._exit(3)
        return super().transcribe(samples, chunks=chunks, language=language, **hints)


def sample_copies(folder: Path, count: int, *, source: str = "de_support_call.wav") -> list[Path]:
    """`count` copies of a sample call with different bytes (i extra silent samples)."""
    data, sr = sf.read(SAMPLES / source, dtype="int16", always_2d=True)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"call{i:02d}.wav"
        sf.write(path, np.concatenate([data, np.zeros((i + 1, data.shape[1]), np.int16)]), sr, subtype="PCM_16")
        paths.append(path)
    return paths


def cut(path: Path, *, seconds: float, source: str = "de_support_call.wav") -> Path:
    """The first `seconds` of a sample call, at the sample's rate."""
    data, sr = sf.read(SAMPLES / source, dtype="int16", always_2d=True)
    sf.write(path, data[: int(seconds * sr)], sr, subtype="PCM_16")
    return path


def fake_report(*, score: float | None, fails: tuple[str, ...] = (), status: str = "ok", speaking_rate_sps=4.0,
                articulation_rate_sps=4.5, talk_share=0.5, interruptions=0, dead_air_s=0.0) -> CallReport:
    """A scored call with chosen outcomes and agent metrics, as the pipeline would give it."""
    from callcheck.measure import Measurements

    agent = dataclasses.replace(NEUTRAL_ROLE, speaking_rate_sps=speaking_rate_sps,
                                articulation_rate_sps=articulation_rate_sps, talk_share=talk_share)
    conversation = dataclasses.replace(NEUTRAL_CONVERSATION, interruptions_by_agent=interruptions, dead_air_s=dead_air_s)
    measurements = Measurements({"agent": agent, "customer": NEUTRAL_ROLE}, conversation, {}, 10.0, (), "de")
    findings = {rule: Finding(rule, rule.replace("_", " "), "major", 0.9, {"x": 1.0}, {"max_x": 0.5},
                              (Evidence(1.0, 2.0, "agent", "ja ja"),), "tip") for rule in fails}
    outcomes = tuple(RuleResult(rule, "fail" if rule in fails else "pass", "reason", findings.get(rule))
                     for rule in RULE_IDS)
    if status == "no_speech":
        outcomes = tuple(RuleResult(rule, "not_applicable", "no speech") for rule in RULE_IDS)
        measurements = None
    return CallReport(path=Path("x.wav"), call_id="x", duration_s=60.0, sample_rate_hz=8000, channels=2,
                      language="de", status=status, model=ModelInfo("scripted", "none"), speakers=(),
                      measurements=measurements, outcomes=outcomes, findings=tuple(findings.values()), score=score)


def meta(name: str, *, agent: str | None = None, team: str | None = None, started: str | None = None) -> CallMeta:
    return CallMeta(path=Path(f"{name}.wav"), call_id=name, agent=agent, team=team,
                    started_at=datetime.fromisoformat(started) if started else None)


def broken_factory():
    """A transcriber plugin that cannot start."""
    raise RuntimeError("no GPU here")
