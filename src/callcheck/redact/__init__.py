"""Personal data in transcripts: find it in a role's words, replace it by placeholders.

`find_pii(words, language="de")` returns the spans (word indices, inclusive)
of IBANs, card numbers, phone numbers, e-mail addresses, dates of birth,
postal addresses, customer/contract/order numbers and names in one role's
Whisper words; `redact_words` replaces each span by one placeholder word
(`[IBAN]`, `[PERSON]`, ...) that keeps the span's timing, so that rules still
see a greeting with a name in it and reports never see the value.
`find_pii_text` and `redact_text` do the same on plain text.

The detector is layered, not learned (no German NER model ships on PyPI):
spoken numbers and spelled letters are joined into codes (`codes.py`), codes
are judged by validators, cue words and a 5-digit default (`numeric.py`),
and dates of birth, addresses, e-mails and names have their own small
grammars (`dates.py`, `address.py`, `email.py`, `names.py`). The word lists
live in `lexicon.toml` and `names.toml`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from callcheck.records import Word

from .address import find_addresses
from .codes import find_codes
from .dates import find_dobs
from .email import find_emails
from .lexicon import LANGUAGES, CueIndex, lexicon
from .names import find_people
from .numeric import Found, classify, find_handles, iban_country_prefix
from .tokens import Token, core_offsets, make_tokens, split_text

log = logging.getLogger(__name__)

LABELS = ("IBAN", "CARD", "PHONE", "EMAIL", "DOB", "ADDRESS", "CUSTOMER_ID", "PERSON")
# when spans of different labels overlap, the longer one names the union; on a tie this order
_PRIORITY = ("EMAIL", "IBAN", "CARD", "DOB", "ADDRESS", "PHONE", "CUSTOMER_ID", "PERSON")

# a word between two spans of one label that belongs to them: "Vorwahl 030, dann 12 34 56 78"
_LINKS = frozenset({"dann", "danach", "und", "then", "and"})

__all__ = ["LABELS", "LANGUAGES", "PiiSpan", "TextSpan", "find_pii", "find_pii_text", "person_names", "placeholder",
           "redact_text", "redact_words"]


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """Personal data in a word sequence: words `first`..`last`, both inclusive."""

    label: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class TextSpan:
    """Personal data in a text: characters `start`..`end` (end exclusive), i.e. `text[start:end]`."""

    label: str
    start: int
    end: int


def placeholder(label: str) -> str:
    """The word that stands for a redacted span: "[IBAN]", "[PERSON]", ..."""
    return f"[{label}]"


def find_pii(words: Sequence[Word] | Sequence[str], *, language: str,
             known_names: Sequence[str] = ()) -> tuple[PiiSpan, ...]:
    """Spans of personal data in one role's words, sorted and non-overlapping.

    `words` are Whisper words (`Word`) or their texts; `language` is "de" or
    "en" (ConfigError otherwise); `known_names` are names from the call's
    metadata (agent, customer), redacted wherever one of their parts occurs.
    """
    lex = lexicon(language)
    texts = [w.text if isinstance(w, Word) else str(w) for w in words]
    tokens = make_tokens(texts)
    if not tokens:
        return ()
    cues = CueIndex(tokens, lex)
    codes = find_codes(tokens, lex)
    found: list[Found] = find_emails(tokens, lex)
    for code in codes:
        widened = iban_country_prefix(code, tokens, cues)
        hit = classify(widened or code, tokens, cues, lex)
        if hit is not None:
            found.append(hit)
    found += find_dobs(tokens, cues, lex) + find_handles(tokens, cues, lex)
    found += find_addresses(tokens, {c.first: c for c in codes}, cues, lex)
    found += find_people(tokens, codes, lex, known_names=tuple(known_names))
    spans = _merge(found, tokens)
    if spans:
        log.debug("redaction: %s", dict(Counter(s.label for s in spans)))
    return spans


def _merge(found: list[Found], tokens: Sequence[Token]) -> tuple[PiiSpan, ...]:
    """Union of overlapping spans (and of adjacent ones with the same label within a sentence,
    also across one linking word such as "dann")."""
    rank = {label: k for k, label in enumerate(_PRIORITY)}
    groups: list[list[Found]] = []
    for f in sorted(found, key=lambda f: (f.first, -f.last)):
        if groups:
            g = groups[-1]
            end = max(x.last for x in g)
            same = any(x.label == f.label for x in g)
            joined = f.first == end + 2 and tokens[end + 1].low in _LINKS and not tokens[end + 1].ends_sentence
            if f.first <= end or (same and (f.first == end + 1 or joined) and not tokens[end].ends_sentence):
                g.append(f)
                continue
        groups.append([f])
    out = []
    for g in groups:
        best = min(g, key=lambda f: (-(f.last - f.first), rank[f.label]))
        out.append(PiiSpan(best.label, min(f.first for f in g), max(f.last for f in g)))
    return tuple(out)


def person_names(words: Sequence[Word] | Sequence[str], spans: Sequence[PiiSpan]) -> tuple[str, ...]:
    """The words of the PERSON spans, punctuation stripped, for `known_names` of the other role.

    A name the customer gives ("My name is Jack") is redacted in the agent's
    words too ("Jack, what was your last name?") when the caller runs
    `find_pii` on the agent's words with these as known names. The values
    stay in memory: never log or store them.
    """
    texts = [w.text if isinstance(w, Word) else str(w) for w in words]
    tokens = make_tokens(texts)
    return tuple(dict.fromkeys(tokens[k].core for s in spans if s.label == "PERSON"
                               for k in range(s.first, s.last + 1) if tokens[k].alpha and len(tokens[k].core) > 1))


def find_pii_text(text: str, *, language: str, known_names: Sequence[str] = ()) -> tuple[TextSpan, ...]:
    """Spans of personal data in a plain text, as character offsets.

    Words are split at whitespace; a span runs from the first character of
    its first word to the last of its last word, punctuation around it left out.
    """
    parts = split_text(text)
    spans = find_pii([p[0] for p in parts], language=language, known_names=known_names)
    tokens = make_tokens([p[0] for p in parts])
    out = []
    for s in spans:
        start = core_offsets(tokens[s.first], parts[s.first][1])[0]
        end = core_offsets(tokens[s.last], parts[s.last][1])[1]
        out.append(TextSpan(s.label, start, end))
    return tuple(out)


def redact_text(text: str, *, language: str, known_names: Sequence[str] = ()) -> str:
    """`text` with every span of personal data replaced by its placeholder."""
    out, pos = [], 0
    for s in find_pii_text(text, language=language, known_names=known_names):
        out.append(text[pos:s.start])
        out.append(placeholder(s.label))
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def redact_words(words: Sequence[Word], spans: Sequence[PiiSpan]) -> tuple[Word, ...]:
    """`words` with each span replaced by one placeholder word.

    The placeholder runs from the span's first start to its last end, has
    the mean probability of the words it replaces, and keeps the punctuation
    around the span ("Herr Becker," -> "Herr", "[PERSON],"), so that turn
    and sentence structure survive. `spans` must be sorted and disjoint
    (as `find_pii` returns them); ValueError otherwise.
    """
    out: list[Word] = []
    pos = 0
    for s in spans:
        if not (pos <= s.first <= s.last < len(words)):
            raise ValueError(f"span {s} is out of order or outside the {len(words)} words")
        out.extend(words[pos:s.first])
        part = words[s.first:s.last + 1]
        head, tail = make_tokens([part[0].text, part[-1].text])
        lead_space = part[0].text[: len(part[0].text) - len(part[0].text.lstrip())]
        text = f"{lead_space}{head.lead}{placeholder(s.label)}{tail.trail}"
        prob = sum(w.probability for w in part) / len(part)
        out.append(Word(part[0].start_s, part[-1].end_s, text, prob))
        pos = s.last + 1
    out.extend(words[pos:])
    return tuple(out)
