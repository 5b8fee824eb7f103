"""What every rule shares: its inputs, its result, and phrase search in words.

A rule reads a `RuleContext` (measurements, words, language, its thresholds) and
returns a `RuleResult`: pass, fail (with a `Finding` a person can check) or
not applicable, always with a one-line reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from callcheck.measure import Measurements
from callcheck.records import Role, SpeakerTranscript, Turn, Word
from callcheck.rules import phrases as phrases_mod

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
    all_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # every rule's thresholds, by id
    listener_words: Sequence[str] = ()  # backchannels of the call's language ("mhm", "ja", "genau", ...)
    pause_min_s: float = 0.25  # what counts as a pause ([measure] pause_min_s), for rules that re-measure pauses

    def for_rule(self, rule: str) -> RuleContext:
        """The same call seen with another rule's thresholds: for a rule that defers to another's evidence."""
        return dataclasses.replace(self, settings=self.all_settings[rule])

    def words(self, role: Role) -> tuple[Word, ...]:
        return next((s.words for s in self.speakers if s.role == role), ())

    def turns(self, role: Role) -> list[Turn]:
        return [t for t in self.measurements.turns if t.role == role and not t.backchannel]

    def has(self, role: Role) -> bool:
        return any(s.role == role for s in self.speakers)


def find_phrases(words: Sequence[Word], phrases: Sequence[str], *, role: Role, max_gap_words: int = 4,
                 negations: Sequence[str] = (), tolerant: bool = False) -> list[Evidence]:
    """Where any of `phrases` occurs in `words`, as evidence with times and quote.

    "..." in a phrase matches up to `max_gap_words` words ("das hätten Sie ...
    müssen"); a match with one of `negations` among the two words before it does
    not count ("kein Problem"); no match runs across sentence punctuation.
    `tolerant` allows recognition errors (word forms, one edit on longer words,
    split or joined words): use it for the lists that credit the agent or find
    the customer's problem, never for the ones that accuse the agent.
    """
    found = phrases_mod.find_in_words(words, phrases, tolerant=tolerant, role=role, max_gap_words=max_gap_words,
                                      negations=negations)
    return [Evidence(m.start_s, m.end_s, role, m.quote) for m in found]


def _quote(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words).strip()


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


def confidence_from(*, excess: float, recognition: float | None = None) -> float:
    """How sure a finding is, 0.5-1.0: how far its value is past the threshold, and how well the words were heard.

    `excess` is the distance past the threshold in the rule's own unit of
    "clearly past" (0 = at the limit, 1 or more = far past it): it moves the
    confidence from 0.5 to 1.0. `recognition` (the mean word probability of the
    words the finding rests on, None for purely acoustic evidence) scales it:
    evidence read from poorly recognised words is weaker evidence.
    """
    value = 0.5 + 0.5 * min(1.0, max(0.0, excess))
    if recognition is not None:
        value *= 0.6 + 0.4 * min(1.0, max(0.0, recognition))
    return round(value, 2)


def words_confidence(words: Sequence[Word]) -> float | None:
    """Mean recognition probability of `words`; None without words."""
    return sum(w.probability for w in words) / len(words) if words else None
