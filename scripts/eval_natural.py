"""The natural real calls of ../shared/realdata through callcheck: every finding, and the speakers' metrics.

Nothing is injected into these recordings, so every finding is a false alarm
unless it can be defended. Each recording is analysed as it is (mono files:
the pipeline decides their layout), SpokenWOZ with the agent on the right, and
the AWS call's two tracks as one stereo call (agent left, caller right).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.errors import CallcheckError
from callcheck.pipeline import AnalyzeOptions, analyze_call

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg"}
AGENT_CHANNEL = {"MUL1011_8k_stereo.flac": "right"}  # SpokenWOZ: caller ch0, agent ch1
AWS = "aws_call_auto_repairs"
AWS_STEREO = f"{AWS}/stereo (agent.flac + caller.flac)"
ROLE_METRICS = ("articulation_rate_sps", "speaking_rate_sps", "pitch_median_hz", "pitch_sd_st", "pitch_range_st",
                "pauses_per_min", "mean_pause_s", "mean_run_syllables", "level_vs_other_db", "low_confidence_share",
                "spectral_balance_db", "speaking_s", "words")


@dataclass(frozen=True)
class NaturalCall:
    """One recording's result: its findings (with measured values and thresholds) and metrics per role."""

    name: str
    duration_s: float | None
    layout: str | None
    language: str | None
    findings: list[dict] = field(default_factory=list)
    metrics: dict[str, dict] = field(default_factory=dict)   # role -> ROLE_METRICS
    conversation: dict = field(default_factory=dict)
    error: str | None = None


def recordings(realdata: Path, scratch: Path) -> list[tuple[str, Path, str]]:
    """(name, path, agent channel) of every natural recording; the AWS tracks become one stereo file in `scratch`."""
    out = []
    for path in sorted(p for p in realdata.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES):
        if path.parent.name == AWS:
            continue
        out.append((str(path.relative_to(realdata)), path, AGENT_CHANNEL.get(path.name, "left")))
    agent, caller = realdata / AWS / "agent.flac", realdata / AWS / "caller.flac"
    if agent.exists() and caller.exists():
        a, sr = sf.read(agent, dtype="float32")
        c, _ = sf.read(caller, dtype="float32")
        n = min(len(a), len(c))
        stereo = scratch / "aws_call_auto_repairs_stereo.flac"
        sf.write(stereo, np.stack([a[:n], c[:n]], axis=1), sr)
        out.append((AWS_STEREO, stereo, "left"))
    return out


def analyse(name: str, path: Path, agent_channel: str, *, transcriber, config) -> NaturalCall:
    """One recording through the real pipeline."""
    try:
        report = analyze_call(path, transcriber=transcriber,
                              options=AnalyzeOptions(agent_channel=agent_channel, config=config))
    except CallcheckError as err:
        return NaturalCall(name, None, None, None, error=str(err))
    findings = [{"rule": f.rule, "severity": f.severity, "confidence": f.confidence, "measured": f.measured,
                 "threshold": f.threshold, "reason": next(o.reason for o in report.outcomes if o.rule == f.rule)}
                for f in report.findings]
    m = report.measurements
    metrics = {role: {k: _round(getattr(r, k)) for k in ROLE_METRICS} for role, r in (m.roles.items() if m else ())}
    conversation = {} if m is None else {
        "response_gap_median_s": _round(m.conversation.response_gap_median_s),
        "response_gap_p90_s": _round(m.conversation.response_gap_p90_s),
        "response_gaps": len(m.conversation.response_gaps or ()),
        "interruptions": None if m.conversation.interruptions is None else len(m.conversation.interruptions),
        "overlap_s": _round(m.conversation.overlap_s)}
    return NaturalCall(name, round(report.duration_s, 1), report.layout.kind if report.layout else None,
                       report.language, findings, metrics, conversation)


def _round(value):
    return round(value, 3) if isinstance(value, float) else value


def score_natural(realdata: Path, *, transcriber, config) -> list[NaturalCall]:
    """Every natural recording of `realdata`, analysed."""
    with tempfile.TemporaryDirectory(prefix="callcheck-natural-") as scratch:
        return [analyse(name, path, channel, transcriber=transcriber, config=config)
                for name, path, channel in recordings(realdata, Path(scratch))]


def findings_table(calls: list[NaturalCall]) -> str:
    """Markdown: each recording, its layout and language, and every finding with what triggered it."""
    lines = ["| recording | s | layout | lang | findings (measured vs threshold) |", "|---|---|---|---|---|"]
    for c in calls:
        if c.error:
            lines.append(f"| {c.name} | | | | error: {c.error} |")
            continue
        found = "<br>".join(f"`{f['rule']}` ({f['severity']}): {f['reason']} {_trigger(f)}" for f in c.findings)
        lines.append(f"| {c.name} | {c.duration_s:.0f} | {c.layout} | {c.language} | {found or 'none'} |")
    worst = max((len(c.findings) for c in calls), default=0)
    lines += ["", f"most findings in one recording: {worst} (target: at most 1); "
                  f"{sum(not c.findings for c in calls if not c.error)} of {len(calls)} recordings have none"]
    return "\n".join(lines)


def _trigger(finding: dict) -> str:
    """The measured values that have a threshold of the same name, as `value vs limit`."""
    pairs = [f"{k} {v} vs {finding['threshold'][k]}" for k, v in finding["measured"].items()
             if k in finding["threshold"] and not isinstance(v, bool)]
    rest = [f"{k} {v}" for k, v in finding["measured"].items() if k not in finding["threshold"] and v is not None]
    limits = [f"{k}={v}" for k, v in finding["threshold"].items() if k not in finding["measured"]]
    return "(" + "; ".join(pairs + rest + (["limits: " + ", ".join(limits)] if limits else [])) + ")"


def metrics_table(calls: list[NaturalCall]) -> str:
    """Markdown: the rates, pitch and pauses of every speaker role in the natural recordings."""
    keys = ("articulation_rate_sps", "speaking_rate_sps", "pitch_sd_st", "pitch_range_st", "pauses_per_min",
            "mean_pause_s", "mean_run_syllables", "speaking_s")
    lines = ["| recording | role | " + " | ".join(keys) + " | response gap median / p90 s |",
             "|---|---|" + "---|" * (len(keys) + 1)]
    for c in calls:
        for role, values in c.metrics.items():
            if not values.get("speaking_s"):
                continue
            gaps = f"{c.conversation.get('response_gap_median_s')} / {c.conversation.get('response_gap_p90_s')}" \
                if role == "agent" and c.conversation.get("response_gap_median_s") is not None else ""
            cells = " | ".join("" if values.get(k) is None else f"{values[k]:.2f}" for k in keys)
            lines.append(f"| {c.name} | {role} | {cells} | {gaps} |")
    return "\n".join(lines)
