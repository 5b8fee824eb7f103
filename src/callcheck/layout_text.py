"""The layout's reason and method in words, in the report's language.

The layout stage records what it found as `LayoutNote`s (a code and its
values); this module words them. A note is one of:

- where the one signal came from (``merged_forced``, ``same_signal``);
- the layout itself (``stereo``, ``single_forced``, ``single_no_speech``,
  ``single_one_voice``, ``mixed_forced``, ``mixed_found``);
- ``leak``: the other party's speech removed from a channel (stereo);
- who the agent of a mix is (``agent_requested``, ``agent_cues``).

English is also what `Layout.reason` and `Layout.method` hold, and so what the
JSON report's ``layout_reason`` / ``layout_method`` carry (a fixed interface).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from callcheck.records import Layout, LayoutKind, LayoutNote

SOURCES = ("merged_forced", "same_signal")
LAYOUTS = ("stereo", "single_forced", "single_no_speech", "single_one_voice", "mixed_forced", "mixed_found")
TEXT = {
    "en": {
        "merged_forced": "two channels mixed into one (--layout {requested})",
        "same_signal": "channels carry the same signal (correlation {correlation:.3f})",
        "one_channel": "one channel",
        "stereo": "two channels with different signals: one party per channel",
        "single_forced": "one channel, --layout single",
        "single_no_speech": "one channel, no speech",
        "single_one_voice": "one channel, one voice (speaker separation {separation:.2f}, "
                            "confidence {confidence:.2f})",
        "mixed_forced": "mixed mono, --layout mixed",
        "mixed_found": "mixed mono, 2 speakers found (separation {separation:.2f}, confidence {confidence:.2f})",
        "leak": "{seconds:.1f} s of the other party leaking into the {role} channel removed",
        "agent_requested": "agent = the {requested} speaker (--agent-speaker {requested})",
        "agent_cues": "agent cues: {agent}",
        "other_cues": "the other speaker: {other}",
        "no_cues": "no cue phrases",
        "role_agent": "agent",
        "role_customer": "customer",
        "method_stereo": "stereo: one party per channel, Silero VAD speech regions per channel",
        "method_crosstalk": "speech that is the other channel leaking in (correlated, 0-80 ms later) removed",
        "method_single": "one speaker: turn-taking needs two parties and is not measured",
        "method_mixed": "mixed mono: Silero VAD speech regions split into two speakers by CAM++ speaker embeddings "
                        "(diarization); words given to speakers by time; agent found by cue phrases",
    },
    "de": {
        "merged_forced": "zwei Kanäle zu einem gemischt (--layout {requested})",
        "same_signal": "beide Kanäle tragen dasselbe Signal (Korrelation {correlation:.3f})",
        "one_channel": "ein Kanal",
        "stereo": "zwei Kanäle mit verschiedenen Signalen: eine Partei je Kanal",
        "single_forced": "ein Kanal, --layout single",
        "single_no_speech": "ein Kanal, keine Sprache",
        "single_one_voice": "ein Kanal, eine Stimme (Sprechertrennung {separation:.2f}, "
                            "Sicherheit {confidence:.2f})",
        "mixed_forced": "gemischtes Mono, --layout mixed",
        "mixed_found": "gemischtes Mono, 2 Sprecher gefunden (Trennung {separation:.2f}, "
                       "Sicherheit {confidence:.2f})",
        "leak": "{seconds:.1f} s Übersprechen der anderen Partei aus dem {role}kanal entfernt",
        "agent_requested": "Agent = {requested_de} Sprecher (--agent-speaker {requested})",
        "agent_cues": "Hinweise auf den Agenten: {agent}",
        "other_cues": "beim anderen Sprecher: {other}",
        "no_cues": "keine typischen Formulierungen",
        "role_agent": "Agenten",
        "role_customer": "Kunden",
        "method_stereo": "Stereo: eine Partei je Kanal, Sprachabschnitte je Kanal mit Silero VAD",
        "method_crosstalk": "Sprache, die aus dem anderen Kanal herüberspricht (korreliert, 0-80 ms später), "
                            "entfernt",
        "method_single": "ein Sprecher: der Sprecherwechsel braucht zwei Parteien und wird nicht gemessen",
        "method_mixed": "gemischtes Mono: Sprachabschnitte (Silero VAD) mit CAM++-Sprechermerkmalen in zwei "
                        "Sprecher getrennt (Diarisierung); Wörter nach ihrer Zeit den Sprechern zugeordnet; "
                        "Agent an typischen Formulierungen erkannt",
    },
}
ORDINAL_DE = {"first": "der erste", "second": "der zweite"}


def layout(kind: LayoutKind, notes: Sequence[LayoutNote], **fields) -> Layout:
    """A Layout whose English reason and method are worded from `notes`."""
    notes = tuple(notes)
    return Layout(kind, reason(notes, "en"), method(kind, notes, "en"), notes=notes, **fields)


def with_note(found: Layout, extra: LayoutNote) -> Layout:
    """`found` with one more note (its English reason worded again)."""
    notes = (*found.notes, extra)
    return dataclasses.replace(found, notes=notes, reason=reason(notes, "en"))


def reason(notes: Sequence[LayoutNote], language: str | None) -> str:
    """One line: where the signal came from, the layout, what was removed, who the agent is."""
    t = TEXT.get(language or "en", TEXT["en"])
    source = [_word(n, t) for n in notes if n.code in SOURCES]
    body = [n for n in notes if n.code in LAYOUTS]
    text = ", ".join(_word(n, t) for n in body)
    if source or (body and body[0].code.startswith("mixed")):
        text = f"{source[0] if source else t['one_channel']}: {text}"
    leaks = [_word(n, t) for n in notes if n.code == "leak"]
    if leaks:
        text += "; " + ", ".join(leaks)
    for n in notes:
        if n.code.startswith("agent_"):
            text += "; " + _word(n, t)
    return text


def method(kind: LayoutKind, notes: Sequence[LayoutNote], language: str | None) -> str:
    """How the parties were told apart."""
    t = TEXT.get(language or "en", TEXT["en"])
    text = t[f"method_{kind}"]
    if kind == "stereo" and any(n.code == "leak" for n in notes):
        text += "; " + t["method_crosstalk"]
    return text


def localized(found: Layout, language: str | None) -> tuple[str, str]:
    """(reason, method) of `found` in `language`; the stored English lines for a layout without notes."""
    if not found.notes:
        return found.reason, found.method
    return reason(found.notes, language), method(found.kind, found.notes, language)


def _word(n: LayoutNote, t: dict[str, str]) -> str:
    values = dict(n.values)
    if n.code == "leak":
        values["role"] = t[f"role_{values['role']}"]
    if n.code == "agent_requested":
        values["requested_de"] = ORDINAL_DE.get(values["requested"], values["requested"])
    if n.code == "agent_cues":
        text = t["agent_cues"].format(agent=", ".join(values["agent"]) or t["no_cues"])
        return text + ("; " + t["other_cues"].format(other=", ".join(values["other"])) if values["other"] else "")
    return t[n.code].format(**values)
