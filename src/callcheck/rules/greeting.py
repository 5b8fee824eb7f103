"""overlong_greeting - antiquated, too long opening formula."""

from __future__ import annotations

from callcheck.rules.base import Finding, RuleContext, RuleResult, find_phrases, mean_confidence, pick, turn_evidence

RULE = "overlong_greeting"
TITLE = {"de": "Begrüßung zu lang und altmodisch", "en": "Overlong, old-fashioned greeting"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    turns = [t for t in ctx.turns("agent") if t.start_s <= s["first_turn_within_s"]]
    if not turns or not (turns[0].words or turns[0].duration_s > s["max_duration_s"]):
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Keine verständliche Begrüßung des Agenten am Gesprächsanfang.",
            "No intelligible agent greeting at the start of the call."))
    greeting = turns[0]  # without recognised words only its length can be judged
    confidence = mean_confidence(greeting)
    trusted = bool(greeting.words) and confidence >= s["min_word_confidence"]
    formulas = find_phrases(greeting.words, ctx.phrases.get("greeting_formula", ()), role="agent")
    if trusted and not (formulas or find_phrases(greeting.words, ctx.phrases.get("greeting", ()), role="agent")):
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Das Gespräch beginnt nicht mit einer Begrüßung des Agenten.",
            "The call does not open with a greeting by the agent."))
    measured = {"words": len(greeting.words), "formula_phrases": len(formulas),
                "word_confidence": round(confidence, 2), "duration_s": round(greeting.duration_s, 2),
                "judged_by": "words" if trusted else "duration"}
    threshold = {"max_words": s["max_words"], "max_formula_phrases": s["max_formula_phrases"],
                 "min_word_confidence": s["min_word_confidence"], "max_duration_s": s["max_duration_s"]}
    # Too many words. Garbled words are often more numerous than the spoken ones, so the length in seconds
    # stands in only when the words cannot be trusted (slow speech is not a long greeting: apathetic_voice judges it).
    too_long = len(greeting.words) > s["max_words"] if trusted else greeting.duration_s > s["max_duration_s"]
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
