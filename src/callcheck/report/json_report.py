"""The report JSON, schema `callcheck.report/1`.

Keys are a stable interface relied on by users' scripts: later versions add
keys, never rename or remove them.
"""

from __future__ import annotations

import json

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
        },
        "model": {"name": report.model.name, "compute_type": report.model.compute_type},
        "speakers": [_speaker(s) for s in report.speakers],
        "metrics": report.metrics,
        "findings": list(report.findings),
        "score": report.score,
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
