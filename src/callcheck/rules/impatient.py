"""impatient_voice - Ungeduld: barging in, cutting the caller off, "get to the point"."""

from __future__ import annotations

from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, find_phrases, pick

RULE = "impatient_voice"
TITLE = {"de": "Ungeduld", "en": "Impatience"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    conv = ctx.measurements.conversation
    if not ctx.turns("agent"):
        return RuleResult(RULE, "not_applicable", pick(lang, "Der Agent spricht nicht.", "The agent does not speak."))
    phrases = find_phrases(ctx.words("agent"), ctx.phrases.get("impatience", ()), role="agent")
    if conv.interruptions is None and not phrases:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Ohne Kundenkanal sind Unterbrechungen nicht messbar; keine ungeduldigen Floskeln.",
            "Without a customer channel interruptions cannot be measured; no impatient phrases."))
    barge_ins = [e for e in conv.interruptions or () if e.interrupter == "agent"]
    early = [g for g in conv.response_gaps or () if g.gap_s <= s["early_start_s"]
             and not any(abs(e.start_s - (g.start_s + g.gap_s)) < 0.3 for e in barge_ins)]
    signs = {
        "interruptions": len(barge_ins) > s["max_interruptions"],
        "early_starts": len(early) > s["max_early_starts"],
        "phrases": bool(phrases),
    }
    measured = {"agent_interruptions": len(barge_ins), "early_starts": len(early),
                "impatience_phrases": len(phrases)}
    threshold = {"max_interruptions": s["max_interruptions"], "max_early_starts": s["max_early_starts"],
                 "early_start_s": s["early_start_s"], "impatience_phrases": 0}
    if not any(signs.values()):
        return RuleResult(RULE, "pass", pick(
            lang, "Der Agent lässt den Kunden ausreden.", "The agent lets the customer finish."))
    evidence = (
        *(Evidence(e.start_s, e.end_s, "agent", e.words) for e in barge_ins),
        *(Evidence(g.start_s + g.gap_s, g.start_s, "agent", pick(
            lang, f"setzt {-g.gap_s:.1f} s vor Ende des Kunden ein", f"starts {-g.gap_s:.1f} s before the customer ends"))
          for g in early),
        *phrases,
    )
    count = sum(signs.values())
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity="critical" if len(barge_ins) >= 3 else "major" if count >= 2 or len(barge_ins) >= 2 else "minor",
        confidence=round(min(1.0, 0.6 + 0.15 * count), 2),
        measured=measured, threshold=threshold, evidence=tuple(sorted(evidence, key=lambda e: e.start_s)),
        tip=pick(lang,
                 "Lassen Sie den Kunden ausreden und zählen Sie innerlich bis eins, bevor Sie antworten. "
                 "Statt „wie gesagt“: „Gern fasse ich es noch einmal zusammen …“.",
                 "Let the caller finish, then count to one before you answer. Instead of \"as I said\", "
                 "try \"Let me sum that up again …\"."),
    )
    reasons = [k for k, v in signs.items() if v]
    return RuleResult(RULE, "fail", pick(
        lang, "Ungeduld: " + ", ".join({"interruptions": f"{len(barge_ins)} Unterbrechung(en)",
                                        "early_starts": f"{len(early)} verfrühte Einsätze",
                                        "phrases": f"{len(phrases)} ungeduldige Floskel(n)"}[r] for r in reasons),
        "Impatience: " + ", ".join({"interruptions": f"{len(barge_ins)} interruption(s)",
                                    "early_starts": f"{len(early)} early starts",
                                    "phrases": f"{len(phrases)} impatient phrase(s)"}[r] for r in reasons)), finding)
