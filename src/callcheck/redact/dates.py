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
        if _YEAR.fullmatch(low) or (len(low) == 2 and tok.lead[-1:] in ("'", "’")):
            return "year"  # 1979, '79
        return "num" if len(low) <= 2 else None
    if digit_ordinal(low) is not None:
        return "num"
    word = number_word(low, language=lex.language)
    if word is not None and word.kind not in ("repeat", "plus"):  # "two thousand and three"
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


def _expressions(tokens: Sequence[Token], lex: Lexicon) -> list[tuple[int, int, bool]]:
    """Word ranges (first, last, full) of every date expression, fillers trimmed.

    `full`: it has a written date ("12.03.1985") or a month name; a year alone
    or bare numbers ("twelve, oh four, eighty eight") are weaker evidence.
    """
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(tokens):
        parts: list[tuple[int, str]] = []
        j = i
        while j < len(tokens) and len(parts) < _MAX_TOKENS:
            part = _part(tokens[j], lex)
            new_sentence = tokens[j].capitalised and part != "month" and any(p != "filler" for _, p in parts)
            if part is None or (new_sentence and not tokens[j].low[:1].isdigit()):
                break  # "... 4th 85 The second light", "... sixty two One moment": a sentence without a full stop
            parts.append((j, part))
            j += 1
            if _breaks(tokens[j - 1], part):
                break
        core = [(k, p) for k, p in parts if p != "filler"]
        kinds = [p for _, p in core]
        if core and _is_date(kinds):
            out.append((core[0][0], core[-1][0], bool({"date", "month"} & set(kinds))))
        i = max(j, i + 1)
    return out


def _is_date(kinds: list[str]) -> bool:
    if "date" in kinds or "year" in kinds:
        return True
    return len(kinds) >= 2 and ("month" in kinds or len(kinds) >= 3)


def find_dobs(tokens: Sequence[Token], cues: CueIndex, lex: Lexicon) -> list[Found]:
    """For each birth cue the date expression it speaks for: within 6 words after it or 3 before.

    One date per cue and one cue per date: a full date (written with separators or with a month
    name) before a year alone or bare numbers, then the nearest, counting
    fillers ("ist der", "the") as no distance, a date after the cue winning a
    tie: "Geburtstag: 3.4.1991. Seit dem 1.1.2025 zahle ich mehr" and
    "geboren am fünften Juni 1980, seit 2019 Kunde" leave the second date alone.
    """
    expressions = _expressions(tokens, lex)
    pairs = []
    for c, cue in enumerate(cues.cues("DOB")):
        for first, last, full in expressions:
            gap = cues.gap(cue, first, last, before=6, after=3)
            if gap == float("inf"):
                continue
            between = range(cue.last + 1, first) if first > cue.last else range(last + 1, cue.first)
            fillers = sum(_part(tokens[k], lex) == "filler" for k in between)
            pairs.append(((not full, gap - fillers, first < cue.first), c, first, last))
    # best pairs first; each cue and each date at most once ("Geburtsdatum: 05.06.78. Geboren bin ich am ...")
    used_cues, chosen = set(), set()
    for _, c, first, last in sorted(pairs):
        if c not in used_cues and (first, last) not in chosen:
            used_cues.add(c)
            chosen.add((first, last))
    return [Found("DOB", first, last, "birth-cue") for first, last in sorted(chosen)]
