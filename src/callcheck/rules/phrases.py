"""Finding phrases in recognised words, strictly or tolerant of recognition errors.

Whisper base mishears much: "verstehen" for "verstehe", "apologise" for
"apologize", "Kunden Service" for "Kundenservice". The lists that find what an
agent did well or what a customer complains about (greeting, acknowledgement,
empathy, ownership, problem) are matched *tolerantly*: word forms (a common
inflection ending), one edit on longer words, words split or joined, and in a
phrase of four or more words one inner word misheard. The
lists that accuse an agent (impatience, know-it-all) are matched *strictly*,
word for word: a false accusation costs more than a missed one.

Either way a match never runs across sentence punctuation (". ? ! ; :" at the
end of a recognised word): "Ja. Ja," is two answers, not "ja ja".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from callcheck.records import Role, Word
from callcheck.rules.stopwords import STOPWORDS

SENTENCE_END = re.compile(r"[.?!;:…]+[\"'»«„“”)]*$")
GAP = "..."
# Inflection endings of German and English, longest first; a word keeps at least MIN_STEM letters.
ENDINGS = ("ung", "ing", "est", "ten", "en", "em", "er", "es", "ed", "st", "te", "e", "n", "s", "t", "d")
MIN_STEM = 5
MIN_EDIT_LEN = 5  # one edit is tolerated only when both words have at least this many letters ...
MIN_EDIT_MAX_LEN = 6  # ... and the longer one at least this many
MIN_SUBSTITUTION_WORDS = 4  # a tolerant phrase this long may have one inner word misheard ("für jeden Anruf")


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word piece, the recognised word it came from, and whether a sentence ends after it."""

    text: str
    word: Word
    sentence_end: bool


@dataclass(frozen=True, slots=True)
class Match:
    """Where a phrase was found: tokens [start, end) of the searched words."""

    phrase: str
    start: int
    end: int
    words: tuple[Word, ...]

    @property
    def start_s(self) -> float:
        return self.words[0].start_s

    @property
    def end_s(self) -> float:
        return self.words[-1].end_s

    @property
    def quote(self) -> str:
        return " ".join(w.text for w in self.words).strip()


def normalise(text: str) -> str:
    """Lower case, letters/digits only, single spaces: how phrases are compared."""
    return " ".join(re.sub(r"[^\w\s-]", " ", text.lower()).replace("-", " ").replace("_", " ").split())


def tokenize(words: Sequence[Word]) -> list[Token]:
    """The words as normalised tokens ("Müller-Lüdenscheid" is two), marking sentence ends."""
    out: list[Token] = []
    for word in words:
        pieces = normalise(word.text).split()
        ends = bool(SENTENCE_END.search(word.text.strip()))
        out += [Token(p, word, ends and i == len(pieces) - 1) for i, p in enumerate(pieces)]
    return out


@lru_cache(maxsize=65536)  # pure and called for every token against every phrase word: the rules' hot spot
def stem(token: str) -> str:
    """The token without one common inflection ending, keeping at least MIN_STEM letters."""
    for ending in ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= MIN_STEM:
            return token[: -len(ending)]
    return token


@lru_cache(maxsize=262144)
def similar(a: str, b: str) -> bool:
    """Same word allowing for recognition errors: equal, the same stem, or one edit apart (longer words)."""
    if a == b:
        return True
    if stem(a) == stem(b) and min(len(a), len(b)) >= MIN_STEM:
        return True
    if min(len(a), len(b)) < MIN_EDIT_LEN or max(len(a), len(b)) < MIN_EDIT_MAX_LEN or abs(len(a) - len(b)) > 1:
        return False
    return _one_edit(a, b)


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion or substitution."""
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    return a[i + (len(a) == len(b)):] == b[i + 1:]


@lru_cache(maxsize=4096)
def compile_phrase(phrase: str) -> tuple[tuple[str, ...], ...]:
    """A phrase as its word segments; "..." between segments stands for a few arbitrary words."""
    return tuple(tuple(normalise(part).split()) for part in phrase.split(GAP) if normalise(part))


def find(tokens: Sequence[Token], phrases: Iterable[str], *, tolerant: bool, max_gap_words: int = 4,
         negations: Sequence[str] = ()) -> list[Match]:
    """Every occurrence of any phrase in `tokens`, longest first where they overlap.

    A match with one of `negations` among the two tokens before it (same
    sentence) does not count: "kein Problem", "not a problem".
    """
    negated = {normalise(n) for n in negations}
    found = []
    for phrase in phrases:
        segments = compile_phrase(phrase)
        if not segments:
            continue
        for start in range(len(tokens)):
            end = _match(tokens, start, segments, tolerant=tolerant, max_gap=max_gap_words)
            if end is None or _negated(tokens, start, negated):
                continue
            words = tuple(dict.fromkeys(t.word for t in tokens[start:end]))
            found.append(Match(phrase, start, end, words))
    return _longest(found)


def _negated(tokens: Sequence[Token], start: int, negated: set[str]) -> bool:
    before = []
    for k in range(start - 1, max(-1, start - 3), -1):
        if tokens[k].sentence_end:
            break
        before.append(tokens[k].text)
    return any(t in negated for t in before)


def _match(tokens: Sequence[Token], start: int, segments: tuple[tuple[str, ...], ...], *, tolerant: bool,
           max_gap: int) -> int | None:
    """End index of `segments` matched from `start` (gaps of up to `max_gap` tokens between segments), or None."""
    pos = start
    for k, segment in enumerate(segments):
        candidates = [pos] if k == 0 else range(pos, min(pos + max_gap + 1, len(tokens)))
        for at in candidates:
            if k and at > pos and tokens[at - 1].sentence_end:
                break  # a gap does not run into the next sentence
            end = _segment(tokens, at, segment, tolerant=tolerant)
            if end is not None:
                pos = end
                break
        else:
            return None
        if k + 1 < len(segments) and pos > 0 and tokens[pos - 1].sentence_end:
            return None
    return pos


def _segment(tokens: Sequence[Token], at: int, segment: tuple[str, ...], *, tolerant: bool) -> int | None:
    """End index when `segment` matches at `at`; tolerant also allows split or joined words."""
    n = len(segment)
    if at + n <= len(tokens) and not _crosses(tokens, at, at + n):
        same = [similar(a, b) if tolerant else a == b
                for a, b in zip((t.text for t in tokens[at:at + n]), segment, strict=True)]
        if all(same):
            return at + n
        if tolerant and n >= MIN_SUBSTITUTION_WORDS and same[0] and same[-1] and same.count(False) == 1:
            return at + n  # Whisper swapped one inner word ("vielen Dank für jeden Anruf", "how may I fit you")
    if not tolerant:
        return None
    joined = "".join(segment)
    for m in range(1, n + 3):
        if m == n or at + m > len(tokens) or _crosses(tokens, at, at + m):
            continue
        if similar("".join(t.text for t in tokens[at:at + m]), joined):
            return at + m
    return None


def _crosses(tokens: Sequence[Token], start: int, end: int) -> bool:
    """True when a sentence ends inside tokens[start:end] (before its last token)."""
    return any(t.sentence_end for t in tokens[start:end - 1])


def _longest(found: list[Match]) -> list[Match]:
    """One match per stretch of words: overlapping matches ("herzlich willkommen" / "willkommen bei")
    are one occurrence, the earliest and longest kept; sorted by time."""
    kept: list[Match] = []
    for m in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        if not any(k.start < m.end and m.start < k.end for k in kept):
            kept.append(m)
    return kept


def find_in_words(words: Sequence[Word], phrases: Iterable[str], *, tolerant: bool, role: Role,
                  max_gap_words: int = 4, negations: Sequence[str] = ()) -> list[Match]:
    """`find` on recognised words (tokenised here); `role` is for the caller's evidence."""
    del role  # kept in the signature so call sites read like the evidence they build
    return find(tokenize(words), phrases, tolerant=tolerant, max_gap_words=max_gap_words, negations=negations)


def content_words(words: Sequence[Word], *, language: str) -> set[str]:
    """Stems of the words that carry content (no function words, numbers or words under 3 letters)."""
    stop = STOPWORDS.get(language, STOPWORDS["en"])
    return {stem(t.text) for t in tokenize(words) if len(t.text) >= 3 and not t.text.isdigit() and t.text not in stop}


def shared_content(a: Sequence[Word], b: Sequence[Word], *, language: str) -> set[str]:
    """Content-word stems of `a` that also occur (allowing recognition errors) in `b`."""
    others = content_words(b, language=language)
    return {w for w in content_words(a, language=language) if any(similar(w, o) for o in others)}
