"""A readable transcript: speaker turns with times, for people, not scripts."""

from __future__ import annotations

from dataclasses import dataclass

from callcheck.records import CallReport, Role, Word


@dataclass(frozen=True, slots=True)
class TextTurn:
    role: Role
    start_s: float
    end_s: float
    text: str


def text_turns(report: CallReport, *, max_gap_s: float = 1.5) -> list[TextTurn]:
    """Both speakers' words in time order, grouped into turns.

    A turn ends when the other speaker's next word starts, or after a silence
    longer than `max_gap_s` from the same speaker.
    """
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


def to_markdown(report: CallReport) -> str:
    lines = [
        f"# Call {report.call_id}",
        "",
        f"- File: `{report.path}`",
        f"- Duration: {report.duration_s:.1f} s, {report.channels} channel(s), "
        f"{report.sample_rate_hz} Hz",
        f"- Language: {report.language or 'n/a'}; model: {report.model.name} "
        f"({report.model.compute_type})",
        f"- Status: {report.status}",
        *(_speaker_line(s.role, s.channel, s.speech_s, len(s.words)) for s in report.speakers),
        f"- Score: {report.score if report.score is not None else 'n/a'} / 100",
        "",
        *_findings(report),
        "## Transcript",
        "",
    ]
    turns = text_turns(report)
    if not turns:
        lines.append("_No speech was detected._")
    lines += [
        f"**{t.role.capitalize()}** [{clock(t.start_s)}–{clock(t.end_s)}]: {t.text}  " for t in turns
    ]
    return "\n".join(lines).rstrip() + "\n"


def _speaker_line(role: str, channel: int, speech_s: float, n_words: int) -> str:
    return f"- {role.capitalize()}: channel {channel}, {speech_s:.1f} s of speech, {n_words} words"


def _findings(report: CallReport) -> list[str]:
    """Findings first, each with its evidence and tip; then every rule's outcome."""
    if not report.outcomes:
        return []
    lines = ["## Findings", ""]
    if not report.findings:
        lines += ["_No rule failed._", ""]
    for f in report.findings:
        lines += [f"### {f.title} (`{f.rule}`, {f.severity}, confidence {f.confidence:.0%})", ""]
        lines += [f"- Measured: {_pairs(f.measured)}", f"- Threshold: {_pairs(f.threshold)}"]
        lines += [f"- [{clock(e.start_s)}–{clock(e.end_s)}] {e.role}: \"{e.quote}\"" for e in f.evidence]
        lines += ["", f"**Tip:** {f.tip}", ""]
    lines += ["## Rules", "", "| rule | outcome | reason |", "|---|---|---|"]
    lines += [f"| `{o.rule}` | {o.outcome} | {o.reason} |" for o in report.outcomes]
    return lines + [""]


def _pairs(values: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items())
