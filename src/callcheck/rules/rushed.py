"""rushed_voice - gehetzt: no breathing room, the caller feels pressed.

Signs: hardly any pauses, long runs of syllables without a breath, a high
speaking rate (pauses included), answers with no gap after the customer.
Pauses and runs are measured on the agent's turns without the greeting: one
long greeting sentence is overlong_greeting's finding, not rushing. A fast
rate that too_fast already reports does not count here a second time. Runs
are judged only when there are enough of them (`min_runs`) or enough speech
(`min_runs_speaking_s`: half a minute in two runs is the sign itself).
Answers with no gap are judged on stereo calls only: one mixed signal cannot
time a turn change to a quarter second (an overlap and a stop closure near the
change look like an instant answer), so a mix has the other three signs.
"""

from __future__ import annotations

import dataclasses

from callcheck.measure.prosody import pause_stats
from callcheck.records import Turn
from callcheck.rules import greeting as greeting_rule
from callcheck.rules import too_fast as too_fast_rule
from callcheck.rules.base import Finding, RuleContext, RuleResult, confidence_from, pick, rounded, turn_evidence

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
    turns, excluded = _without_greeting(ctx)
    # Only turns long enough to need a breath can show a missing one: a 2 s answer is one breath group.
    long_turns = [t for t in turns if t.duration_s >= s["min_turn_s"]]
    speaking_s = sum(t.duration_s for t in long_turns)
    if speaking_s < s["min_speaking_s"]:  # pauses and gaps are acoustic: recognised words are not needed
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig längere Redebeiträge des Agenten.", "Too few longer agent turns to judge."))
    stats = pause_stats(long_turns, min_s=ctx.pause_min_s, language=ctx.language)
    gap = ctx.measurements.conversation.response_gap_median_s
    conversation = ctx.measurements.conversation
    # In a mix, one signal cannot time a turn change to a quarter second: a change with no silence at it may be
    # an overlap (lively chat: the pyannote sample), and the quiet run nearest a change (signal.onsets.
    # split_at_silence) may be a stop closure of either speaker as well as a short pause between them. So the
    # 'no breathing room' sign is judged on stereo calls only.
    gaps = [] if conversation.method.startswith("mixed") else [g.gap_s for g in conversation.response_gaps or ()]
    # No breathing room: the agent answers at once, again and again. Starting over the customer is impatience's
    # sign, so those answers are neither instant nor calm here: the share is of the answers given after the customer.
    after = [g for g in gaps if g > s["overlap_min_s"]]
    instant = [g for g in after if g < s["response_gap_max_s"]]
    instant_share = len(instant) / len(after) if len(after) >= s["min_answers"] else None
    pauses = stats.pauses_per_min or 0.0
    fast_elsewhere = too_fast_rule.evaluate(ctx.for_rule(too_fast_rule.RULE)).outcome == "fail"
    signs = {
        "few_pauses": pauses < s["pauses_per_min_max"],
        "long_runs": (stats.runs >= s["min_runs"] or speaking_s >= s["min_runs_speaking_s"])
                     and (stats.mean_run_syllables or 0) > s["mean_run_syllables_min"],
        "fast_overall": (agent.speaking_rate_sps or 0.0) > s["speaking_rate_min_sps"] and not fast_elsewhere,
        "no_gap": instant_share is not None and instant_share >= s["instant_answer_share"],
    }
    count = sum(signs.values())
    measured = {"pauses_per_min": round(pauses, 2), "mean_run_syllables": rounded(stats.mean_run_syllables),
                "runs": stats.runs, "longest_run_s": rounded(stats.longest_run_s),
                "speaking_rate_sps": rounded(agent.speaking_rate_sps),
                "response_gap_median_s": rounded(gap), "instant_answer_share": rounded(instant_share),
                "signs": count, "judged_speaking_s": round(speaking_s, 1), "greeting_excluded": excluded,
                "fast_rate_left_to_too_fast": fast_elsewhere}
    threshold = {k: s[k] for k in ("pauses_per_min_max", "mean_run_syllables_min", "min_runs", "min_runs_speaking_s",
                                   "min_turn_s", "speaking_rate_min_sps", "response_gap_max_s", "overlap_min_s",
                                   "instant_answer_share", "min_answers", "min_signs")}
    if count < s["min_signs"]:
        return RuleResult(RULE, "pass", pick(
            lang, f"{pauses:.1f} Pausen pro Minute, {count} Anzeichen von Hetze.",
            f"{pauses:.1f} pauses per minute, {count} signs of rushing."))
    longest = sorted(long_turns, key=lambda t: -len(t.words))[:2]
    excess = max(0.5 * (count - s["min_signs"]),
                 (s["pauses_per_min_max"] - pauses) / s["pauses_per_min_max"] if signs["few_pauses"] else 0.0)
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if count >= 3 else "minor",
        confidence=confidence_from(excess=excess), measured=measured, threshold=threshold,
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


def _without_greeting(ctx: RuleContext) -> tuple[list[Turn], bool]:
    """The agent's floor turns with the opening greeting cut off (its regions and words up to its end),
    and whether there was one to cut."""
    greeting_ctx = ctx.for_rule(greeting_rule.RULE)
    found = greeting_rule.find_greeting(greeting_ctx)
    turns = ctx.turns("agent")
    if found is None or not found.words or not greeting_rule.opens_with_greeting(greeting_ctx, found):
        return turns, False
    out = []
    for turn in turns:
        if turn is not found.turn:
            out.append(turn)
            continue
        regions = tuple(r for r in turn.regions if r.start_s >= found.end_s)
        words = tuple(w for w in turn.words if w.start_s >= found.end_s)
        if regions and words:  # what the agent said after the greeting, in the same breath group
            out.append(dataclasses.replace(turn, start_s=regions[0].start_s, regions=regions, words=words))
    return out, True
