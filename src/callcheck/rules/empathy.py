"""lacks_empathy - mangelndes Einfühlungsvermögen und Besserwisserei.

"Discussion won, customer lost": the customer voices a problem and the agent
answers without acknowledging it, lectures or contradicts, or talks over the
call. Without a voiced problem the rule is not applicable (not a pass).
"""

from __future__ import annotations

from callcheck.rules.base import Finding, RuleContext, RuleResult, find_phrases, mean_confidence, pick, turn_evidence

RULE = "lacks_empathy"
TITLE = {"de": "Mangelndes Einfühlungsvermögen, Besserwisserei", "en": "Lack of empathy, know-it-all"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    lecturing = find_phrases(ctx.words("agent"), ctx.phrases.get("know_it_all", ()), role="agent")
    problems = [t for t in ctx.turns("customer") if find_phrases(t.words, ctx.phrases.get("problem", ()), role="customer",
                                                                 negations=ctx.phrases.get("negation", ()))]
    if not problems and not lecturing:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Der Kunde hat kein Problem und keinen Ärger geäußert.", "The customer voiced no problem or emotion."))
    if len(ctx.words("agent")) < s["min_agent_words"]:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenige erkannte Wörter des Agenten, um seine Antworten zu beurteilen.",
            "Too few recognised agent words to judge the answers."))
    agent_turns = ctx.turns("agent")
    unanswered, unclear = [], 0
    for problem in problems:
        answer = next((t for t in agent_turns if problem.start_s < t.start_s <= problem.end_s + s["answer_within_s"]),
                      None)
        if answer is not None and find_phrases(answer.words, ctx.phrases.get("empathy", ()), role="agent"):
            continue
        if answer is not None and mean_confidence(answer) < s["min_answer_confidence"]:
            unclear += 1  # garbled by the recogniser: it may well have held the acknowledgement
        else:
            unanswered.append((problem, answer))
    acknowledged_any = len(unanswered) + unclear < len(problems)
    failing_problems = unanswered if not (acknowledged_any or unclear) else []
    talk_share = ctx.measurements.roles["agent"].talk_share
    dominating = talk_share is not None and talk_share > s["talk_share_max"]
    measured = {"customer_problem_turns": len(problems), "acknowledged": len(problems) - len(unanswered) - unclear,
                "unclear_answers": unclear,
                "know_it_all_phrases": len(lecturing), "agent_talk_share": None if talk_share is None else round(talk_share, 2)}
    threshold = {"acknowledged_min": 1 if problems else 0, "know_it_all_phrases": 0,
                 "talk_share_max": s["talk_share_max"]}
    if not (failing_problems or lecturing) and unclear and not acknowledged_any:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Die Antworten des Agenten auf das Problem wurden nicht sicher erkannt.",
            "The agent's answers to the problem were not recognised reliably enough to judge."))
    if not (failing_problems or lecturing):  # dominating the talk alone is not a failure: some calls need explaining
        return RuleResult(RULE, "pass", pick(
            lang, "Der Agent geht auf das Anliegen des Kunden ein.", "The agent acknowledges the customer's concern."))
    evidence = [ev for problem, answer in failing_problems[:3]
                for ev in (turn_evidence(problem), *( (turn_evidence(answer),) if answer else ()))]
    evidence += lecturing
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity="major" if lecturing or (failing_problems and dominating) else "minor",
        confidence=0.85 if lecturing else 0.7, measured=measured, threshold=threshold,
        evidence=tuple(sorted(evidence, key=lambda e: e.start_s)),
        tip=pick(lang,
                 "Nehmen Sie zuerst das Gefühl auf, dann die Sache: „Das ist wirklich ärgerlich, das verstehe "
                 "ich. Ich kümmere mich sofort darum.“ Statt „Das ist falsch“: „Lassen Sie uns das gemeinsam "
                 "prüfen.“ Diskussion gewonnen, Kunde verloren.",
                 "Acknowledge the feeling first, then the facts: \"That's really annoying, I understand. "
                 "I'll sort it out right away.\" Instead of \"That's wrong\": \"Let's check that together.\" "
                 "Win the argument, lose the customer."),
    )
    parts = []
    if failing_problems:
        parts.append(pick(lang, f"{len(failing_problems)} Problem(e) ohne Anteilnahme beantwortet",
                          f"{len(failing_problems)} problem(s) answered without acknowledgement"))
    if lecturing:
        parts.append(pick(lang, f"{len(lecturing)} belehrende Formulierung(en)", f"{len(lecturing)} lecturing phrase(s)"))
    if dominating:
        parts.append(pick(lang, f"Redeanteil {talk_share:.0%}", f"talk share {talk_share:.0%}"))
    return RuleResult(RULE, "fail", "; ".join(parts) + ".", finding)
