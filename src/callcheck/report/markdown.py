"""A readable transcript: speaker turns with times, for people, not scripts."""

from __future__ import annotations

from dataclasses import dataclass

from callcheck import layout_text
from callcheck.records import CallReport, Role, Word
from callcheck.report.labels import labels
from callcheck.signal import decode_text


@dataclass(frozen=True, slots=True)
class TextTurn:
    role: Role
    start_s: float
    end_s: float
    text: str


def text_turns(report: CallReport, *, max_gap_s: float = 1.5) -> list[TextTurn]:
    """Both speakers' turns in time order.

    The measured turns when there are any (the same turns the rules judged:
    speech that runs on under a barge-in stays one turn); otherwise the words
    grouped by speaker, a turn ending when the other speaker's next word starts
    or after a silence longer than `max_gap_s`.
    """
    measured = getattr(report.measurements, "turns", None)
    if measured:
        return [TextTurn(t.role, t.start_s, t.end_s, t.text) for t in measured if t.words]
    tagged = sorted(
        ((w, s.role) for s in report.speakers for w in s.words), key=lambda t: t[0].start_s
    )
    turns: list[tuple[Role, list[Word]]] = []
    for word, role in tagged:
        if turns and turns[-1][0] == role and word.start_s - turns[-1][1][-1].end_s <= max_gap_s:
            turns[-1][1].append(word)
        else:
            turns.append((role, [word]))
    return [
        TextTurn(role, words[0].start_s, words[-1].end_s, " ".join(w.text for w in words))
        for role, words in turns
    ]


def clock(seconds: float) -> str:
    """0:07.3 style time for transcripts."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def warning_lines(report: CallReport, language: str | None) -> list[str]:
    """The decoder's warnings in `language` (as recorded, in English, for a report made before they had codes)."""
    if len(report.warning_notes) != len(report.warnings):
        return list(report.warnings)
    return [decode_text.worded(n, language) for n in report.warning_notes]


def layout_lines(report: CallReport, t, *, bullet: str, language: str | None) -> list[str]:
    """How the recording was read: layout, why, and the method (plain text lines in `language`)."""
    layout = report.layout
    if layout is None:
        return []
    names = dict(item.split("=", 1) for item in t["layout_names"].split("|"))
    sure = (f"; {t['agent_found']} {layout.agent_speaker_confidence:.2f}"
            if layout.agent_speaker_confidence is not None else "")
    reason, method = layout_text.localized(layout, language)
    return [f"{bullet}{t['layout']}: {names.get(layout.kind, layout.kind)} - {reason}{sure}",
            f"{bullet}{method}"]


def hold_line(report: CallReport, t) -> str | None:
    """How much hold music was found and left out of the agent's speech (None when none was)."""
    hold = getattr(getattr(report.measurements, "conversation", None), "hold", ())
    if not hold:
        return None
    minutes, seconds = divmod(round(sum(h.duration_s for h in hold)), 60)
    return t["hold_line"].format(count=len(hold), total=f"{minutes}:{seconds:02d}")


def privacy_line(report: CallReport, t) -> str:
    """Whether personal data was removed, how often and of which kinds (never the values)."""
    redaction = report.redaction
    if not redaction.enabled:
        return t["not_redacted"]
    kinds = sorted({s.label for s in redaction.spans})
    return t["redacted"].format(count=len(redaction.spans)) + (f" ({', '.join(kinds)})" if kinds else "")


def to_markdown(report: CallReport, *, language: str | None = None) -> str:
    """The report as Markdown in `language` ("de"|"en"; default: the report's language)."""
    language = language or report.report_language or report.language
    t = labels(language)
    score = f"{report.score} {t['of_100']}" if report.score is not None else t["no_score"]
    lines = [
        f"# {t['title']}: {report.call_id}",
        "",
        f"- {t['file']}: `{report.path}`",
        f"- {t['duration']}: {report.duration_s:.1f} s, {t['channels']}: {report.channels}, "
        f"{report.sample_rate_hz} Hz",
        f"- {t['language']}: {report.language or 'n/a'}; {t['model']}: {report.model.name} "
        f"({report.model.compute_type})",
        f"- Status: {report.status}",
        *(f"- **{t['warning']}**: {w}" for w in warning_lines(report, language)),
        *layout_lines(report, t, bullet="- ", language=language),
        *([f"- {t['hold']}: {hold_line(report, t)}"] if hold_line(report, t) else []),
        *([f"- {t['privacy']}: {privacy_line(report, t)}"] if report.redaction is not None else []),
        *(f"- {t[s.role]}: {t['channel']} {s.channel}, {s.speech_s:.1f} s, {len(s.words)} {t['words']}"
          for s in report.speakers),
        f"- {t['score']}: {score}",
        "",
        *_findings(report, t),
        f"## {t['transcript']}",
        "",
    ]
    turns = text_turns(report)
    if not turns:
        lines.append(f"_{t['no_speech']}_")
    lines += [
        f"**{t[turn.role]}** [{clock(turn.start_s)}–{clock(turn.end_s)}]: {turn.text}  " for turn in turns
    ]
    return "\n".join(lines).rstrip() + "\n"


def _findings(report: CallReport, t) -> list[str]:
    """Findings first, each with its evidence and tip; then every rule's outcome."""
    if not report.outcomes:
        return []
    lines = [f"## {t['findings']}", ""]
    if not report.findings:
        lines += [f"_{t['no_findings']}_", ""]
    for f in report.findings:
        lines += [f"### {f.title} (`{f.rule}`, {t[f.severity]}, {t['confidence']} {f.confidence:.0%})", ""]
        lines += [f"- {t['measured']}: {_pairs(f.measured)}", f"- {t['threshold']}: {_pairs(f.threshold)}"]
        lines += [f"- [{clock(e.start_s)}–{clock(e.end_s)}] {t[e.role]}: \"{e.quote}\"" for e in f.evidence]
        lines += ["", f"**{t['tip']}:** {f.tip}", ""]
    lines += [f"## {t['outcomes']}", "", f"| {t['rule']} | {t['outcome']} | {t['reason']} |", "|---|---|---|"]
    lines += [f"| `{o.rule}` | {t[o.outcome]} | {o.reason} |" for o in report.outcomes]
    return lines + [""]


def _pairs(values: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items())
