"""What every rule shares: its inputs, its result, and phrase search in words.

A rule reads a `RuleContext` (measurements, words, language, its thresholds) and
returns a `RuleResult`: pass, fail (with a `Finding` a person can check) or
not applicable, always with a one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from callcheck.measure import Measurements
from callcheck.records import Role, SpeakerTranscript, Turn, Word

Outcome = Literal["pass", "fail", "not_applicable"]
Severity = Literal["minor", "major", "critical"]


@dataclass(frozen=True, slots=True)
class Evidence:
    start_s: float
    end_s: float
    role: Role
    quote: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    title: str
    severity: Severity
    confidence: float
    measured: dict[str, Any]
    threshold: dict[str, Any]
    evidence: tuple[Evidence, ...]
    tip: str


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    outcome: Outcome
    reason: str
    finding: Finding | None = None


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Everything a rule may read about one call."""

    measurements: Measurements
    speakers: tuple[SpeakerTranscript, ...]
    language: str  # "de" | "en": the call's language, used for phrase lists
    report_language: str  # "de" | "en": the language of titles, reasons and tips
    settings: Mapping[str, Any]  # this rule's thresholds
    phrases: Mapping[str, Sequence[str]] = field(default_factory=dict)  # this rule's phrases, call language

    def words(self, role: Role) -> tuple[Word, ...]:
        return next((s.words for s in self.speakers if s.role == role), ())

    def turns(self, role: Role) -> list[Turn]:
        return [t for t in self.measurements.turns if t.role == role and not t.backchannel]

    def has(self, role: Role) -> bool:
        return any(s.role == role for s in self.speakers)


def normalise(text: str) -> str:
    """Lower case, letters/digits only, single spaces: how phrases are compared."""
    return " ".join(re.sub(r"[^\w\s-]", " ", text.lower()).replace("-", " ").split())


def find_phrases(words: Sequence[Word], phrases: Sequence[str], *, role: Role,
                 max_gap_words: int = 4, negations: Sequence[str] = ()) -> list[Evidence]:
    """Where any of `phrases` occurs in `words`, as evidence with times and quote.

    Phrases are matched word by word after `normalise`; "..." in a phrase
    matches up to `max_gap_words` words ("das hätten Sie ... müssen"). A match
    with one of `negations` among the two words before it does not count
    ("kein Problem", "not a problem").
    """
    negated = {normalise(n) for n in negations}
    tokens = [(normalise(w.text), w) for w in words]
    flat = [(t, w) for text, w in tokens for t in text.split()]
    found: list[Evidence] = []
    for phrase in phrases:
        pattern = [p for p in normalise(phrase.replace("...", " ... ")).split()] if "..." not in phrase \
            else _with_gaps(phrase)
        for start in range(len(flat)):
            end = _match(flat, start, pattern, max_gap_words)
            if end is not None and not any(t in negated for t, _ in flat[max(0, start - 2):start]):
                span = [w for _, w in flat[start:end]]
                found.append(Evidence(span[0].start_s, span[-1].end_s, role, _quote(span)))
    return _dedupe(found)


def _with_gaps(phrase: str) -> list[str]:
    parts = [normalise(p).split() for p in phrase.split("...")]
    out: list[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append("...")
        out += part
    return out


def _match(flat: list[tuple[str, Word]], start: int, pattern: list[str], max_gap: int) -> int | None:
    i = start
    for k, token in enumerate(pattern):
        if token == "...":
            continue
        if k and pattern[k - 1] == "...":
            window = [j for j in range(i, min(i + max_gap + 1, len(flat))) if flat[j][0] == token]
            if not window:
                return None
            i = window[0] + 1
        elif i < len(flat) and flat[i][0] == token:
            i += 1
        else:
            return None
    return i


def _quote(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words).strip()


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    """Drop matches contained in an earlier, longer one; sort by time."""
    kept: list[Evidence] = []
    for e in sorted(evidence, key=lambda e: (e.start_s, -(e.end_s - e.start_s))):
        if not any(k.start_s <= e.start_s and e.end_s <= k.end_s for k in kept):
            kept.append(e)
    return kept


def turn_evidence(turn: Turn, *, max_words: int = 25) -> Evidence:
    words = turn.words[:max_words]
    quote = _quote(words) + (" …" if len(turn.words) > max_words else "")
    return Evidence(turn.start_s, turn.end_s, turn.role, quote)


def pick(language: str, de: str, en: str) -> str:
    """The German or English text."""
    return de if language == "de" else en


def severity_by(value: float, *, major: float, critical: float | None = None, higher_is_worse: bool = True) -> Severity:
    """Grade how far a failing value is past its limits."""
    worse = (lambda a, b: a >= b) if higher_is_worse else (lambda a, b: a <= b)
    if critical is not None and worse(value, critical):
        return "critical"
    return "major" if worse(value, major) else "minor"


def rounded(value: float | None, digits: int = 2) -> float | None:
    """A measured value for a finding: rounded, None kept."""
    return None if value is None else round(value, digits)


def mean_confidence(turn: Turn) -> float:
    """Mean recognition probability of a turn's words; 0 without words."""
    return sum(w.probability for w in turn.words) / len(turn.words) if turn.words else 0.0
