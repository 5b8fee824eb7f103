"""Codes: runs of digits, spoken numbers and spelled letters, joined across words.

ASR splits one number over many words ("DE89 3704 0044", "vier sieben eins
eins", "G B two nine N W B K ...", "K A eins zwei drei"). `find_codes` joins
each maximal run of such words into one `Code` with its normalised text
("DE8937040044", "4711", "GB29NWBK", "KA123") and its word range, so that
the validators and shape rules see what a listener would write down.
Prices, times, decimals and versions ("19,99", "14:30", "2.3.1") never join a
run: they are what a number that is not personal data looks like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexicon import Lexicon, match_any
from .spoken import NumberWord, number_word, read_digits
from .tokens import Token

_DIGITS = re.compile(r"\+?\d+(?:[-/]\d+)*")
_ALNUM = re.compile(r"(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])[A-Za-z\d]+(?:[-_.][A-Za-z\d]+)*")
_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})")
_ORDINAL_SUFFIX = re.compile(r"\d{1,2}(?:st|nd|rd|th)")
_CAPS = re.compile(r"[A-ZÄÖÜ]{2,4}")
# all-capital words that are abbreviations, not parts of a code
NOT_CODE = frozenset(
    "MB GB TB KB TV PC OK DSL LAN WLAN WIFI USB SIM PIN IBAN BIC EU USA UK ID IT AG DHL UPS DOB PLZ SMS APP LED HD "
    "CEO FAQ GPS DVD CD PDF ABC ARD ZDF ADAC AOK DAK TK VW BMW AMEX VISA SEPA CVV CVC NR TEL FAX MAIL AM PM KG".split()
)
_LETTER = re.compile(r"[A-Za-zÄÖÜäöü]")
# spoken separators inside a code: "2 0 2 4 dash 5 5 1 8", "C L M Bindestrich 88"
_JOINERS = frozenset({"dash", "hyphen", "minus", "bindestrich", "strich", "slash", "schrägstrich"})
# hesitations inside a number ("null eins sieben eins äh zwei ..."); "um" is a hesitation only in English
_FILLERS = {"de": frozenset({"äh", "ähm", "öhm", "ehm", "hm", "mhm"}),
            "en": frozenset({"uh", "um", "uhm", "erm", "er", "ehm", "hm"})}
_IBAN_START = re.compile(r"[A-Za-z]{2}\d{2}")


@dataclass(frozen=True, slots=True)
class Code:
    """A run of words read as one code: word indices `first`..`last` inclusive.

    `text` has upper-case letters and digits only (a leading "+" kept);
    `spoken` tells whether number words took part; `letters` counts letters
    spelled one by one or written as capitals, `spelled` only the former.
    """

    first: int
    last: int
    text: str
    digits: int
    letters: int
    spoken: bool
    written: str  # the raw words joined by spaces, for written-shape tests
    spelled: int = 0  # letters spelled one word each ("S C H U L Z", "W wie Wilhelm")

    @property
    def alnum(self) -> str:
        return self.text.lstrip("+")


@dataclass(frozen=True, slots=True)
class _Piece:
    first: int
    last: int
    kind: str  # "digits", "alnum", "letter", "caps", "word", "join"
    text: str
    word: NumberWord | None = None


def is_date_token(core: str) -> bool:
    """12.03.1985, 03/14/1979, 7-11-93: a date written with separators (day and month plausible)."""
    m = _DATE.fullmatch(core)
    if not m:
        return False
    a, b = int(m.group(1)), int(m.group(2))
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _piece(tokens: Sequence[Token], i: int, lex: Lexicon) -> _Piece | None:
    tok = tokens[i]
    core, low = tok.core, tok.low
    if not core:  # a lone "/" or "-" between digit groups ("040 / 123 456 78") joins them
        return _Piece(i, i, "join", "") if tok.raw.strip() in ("/", "-", "–") else None
    bare = core.replace("(", "").replace(")", "")  # "+49 (0)171 ..."
    if _DIGITS.fullmatch(bare) and not is_date_token(core):
        return _Piece(i, i, "digits", bare.replace("-", "").replace("/", ""))
    if _ALNUM.fullmatch(core) and not _ORDINAL_SUFFIX.fullmatch(low):
        return _Piece(i, i, "alnum", re.sub(r"[-_.]", "", core).upper())
    if low in _JOINERS or low in _FILLERS[lex.language]:
        return _Piece(i, i, "join", "")
    if "-" in low:  # "null-eins-sieben-eins": digits read one by one, joined by hyphens
        words = [number_word(part, language=lex.language) for part in low.split("-")]
        if len(words) > 2 and all(w is not None and not w.ordinal for w in words):
            return _Piece(i, i, "digits", read_digits(words, [False] * len(words)))
    word = number_word(low, language=lex.language) if core != "O" else None  # capital O: the letter
    if word is None and lex.language == "en" and low == "a" and i + 1 < len(tokens):
        nxt = number_word(tokens[i + 1].low, language="en")
        if nxt is not None and nxt.kind == "scale":
            word = NumberWord(1, "unit")
    if word is not None and not word.ordinal:
        return _Piece(i, i, "word", "", word)
    if _LETTER.fullmatch(core):
        link = match_any(tokens, i + 1, lex.spell_link)
        if link is not None and link[1] < len(tokens) and tokens[link[1]].capitalised and not tok.pause:
            return _Piece(i, link[1], "letter", core.upper())  # "W wie Wilhelm", "B as in Bravo"
        return _Piece(i, i, "letter", core.upper())
    if _CAPS.fullmatch(core) and core not in NOT_CODE:
        return _Piece(i, i, "caps", core)
    return None


def _usable(pieces: list[_Piece | None], tokens: Sequence[Token], lex: Lexicon) -> list[_Piece | None]:
    """Drop pieces that are words, not code, where they stand alone.

    "oh" is a digit only next to other numbers; English "I" and "a" and
    abbreviations in capitals only next to letters or digits.
    """
    out = list(pieces)
    for k, p in enumerate(pieces):
        if p is None:
            continue
        left = pieces[k - 1] if k > 0 else None
        right = pieces[p.last + 1] if p.last + 1 < len(pieces) else None
        if p.kind == "word" and tokens[p.first].low in ("oh", "o") and not (left or right):
            out[k] = None
        elif p.kind == "word" and p.word is not None and p.word.kind in ("repeat", "plus") and right is None:
            out[k] = None
        elif p.kind == "letter" and tokens[p.first].low in ("i", "a") and lex.language == "en":
            # "K O W A L S K I", "S W one A", "A B C one": letters; "... 2 I called", "a laptop": words
            kinds = ("letter", "digits", "alnum", "word") if tokens[p.first].core == "A" else ("letter",)
            near_left = left is not None and left.kind in kinds
            near_right = right is not None and right.kind in ("letter", "digits", "alnum", "caps")
            nxt = tokens[p.last + 1] if p.last + 1 < len(tokens) else None
            pronoun = tokens[p.first].core == "I" and nxt is not None and nxt.alpha and nxt.core.islower() \
                and not tokens[p.first].pause  # "... J Q I paid"
            if not (near_left or near_right) or (pronoun and not near_right):
                out[k] = None
        elif p.kind == "caps" and not ((left and left.kind != "caps") or (right and right.kind != "caps")):
            out[k] = None
        elif p.kind == "join" and not (left and right and left.kind != "join" and right.kind != "join"):
            out[k] = None
    return out


def find_codes(tokens: Sequence[Token], lex: Lexicon) -> tuple[Code, ...]:
    """Every maximal run of code pieces; a run ends at a sentence end or a non-code word."""
    raw: list[_Piece | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        p = _piece(tokens, i, lex)
        if p is None and i > 0 and raw[i - 1] is not None and _IBAN_START.fullmatch(tokens[i - 1].core) \
                and not tokens[i - 1].pause and tokens[i].core.isalpha() and len(tokens[i].core) == 4:
            p = _Piece(i, i, "caps", tokens[i].core.upper())  # the bank code of "gb29 nwbk 6016 ..."
        if p is not None:
            raw[i] = p
            i = p.last + 1
        else:
            i += 1
    pieces = _usable(raw, tokens, lex)
    codes: list[Code] = []
    run: list[_Piece] = []
    for k, p in enumerate(pieces):
        if p is None:
            if k < len(tokens) and run and run[-1].last >= k:
                continue  # inside a multi-word letter ("W wie Wilhelm")
            if run:
                codes.append(_code(run, tokens))
                run = []
            continue
        if run and p.kind == "word" and tokens[p.first].capitalised and not tokens[run[-1].last].capitalised:
            codes.append(_code(run, tokens))  # "... 381 04 One moment": a sentence without a full stop
            run = []
        run.append(p)
        if tokens[p.last].ends_sentence:
            codes.append(_code(run, tokens))
            run = []
    if run:
        codes.append(_code(run, tokens))
    return tuple(c for c in codes if c.digits or c.letters >= 2)


def _code(run: list[_Piece], tokens: Sequence[Token]) -> Code:
    parts: list[str] = []
    words: list[NumberWord] = []
    joins: list[bool] = []
    letters = 0
    spelled = 0
    spoken = False

    def flush() -> None:
        if words:
            parts.append(read_digits(words, joins))
            words.clear()
            joins.clear()

    for k, p in enumerate(run):
        if p.kind == "word" and p.word is not None:
            spoken = True
            joins.append(k > 0 and not tokens[run[k - 1].last].pause)
            words.append(p.word)
            continue
        flush()
        parts.append(p.text)
        if p.kind in ("letter", "caps"):
            letters += len(p.text)
            spelled += p.kind == "letter"
        elif p.kind == "alnum":
            letters += sum(c.isalpha() for c in p.text)
    flush()
    text = "".join(parts)
    written = " ".join(tokens[j].raw for j in range(run[0].first, run[-1].last + 1))
    digits = sum(c.isdigit() for c in text)
    return Code(run[0].first, run[-1].last, text, digits, letters, spoken, written, spelled)
