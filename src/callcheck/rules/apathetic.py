"""apathetic_voice - teilnahmslos: the caller feels like a nuisance.

Several signs together, never one alone: flat pitch, quiet voice, little
loudness variation, slow answers, slow delivery, no acknowledgements. A voice
half as loud as the customer's counts twice. Evidence another rule explains
is measured so as not to count twice (see `_signs`).
"""

from __future__ import annotations

import math

from callcheck.rules import indistinct, toneless
from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, confidence_from, find_phrases, pick, rounded

RULE = "apathetic_voice"
TITLE = {"de": "Teilnahmslose Stimme", "en": "Apathetic, uninvolved voice"}
SIGN_NAMES = {
    "flat": ("flache Tonhöhe", "flat pitch"), "quiet": ("leise", "quiet"),
    "monotone_level": ("kaum Lautstärkewechsel", "little loudness variation"),
    "slow_response": ("langsame Antworten", "slow answers"), "slow_rate": ("langsames Sprechen", "slow delivery"),
    "no_acknowledgement": ("keine Bestätigungen", "no acknowledgements"),
}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    agent = ctx.measurements.roles["agent"]
    if agent.speech_s < 3.0 or not ctx.words("agent"):
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig Sprache des Agenten.", "Too little agent speech to judge."))
    conv = ctx.measurements.conversation
    signs, notes, acknowledgements, level_vs = _signs(ctx)
    # a voice at least half as loud as the customer's (-10 dB) is a strong sign: it counts twice
    very_quiet = signs["quiet"] and level_vs is not None and level_vs <= s["strong_quiet_db"]
    count = sum(signs.values()) + very_quiet
    measured = {"signs": count, **signs, "very_quiet": very_quiet,
                "pitch_sd_st": rounded(agent.pitch_sd_st), "level_vs_customer_db": rounded(level_vs),
                "dynamic_range_db": rounded(agent.dynamic_range_db), "response_gap_median_s": rounded(conv.response_gap_median_s),
                "articulation_rate_sps": rounded(agent.articulation_rate_sps), "acknowledgements": acknowledgements}
    threshold = {k: s[k] for k in ("min_signs", "pitch_sd_max_st", "level_vs_customer_max_db", "strong_quiet_db",
                                   "level_max_dbfs", "dynamic_range_max_db", "response_gap_min_s", "articulation_min_sps")}
    named = ", ".join(SIGN_NAMES[k][lang != "de"] for k, v in signs.items() if v) or "-"
    named += "".join(f"; {pick(lang, *note)}" for note in notes)
    if count < s["min_signs"]:
        return RuleResult(RULE, "pass", pick(lang, f"{count} Anzeichen ({named}).", f"{count} signs ({named})."))
    slow = [g for g in conv.response_gaps or () if g.gap_s >= s["response_gap_min_s"]]
    evidence = tuple(Evidence(g.start_s, g.start_s + g.gap_s, "agent", pick(
        lang, f"{g.gap_s:.1f} s Stille vor der Antwort", f"{g.gap_s:.1f} s of silence before answering"))
        for g in slow[:5]) or tuple(Evidence(t.start_s, t.end_s, "agent", t.text[:120]) for t in ctx.turns("agent")[:2])
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if count >= s["min_signs"] + 1 else "minor",
        confidence=confidence_from(excess=(count - s["min_signs"] + 1) / 3), measured=measured, threshold=threshold,
        evidence=evidence,
        tip=pick(lang,
                 "Zeigen Sie, dass Sie zuhören: kurze Bestätigungen („ja“, „verstehe“, „natürlich“), eine "
                 "aufrechte Haltung und eine etwas lautere, wärmere Stimme. Antworten Sie zügig.",
                 "Show that you are listening: short acknowledgements (\"I see\", \"of course\"), sit up "
                 "straight and speak a little louder and warmer. Answer promptly."),
    )
    return RuleResult(RULE, "fail", pick(lang, f"{count} Anzeichen: {named}.", f"{count} signs: {named}."), finding)


def _signs(ctx: RuleContext) -> tuple[dict[str, bool], list[tuple[str, str]], int, float | None]:
    """The six signs, notes on evidence another rule explains (de, en), acknowledgements heard, level vs customer.

    One cause, one finding: on a muffled channel loudness is measured below
    1 kHz (indistinct_speech reports the missing highs); a level that hardly
    varies on a blurred channel is the reverberation's, not the agent's.
    """
    s = ctx.settings
    agent, conv = ctx.measurements.roles["agent"], ctx.measurements.conversation
    acks = find_phrases(ctx.words("agent"), ctx.phrases.get("acknowledgement", ()), role="agent", tolerant=True)
    backchannels = [t for t in ctx.measurements.turns if t.role == "agent" and t.backchannel]
    channel = indistinct.channel_signs(ctx.for_rule(indistinct.RULE))
    muffled = channel is not None and (channel.dull or channel.lost)
    blurred = channel is not None and channel.blurred
    level, level_vs = _levels(ctx, muffled=muffled)
    flat = agent.pitch_sd_st is not None and agent.pitch_sd_st <= s["pitch_sd_max_st"]
    signs = {
        "flat": flat,
        "quiet": (level_vs is not None and level_vs <= s["level_vs_customer_max_db"])
        or (level is not None and level <= s["level_max_dbfs"]),
        "monotone_level": not blurred and agent.dynamic_range_db is not None
        and agent.dynamic_range_db <= s["dynamic_range_max_db"],
        "slow_response": conv.response_gap_median_s is not None
        and conv.response_gap_median_s >= s["response_gap_min_s"],
        "slow_rate": agent.articulation_rate_sps is not None and agent.articulation_rate_sps <= s["articulation_min_sps"],
        "no_acknowledgement": len(ctx.turns("customer")) >= s["min_customer_turns"] and not acks and not backchannels,
    }
    notes = []
    if muffled:
        notes.append(("Lautstärke unter 1 kHz gemessen: der Kanal klingt dumpf (siehe indistinct_speech)",
                      "loudness measured below 1 kHz: the channel is muffled (see indistinct_speech)"))
    if blurred:
        notes.append(("Lautstärkewechsel nicht gewertet: der Kanal ist verhallt (siehe indistinct_speech)",
                      "loudness variation not counted: the channel is blurred (see indistinct_speech)"))
    toneless_ctx = ctx.for_rule(toneless.RULE)
    # a flat pitch toneless_voice leaves to this finding is reported here only
    if flat and toneless.flat_beyond_doubt(toneless_ctx) and toneless.evaluate(toneless_ctx).outcome == "fail":
        notes.append(("flache Tonhöhe: siehe toneless_voice", "flat pitch: see toneless_voice"))
    return signs, notes, len(acks) + len(backchannels), level_vs


def _levels(ctx: RuleContext, *, muffled: bool) -> tuple[float | None, float | None]:
    """The agent's speech level (dBFS) and its difference to the customer's (dB).

    On a muffled channel (indistinct_speech's dull or lost sign) the levels are
    those below 1 kHz, which a muffling filter leaves alone: the loudness the
    missing highs take away is indistinct_speech's finding, not apathy (one
    cause, one finding); a voice quiet even there is quiet.
    """
    roles = ctx.measurements.roles
    agent, customer = roles["agent"], roles.get("customer")
    if not muffled:
        return agent.level_dbfs, agent.level_vs_other_db
    level = None if agent.level_dbfs is None else agent.level_dbfs - _high_share_db(agent.spectral_balance_db)
    level_vs = agent.level_vs_other_db
    if level_vs is not None and customer is not None:
        level_vs += _high_share_db(customer.spectral_balance_db) - _high_share_db(agent.spectral_balance_db)
    return level, level_vs


def _high_share_db(balance_db: float | None) -> float:
    """How much the band above 1 kHz adds to a level (dB), from the high/low balance: total - low band."""
    return 0.0 if balance_db is None else 10 * math.log10(1 + 10 ** (balance_db / 10))
