"""Spoken numbers as Whisper writes them, German and English, one word at a time.

`number_word("zweiundvierzig", language="de")` is 42, `"oh"` in English is 0,
`"zwo"` is 2, `"neunzehnhundertachtzig"` is 1980, `"fünften"` the ordinal 5.
`read_digits` turns a sequence of such words into the digit string a listener
would write down: digit by digit ("vier sieben eins eins" -> "4711"), pairs
("null sieben elf, dreiunddreißig" -> "071133"), "twenty two" -> "22",
"double five" -> "55", "nine hundred" -> "900".

text2num 3.1.0 (`alpha2digit`) was measured for this and left out: it keeps
"oh", "double" and "triple" as words ("oh 7 7 double oh"), so phone and card
numbers read the English way stay unrecognised; this grammar is small and
gives the word ranges the redaction needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

EN_UNITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4,
            "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
EN_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
            "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
           "eighty": 80, "ninety": 90}
EN_SCALES = {"hundred": 100, "thousand": 1000}
EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
               "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
               "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
               "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
EN_REPEAT = {"double": 2, "triple": 3}

DE_SIMPLE = {"null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6,
             "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "dreizehn": 13,
             "vierzehn": 14, "fünfzehn": 15, "fuenfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
             "neunzehn": 19}
DE_TENS = {"zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50, "fuenfzig": 50,
           "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90}
DE_UNIT_PREFIX = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7,
                  "acht": 8, "neun": 9}
DE_ORDINAL_STEMS = {"ers": 1, "drit": 3, "sieb": 7, "ach": 8}
DE_REPEAT = {"doppel": 2, "doppelt": 2, "dreifach": 3}

_DIGITS_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th|ter|te|ten)")


@dataclass(frozen=True, slots=True)
class NumberWord:
    """One spoken number word: its value and what kind of word it is.

    `kind` is "unit" (0-9), "teen" (10-19), "tens" (20, 30, ... as a word of its
    own), "scale" ("hundred", "tausend"), "value" (a German compound such as
    "zweiundvierzig"), "repeat" ("double": `value` is the count) or "plus".
    """

    value: int
    kind: str
    ordinal: bool = False


@lru_cache(maxsize=8192)
def number_word(low: str, *, language: str) -> NumberWord | None:
    """The number a single lower-case word stands for, or None (cached: a call repeats its words)."""
    if language == "de":
        return _de_word(low)
    return _en_word(low)


def _en_word(w: str) -> NumberWord | None:
    if w in EN_UNITS:
        return NumberWord(EN_UNITS[w], "unit")
    if w in EN_TEENS:
        return NumberWord(EN_TEENS[w], "teen")
    if w in EN_TENS:
        return NumberWord(EN_TENS[w], "tens")
    if w in EN_SCALES:
        return NumberWord(EN_SCALES[w], "scale")
    if w in EN_REPEAT:
        return NumberWord(EN_REPEAT[w], "repeat")
    if w == "plus":
        return NumberWord(0, "plus")
    if w in EN_ORDINALS:
        return NumberWord(EN_ORDINALS[w], "unit" if EN_ORDINALS[w] < 10 else "teen", ordinal=True)
    if "-" in w:  # twenty-two, twenty-first
        tens, _, unit = w.partition("-")
        if tens in EN_TENS and (unit in EN_UNITS or unit in EN_ORDINALS) and unit not in ("oh", "o", "zero"):
            value = EN_TENS[tens] + EN_UNITS.get(unit, EN_ORDINALS.get(unit, 0))
            return NumberWord(value, "value", ordinal=unit in EN_ORDINALS)
    if w.endswith("ieth") and w[:-4] + "y" in EN_TENS:  # fortieth
        return NumberWord(EN_TENS[w[:-4] + "y"], "tens", ordinal=True)
    return None


def de_value(w: str) -> int | None:
    """Value of a German cardinal written as one word ("neunzehnhundertachtzig"), or None."""
    if not w:
        return None
    if w in DE_SIMPLE:
        return DE_SIMPLE[w]
    if w in DE_TENS:
        return DE_TENS[w]
    for scale_word, scale in (("tausend", 1000), ("hundert", 100)):
        if scale_word in w:
            head, _, tail = w.partition(scale_word)
            hi = 1 if head in ("", "ein") else de_value(head)
            lo = 0 if tail == "" else de_value(tail.removeprefix("und"))
            if hi is None or lo is None or hi >= scale * 10 or lo >= scale:
                return None
            return hi * scale + lo
    if "und" in w:
        unit, _, tens = w.partition("und")
        if unit in DE_UNIT_PREFIX and tens in DE_TENS:
            return DE_UNIT_PREFIX[unit] + DE_TENS[tens]
    return None


def _de_word(w: str) -> NumberWord | None:
    if w in DE_REPEAT:
        return NumberWord(DE_REPEAT[w], "repeat")
    if w == "plus":
        return NumberWord(0, "plus")
    if w in ("hundert", "einhundert"):
        return NumberWord(100, "scale")
    if w in ("tausend", "eintausend"):
        return NumberWord(1000, "scale")
    value = de_value(w)
    if value is not None:
        kind = "unit" if value < 10 else "teen" if value < 20 else "value"
        return NumberWord(value, kind)
    return _de_ordinal(w)


def _de_ordinal(w: str) -> NumberWord | None:
    for suffix in ("sten", "ster", "stem", "stes", "ste"):
        if w.endswith(suffix):
            value = de_value(w[: -len(suffix)])
            if value is not None and value >= 20:
                return NumberWord(value, "value", ordinal=True)
    for suffix in ("ten", "ter", "tem", "tes", "te"):
        if w.endswith(suffix):
            stem = w[: -len(suffix)]
            value = DE_ORDINAL_STEMS.get(stem, de_value(stem))
            if value is not None and 0 < value < 20:
                return NumberWord(value, "unit" if value < 10 else "teen", ordinal=True)
    return None


def digit_ordinal(low: str) -> int | None:
    """1-31 written as "3rd", "14th", "22nd" (or "3." handled by the caller), else None."""
    m = _DIGITS_ORDINAL.fullmatch(low)
    return int(m.group(1)) if m else None


def read_digits(words: Sequence[NumberWord], joins: Sequence[bool]) -> str:
    """The digits a listener writes down for consecutive number words.

    `joins[k]` tells whether word k follows word k-1 without a pause (no
    comma): "twenty two" is 22, "twenty, two" is 202. Scales multiply the
    group before them ("nine hundred" -> 900), "double"/"triple" repeat the
    next group, "plus" becomes "+".
    """
    out: list[str] = []
    repeat = 1
    k = 0
    while k < len(words):
        w = words[k]
        if w.kind == "plus":
            out.append("+")
            k += 1
            continue
        if w.kind == "repeat":
            repeat = w.value
            k += 1
            continue
        value, k = _group(words, joins, k)
        out.append(str(value) * repeat)
        repeat = 1
    return "".join(out)


def _group(words: Sequence[NumberWord], joins: Sequence[bool], k: int) -> tuple[int, int]:
    """One cardinal group starting at k: tens+unit, and hundreds/thousands around it."""
    value = words[k].value
    kind = words[k].kind
    k += 1
    if kind == "scale":
        return value, k
    if kind == "tens" and k < len(words) and joins[k] and words[k].kind == "unit" and words[k].value > 0:
        value += words[k].value
        k += 1
    while k < len(words) and joins[k] and words[k].kind == "scale" and value < words[k].value:
        value *= words[k].value
        k += 1
        if k < len(words) and joins[k] and words[k].kind in ("unit", "teen", "tens", "value"):
            rest, k2 = _group(words, joins, k)
            if rest < 100:
                value += rest
                k = k2
    return value, k
