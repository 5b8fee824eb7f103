"""Whisper words as tokens: the text stripped of the punctuation Whisper glues to it.

Every detector works on `Token`s, never on raw strings, so that "sieben," and
"(555)" and "Becker." look like "sieben", "555" and "Becker" while the comma or
full stop that separated them is still known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_LEAD = "\"'„“”‚‘’«»([{¿¡*<"
_TRAIL = "\"'“”’»)]}.,;:!?…*>"
_SENTENCE_END = set(".?!;:…")
# abbreviations whose full stop does not end a sentence
ABBREVIATIONS = frozenset(
    "str nr dr prof mr mrs ms st rd ave ca bzw geb tel no apt dipl ing jr sr co inc ltd fa hr".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    """One word: `core` without leading/trailing punctuation, `low` its case-folded form."""

    index: int
    raw: str
    core: str
    low: str
    lead: str
    trail: str
    base: str  # `low` without a trailing "'s" ("birthday's" -> "birthday")

    @property
    def ends_sentence(self) -> bool:
        """A full stop, question mark, ... after the word (not an abbreviation's full stop)."""
        if not any(c in _SENTENCE_END for c in self.trail):
            return False
        return not (self.trail.startswith(".") and self.low in ABBREVIATIONS)

    @property
    def pause(self) -> bool:
        """Any punctuation after the word (Whisper's sign of a pause): comma, full stop, dash."""
        return bool(self.trail) or not self.core

    @property
    def capitalised(self) -> bool:
        return self.core[:1].isupper()

    @property
    def alpha(self) -> bool:
        """Only letters, apostrophes and inner hyphens: a possible name or word."""
        return bool(_ALPHA.fullmatch(self.core))


_ALPHA = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


def make_token(index: int, raw: str) -> Token:
    """Split `raw` into leading punctuation, core and trailing punctuation."""
    text = raw.strip()
    start, end = 0, len(text)
    while start < end and text[start] in _LEAD:
        start += 1
    while end > start and text[end - 1] in _TRAIL:
        end -= 1
    core = text[start:end]
    if not core.strip("-–—/&"):  # a lone dash between two groups of digits: a pause, not a word
        return Token(index, raw, "", "", text[:start], text[start:], "")
    low = core.casefold().replace("’", "'")
    base = low[:-2] if low.endswith("'s") and len(low) > 3 else low
    return Token(index, raw, core, low, text[:start], text[end:], base)


def make_tokens(words: Sequence[str]) -> tuple[Token, ...]:
    return tuple(make_token(i, w) for i, w in enumerate(words))


def split_text(text: str) -> tuple[tuple[str, int, int], ...]:
    """Whitespace-separated words of `text` with their character offsets (start, end)."""
    return tuple((m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text))


def core_offsets(token: Token, start: int) -> tuple[int, int]:
    """Character offsets of the token's core when its raw text starts at `start`."""
    lead = len(token.raw) - len(token.raw.lstrip())
    begin = start + lead + len(token.lead)
    return begin, begin + len(token.core)
