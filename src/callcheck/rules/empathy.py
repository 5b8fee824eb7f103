"""lacks_empathy - mangelndes Einfühlungsvermögen und Besserwisserei.

"Discussion won, customer lost": the customer voices a problem and the agent's
answer does not take it up, or the agent lectures and contradicts.

Acknowledging is a property of the conversation, not of one keyword. The
agent's response to a problem (what the agent says from the customer's problem
until the customer speaks again) acknowledges it by any of:
- an apology or an empathy phrase ("tut mir leid", "that must be frustrating");
- taking ownership ("ich kümmere mich darum", "let me fix that", "I'll book an engineer");
- a paraphrase: it repeats content words of the customer's problem turn;
- a clarifying question ("seit wann ...", "is that what happened?").
A problem the customer states over several turns in a row is one problem,
acknowledged if any of the agent's responses to it is; once the agent has
acknowledged a problem, later ones in the call need not be acknowledged again.
Know-it-all phrases are a failure on their own. Without a voiced problem the
rule is not applicable (not a pass); a response too garbled to read is not
judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callcheck.records import Turn, Word
from callcheck.rules import indistinct
from callcheck.rules.base import (
    Finding,
    RuleContext,
    RuleResult,
    confidence_from,
    find_phrases,
    pick,
    turn_evidence,
    words_confidence,
)
from callcheck.rules.phrases import find, shared_content, tokenize

RULE = "lacks_empathy"
TITLE = {"de": "Mangelndes Einfühlungsvermögen, Besserwisserei", "en": "Lack of empathy, know-it-all"}
PROBLEM_CONTEXT_WORDS = 12  # a problem statement: the sentence around a problem phrase, at most this far either side
KIND_NAMES = {"empathy": ("Anteilnahme", "empathy"), "ownership": ("übernimmt es", "ownership"),
              "paraphrase": ("greift das Problem auf", "paraphrase"),
              "clarifying": ("Rückfrage zum Problem", "clarifying question")}


@dataclass(frozen=True, slots=True)
class Response:
    """The agent's answer to one problem turn and what, if anything, acknowledged it."""

    problem: Turn
    turns: tuple[Turn, ...]
    kind: str | None  # empathy | ownership | paraphrase | clarifying | None

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for t in self.turns for w in t.words)


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    lecturing = find_phrases(ctx.words("agent"), ctx.phrases.get("know_it_all", ()), role="agent")
    episodes = problem_episodes(ctx)
    if not episodes and not lecturing:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Der Kunde hat kein Problem und keinen Ärger geäußert.", "The customer voiced no problem or emotion."))
    if len(ctx.words("agent")) < s["min_agent_words"]:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenige erkannte Wörter des Agenten, um seine Antworten zu beurteilen.",
            "Too few recognised agent words to judge the answers."))
    acknowledged, unclear, failing = judge_episodes(ctx, episodes)
    channel = indistinct.channel_signs(ctx.for_rule(indistinct.RULE))
    garbled = channel is not None and (channel.strong or channel.count >= ctx.all_settings[indistinct.RULE]["min_signs"])
    if failing and garbled:  # one cause, one finding: indistinct_speech reports the channel; what was missed we cannot tell
        unclear, failing = unclear + len(failing), []
    talk_share = ctx.measurements.roles["agent"].talk_share
    dominating = talk_share is not None and talk_share > s["talk_share_max"]
    measured = {"customer_problem_turns": sum(len(e) for e in episodes), "problems": len(episodes),
                "acknowledged": len(acknowledged), "acknowledged_by": sorted({r.kind for r in acknowledged}),
                "unclear_answers": unclear, "know_it_all_phrases": len(lecturing),
                "agent_talk_share": None if talk_share is None else round(talk_share, 2)}
    threshold = {"acknowledged_min": 1 if episodes else 0, "know_it_all_phrases": 0,
                 "talk_share_max": s["talk_share_max"], "min_shared_words": s["min_shared_words"]}
    if not (failing or lecturing):
        if unclear and not acknowledged:
            return RuleResult(RULE, "not_applicable", pick(
                lang, "Die Antworten des Agenten auf das Problem wurden nicht sicher erkannt"
                      + (" (undeutliche Aussprache, siehe indistinct_speech)." if garbled else "."),
                "The agent's answers to the problem were not recognised reliably enough to judge"
                + (" (indistinct speech, see indistinct_speech)." if garbled else ".")))
        how = ", ".join(KIND_NAMES[k][lang != "de"] for k in measured["acknowledged_by"]) or "-"
        return RuleResult(RULE, "pass", pick(  # dominating the talk alone is no failure: some calls need explaining
            lang, f"Der Agent geht auf das Anliegen des Kunden ein ({how}).",
            f"The agent acknowledges the customer's concern ({how})."))
    evidence = [ev for r in failing[:3] for ev in (turn_evidence(r.problem), *(turn_evidence(t) for t in r.turns[:2]))]
    evidence += lecturing
    lecture_words = [w for w in ctx.words("agent") if any(e.start_s <= w.start_s <= e.end_s for e in lecturing)]
    recognition = words_confidence(lecture_words if lecturing else [w for r in failing for w in r.words])
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity="major" if lecturing or (failing and dominating) else "minor",
        confidence=confidence_from(excess=0.5 * len(lecturing) + 0.6 * len(failing), recognition=recognition),
        measured=measured, threshold=threshold,
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
    if failing:
        parts.append(pick(lang, f"{len(failing)} Problem(e) ohne Anteilnahme beantwortet",
                          f"{len(failing)} problem(s) answered without acknowledgement"))
    if lecturing:
        parts.append(pick(lang, f"{len(lecturing)} belehrende Formulierung(en)", f"{len(lecturing)} lecturing phrase(s)"))
    if dominating:
        parts.append(pick(lang, f"Redeanteil {talk_share:.0%}", f"talk share {talk_share:.0%}"))
    return RuleResult(RULE, "fail", "; ".join(parts) + ".", finding)


def problem_episodes(ctx: RuleContext) -> list[list[Turn]]:
    """The customer's problem turns, consecutive ones (no other customer turn between) grouped as one problem."""
    episodes: list[list[Turn]] = []
    previous_was_problem = False
    for turn in ctx.turns("customer"):
        is_problem = bool(find_phrases(turn.words, ctx.phrases.get("problem", ()), role="customer", tolerant=True,
                                       negations=ctx.phrases.get("negation", ())))
        if is_problem and previous_was_problem:
            episodes[-1].append(turn)
        elif is_problem:
            episodes.append([turn])
        previous_was_problem = is_problem
    return episodes


def judge_episodes(ctx: RuleContext, episodes: Sequence[list[Turn]]) -> tuple[list[Response], int, list[Response]]:
    """(acknowledged responses, problems too garbled to judge, unacknowledged responses that fail).

    Episodes are judged in time order; after the first acknowledged one,
    later problems count as acknowledged (the customer already felt heard).
    """
    acknowledged: list[Response] = []
    failing: list[Response] = []
    unclear = 0
    for episode in episodes:
        responses = [respond(ctx, problem) for problem in episode]
        good = [r for r in responses if r.kind]
        if good:
            acknowledged.append(good[0])
        elif acknowledged:
            continue
        elif any(r.words for r in responses) and all(
                (words_confidence(r.words) or 0.0) < ctx.settings["min_answer_confidence"] for r in responses if r.words):
            unclear += 1  # garbled by the recogniser: it may well have held the acknowledgement
        else:
            failing.append(responses[0])
    return acknowledged, unclear, failing


def respond(ctx: RuleContext, problem: Turn) -> Response:
    """The agent's response to `problem` and how it acknowledges it (None: it does not)."""
    within = ctx.settings["answer_within_s"]
    agent_turns = [t for t in ctx.measurements.turns if t.role == "agent"]
    end_s = explained_until(ctx, problem, agent_turns)
    later_customer = [t.start_s for t in ctx.turns("customer") if t.start_s > end_s]
    until = min([end_s + within, *later_customer[:1]])
    turns = [t for t in agent_turns if problem.start_s < t.start_s <= until]
    first_answer = next((t for t in agent_turns if not t.backchannel
                         and end_s < t.start_s <= end_s + within), None)
    if first_answer is not None and first_answer not in turns:
        turns.append(first_answer)
    return Response(problem, tuple(turns), acknowledgement_kind(ctx, problem, tuple(w for t in turns for w in t.words)))


def explained_until(ctx: RuleContext, problem: Turn, agent_turns: Sequence[Turn]) -> float:
    """When the customer yields the floor after `problem`: the end of the customer's turns that follow it
    before the agent takes a turn (a caller who goes on explaining is answered after the explanation)."""
    end_s = problem.end_s
    for turn in ctx.turns("customer"):
        if turn.start_s <= problem.end_s:
            continue
        if any(not a.backchannel and problem.end_s < a.start_s < turn.start_s for a in agent_turns):
            break
        end_s = max(end_s, turn.end_s)
    return end_s


def acknowledgement_kind(ctx: RuleContext, problem: Turn, answer: Sequence[Word]) -> str | None:
    """How `answer` acknowledges `problem`: empathy, ownership, paraphrase, clarifying, or None."""
    if not answer:
        return None
    for kind in ("empathy", "ownership", "clarifying"):
        if find_phrases(answer, ctx.phrases.get(kind, ()), role="agent", tolerant=True):
            return kind
    said = problem_statement(ctx, problem)
    if len(shared_content(said, answer, language=ctx.language)) >= ctx.settings["min_shared_words"]:
        return "paraphrase"
    return None


def problem_statement(ctx: RuleContext, problem: Turn) -> tuple[Word, ...]:
    """The words of `problem` that state it: the sentences holding a problem phrase (at most
    PROBLEM_CONTEXT_WORDS either side), not the customer's name or account number said in the same turn."""
    tokens = tokenize(problem.words)
    matches = find(tokens, ctx.phrases.get("problem", ()), tolerant=True, negations=ctx.phrases.get("negation", ()))
    keep: set[int] = set()
    for m in matches:
        lo = m.start
        while lo > 0 and m.start - lo < PROBLEM_CONTEXT_WORDS and not tokens[lo - 1].sentence_end:
            lo -= 1
        hi = m.end
        while hi < len(tokens) and hi - m.end < PROBLEM_CONTEXT_WORDS and not tokens[hi - 1].sentence_end:
            hi += 1
        keep.update(range(lo, hi))
    return tuple(dict.fromkeys(tokens[i].word for i in sorted(keep))) or problem.words
