"""impatient_voice - Ungeduld: barging in, cutting the caller off, "get to the point"."""

from __future__ import annotations

from callcheck.records import Turn
from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, confidence_from, find_phrases, pick, words_confidence
from callcheck.rules.phrases import normalise

RULE = "impatient_voice"
TITLE = {"de": "Ungeduld", "en": "Impatience"}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    conv = ctx.measurements.conversation
    if not ctx.turns("agent"):
        return RuleResult(RULE, "not_applicable", pick(lang, "Der Agent spricht nicht.", "The agent does not speak."))
    phrases = impatience_phrases(ctx)
    if conv.interruptions is None and not phrases:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Ohne Kundenkanal sind Unterbrechungen nicht messbar; keine ungeduldigen Floskeln.",
            "Without a customer channel interruptions cannot be measured; no impatient phrases."))
    # Talking over the customer counts alone; a short overlap as the customer stops is how many turns end in
    # ordinary conversation, so those count with the early starts, which must recur to be impatience.
    agent_events = [e for e in conv.interruptions or () if e.interrupter == "agent"]
    barge_ins = [e for e in agent_events if e.overlap_s >= s["talk_over_min_s"]]
    early = [g for g in conv.response_gaps or () if g.gap_s <= s["early_start_s"]
             and not any(abs(e.start_s - (g.start_s + g.gap_s)) < 0.3 for e in barge_ins)]
    answers = len(conv.response_gaps or ())
    signs = {
        "interruptions": len(barge_ins) > s["max_interruptions"],
        "early_starts": len(early) > s["max_early_starts"] and len(early) >= s["early_start_share"] * answers,
        "phrases": bool(phrases),
    }
    measured = {"agent_interruptions": len(barge_ins), "early_starts": len(early), "answers": answers,
                "impatience_phrases": len(phrases)}
    threshold = {"max_interruptions": s["max_interruptions"], "talk_over_min_s": s["talk_over_min_s"],
                 "max_early_starts": s["max_early_starts"], "early_start_s": s["early_start_s"],
                 "early_start_share": s["early_start_share"], "impatience_phrases": 0}
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
        confidence=confidence_from(
            excess=max(len(barge_ins) - s["max_interruptions"], len(early) - s["max_early_starts"], len(phrases)) / 2
            + 0.25 * (count - 1),
            recognition=None if signs["interruptions"] or signs["early_starts"] else _phrase_confidence(ctx, phrases)),
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


def impatience_phrases(ctx: RuleContext) -> list[Evidence]:
    """Impatience phrases in the agent's turns, matched word for word.

    A listener's signals are not impatience: "Ja. Ja," or "ja ja" from an agent
    who is only listening (a turn of nothing but backchannel words) counts only
    where it is said over the customer's speech. A question frame makes a
    request of it ("could you just tell me why?", `impatience_request` words
    within the two words before), not pressing.
    """
    listener = {token for phrase in ctx.listener_words for token in normalise(phrase).split()}
    customer = next((s.regions for s in ctx.speakers if s.role == "customer"), ())
    found = []
    for turn in (t for t in ctx.measurements.turns if t.role == "agent"):
        for match in find_phrases(turn.words, ctx.phrases.get("impatience", ()), role="agent",
                                  negations=ctx.phrases.get("impatience_request", ())):
            if _listening(turn, listener) and not any(
                    r.start_s < match.end_s and match.start_s < r.end_s for r in customer):
                continue
            found.append(match)
    return found


def _listening(turn: Turn, listener: set[str]) -> bool:
    """True when the turn holds only listener signals ("mhm", "ja", "genau")."""
    tokens = normalise(turn.text).split()
    return turn.backchannel or (bool(tokens) and all(t in listener for t in tokens))


def _phrase_confidence(ctx: RuleContext, phrases: list[Evidence]) -> float | None:
    """Mean recognition probability of the words the impatience phrases were read from."""
    words = [w for w in ctx.words("agent") if any(e.start_s <= w.start_s and w.end_s <= e.end_s for e in phrases)]
    return words_confidence(words)
