"""The report JSON, schema `callcheck.report/1`.

Keys are a stable interface relied on by users' scripts: later versions add
keys, never rename or remove them.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from callcheck.records import CallReport, SpeakerTranscript

SCHEMA = "callcheck.report/1"


def to_dict(report: CallReport) -> dict:
    return {
        "schema": SCHEMA,
        "call": {
            "path": str(report.path),
            "call_id": report.call_id,
            "duration_s": round(report.duration_s, 3),
            "sample_rate_hz": report.sample_rate_hz,
            "channels": report.channels,
            "language": report.language,
            "status": report.status,
            **_layout(report),
            "warnings": list(report.warnings),
            "usable_duration_s": round(report.duration_s if report.usable_duration_s is None
                                       else report.usable_duration_s, 3),
        },
        "model": {"name": report.model.name, "compute_type": report.model.compute_type},
        "speakers": [_speaker(s) for s in report.speakers],
        "metrics": metrics_dict(report.measurements) if report.measurements else {},
        "findings": [plain(f) for f in report.findings],
        "score": report.score,
        "outcomes": [{"rule": o.rule, "outcome": o.outcome, "reason": o.reason} for o in report.outcomes],
        **({"redaction": {"enabled": report.redaction.enabled, "spans": [plain(s) for s in report.redaction.spans]}}
           if report.redaction is not None else {}),
    }


def _layout(report: CallReport) -> dict:
    """call.layout ("stereo"|"mixed"|"single"), why, how the parties were told apart, and
    for a mix how sure the agent was identified."""
    layout = report.layout
    if layout is None:
        return {}
    return {
        "layout": layout.kind,
        "layout_reason": layout.reason,
        "layout_method": layout.method,
        "agent_speaker_confidence": layout.agent_speaker_confidence,
        "layout_notes": [{"code": n.code, **plain(dict(n.values))} for n in layout.notes],
    }


def _speaker(speaker: SpeakerTranscript) -> dict:
    return {
        "role": speaker.role,
        "channel": speaker.channel,
        "speech_s": round(speaker.speech_s, 3),
        "words": [
            {"start_s": w.start_s, "end_s": w.end_s, "text": w.text, "probability": w.probability}
            for w in speaker.words
        ],
    }


def to_json(report: CallReport) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def metrics_dict(m) -> dict:
    """The `metrics` object: per role, conversation, timeline and turns."""
    out: dict[str, Any] = {role: plain(values) for role, values in m.roles.items()}
    out["conversation"] = plain(m.conversation)
    out["timeline"] = {"window_s": m.window_s, **{role: plain(w) for role, w in m.timeline.items()}}
    out["turns"] = [
        {"role": t.role, "start_s": round(t.start_s, 3), "end_s": round(t.end_s, 3),
         "backchannel": t.backchannel, "phonation_s": round(t.phonation_s, 3), "text": t.text}
        for t in m.turns
    ]
    return out


def plain(value: Any, digits: int = 3) -> Any:
    """Dataclasses, tuples and numpy scalars as JSON-ready values, floats rounded."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name), digits) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v, digits) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, digits) for k, v in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        return round(number, digits) if isinstance(number, float) else number
    return value
