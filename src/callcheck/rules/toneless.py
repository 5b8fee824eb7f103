"""toneless_voice - Stimme klingt tonlos: monotone, no emotion audible.

One cause, one finding: a flattened pitch is also one of apathetic_voice's
signs. When that rule fails with it, the flat pitch is part of the apathy
finding and is reported there; toneless_voice still reports a pitch flat
beyond doubt (`own_finding_sd_max_st`, its critical bar) on its own.
"""

from __future__ import annotations

from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, confidence_from, pick, rounded, severity_by

RULE = "toneless_voice"
TITLE = {"de": "Stimme klingt tonlos", "en": "Toneless, monotone voice"}


def explained_by_apathy(result: RuleResult, *, apathy: RuleResult, ctx: RuleContext) -> RuleResult:
    """`result` (this rule's, on `ctx`) as reported next to apathetic_voice's `apathy`: a flat pitch its failure
    counts is passed on to it, unless the pitch is flat beyond doubt."""
    if result.finding is None or apathy.finding is None or not apathy.finding.measured.get("flat"):
        return result
    if flat_beyond_doubt(ctx):
        return result
    sd = ctx.measurements.roles["agent"].pitch_sd_st
    return RuleResult(RULE, "pass", pick(
        ctx.report_language,
        f"Flache Tonhöhe ({sd:.1f} Halbtöne SD) ist ein Anzeichen der Teilnahmslosigkeit und wird dort berichtet "
        "(siehe apathetic_voice).",
        f"Flat pitch ({sd:.1f} semitones SD) is one sign of the apathetic voice and is reported there "
        "(see apathetic_voice)."))


def flat_beyond_doubt(ctx: RuleContext) -> bool:
    """The agent's pitch is flat enough (`ctx` with this rule's settings) to be a finding of its own even where
    apathetic_voice reports the flat pitch; without a pitch measure there is nothing to pass on."""
    sd = ctx.measurements.roles["agent"].pitch_sd_st
    return sd is None or sd <= ctx.settings["own_finding_sd_max_st"]


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    agent = ctx.measurements.roles["agent"]
    if agent.pitch_sd_st is None or agent.voiced_s < s["min_voiced_s"]:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig stimmhafte Sprache des Agenten.", "Too little voiced agent speech to judge."))
    windows = [w for w in ctx.measurements.timeline["agent"] if w.pitch_sd_st is not None]
    flat = [w for w in windows if w.pitch_sd_st <= s["window_sd_max_st"]]
    flat_share = len(flat) / len(windows) if windows else 0.0
    overall_flat = agent.pitch_sd_st <= s["pitch_sd_max_st"]
    narrow = agent.pitch_range_st is not None and agent.pitch_range_st <= s["pitch_range_max_st"]
    measured = {"pitch_sd_st": round(agent.pitch_sd_st, 2), "pitch_range_st": rounded(agent.pitch_range_st),
                "flat_window_share": round(flat_share, 2)}
    threshold = {"pitch_sd_max_st": s["pitch_sd_max_st"], "pitch_range_max_st": s["pitch_range_max_st"],
                 "window_sd_max_st": s["window_sd_max_st"], "flat_window_share": s["flat_window_share"]}
    fails = overall_flat and (flat_share >= s["flat_window_share"] or narrow)
    if not fails:
        return RuleResult(RULE, "pass", pick(
            lang, f"Tonhöhe variiert um {agent.pitch_sd_st:.1f} Halbtöne (SD).",
            f"Pitch varies by {agent.pitch_sd_st:.1f} semitones (SD)."))
    evidence = tuple(Evidence(w.start_s, w.end_s, "agent", pick(
        lang, f"Tonhöhen-SD {w.pitch_sd_st:.1f} Halbtöne", f"pitch SD {w.pitch_sd_st:.1f} semitones"))
        for w in flat) or tuple(Evidence(t.start_s, t.end_s, "agent", t.text[:120]) for t in ctx.turns("agent")[:2])
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity=severity_by(agent.pitch_sd_st, major=1.5, critical=1.0, higher_is_worse=False),
        confidence=confidence_from(excess=(s["pitch_sd_max_st"] - agent.pitch_sd_st) / (0.5 * s["pitch_sd_max_st"])
                                   + (flat_share - s["flat_window_share"])),
        measured=measured, threshold=threshold, evidence=evidence,
        tip=pick(lang,
                 "Betonen Sie die wichtigen Wörter (Name, Lösung, nächster Schritt) und heben Sie die Stimme "
                 "am Satzanfang etwas an. Lächeln beim Sprechen hört man: Ihre Melodie wird lebendiger.",
                 "Stress the key words (the caller's name, the fix, the next step) and let your voice rise "
                 "and fall across a sentence. Smiling while you talk is audible and livens up your tone."),
    )
    return RuleResult(RULE, "fail", pick(
        lang, f"Tonhöhe kaum variiert ({agent.pitch_sd_st:.1f} Halbtöne SD).",
        f"Pitch barely varies ({agent.pitch_sd_st:.1f} semitones SD)."), finding)
