"""The decoder's warnings in words, in the report's language.

The decoder records what it read around as `Note`s (a code and its values,
times in seconds); this module words them. A note is one of:

- ``truncated``: a WAV whose data is shorter than its header promises;
- ``damaged``: a stretch that could not be decoded and counts as silence;
- ``shifted``: fewer frames decoded than announced after damage (MP3): later times may be early;
- ``stopped``: decoding gave up; the rest of the file is not analysed;
- ``skipped``: damaged packets skipped (PyAV), later times may be shifted.

English is also what `Recording.warnings` holds, and so what the JSON report's
``call.warnings`` carries (a fixed interface). A decoder's own problem text
(``problem``) is quoted as the library gave it.
"""

from __future__ import annotations

from callcheck.records import Note

TIMES = ("promised_s", "present_s", "at_s", "skipped_s", "decoded_s", "announced_s", "first_s", "total_s")
TEXT = {
    "en": {
        "truncated": "the file is truncated: its header promises {promised_s}, {present_s} are there; "
                     "analysed up to {present_s}",
        "damaged": "damaged audio at {at_s} ({problem}): {skipped_s} could not be decoded and counts as silence",
        "shifted": "decoded {decoded_s} of the {announced_s} the file announces: times after {first_s} may be early "
                   "by up to {short_s:.1f} s",
        "stopped": "decoding stopped at {at_s}{of_total} ({problem}): the rest of the file is not analysed",
        "of_total": " of {total_s}",
        "skipped": "{count} damaged stretch(es) skipped, the first at {first_s}; "
                   "later times may be shifted by the skipped audio",
    },
    "de": {
        "truncated": "die Datei ist abgeschnitten: ihr Kopf verspricht {promised_s}, vorhanden sind {present_s}; "
                     "ausgewertet bis {present_s}",
        "damaged": "beschädigter Ton bei {at_s} ({problem}): {skipped_s} ließen sich nicht dekodieren und zählen "
                   "als Stille",
        "shifted": "{decoded_s} von den angekündigten {announced_s} dekodiert: Zeiten nach {first_s} können bis zu "
                   "{short_s:.1f} s zu früh liegen",
        "stopped": "Dekodieren bei {at_s}{of_total} abgebrochen ({problem}): der Rest der Datei ist nicht ausgewertet",
        "of_total": " von {total_s}",
        "skipped": "{count} beschädigte Abschnitt(e) übersprungen, der erste bei {first_s}; spätere Zeiten können "
                   "um den übersprungenen Ton verschoben sein",
    },
}


def clock(seconds: float) -> str:
    """12:34.5 (or 1:02:03.4) for a warning a person reads next to a player."""
    minutes, secs = divmod(max(0.0, seconds), 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:04.1f}" if hours else f"{minutes}:{secs:04.1f}"


def worded(note: Note, language: str | None = "en") -> str:
    """One decoder note as a line in `language` ("de" or "en"; English otherwise)."""
    text = TEXT.get(language or "en", TEXT["en"])
    values = {k: clock(v) if k in TIMES else v for k, v in note.values}
    if note.code == "stopped":
        values["of_total"] = text["of_total"].format(**values) if "total_s" in values else ""
    return text[note.code].format(**values)
