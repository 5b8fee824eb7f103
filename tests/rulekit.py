"""Scripted measurements for rule tests: a neutral call, changed field by field."""

from __future__ import annotations

import dataclasses

from callcheck.config import load_config
from callcheck.measure import ConversationMetrics, Measurements, RoleMetrics, WindowMetrics
from callcheck.measure.conversation import Interruption, ResponseGap
from callcheck.records import Region, SpeakerTranscript, Turn, Word
from callcheck.rules import evaluate_call

NEUTRAL_ROLE = RoleMetrics(
    pitch_median_hz=180.0, pitch_sd_st=3.0, pitch_range_st=7.0, level_dbfs=-20.0, dynamic_range_db=25.0,
    speaking_rate_sps=4.0, articulation_rate_sps=4.6, words_per_minute=160.0, pauses_per_min=10.0,
    mean_pause_s=0.5, talk_share=0.5, longest_pause_s=0.9, mean_run_syllables=10.0, level_vs_other_db=0.0,
    speech_s=30.0, speaking_s=35.0, voiced_s=20.0, turns=5, words=100, syllables=150, longest_turn_s=8.0,
    mean_word_probability=0.85, low_confidence_share=0.05, spectral_balance_db=-5.0,
)
NEUTRAL_CONVERSATION = ConversationMetrics(
    method="scripted", interruptions=(), response_gaps=(ResponseGap(5.0, 0.4), ResponseGap(20.0, 0.5)),
    dead_air=(), overlap_s=0.0, response_gap_median_s=0.45, response_gap_p90_s=0.5,
    interruptions_by_agent=0, interruptions_by_customer=0, dead_air_s=0.0, longest_agent_monologue_s=8.0,
)


def words(text: str, *, start_s: float, step_s: float = 0.3, probability: float = 0.9) -> tuple[Word, ...]:
    return tuple(Word(start_s + i * step_s, start_s + (i + 1) * step_s - 0.05, t, probability)
                 for i, t in enumerate(text.split()))


def turn(role: str, text: str, *, start_s: float, step_s: float = 0.3, probability: float = 0.9) -> Turn:
    ws = words(text, start_s=start_s, step_s=step_s, probability=probability)
    end = ws[-1].end_s if ws else start_s + 0.5
    return Turn(role, start_s, end, (Region(start_s, end),), ws)


def spoken(role: str, text: str, *, start_s: float, pause_s: float = 0.6, step_s: float = 0.25) -> Turn:
    """A turn whose parts (split at ' | ') are separate speech regions with pauses of `pause_s` between them."""
    regions, all_words, t = [], [], start_s
    for part in text.split(" | "):
        ws = words(part, start_s=t, step_s=step_s)
        regions.append(Region(t, ws[-1].end_s))
        all_words += ws
        t = ws[-1].end_s + pause_s
    return Turn(role, start_s, regions[-1].end_s, tuple(regions), tuple(all_words))


DEFAULT_TURNS = (
    turn("agent", "Grumps und Söhne Sonja Müller guten Tag", start_s=0.5),
    turn("customer", "Guten Tag ich habe eine Frage zu meiner Rechnung", start_s=3.5),
    turn("agent", "Gerne wie lautet Ihre Kundennummer", start_s=7.0),
    turn("customer", "vier fünf sechs sieben", start_s=9.5),
    turn("agent", "Danke ich sehe Ihre Rechnung und erkläre sie Ihnen gern", start_s=11.5),
)


def windows(values: list[dict]) -> tuple[WindowMetrics, ...]:
    out = []
    for i, v in enumerate(values):
        base = dict(start_s=10.0 * i, end_s=10.0 * (i + 1), speech_s=6.0, pitch_sd_st=3.0, level_dbfs=-20.0,
                    speaking_rate_sps=4.0, articulation_rate_sps=4.6, syllables=30)
        out.append(WindowMetrics(**{**base, **v}))
    return tuple(out)


def evaluate(*, agent: dict | None = None, customer: dict | None = None, conversation: dict | None = None,
             agent_windows: list[dict] | None = None, turns=DEFAULT_TURNS, language: str = "de",
             mono: bool = False, config=None, report_language: str | None = None):
    """Run the eight rules on a neutral call with the given changes."""
    roles = {"agent": dataclasses.replace(NEUTRAL_ROLE, **(agent or {}))}
    if not mono:
        roles["customer"] = dataclasses.replace(NEUTRAL_ROLE, **(customer or {}))
    conv = dataclasses.replace(NEUTRAL_CONVERSATION, **(conversation or {}))
    timeline = {role: windows(agent_windows or [{}] * 4) for role in roles}
    measurements = Measurements(roles, conv, timeline, 10.0, tuple(turns), language)
    speakers = tuple(
        SpeakerTranscript(role, i, tuple(r for t in turns if t.role == role for r in t.regions),
                          tuple(w for t in turns if t.role == role for w in t.words), language)
        for i, role in enumerate(roles)
    )
    evaluation = evaluate_call(measurements, speakers, language=language, config=config or load_config(),
                               report_language=report_language)
    return {o.rule: o for o in evaluation.outcomes}, evaluation


__all__ = ["Interruption", "ResponseGap", "evaluate", "spoken", "turn", "words"]
