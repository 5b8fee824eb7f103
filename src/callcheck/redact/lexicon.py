"""The word lists of `lexicon.toml` and `names.toml`, loaded once per language.

Cue phrases are tuples of per-token patterns (glob `*` inside a token), matched
on `Token.low`. `CueIndex` finds every cue of a word sequence in one pass, so
that a detector can ask "is there a card cue within 8 words before this
number?" without scanning again.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from callcheck.errors import ConfigError

from .tokens import Token

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

LANGUAGES = ("de", "en")
_MAX_CUE = 6  # words in the longest cue phrase
CUE_LABELS = ("IBAN", "CARD", "PHONE", "CUSTOMER_ID", "DOB", "ADDRESS", "POSTCODE", "EMAIL", "EXPIRY", "CVV", "AREA",
              "HANDLE")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A cue phrase: one compiled pattern per token, and the label it speaks for."""

    label: str
    text: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything language-specific the detectors look words up in."""

    language: str
    cues: PhraseSet
    not_id_after: frozenset[str]
    not_id_before: frozenset[str]
    months: frozenset[str]
    date_fillers: frozenset[str]
    street_suffix: tuple[str, ...]
    street_prefix: PhraseSet
    address_between: frozenset[str]
    unit_prefix: frozenset[str]
    person_strong: PhraseSet
    person_weak: PhraseSet
    person_after: PhraseSet
    person_greeting: PhraseSet
    person_spell_cue: PhraseSet
    titles: frozenset[str]
    articles: frozenset[str]
    spell_link: PhraseSet
    stopwords: frozenset[str]
    first_names: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]


class PhraseSet:
    """Cue phrases indexed by their first word, so that a lookup costs one dict access.

    Phrases whose first pattern has a wildcard are tried only when one combined
    regex of those first patterns matches. Longest phrases come first.
    """

    __slots__ = ("literal", "wild", "wild_first")

    def __init__(self, items: Iterable[Phrase]) -> None:
        ordered = sorted(items, key=lambda p: -len(p.patterns))
        literal: dict[str, list[Phrase]] = {}
        wild: list[Phrase] = []
        for ph in ordered:
            head = ph.text.casefold().split()[0]
            if any(c in head for c in "*?["):
                wild.append(ph)
            else:
                literal.setdefault(head, []).append(ph)
        self.literal = {k: tuple(v) for k, v in literal.items()}
        self.wild = tuple(wild)
        heads = "|".join(f"(?:{fnmatch.translate(p.text.casefold().split()[0])})" for p in wild)
        self.wild_first = re.compile(heads) if wild else None

    def candidates(self, tok: Token) -> tuple[Phrase, ...]:
        """Phrases that may match at `tok` (by its lower-case form or its base), longest first."""
        lit = self.literal.get(tok.low, ())
        if tok.base != tok.low:
            lit = lit + self.literal.get(tok.base, ())
        if self.wild_first is None or not (self.wild_first.fullmatch(tok.low) or self.wild_first.fullmatch(tok.base)):
            return lit
        return tuple(sorted(lit + self.wild, key=lambda p: -len(p.patterns)))


def phrase(label: str, text: str) -> Phrase:
    pats = tuple(re.compile(fnmatch.translate(part)) for part in text.casefold().split())
    return Phrase(label, text, pats)


def phrases(label: str, texts: Iterable[str]) -> PhraseSet:
    return PhraseSet(phrase(label, t) for t in texts)


def phrase_end(tokens: Sequence[Token], i: int, ph: Phrase) -> int | None:
    """Index after the phrase when `ph` matches at token `i`, else None."""
    j = i
    for pat in ph.patterns:
        if j >= len(tokens) or not (pat.fullmatch(tokens[j].low) or pat.fullmatch(tokens[j].base)):
            return None
        j += 1
    return j


def match_any(tokens: Sequence[Token], i: int, group: PhraseSet) -> tuple[Phrase, int] | None:
    """The longest phrase of `group` that matches at `i`, with its end."""
    if i >= len(tokens):
        return None
    for ph in group.candidates(tokens[i]):
        end = phrase_end(tokens, i, ph)
        if end is not None:
            return ph, end
    return None


def _read(name: str) -> dict:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.casefold().split())


@cache
def lexicon(language: str) -> Lexicon:
    """The word lists for `language` ("de" or "en"); ConfigError for any other."""
    if language not in LANGUAGES:
        raise ConfigError(f"redaction supports the languages {', '.join(LANGUAGES)}, not {language!r}")
    data, names = _read("lexicon.toml")[language], _read("names.toml")
    cues = data["cues"]
    address, person = data["address"], data["person"]
    return Lexicon(
        language=language,
        cues=PhraseSet(phrase(label, t) for label in CUE_LABELS for t in cues[label]),
        not_id_after=frozenset(cues["not_id_after"]),
        not_id_before=frozenset(w for w in cues["not_id_before"] if " " not in w),
        months=frozenset(cues["months"]),
        date_fillers=frozenset(cues["date_fillers"]),
        street_suffix=tuple(sorted(address["street_suffix"], key=len, reverse=True)),
        street_prefix=phrases("ADDRESS", address["street_prefix"]),
        address_between=frozenset(address["between"]),
        unit_prefix=frozenset(address["unit_prefix"]),
        person_strong=phrases("PERSON", person["strong"]),
        person_weak=phrases("PERSON", person["weak"]),
        person_after=phrases("PERSON", person["after"]),
        person_greeting=phrases("PERSON", person["greeting"]),
        person_spell_cue=phrases("PERSON", person["spell_cue"]),
        titles=frozenset(person["titles"]),
        articles=frozenset(person["articles"]),
        spell_link=phrases("PERSON", person["spell_link"]),
        stopwords=frozenset(data["stopwords"]),
        first_names=_words(names["first"]),
        surnames=_words(names["surname"]),
        ambiguous=_words(names["ambiguous"]),
    )


@dataclass(frozen=True, slots=True)
class Cue:
    label: str
    first: int
    last: int


class CueIndex:
    """Every cue phrase found in one token sequence, by label, sorted by position.

    A cue speaks for numbers in its own sentence, and for the next sentence
    only when it closes a question or a label ("Kundennummer? Ja, das ist
    sieben zwo ...", "Telefon: 040 ..."): a role's words are one long
    sequence, and "... geboren. Der Techniker kommt am 14. Januar" must not
    make the appointment a date of birth.
    """

    __slots__ = ("by_label", "covered", "sentence", "closing", "asks")

    def __init__(self, tokens: Sequence[Token], lex: Lexicon) -> None:
        every: list[Cue] = []
        for i, tok in enumerate(tokens):
            if not tok.low or tok.low[0].isdigit():
                continue
            for ph in lex.cues.candidates(tok):
                end = phrase_end(tokens, i, ph)
                if end is not None:
                    every.append(Cue(ph.label, i, end - 1))
        by_first: dict[int, list[Cue]] = {}
        for c in every:
            by_first.setdefault(c.first, []).append(c)

        def inside_longer(c: Cue) -> bool:
            # a cue inside a longer one of another label does not count: "number" in "customer number"
            return any(o.label != c.label and o.last >= c.last and o.last - o.first > c.last - c.first
                       for k in range(c.first - _MAX_CUE, c.first + 1) for o in by_first.get(k, ()))

        found: dict[str, list[Cue]] = {label: [] for label in CUE_LABELS}
        for c in every:
            if not inside_longer(c):
                found[c.label].append(c)
        self.by_label = {k: (tuple(v), [c.first for c in v]) for k, v in found.items()}
        self.covered = frozenset(k for v in found.values() for c in v for k in range(c.first, c.last + 1))
        sentence, n = [], 0
        for k, tok in enumerate(tokens):
            if k and _opens_sentence(tok, tokens[k - 1]):
                n += 1
            sentence.append(n)
            n += tok.ends_sentence
        self.sentence = sentence
        # words from here to the end of the sentence (a cue at most 2 words before its end closes it)
        closing, left = [0] * len(tokens), 0
        for k in range(len(tokens) - 1, -1, -1):
            left = 0 if tokens[k].ends_sentence or k == len(tokens) - 1 else left + 1
            closing[k] = left
        self.closing = closing
        # sentences that end in "?" or ":" ask for (or label) what follows
        self.asks = [bool(set(tok.trail) & {"?", ":"}) for tok in tokens]

    def covers(self, index: int) -> bool:
        """Is word `index` part of a cue phrase?"""
        return index in self.covered

    def near(self, label: str, first: int, last: int, *, before: int = 8, after: int = 3) -> Cue | None:
        """The nearest cue of `label` ending at most `before` words before `first`
        or starting at most `after` words after `last` (or overlapping the range)."""
        cues, starts = self.by_label[label]
        lo = bisect.bisect_left(starts, first - before - _MAX_CUE)
        hi = bisect.bisect_right(starts, last + after)
        best, best_d = None, float("inf")
        for cue in cues[lo:hi]:
            if not self._reaches(cue, first, last):
                continue
            d = _gap(cue, first, last, before, after)
            if d < best_d:
                best, best_d = cue, d
        return best

    def cues(self, label: str) -> tuple[Cue, ...]:
        return self.by_label[label][0]

    def gap(self, cue: Cue, first: int, last: int, *, before: int, after: int) -> float:
        """Words between `cue` and the range (+0.5 for a cue after it); inf when out of reach."""
        return _gap(cue, first, last, before, after) if self._reaches(cue, first, last) else float("inf")

    def _reaches(self, cue: Cue, first: int, last: int) -> bool:
        s = self.sentence
        if cue.last < first:
            if s[cue.last] == s[first]:
                return True
            end = cue.last + self.closing[cue.last]
            return s[cue.last] == s[first] - 1 and self.closing[cue.last] <= 2 and self.asks[end]
        if cue.first > last:
            return s[cue.first] == s[last]
        return True

    def distance(self, label: str, first: int, last: int, *, before: int = 8, after: int = 3) -> float:
        """Words between the range and the nearest cue (+0.5 for a cue after it); inf if none."""
        cue = self.near(label, first, last, before=before, after=after)
        return float("inf") if cue is None else _gap(cue, first, last, before, after)



# capitalised, these open a sentence (Whisper left out the full stop): "... geboren Der Techniker kommt ..."
_OPENERS = frozenset("der die das ich wir es er ein eine mein meine unser unsere dann also the we it my our this "
                     "that there he she they then so".split())


def _opens_sentence(tok: Token, prev: Token) -> bool:
    return (tok.capitalised and tok.low in _OPENERS and not prev.ends_sentence and not prev.pause
            and not (prev.capitalised and prev.alpha))


def _gap(cue: Cue, first: int, last: int, before: int, after: int) -> float:
    if cue.last < first:
        d = first - cue.last
        return d if d <= before else float("inf")
    if cue.first > last:
        d = cue.first - last
        return d + 0.5 if d <= after else float("inf")  # on a tie the cue before the number wins
    return 0.0
