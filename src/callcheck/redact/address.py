"""Postal addresses: a street name with a house number, and the postcode and town after it.

German streets are one compound word ending in a street word ("Lindenstraße",
"Hauptstr.", "Rosenweg", "Marktplatz"), or an adjective or preposition plus a
street word ("Berliner Allee", "Am Kirchberg"); English ones are a house number,
one to three names and a street word ("42 Baker Street", "221b Kingsley
Avenue"). Either needs a house number next to it or an address cue ("wohne
in", "my address is") before it; then the span runs on over "in", commas,
"apartment 12B", a postcode (spoken or written) and the town.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from .codes import Code
from .lexicon import CueIndex, Lexicon, match_any
from .numeric import Found
from .spoken import number_word
from .tokens import Token

_WEEKDAYS = frozenset(
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag monday tuesday wednesday thursday "
    "friday saturday sunday".split()
)


@cache
def _compound_re(suffixes: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r".{3,}(?:" + "|".join(re.escape(s) for s in suffixes) + ")")


def _street_word(tok: Token, lex: Lexicon) -> str | None:
    """"compound" for "Lindenstraße"/"Hauptstr.", "word" for a bare "Straße"/"Street", else None."""
    low = tok.low
    if low in lex.street_suffix:
        return "word"
    if lex.language == "de" and _compound_re(lex.street_suffix).fullmatch(low):
        return "compound"
    return None


_PRONOUNS = frozenset({"sie", "ich", "wir", "er", "es", "ihr", "du", "man"})


def _name_like(tok: Token, lex: Lexicon) -> bool:
    return tok.alpha and tok.low not in lex.stopwords and tok.low not in lex.months and tok.low not in _WEEKDAYS


def _town(tokens: Sequence[Token], j: int, lex: Lexicon) -> bool:
    """A capitalised name that is not the verb opening an unpunctuated sentence ("Warten Sie ...")."""
    tok = tokens[j]
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    after_in = j > 0 and tokens[j - 1].low == "in"
    verb_first = (lex.language == "de" and nxt is not None and nxt.low in _PRONOUNS and not tok.pause
                  and (nxt.core == "Sie" or nxt.core.islower()) and not after_in)
    return tok.capitalised and _name_like(tok, lex) and not verb_first


def _house_number(tokens: Sequence[Token], i: int, codes: dict[int, Code], lex: Lexicon) -> int | None:
    """Last index of a house number starting at i ("5", "17a", "150 b", "vierzehn"), else None."""
    if i >= len(tokens):
        return None
    code = codes.get(i)
    max_digits = 3 if lex.language == "de" else 5
    nxt = tokens[code.last + 1].low if code is not None and code.last + 1 < len(tokens) else ""
    if code is not None and 1 <= code.digits <= max_digits and code.letters <= 1 and nxt not in lex.not_id_after:
        return code.last
    if code is not None and tokens[i].pause and re.fullmatch(r"\d{1,3}[a-zA-Z]?", tokens[i].core):
        return i  # "12, 06120 Halle": the house number and the postcode joined into one code
    word = number_word(tokens[i].low, language=lex.language)
    if word is not None and not word.ordinal and 0 < word.value < 1000:
        return i
    return None


def _de_street(tokens: Sequence[Token], i: int, lex: Lexicon) -> int | None:
    """First index of a German street name ending at token i, else None."""
    kind = _street_word(tokens[i], lex)
    if kind is None or not tokens[i].capitalised:
        return None
    if kind == "compound":
        return i
    if i > 0 and tokens[i - 1].capitalised and tokens[i - 1].alpha and tokens[i - 1].low not in lex.stopwords:
        return i - 1  # "Berliner Allee", "Hamburger Chaussee"
    return None


def _prefixed_street(tokens: Sequence[Token], i: int, lex: Lexicon) -> int | None:
    """Last index of "Am Kirchberg" / "An der Alster" starting at i, else None."""
    hit = match_any(tokens, i, lex.street_prefix)
    if hit is None or hit[1] >= len(tokens):
        return None
    name = tokens[hit[1]]
    if name.capitalised and _name_like(name, lex) and not tokens[i].pause:
        return hit[1]
    return None


def _en_street(tokens: Sequence[Token], i: int, lex: Lexicon) -> int | None:
    """First index of the names of an English street whose street word is token i ("West 57th Street")."""
    if _street_word(tokens[i], lex) != "word":
        return None
    first = i
    while first > 0 and i - first < 3 and not tokens[first - 1].pause and (
            _name_like(tokens[first - 1], lex) or re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", tokens[first - 1].low)):
        if not (tokens[first - 1].capitalised or tokens[i].low == tokens[i].core or tokens[first - 1].low[:1].isdigit()):
            break
        first -= 1
    return first if first < i else None


def _extend(tokens: Sequence[Token], last: int, codes: dict[int, Code], lex: Lexicon) -> int:
    """Run on after a street: ", 80331 München", "in Bremen", ", apartment 12B, New York, 10118"."""
    j = last + 1
    end = last
    steps = 0
    while j < len(tokens) and steps < 8 and not tokens[end].ends_sentence:
        steps += 1
        tok = tokens[j]
        code = codes.get(j)
        unit_number = _house_number(tokens, j + 1, codes, lex) if tok.low in lex.unit_prefix else None
        if unit_number is not None:  # "apartment 12B", "Wohnung 3"
            end = j = unit_number
            j += 1
            continue
        if tok.low in lex.address_between or not tok.core:
            j += 1
            continue
        if code is not None and (code.digits >= 3 or code.letters >= 2) and code.digits <= 10:
            end = j = code.last
            j += 1
            continue
        if re.fullmatch(r"\d{4,5}", tok.core):  # a postcode inside a code that began with the house number
            end = j
            j += 1
            continue
        prev_code = _code_ending(codes, j - 1)
        postcode_before = prev_code is not None and prev_code.digits >= 4 or re.fullmatch(r"\d{4,5}", tokens[j - 1].core)
        town_before = j - 1 == end and tokens[end].alpha and tokens[end].capitalised  # "Los Angeles"
        if _town(tokens, j, lex) and (tokens[j - 1].low in ("in", "") or tokens[j - 1].pause
                                      or postcode_before or town_before):
            end = j
            j += 1
            continue
        break
    return end


def _extend_left(tokens: Sequence[Token], first: int, codes: dict[int, Code], lex: Lexicon) -> int:
    """Run back before a street: "in Köln, Domstraße 40", "34117 Kassel, ...", "Hausnummer 7, Gartenweg",
    "number 7 on Beech Avenue"."""
    k = first - 1
    if k > 0 and tokens[k].low in ("on", "in", "auf") and not tokens[k - 1].pause:
        code = _code_ending(codes, k - 1)
        if code is not None and code.digits <= 4 and code.first > 0 and tokens[code.first - 1].low in lex.unit_prefix:
            return code.first - 1
    if k < 0 or not tokens[k].pause:
        return first
    code = _code_ending(codes, k)
    if code is not None and code.digits <= 3 and code.first > 0 and tokens[code.first - 1].low in lex.unit_prefix | {
            "hausnummer", "nummer", "nr", "number", "no"}:
        return code.first - 1
    if tokens[k].capitalised and _name_like(tokens[k], lex) and k > 0:
        town_code = _code_ending(codes, k - 1)
        if town_code is not None and town_code.digits in (4, 5):
            return town_code.first
        if tokens[k - 1].low == "in":
            return k
    return first


def find_addresses(tokens: Sequence[Token], codes: dict[int, Code], cues: CueIndex, lex: Lexicon) -> list[Found]:
    """Every street (with house number or after an address cue), extended over postcode and town."""
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        span = _street_span(tokens, i, codes, cues, lex)
        if span is None:
            i += 1
            continue
        first, last = span
        first = _extend_left(tokens, first, codes, lex)
        last = _extend(tokens, last, codes, lex)
        found.append(Found("ADDRESS", first, last, "street"))
        i = last + 1
    found.extend(_postcode_town(tokens, codes, cues, lex))
    return found


_BOX = ("postfach", "box")  # "Postfach 10 20 30", "PO Box 1234"


def _street_span(tokens, i, codes, cues, lex) -> tuple[int, int] | None:
    """(first, last) of a street and its house number whose street word is at i."""
    box = codes.get(i + 1)
    if tokens[i].low in _BOX and box is not None and box.digits >= 3:
        first = i - 1 if i > 0 and tokens[i - 1].low in ("po", "p.o") else i
        return first, box.last
    if lex.language == "de":
        first = _de_street(tokens, i, lex)
        name_last = i
        if first is None:
            name_last = _prefixed_street(tokens, i, lex) or -1
            first = i if name_last >= 0 else None
            if first is None or _house_number(tokens, name_last + 1, codes, lex) is None:
                return None
        number_last = _house_number(tokens, name_last + 1, codes, lex)
        if number_last is not None:
            return first, number_last
        return (first, name_last) if cues.near("ADDRESS", first, name_last, before=6, after=0) else None
    first = _en_street(tokens, i, lex)
    if first is None:
        return _cued_street(tokens, i, codes, cues, lex)
    before = _code_ending(codes, first - 1)
    if before is not None and before.digits <= 5:
        return _unit_before(tokens, before.first, codes, lex), i
    if cues.near("ADDRESS", first, i, before=6, after=0):
        return first, i
    return None


def _code_ending(codes: dict[int, Code], last: int) -> Code | None:
    """The code whose last word is `last` (codes are keyed by their first word and short)."""
    for k in range(last, max(last - 40, -1), -1):
        code = codes.get(k)
        if code is not None:
            return code if code.last == last else None
    return None


def _cued_street(tokens, i, codes, cues, lex) -> tuple[int, int] | None:
    """"I live at 58 Hillside": a house number and capitalised names right after an address cue."""
    code = codes.get(i)
    if code is None or code.first != code.last or not 1 <= code.digits <= 4 or code.letters > 1 \
            or code.last + 1 >= len(tokens):
        return None  # a house number is one word ("58", "12a"), not digits read one by one
    last = code.last
    while last + 1 < len(tokens) and last - code.last < 3 and tokens[last + 1].capitalised \
            and _name_like(tokens[last + 1], lex) and not tokens[last].ends_sentence:
        last += 1
    if last == code.last or not cues.near("ADDRESS", code.first, code.last, before=3, after=0):
        return None
    if any(_street_word(tokens[k], lex) for k in range(code.last + 1, min(last + 3, len(tokens)))):
        return None  # a street word follows: the street rule takes it, with "flat 2b," before it
    return code.first, last


def _unit_before(tokens: Sequence[Token], first: int, codes: dict[int, Code], lex: Lexicon) -> int:
    """Include "flat" of "flat 3, 17 Victoria Road" (the digits join into one code)."""
    if first > 0 and tokens[first - 1].low in lex.unit_prefix:
        return first - 1
    return first


def _postcode_town(tokens, codes, cues, lex) -> list[Found]:
    """"in 80331 München" after an address cue, without a street: postcode and town."""
    out = []
    for code in codes.values():
        if lex.language != "de" or code.digits != 5 or code.letters or code.last + 1 >= len(tokens) \
                or tokens[code.last].ends_sentence:
            continue
        if tokens[code.last + 1].low in lex.not_id_after:
            continue  # "25000 Haushalte"
        if _town(tokens, code.last + 1, lex) and cues.near("ADDRESS", code.first, code.last, before=6):
            out.append(Found("ADDRESS", code.first, code.last + 1, "postcode-town"))
    return out
