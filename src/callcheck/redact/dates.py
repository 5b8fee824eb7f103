"""Dates of birth: a date expression next to a birth cue, and only then.

A date alone is ordinary support talk ("der Techniker kommt am 3. Dezember",
"valid until December 31st, 2026"); with "geboren", "Geburtsdatum", "born",
"date of birth" within a few words it is personal data. A date expression is
a run of day/month/year parts in any of the forms Whisper writes:
"12.03.1985", "1. April 1962", "der dritte Mai neunzehnhundertachtundsiebzig",
"vierzehnten siebten neunzehnhundertneunzig", "March 3rd, 1982",
"twelve, oh four, eighty eight", "eighty seven, the nineteenth of November".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .codes import is_date_token
from .lexicon import CueIndex, Lexicon
from .numeric import Found
from .spoken import digit_ordinal, number_word
from .tokens import Token

_MAX_TOKENS = 10
_YEAR = re.compile(r"(19|20)\d\d")


def _part(tok: Token, lex: Lexicon) -> str | None:
    """"date", "year", "num", "month" or "filler" for a word that can be part of a date."""
    low = tok.low
    if not low:
        return "filler"
    if is_date_token(tok.core):
        return "date"
    if low.rstrip(".") in lex.months:
        return "month"
    if low.isdigit():
        if _YEAR.fullmatch(low):
            return "year"
        return "num" if len(low) <= 2 else None
    if digit_ordinal(low) is not None:
        return "num"
    word = number_word(low, language=lex.language)
    if word is not None and word.kind not in ("repeat", "plus", "scale"):
        return "year" if word.value >= 1900 else "num"
    if low in lex.date_fillers:
        return "filler"
    return None


def _breaks(tok: Token, part: str) -> bool:
    """A full stop ends the date unless it is an ordinal's ("7.") or an abbreviation's ("Feb.")."""
    if not tok.ends_sentence:
        return False
    if tok.trail.startswith(".") and (part == "month" or (tok.low.isdigit() and len(tok.low) <= 2)):
        return False
    return True


def _expressions(tokens: Sequence[Token], lex: Lexicon) -> list[tuple[int, int]]:
    """Word ranges (first, last) of every date expression, fillers trimmed."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        parts: list[tuple[int, str]] = []
        j = i
        while j < len(tokens) and len(parts) < _MAX_TOKENS:
            part = _part(tokens[j], lex)
            if part is None:
                break
            parts.append((j, part))
            j += 1
            if _breaks(tokens[j - 1], part):
                break
        core = [(k, p) for k, p in parts if p != "filler"]
        if core and _is_date(p for _, p in core):
            out.append((core[0][0], core[-1][0]))
        i = max(j, i + 1)
    return out


def _is_date(parts) -> bool:
    kinds = list(parts)
    if "date" in kinds or "year" in kinds:
        return True
    return len(kinds) >= 2 and ("month" in kinds or len(kinds) >= 3)


def find_dobs(tokens: Sequence[Token], cues: CueIndex, lex: Lexicon) -> list[Found]:
    """Every date expression within 6 words after or 3 before a birth cue."""
    found = []
    for first, last in _expressions(tokens, lex):
        if cues.near("DOB", first, last, before=6, after=3) is not None:
            found.append(Found("DOB", first, last, "birth-cue"))
    return found
