"""IBAN, card, phone, customer number and postcode: what a code is, or that it is none.

A code (see `codes.py`) becomes personal data by one of three kinds of
evidence, strongest first: a validator (IBAN mod-97, Luhn for 13-19 digits,
a well-formed international or UK postcode shape), a cue word near it
("Kundennummer", "sort code", "call me on") with the right length, or the
high-recall default: 5+ digits that are not followed by a unit or currency
and not preceded by a word that makes them a quantity, price, version or
error code. ASR garbles single digits, so with a cue an IBAN or card need
only the right shape, not a valid checksum. Card security codes and expiry
dates count as card data next to their own cue ("Prüfnummer", "expiry").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from .codes import NOT_CODE, Code
from .lexicon import CueIndex, Lexicon
from .tokens import Token

# IBAN lengths of the countries a German or English call is likely to name
IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "GB": 22, "NL": 18, "BE": 16, "FR": 27, "IT": 27, "ES": 24,
                "LU": 20, "PL": 28, "IE": 22, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "PT": 25, "CZ": 24,
                "LI": 21, "HU": 28, "GR": 27, "HR": 21, "RO": 24, "TR": 26}
_IBAN_SHAPE = re.compile(r"([A-Z]{2})(\d{2})([A-Z0-9]{8,30})")
_UK_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}")
_US_PHONE = re.compile(r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}|\d{3}-\d{4}")
_PREFIX = re.compile(r"[A-Z]{2,4}")
_REGIONS = {"de": ("DE", "AT", "CH"), "en": ("GB", "US", "IE")}
_PRIORITY = ("IBAN", "CARD", "PHONE", "CUSTOMER_ID", "ADDRESS")


@dataclass(frozen=True, slots=True)
class Found:
    """A detected span: word indices `first`..`last` inclusive, and why."""

    label: str
    first: int
    last: int
    rule: str


def iban_valid(text: str) -> bool:
    """ISO 13616 mod-97 check on an upper-case IBAN without spaces."""
    if not _IBAN_SHAPE.fullmatch(text):
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def luhn_valid(digits: str) -> bool:
    total = 0
    for k, c in enumerate(reversed(digits)):
        d = int(c)
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def phone_possible(text: str, *, language: str) -> bool:
    """A phone number by its shape for the call's countries (phonenumbers' length tables)."""
    for region in _REGIONS[language]:
        try:
            num = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return True
    return False


def _not_id(code: Code, tokens: Sequence[Token], lex: Lexicon, *, before: bool) -> bool:
    """A number that a unit, currency or 'about'/'version'/'error' marks as not an identifier."""
    nxt = tokens[code.last + 1].low if code.last + 1 < len(tokens) else ""
    if nxt in lex.not_id_after or tokens[code.last].trail.startswith("%"):
        return True
    if not before or code.first == 0:
        return False
    prev = tokens[code.first - 1]
    return prev.low in lex.not_id_before or prev.core.endswith(("$", "€", "£"))


def classify(code: Code, tokens: Sequence[Token], cues: CueIndex, lex: Lexicon) -> Found | None:
    """The label of one code, or None when it is not personal data."""
    text, digits, only_digits = code.alnum, code.digits, code.letters == 0
    plain = "".join(c for c in text if c.isdigit())
    if iban_valid(text):
        return Found("IBAN", code.first, code.last, "iban-mod97")
    phone_like = digits <= 15 and code.text.startswith(("0", "+")) and cues.near("PHONE", code.first, code.last)
    if only_digits and 13 <= digits <= 19 and luhn_valid(plain) and not phone_like:
        return Found("CARD", code.first, code.last, "luhn")
    if lex.language == "en" and _UK_POSTCODE.fullmatch(text):
        return Found("ADDRESS", code.first, code.last, "uk-postcode")
    m = _IBAN_SHAPE.fullmatch(text)
    if m and abs(IBAN_LENGTHS.get(m.group(1), -9) - len(text)) <= 1:
        return Found("IBAN", code.first, code.last, "iban-shape")
    near = _by_cue(code, tokens, cues, lex)
    if near is not None:
        return near
    if code.text.startswith("+") and digits >= 8:
        return Found("PHONE", code.first, code.last, "plus")
    if only_digits and _US_PHONE.fullmatch(code.written.strip(".,;:!?")):
        return Found("PHONE", code.first, code.last, "us-phone")
    if digits >= 5 and not _not_id(code, tokens, lex, before=True):
        return Found(_default_label(code, plain, lex), code.first, code.last, "default-5-digits")
    return None


def _by_cue(code: Code, tokens: Sequence[Token], cues: CueIndex, lex: Lexicon) -> Found | None:
    """The nearest cue whose label fits the code's length and letters."""
    digits, letters = code.digits, code.letters
    m = _IBAN_SHAPE.match(code.alnum + "0" * 8)  # "DE44" alone: the start of an IBAN
    fits = {
        "IBAN": (digits >= 6 and letters <= 6) or (m is not None and m.group(1) in IBAN_LENGTHS),
        "CARD": (letters == 0 and 12 <= digits <= 19) or (letters == 0 and 3 <= digits <= 4),
        "PHONE": letters == 0 and (6 <= digits <= 15 or (2 <= digits <= 6 and cues.near(
            "AREA", code.first, code.last, before=2, after=0) is not None)),
        "CUSTOMER_ID": digits >= 4 or (digits >= 2 and letters >= 1 and digits + letters >= 4),
        "ADDRESS": (letters == 0 and 4 <= digits <= 5) or (letters >= 2 and 2 <= digits <= 3 and len(code.alnum) <= 8),
    }
    best: tuple[float, int, str] | None = None
    for label in _PRIORITY:
        cue_label = "POSTCODE" if label == "ADDRESS" else label
        after = 6 if label == "CARD" else 3
        d = cues.distance(cue_label, code.first, code.last, before=8, after=after)
        if label == "CARD" and digits <= 4:
            d = cues.distance("CVV", code.first, code.last, before=8, after=0)  # a CVV only with its own cue
            expiry = cues.distance("EXPIRY", code.first, code.last, before=3, after=0)
            if expiry <= 3 and cues.near("CARD", code.first, code.last, before=14, after=0):
                d = min(d, expiry)  # "Karte ... läuft ab 03/27", "expiry oh nine twenty seven"
        if fits[label] and d != float("inf") and (best is None or (d, _PRIORITY.index(label)) < best[:2]):
            best = (d, _PRIORITY.index(label), label)
    if best is None:
        return None
    # "customer since 2009": a word that makes the number a year, price, ... unless it belongs to a cue
    # ("sort code 60 16 13", "läuft ab 03/27")
    # a long number is no time or price whatever stands before it ("text me at seven one eight, ...")
    if _not_id(code, tokens, lex, before=code.digits <= 5 and not cues.covers(code.first - 1)):
        return None
    return Found(best[2], code.first, code.last, "cue")


def _default_label(code: Code, plain: str, lex: Lexicon) -> str:
    if code.letters == 0 and (code.text.startswith(("0", "+")) and code.digits >= 9):
        return "PHONE"
    if code.letters == 0 and phone_possible(plain, language=lex.language):
        return "PHONE"
    return "CUSTOMER_ID"


def iban_country_prefix(code: Code, tokens: Sequence[Token], cues: CueIndex) -> Code | None:
    """'de fünf sechs ...': a lower-case country code before the digits of an IBAN, with an IBAN cue."""
    if code.first == 0 or code.letters or code.digits < 12:
        return None
    prev = tokens[code.first - 1]
    if prev.core.upper() not in IBAN_LENGTHS or prev.pause or not cues.near("IBAN", code.first - 1, code.last):
        return None
    return Code(code.first - 1, code.last, prev.core.upper() + code.text, code.digits, 2, code.spoken,
                prev.raw + " " + code.written, code.spelled)


def find_handles(tokens: Sequence[Token], cues: CueIndex, lex: Lexicon) -> list[Found]:
    """User names after their cue ("Benutzername ist mmueller", "my username is jsmith_84"), and the
    letters an identifier starts with ("Die Vertragsnummer fängt mit VK an, dann 2021 4711")."""
    found = []
    for k, tok in enumerate(tokens):
        if _PREFIX.fullmatch(tok.core) and tok.core not in NOT_CODE and tok.low not in lex.stopwords \
                and cues.near("CUSTOMER_ID", k, k, before=4, after=0) is not None:
            found.append(Found("CUSTOMER_ID", k, k, "id-prefix"))
    for cue in cues.cues("HANDLE"):
        j = cue.last + 1
        while j < len(tokens) and tokens[j].low in ("ist", "lautet", "is", "was", "war", "it's", "der", "the"):
            j += 1
        if j < len(tokens) and tokens[j].core and tokens[j].low not in lex.stopwords and not tokens[cue.last].ends_sentence \
                and re.fullmatch(r"[\w.@-]{3,}", tokens[j].core):
            found.append(Found("CUSTOMER_ID", j, j, "handle"))
    return found
