"""The eight phone-support errors as rules, and the score they add up to.

Rule ids are a fixed interface. Each rule module has `RULE`, `TITLE` and
`evaluate(ctx) -> RuleResult`; `RULES` lists them in the handbook's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callcheck.config import Config
from callcheck.measure import Measurements
from callcheck.records import SpeakerTranscript
from callcheck.rules import apathetic, empathy, greeting, impatient, indistinct, rushed, toneless, too_fast
from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult

RULES = (toneless, apathetic, impatient, greeting, rushed, indistinct, too_fast, empathy)
RULE_IDS = tuple(r.RULE for r in RULES)

__all__ = ["RULES", "RULE_IDS", "Evaluation", "Evidence", "Finding", "RuleResult", "evaluate_call", "score"]


@dataclass(frozen=True, slots=True)
class Evaluation:
    outcomes: tuple[RuleResult, ...]
    score: float | None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(r.finding for r in self.outcomes if r.finding is not None)


def evaluate_call(
    measurements: Measurements,
    speakers: Sequence[SpeakerTranscript],
    *,
    language: str | None,
    config: Config,
    report_language: str | None = None,
) -> Evaluation:
    """Run the eight rules on one call and score it."""
    language = language if language in ("de", "en") else "en"
    report_language = report_language or language
    phrases = config.rule_phrases(language)
    contexts = {rule.RULE: RuleContext(
        measurements=measurements, speakers=tuple(speakers), language=language,
        report_language=report_language, settings=config.rules[rule.RULE], phrases=phrases,
        all_settings=config.rules, listener_words=config.measure.backchannels.get(language, ()),
        pause_min_s=config.measure.pause_min_s,
    ) for rule in RULES}
    results = {rule.RULE: rule.evaluate(contexts[rule.RULE]) for rule in RULES}
    # one cause, one finding: a flat pitch that makes the apathy finding is reported there
    results[toneless.RULE] = toneless.explained_by_apathy(results[toneless.RULE], apathy=results[apathetic.RULE],
                                                          ctx=contexts[toneless.RULE])
    outcomes = tuple(results[rule.RULE] for rule in RULES)
    return Evaluation(outcomes=outcomes, score=score(outcomes, config=config))


def score(outcomes: Sequence[RuleResult], *, config: Config) -> float | None:
    """0-100: the weighted share of applicable rules passed; a failed rule loses
    the share of its weight its severity sets (`[score]` in the config). None
    when fewer than `min_applicable` rules apply."""
    applicable = [o for o in outcomes if o.outcome != "not_applicable"]
    total = sum(config.rules[o.rule]["weight"] for o in applicable)
    if not total or len(applicable) < config.score["min_applicable"]:
        return None  # one or two checks are no basis for a score (a few seconds of practice, silence)
    lost = sum(config.rules[o.rule]["weight"] * config.score[o.finding.severity]
               for o in applicable if o.finding is not None)
    return round(100 * (1 - lost / total), 1)
