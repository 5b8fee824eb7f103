"""apathetic_voice - teilnahmslos: the caller feels like a nuisance.

Several signs together, never one alone: flat pitch, quiet voice, little
loudness variation, slow answers, slow delivery, no acknowledgements.
"""

from __future__ import annotations

from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, find_phrases, pick, rounded

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
    customer_turns = len(ctx.turns("customer"))
    acks = find_phrases(ctx.words("agent"), ctx.phrases.get("acknowledgement", ()), role="agent")
    backchannels = [t for t in ctx.measurements.turns if t.role == "agent" and t.backchannel]
    signs = {
        "flat": agent.pitch_sd_st is not None and agent.pitch_sd_st <= s["pitch_sd_max_st"],
        "quiet": (agent.level_vs_other_db is not None and agent.level_vs_other_db <= s["level_vs_customer_max_db"])
        or (agent.level_dbfs is not None and agent.level_dbfs <= s["level_max_dbfs"]),
        "monotone_level": agent.dynamic_range_db is not None and agent.dynamic_range_db <= s["dynamic_range_max_db"],
        "slow_response": conv.response_gap_median_s is not None
        and conv.response_gap_median_s >= s["response_gap_min_s"],
        "slow_rate": agent.articulation_rate_sps is not None and agent.articulation_rate_sps <= s["articulation_min_sps"],
        "no_acknowledgement": customer_turns >= s["min_customer_turns"] and not acks and not backchannels,
    }
    count = sum(signs.values())
    measured = {"signs": count, **{k: v for k, v in signs.items()},
                "pitch_sd_st": rounded(agent.pitch_sd_st), "level_vs_customer_db": rounded(agent.level_vs_other_db),
                "dynamic_range_db": rounded(agent.dynamic_range_db), "response_gap_median_s": rounded(conv.response_gap_median_s),
                "articulation_rate_sps": rounded(agent.articulation_rate_sps), "acknowledgements": len(acks) + len(backchannels)}
    threshold = {k: s[k] for k in ("min_signs", "pitch_sd_max_st", "level_vs_customer_max_db", "level_max_dbfs",
                                   "dynamic_range_max_db", "response_gap_min_s", "articulation_min_sps")}
    named = ", ".join(SIGN_NAMES[k][lang != "de"] for k, v in signs.items() if v) or "-"
    if count < s["min_signs"]:
        return RuleResult(RULE, "pass", pick(lang, f"{count} Anzeichen ({named}).", f"{count} signs ({named})."))
    slow = [g for g in conv.response_gaps or () if g.gap_s >= s["response_gap_min_s"]]
    evidence = tuple(Evidence(g.start_s, g.start_s + g.gap_s, "agent", pick(
        lang, f"{g.gap_s:.1f} s Stille vor der Antwort", f"{g.gap_s:.1f} s of silence before answering"))
        for g in slow[:5]) or tuple(Evidence(t.start_s, t.end_s, "agent", t.text[:120]) for t in ctx.turns("agent")[:2])
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if count >= s["min_signs"] + 1 else "minor",
        confidence=round(min(1.0, 0.3 + 0.15 * count), 2), measured=measured, threshold=threshold,
        evidence=evidence,
        tip=pick(lang,
                 "Zeigen Sie, dass Sie zuhören: kurze Bestätigungen („ja“, „verstehe“, „natürlich“), eine "
                 "aufrechte Haltung und eine etwas lautere, wärmere Stimme. Antworten Sie zügig.",
                 "Show that you are listening: short acknowledgements (\"I see\", \"of course\"), sit up "
                 "straight and speak a little louder and warmer. Answer promptly."),
    )
    return RuleResult(RULE, "fail", pick(lang, f"{count} Anzeichen: {named}.", f"{count} signs: {named}."), finding)
