"""rushed_voice - gehetzt: no breathing room, the caller feels pressed."""

from __future__ import annotations

from callcheck.rules.base import Finding, RuleContext, RuleResult, pick, rounded, turn_evidence

RULE = "rushed_voice"
TITLE = {"de": "Gehetzt, ohne Atempausen", "en": "Rushed, no breathing room"}
SIGN_NAMES = {
    "few_pauses": ("kaum Pausen", "hardly any pauses"),
    "long_runs": ("lange Passagen ohne Atempause", "long runs without a breath"),
    "fast_overall": ("hohes Sprechtempo", "high speaking rate"),
    "no_gap": ("Antworten ohne Luft", "answers with no gap"),
}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    agent = ctx.measurements.roles["agent"]
    if agent.speaking_s < s["min_speaking_s"] or agent.speaking_rate_sps is None:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig Sprechzeit des Agenten.", "Too little agent speaking time to judge."))
    gap = ctx.measurements.conversation.response_gap_median_s
    pauses = agent.pauses_per_min or 0.0
    signs = {
        "few_pauses": pauses < s["pauses_per_min_max"],
        "long_runs": (agent.mean_run_syllables or 0) > s["mean_run_syllables_min"],
        "fast_overall": agent.speaking_rate_sps > s["speaking_rate_min_sps"],
        "no_gap": gap is not None and gap < s["response_gap_max_s"],
    }
    measured = {"pauses_per_min": round(pauses, 2), "mean_run_syllables": rounded(agent.mean_run_syllables),
                "speaking_rate_sps": round(agent.speaking_rate_sps, 2), "response_gap_median_s": rounded(gap),
                "signs": sum(signs.values())}
    threshold = {"pauses_per_min_max": s["pauses_per_min_max"], "mean_run_syllables_min": s["mean_run_syllables_min"],
                 "speaking_rate_min_sps": s["speaking_rate_min_sps"], "response_gap_max_s": s["response_gap_max_s"],
                 "min_signs": s["min_signs"]}
    count = sum(signs.values())
    if count < s["min_signs"]:
        return RuleResult(RULE, "pass", pick(
            lang, f"{pauses:.1f} Pausen pro Minute, Sprechtempo {agent.speaking_rate_sps:.1f} Silben/s.",
            f"{pauses:.1f} pauses per minute, speaking rate {agent.speaking_rate_sps:.1f} syllables/s."))
    longest = sorted(ctx.turns("agent"), key=lambda t: -len(t.words))[:2]
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if count >= 3 else "minor",
        confidence=round(min(1.0, 0.4 + 0.15 * count), 2), measured=measured, threshold=threshold,
        evidence=tuple(turn_evidence(t) for t in sorted(longest, key=lambda t: t.start_s)),
        tip=pick(lang,
                 "Machen Sie nach jedem Satz eine kurze Pause und atmen Sie durch – vor allem nach Zahlen "
                 "und Terminen. Warten Sie nach einer Frage des Kunden einen Moment, bevor Sie antworten.",
                 "Pause briefly after each sentence and breathe, especially after numbers and dates. "
                 "After the caller's question, take a moment before you answer."),
    )
    named = ", ".join(SIGN_NAMES[k][lang != "de"] for k, v in signs.items() if v)
    return RuleResult(RULE, "fail", pick(
        lang, f"{count} Anzeichen von Hetze: {named}.", f"{count} signs of rushing: {named}."), finding)
