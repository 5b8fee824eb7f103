"""overlong_greeting - antiquated, too long opening formula."""

from __future__ import annotations

from callcheck.rules.base import Finding, RuleContext, RuleResult, find_phrases, pick, turn_evidence

RULE = "overlong_greeting"
TITLE = {"de": "Begrüßung zu lang und altmodisch", "en": "Overlong, old-fashioned greeting"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    turns = [t for t in ctx.turns("agent") if t.start_s <= s["first_turn_within_s"]]
    if not turns or not turns[0].words:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Keine Begrüßung des Agenten am Gesprächsanfang.", "No agent greeting at the start of the call."))
    greeting = turns[0]
    formulas = find_phrases(greeting.words, ctx.phrases.get("greeting_formula", ()), role="agent")
    measured = {"duration_s": round(greeting.duration_s, 2), "words": len(greeting.words),
                "formula_phrases": len(formulas)}
    threshold = {"max_duration_s": s["max_duration_s"], "max_words": s["max_words"],
                 "max_formula_phrases": s["max_formula_phrases"]}
    too_long = greeting.duration_s > s["max_duration_s"] or len(greeting.words) > s["max_words"]
    too_formal = len(formulas) > s["max_formula_phrases"]
    if not (too_long or too_formal):
        return RuleResult(RULE, "pass", pick(
            lang, f"Begrüßung kurz: {greeting.duration_s:.1f} s, {len(greeting.words)} Wörter.",
            f"Greeting is short: {greeting.duration_s:.1f} s, {len(greeting.words)} words."))
    evidence = (turn_evidence(greeting), *formulas)
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity="major" if too_long and too_formal else "minor",
        confidence=0.9 if too_long and too_formal else 0.7,
        measured=measured, threshold=threshold, evidence=evidence,
        tip=pick(lang,
                 "Kurz und persönlich: „Grumps und Söhne, Sonja Müller, guten Tag.“ Firma, Vor- und "
                 "Nachname, Gruß – mehr braucht es nicht; der Anrufer kommt dann von selbst zu seinem Anliegen.",
                 "Keep it short and personal: \"Grumps and Sons, Sam Miller speaking, good morning.\" "
                 "Company, your name, a greeting: the caller will tell you why they called."),
    )
    return RuleResult(RULE, "fail", pick(
        lang, f"Begrüßung {greeting.duration_s:.1f} s mit {len(greeting.words)} Wörtern und "
              f"{len(formulas)} Floskeln.",
        f"Greeting takes {greeting.duration_s:.1f} s, {len(greeting.words)} words, "
        f"{len(formulas)} stock phrases."), finding)
