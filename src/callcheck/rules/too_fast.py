"""too_fast - zu schnelles Sprechen: articulation rate above the language's norm, sustained."""

from __future__ import annotations

from callcheck.rules import indistinct
from callcheck.rules.base import (
    Evidence,
    Finding,
    RuleContext,
    RuleResult,
    confidence_from,
    pick,
    severity_by,
    words_confidence,
)

RULE = "too_fast"
TITLE = {"de": "Zu schnelles Sprechen", "en": "Speaking too fast"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    agent = ctx.measurements.roles["agent"]
    channel = indistinct.channel_signs(ctx.for_rule(indistinct.RULE))
    # The rate counts the syllables of the recognised words: misheard words still have about the right number of
    # syllables (the finding's confidence falls with the recognition), but speech the recogniser lost is not counted.
    if channel is not None and channel.lost:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Die Wörter des Agenten wurden zu schlecht erkannt, um Silben zu zählen (siehe indistinct_speech).",
            "The agent's words were recognised too poorly to count syllables (see indistinct_speech)."))
    if agent.speaking_s < s["min_speaking_s"] or agent.articulation_rate_sps is None:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig Sprechzeit des Agenten.", "Too little agent speaking time to judge."))
    norm = s["articulation_max_sps_de"] if ctx.language == "de" else s["articulation_max_sps_en"]
    caller = _caller_rate(ctx)
    # Faster than the fluent range and much faster than the caller, who then cannot keep up: the caller's own rate
    # is the call's reference (talkers converge on each other's rate), read on the same line by the same recogniser.
    relative = None if caller is None else max(s["articulation_floor_vs_caller_sps"], s["vs_caller_max"] * caller)
    limit = round(min(norm, relative), 2) if relative is not None else norm
    windows = [w for w in ctx.measurements.timeline["agent"] if w.articulation_rate_sps is not None]
    fast = [w for w in windows if w.articulation_rate_sps > limit]
    share = len(fast) / len(windows) if windows else 0.0
    sustained = len(fast) >= min(s["min_fast_windows"], len(windows)) and share >= s["fast_window_share"]
    measured = {"articulation_rate_sps": round(agent.articulation_rate_sps, 2),
                "words_per_minute": round(agent.words_per_minute or 0, 1),
                "fast_windows": len(fast), "fast_window_share": round(share, 2),
                "caller_articulation_rate_sps": None if caller is None else round(caller, 2)}
    threshold = {"articulation_max_sps": limit, "norm_max_sps": norm, "vs_caller_max": s["vs_caller_max"],
                 "articulation_floor_vs_caller_sps": s["articulation_floor_vs_caller_sps"],
                 "min_fast_windows": s["min_fast_windows"], "fast_window_share": s["fast_window_share"]}
    against = pick(lang, f" (Grenze {limit:g}, Anrufer {caller:.1f})", f" (limit {limit:g}, caller {caller:.1f})") \
        if caller is not None and limit < norm else pick(lang, f" (Grenze {limit:g})", f" (limit {limit:g})")
    if not (sustained and agent.articulation_rate_sps > limit):
        return RuleResult(RULE, "pass", pick(
            lang, f"Artikulationsrate {agent.articulation_rate_sps:.1f} Silben/s{against}.",
            f"Articulation rate {agent.articulation_rate_sps:.1f} syllables/s{against}."))
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity=severity_by(agent.articulation_rate_sps, major=limit * 1.1, critical=limit * 1.25),
        # the rate is counted from recognised words: badly recognised speech gives a shakier count
        confidence=confidence_from(excess=(agent.articulation_rate_sps - limit) / (0.15 * limit) + (share - 0.5),
                                   recognition=words_confidence(ctx.words("agent"))),
        measured=measured, threshold=threshold,
        evidence=tuple(Evidence(w.start_s, w.end_s, "agent", pick(
            lang, f"{w.articulation_rate_sps:.1f} Silben/s", f"{w.articulation_rate_sps:.1f} syllables/s"))
            for w in fast),
        tip=pick(lang,
                 "Sprechen Sie langsamer, besonders bei Zahlen, Namen und Terminen: etwa 4 bis 5 Silben pro "
                 "Sekunde. Sprechen Sie Bestellnummern in Zweiergruppen und machen Sie danach eine Pause.",
                 "Slow down, above all for numbers, names and dates: about 4 to 5 syllables per second. "
                 "Read order numbers in small groups and pause after them."),
    )
    return RuleResult(RULE, "fail", pick(
        lang, f"Artikulationsrate {agent.articulation_rate_sps:.1f} Silben/s{against}, "
              f"in {len(fast)} Fenstern darüber.",
        f"Articulation rate {agent.articulation_rate_sps:.1f} syllables/s{against}, "
        f"above it in {len(fast)} windows."),
        finding)


def _caller_rate(ctx: RuleContext) -> float | None:
    """The customer's articulation rate when it is a fair reference: enough speaking time, words well recognised."""
    s = ctx.settings
    customer = ctx.measurements.roles.get("customer")
    if customer is None or customer.articulation_rate_sps is None or customer.speaking_s < s["min_speaking_s"]:
        return None
    if customer.low_confidence_share is None or customer.low_confidence_share > s["caller_max_low_confidence"]:
        return None
    return customer.articulation_rate_sps
