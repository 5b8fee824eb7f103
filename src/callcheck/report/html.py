"""The coaching report as one self-contained HTML page.

Findings first (what to work on, the moments to listen to, a tip), then all
eight outcomes, then the plots (turns, pitch, speech rate) and the transcript.
Everything is inline -- styles, SVG plots, the small seek script -- so the file
opens anywhere without a network. Transcript text is untrusted and always
escaped. With `audio_url` (the practice web app) the page gets an audio
player, and every evidence row and transcript word seeks it when clicked.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from callcheck import __version__
from callcheck.config import load_config
from callcheck.measure.settings import MeasureSettings
from callcheck.records import CallReport, Region, Role, Turn, Word
from callcheck.report import plots
from callcheck.report.labels import LANGUAGES, labels
from callcheck.report.markdown import clock, hold_line, layout_lines, privacy_line, warning_lines
from callcheck.report.style import CSS, SEEK_SCRIPT
from callcheck.rules import RULES

TITLES = {rule.RULE: rule.TITLE for rule in RULES}
LOW_CONFIDENCE = 0.5  # words below this ASR probability are marked in the transcript


@dataclass(frozen=True, slots=True)
class _Page:
    """What every section needs: the report, its labels, and whether audio is linked."""

    report: CallReport
    text: Mapping[str, str]
    language: str
    audio: bool

    def start(self, seconds: float, *, focus: bool = False) -> str:
        """The data-start attribute that makes an element seek the audio (only with audio)."""
        if not self.audio:
            return ""
        extra = ' tabindex="0" role="button"' if focus else ""
        return f' data-start="{max(seconds, 0.0):.2f}"{extra}'


def to_html(report: CallReport, *, audio_url: str | None = None, language: str | None = None) -> str:
    """The report as a complete HTML document (UTF-8 text).

    audio_url: where the page's audio player loads the call from; None = no player.
    language: "de" or "en" for the page's own texts; None = the language the
    findings were written in, else the call's.
    """
    lang = report_language(report, language)
    page = _Page(report, labels(lang), lang, audio_url is not None)
    title = f"{page.text['title']}: {report.call_id}"
    body = [
        _header(page),
        _audio(audio_url, page) if audio_url is not None else "",
        _findings(page),
        _outcomes(page),
        _plots(page),
        _transcript(page),
        f'<footer>{_e(page.text["footer"].format(version=__version__))}</footer>',
    ]
    script = f"<script>{SEEK_SCRIPT}</script>" if audio_url is not None else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(part for part in body if part) + f"\n</main>\n{script}\n</body>\n</html>\n")


def report_language(report: CallReport, language: str | None = None) -> str:
    """`language` if given; else the report's (the language its titles and tips are in); else English."""
    for candidate in (language, report.report_language, report.language):
        if candidate in LANGUAGES:
            return candidate
    return "en"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _header(page: _Page) -> str:
    r, t = page.report, page.text
    applicable = [o for o in r.outcomes if o.outcome != "not_applicable"]
    passed = sum(o.outcome == "pass" for o in applicable)
    score = "–" if r.score is None else f"{r.score:g}"
    grade = "none" if r.score is None else "good" if r.score >= 80 else "fair" if r.score >= 60 else "poor"
    facts = [(t["file"], r.path.name), (t["duration"], f"{clock(r.duration_s)} ({r.duration_s:.1f} s)"),
             (t["language"], r.language or "–"), (t["model"], f"{r.model.name} ({r.model.compute_type})"),
             (t["channels"], f"{r.channels}, {r.sample_rate_hz} Hz")]
    layout = layout_lines(r, t, bullet="", language=page.language)  # [] without a layout
    if layout:
        facts.append((t["layout"], layout[0].split(": ", 1)[1]))
    if hold := hold_line(r, t):
        facts.append((t["hold"], hold))
    if r.redaction is not None:
        facts.append((t["privacy"], privacy_line(r, t)))
    notes = [t["no_speech"]] if r.status == "no_speech" else []
    notes += [f"{t['warning']}: {w}" for w in warning_lines(r, page.language)]
    if r.status == "ok" and not any(s.role == "customer" for s in r.speakers):
        notes.append(t["mono"])
    notes += layout[1:]  # the method
    summary = t["passed_of"].format(passed=passed, applicable=len(applicable)) if applicable else t["no_score"]
    return (
        f'<header><div class="heading"><h1>{_e(t["title"])}: {_e(r.call_id)}</h1>\n<dl class="facts">'
        + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts) + "</dl>"
        + "".join(f'<p class="note">{_e(n)}</p>' for n in notes) + "</div>\n"
        f'<div class="score {grade}"><span class="label">{_e(t["score"])}</span>'
        f'<span class="value">{score}</span><span class="of">{_e(t["of_100"])}</span>'
        f'<span class="summary">{_e(summary)}</span></div></header>'
    )


def _audio(audio_url: str, page: _Page) -> str:
    return (f'<div class="player"><audio id="call-audio" controls preload="metadata" src="{_e(audio_url)}"></audio>'
            f'<span>{_e(page.text["listen"])}</span></div>')


def _findings(page: _Page) -> str:
    t = page.text
    if not page.report.outcomes:
        return ""
    if not page.report.findings:
        return f'<section id="findings"><h2>{_e(t["findings"])}</h2><p class="ok">{_e(t["no_findings"])}</p></section>'
    cards = "\n".join(_finding(n, f, page) for n, f in enumerate(page.report.findings, start=1))
    return (f'<section id="findings"><h2>{_e(t["findings"])}</h2><p>{_e(t["findings_intro"])}</p>\n'
            f"{cards}</section>")


def _finding(number: int, finding, page: _Page) -> str:
    t = page.text
    rows = "".join(
        f"<tr><th><code>{_e(name)}</code></th><td>{_value(measured, t)}</td><td>{_value(limit, t)}"
        + (f' <code class="key">{_e(limit_key)}</code>' if limit_key not in (None, name) else "") + "</td></tr>"
        for name, measured, limit, limit_key in measured_vs_threshold(finding.measured, finding.threshold))
    evidence = "".join(
        f'<li{page.start(e.start_s, focus=True)}><span class="when">{clock(e.start_s)}–{clock(e.end_s)}</span> '
        f'<span class="who {e.role}">{_e(t.get(e.role, e.role))}</span> {_quote(e, page)}</li>'
        for e in finding.evidence)
    return (
        f'<article class="finding {_e(finding.severity)}" id="finding-{number}">'
        f'<h3><span class="number">{number}</span> {_e(finding.title)}</h3>'
        f'<p class="meta"><span class="badge {_e(finding.severity)}">{_e(t.get(finding.severity, finding.severity))}'
        f'</span> {_e(t["confidence"])} {_percent(finding.confidence, page.language)} · <code>{_e(finding.rule)}</code></p>'
        f'<div class="tip"><strong>{_e(t["tip"])}:</strong> {_e(finding.tip)}</div>'
        f'<h4>{_e(t["evidence"])}</h4><ul class="evidence">{evidence}</ul>'
        f'<table class="measured"><thead><tr><th>{_e(t["value"])}</th><th>{_e(t["measured"])}</th>'
        f'<th>{_e(t["threshold"])}</th></tr></thead><tbody>{rows}</tbody></table></article>'
    )


def measured_vs_threshold(measured: Mapping[str, object], threshold: Mapping[str, object]) -> list[tuple]:
    """Rows (name, measured value, threshold value, threshold key): each measured
    value next to the threshold of the same quantity (`pitch_sd_st` with
    `pitch_sd_max_st`), then the thresholds without a measured partner."""
    remaining = dict(threshold)
    rows = []
    for key, value in measured.items():
        partner = next((k for k in remaining if _stem(k) == _stem(key)), None)
        rows.append((key, value, remaining.pop(partner) if partner else None, partner))
    return rows + [(key, None, value, key) for key, value in remaining.items()]


def _stem(key: str) -> str:
    """The quantity a key names: `articulation_rate_sps` and `articulation_max_sps`
    -> `articulation_sps`; `response_gap_median_s` and `response_gap_min_s` -> `response_gap_s`."""
    return "_".join(part for part in key.split("_") if part not in ("max", "min", "median", "rate", "agent"))


def _percent(share: float, language: str) -> str:
    """78% (English), 78 % (German)."""
    return f"{share:.0%}".replace("%", " %" if language == "de" else "%")


def _value(value: object, text: Mapping[str, str]) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _e(text["yes"] if value else text["no"])
    return _e(value)


def _quote(evidence, page: _Page) -> str:
    """Quoted words where the evidence is what was said, plain text where it describes a measurement."""
    words = next((s.words for s in page.report.speakers if s.role == evidence.role), ())
    near = [w for w in words if evidence.start_s - 0.5 <= w.start_s <= evidence.end_s]
    spoken = bool(near) and evidence.quote.startswith(near[0].text.strip())
    return f"<q>{_e(evidence.quote)}</q>" if spoken else f'<span class="described">{_e(evidence.quote)}</span>'


def _outcomes(page: _Page) -> str:
    t = page.text
    if not page.report.outcomes:
        return ""
    rows = "".join(
        f'<tr class="{_e(o.outcome)}"><td>{_e(TITLES.get(o.rule, {}).get(page.language, o.rule))}'
        f'<br><code>{_e(o.rule)}</code></td><td><span class="badge {_e(o.outcome)}">{_e(t.get(o.outcome, o.outcome))}'
        f"</span></td><td>{_e(o.reason)}</td></tr>"
        for o in page.report.outcomes)
    return (f'<section id="outcomes"><h2>{_e(t["outcomes"])}</h2><table class="outcomes"><thead><tr>'
            f'<th>{_e(t["rule"])}</th><th>{_e(t["outcome"])}</th><th>{_e(t["reason"])}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


def _plots(page: _Page) -> str:
    r, t = page.report, page.text
    m = r.measurements
    if m is None or r.status != "ok":
        return ""
    stereo = any(s.role == "customer" for s in r.speakers)
    both = overlaps(m.turns, min_s=(r.config or load_config()).measure.overlap_min_s)
    figures = [_figure(t["timeline"], t["timeline_note" if stereo else "timeline_note_mono"], plots.turn_timeline_svg(
        duration_s=r.duration_s, turns=m.turns, overlaps=both, flagged=_flagged(r), text=t))]
    track = (m.pitch_tracks or {}).get("agent")
    if track is not None and track.voiced.any():
        limit = _threshold(r, "toneless_voice", "window_sd_max_st")
        flat = [Region(w.start_s, w.end_s) for w in m.timeline.get("agent", ())
                if w.pitch_sd_st is not None and w.pitch_sd_st <= limit]
        figures.append(_figure(t["pitch"], t["pitch_note"].format(limit=f"{limit:g}"), plots.pitch_svg(
            duration_s=r.duration_s, track=track, flat=flat, text=t)))
    if any(w.articulation_rate_sps is not None for ws in m.timeline.values() for w in ws):
        key = "articulation_max_sps_de" if r.language == "de" else "articulation_max_sps_en"
        limit = _threshold(r, "too_fast", "articulation_max_sps", default_key=key)
        figures.append(_figure(t["rate"], t["rate_note"].format(window=f"{m.window_s:g}", limit=f"{limit:g}"),
                               plots.rate_svg(duration_s=r.duration_s, windows=m.timeline, limit_sps=limit, text=t)))
    return f'<section id="plots"><h2>{_e(t["plots"])}</h2>' + "\n".join(figures) + "</section>"


def _figure(title: str, note: str, svg: str) -> str:
    return f"<figure><figcaption><strong>{_e(title)}</strong> {_e(note)}</figcaption>{svg}</figure>"


def _threshold(report: CallReport, rule: str, key: str, *, default_key: str | None = None) -> float:
    """A rule's threshold as the finding recorded it, else as configured for the call, else the shipped default."""
    finding = next((f for f in report.findings if f.rule == rule), None)
    if finding is not None and key in finding.threshold:
        return float(finding.threshold[key])
    return float((report.config or load_config()).rules[rule][default_key or key])


def _flagged(report: CallReport) -> list[plots.FlaggedRow]:
    return [plots.FlaggedRow(n, f.title, f.severity, tuple(Region(e.start_s, e.end_s) for e in f.evidence))
            for n, f in enumerate(report.findings, start=1)]


def overlaps(turns: Sequence[Turn], *, min_s: float = MeasureSettings().overlap_min_s) -> list[Region]:
    """Where agent and customer both hold the floor for at least `min_s`: backchannels
    ("mhm") under the other's speech are listening, and shorter overlaps are jitter."""
    regions = {role: sorted((r for t in turns if t.role == role and not t.backchannel for r in t.regions),
                            key=lambda r: r.start_s) for role in ("agent", "customer")}
    a, b = regions["agent"], regions["customer"]
    found, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i].start_s, b[j].start_s), min(a[i].end_s, b[j].end_s)
        if hi - lo >= min_s:
            found.append(Region(lo, hi))
        i, j = (i + 1, j) if a[i].end_s < b[j].end_s else (i, j + 1)
    return found


def _transcript(page: _Page) -> str:
    t = page.text
    turns = transcript_turns(page.report)
    if not turns:
        return f'<section id="transcript"><h2>{_e(t["transcript"])}</h2><p class="note">{_e(t["no_speech"])}</p></section>'
    items = "\n".join(_turn(turn, page) for turn in turns)
    return f'<section id="transcript"><h2>{_e(t["transcript"])}</h2><ol class="turns">{items}</ol></section>'


def _turn(turn: Turn, page: _Page) -> str:
    start, end, role = turn.start_s, turn.end_s, turn.role
    marks = "".join(f'<a class="mark" href="#finding-{n}">{n}</a>' for n, f in enumerate(page.report.findings, start=1)
                    if any(e.role == role and e.start_s < end and e.end_s > start for e in f.evidence))
    kind = " backchannel" if turn.backchannel else ""
    return (f'<li class="turn {role}{kind}"><span class="who {role}">{_e(page.text[role])}</span> '
            f'<span class="when"{page.start(start, focus=True)}>{clock(start)}–{clock(end)}</span>{marks}'
            f'<p>{" ".join(_word(w, page) for w in turn.words)}</p></li>')


def _word(word: Word, page: _Page) -> str:
    low = word.probability < LOW_CONFIDENCE
    if not low and not page.audio:
        return _e(word.text.strip())
    title = f' title="{_e(page.text["low_confidence"])} ({word.probability:.2f})"' if low else ""
    return f'<span class="w{" low" if low else ""}"{title}{page.start(word.start_s)}>{_e(word.text.strip())}</span>'


def transcript_turns(report: CallReport) -> list[Turn]:
    """The turns of the measurements (as in the timeline plot) that hold words;
    without measurements, both speakers' words grouped as in the Markdown
    transcript (a turn ends when the other speaks or after 1.5 s of silence)."""
    n_words = sum(len(s.words) for s in report.speakers)
    measured = [t for t in report.measurements.turns if t.words] if report.measurements is not None else []
    if measured and sum(len(t.words) for t in measured) == n_words:
        return measured
    tagged = sorted(((w, s.role) for s in report.speakers for w in s.words), key=lambda item: item[0].start_s)
    groups: list[tuple[Role, list[Word]]] = []
    for word, role in tagged:
        if groups and groups[-1][0] == role and word.start_s - groups[-1][1][-1].end_s <= 1.5:
            groups[-1][1].append(word)
        else:
            groups.append((role, [word]))
    return [Turn(role, ws[0].start_s, ws[-1].end_s, (Region(ws[0].start_s, ws[-1].end_s),), tuple(ws))
            for role, ws in groups]
