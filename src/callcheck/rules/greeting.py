"""overlong_greeting - antiquated, too long opening formula.

The handbook's complaint is time and stiffness: a long formula "frisst dem
Anrufer Zeit" and leaves the agent out of breath. So the greeting is judged by
how long it takes and by how many stock formula phrases it strings together;
its word count only confirms that the time went into words (a slow short
greeting is not an overlong one: apathetic_voice judges slow delivery; when
the words are too garbled to count, a slow agent gets the longest allowance). The
greeting ends where the offer of help ends ("... how can I help you today?"),
when the agent offers it; what follows in the same turn is the call itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcheck.records import Turn, Word
from callcheck.rules.base import (
    Evidence,
    Finding,
    RuleContext,
    RuleResult,
    confidence_from,
    find_phrases,
    pick,
)
from callcheck.rules.phrases import find, tokenize

RULE = "overlong_greeting"
TITLE = {"de": "Begrüßung zu lang und altmodisch", "en": "Overlong, old-fashioned greeting"}
APATHETIC = "apathetic_voice"  # whose 'slow delivery' threshold says when the whole delivery is slow
SLOW_STRETCH_MAX = 1.5  # a slow agent's greeting may take up to this many times max_duration_s
OFFER_TAIL_WORDS = 3  # "how can I help | you today?": words after the offer phrase up to the sentence end


@dataclass(frozen=True, slots=True)
class Greeting:
    """The agent's opening: its words (up to the end of the offer of help) and time span."""

    turn: Turn
    words: tuple[Word, ...]
    start_s: float
    end_s: float
    offer_found: bool

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def confidence(self) -> float:
        return sum(w.probability for w in self.words) / len(self.words) if self.words else 0.0


def find_greeting(ctx: RuleContext) -> Greeting | None:
    """The agent's first turn if it starts within `first_turn_within_s`, cut after the offer of help."""
    s = ctx.settings
    turns = [t for t in ctx.turns("agent") if t.start_s <= s["first_turn_within_s"]]
    if not turns:
        return None
    turn = turns[0]
    tokens = tokenize(turn.words)
    offers = find(tokens, ctx.phrases.get("offer_of_help", ()), tolerant=True)
    if not offers:
        return Greeting(turn, turn.words, turn.start_s, turn.end_s, offer_found=False)
    end = offers[0].end
    while end < len(tokens) and end - offers[0].end < OFFER_TAIL_WORDS and not tokens[end - 1].sentence_end:
        end += 1
    words = tuple(dict.fromkeys(t.word for t in tokens[:end]))
    return Greeting(turn, words, turn.start_s, min(turn.end_s, words[-1].end_s), offer_found=True)


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    greeting = find_greeting(ctx)
    if greeting is None or not (greeting.words or greeting.duration_s > s["max_duration_s"]):
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Keine verständliche Begrüßung des Agenten am Gesprächsanfang.",
            "No intelligible agent greeting at the start of the call."))
    trusted = bool(greeting.words) and greeting.confidence >= s["min_word_confidence"]
    formulas = find_phrases(greeting.words, ctx.phrases.get("greeting_formula", ()), role="agent", tolerant=True)
    if trusted and not opens_with_greeting(ctx, greeting):
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Das Gespräch beginnt nicht mit einer Begrüßung des Agenten.",
            "The call does not open with a greeting by the agent."))
    n_words, duration = len(greeting.words), greeting.duration_s
    # One cause, one finding: an agent who speaks slowly throughout (apathetic_voice's 'slow delivery') takes
    # longer over any greeting; the time limit stretches with the slowness, up to SLOW_STRETCH_MAX times.
    rate = ctx.measurements.roles["agent"].articulation_rate_sps
    slow_below = ctx.all_settings[APATHETIC]["articulation_min_sps"]
    slow = rate is not None and rate <= slow_below
    if not slow:
        stretch = 1.0
    elif trusted:
        stretch = min(SLOW_STRETCH_MAX, slow_below / max(rate, 1e-6))
    else:  # no word count to confirm the time: a slow agent gets the benefit of the doubt
        stretch = SLOW_STRETCH_MAX
    max_duration = s["max_duration_s"] * stretch
    # Time decides; the word count confirms the time went into words (garbled words are not counted).
    long_time = duration > max_duration
    too_long = long_time and (n_words > s["max_words"] if trusted else True)
    too_formal = trusted and len(formulas) > s["max_formula_phrases"]
    measured = {"words": n_words, "formula_phrases": len(formulas), "word_confidence": round(greeting.confidence, 2),
                "duration_s": round(duration, 2), "judged_by": "words" if trusted else "duration",
                "ends_with_offer_of_help": greeting.offer_found, "slow_delivery": slow}
    threshold = {"max_words": s["max_words"], "max_formula_phrases": s["max_formula_phrases"],
                 "min_word_confidence": s["min_word_confidence"], "max_duration_s": round(max_duration, 2)}
    if not (too_long or too_formal) and duration > s["max_duration_s"] and slow:
        return RuleResult(RULE, "pass", pick(
            lang, f"Begrüßung {duration:.1f} s, für einen durchgehend langsam sprechenden Agenten kurz genug "
                  f"({rate:.1f} Silben/s, siehe apathetic_voice).",
            f"Greeting takes {duration:.1f} s, short enough for an agent who speaks slowly throughout "
            f"({rate:.1f} syllables/s, see apathetic_voice)."))
    if not (too_long or too_formal):
        return RuleResult(RULE, "pass", pick(
            lang, f"Begrüßung kurz genug: {duration:.1f} s, {n_words} Wörter, {len(formulas)} Floskeln.",
            f"Greeting is short enough: {duration:.1f} s, {n_words} words, {len(formulas)} stock phrases."))
    excess = max((duration - max_duration) / max_duration if too_long else 0.0,
                 (len(formulas) - s["max_formula_phrases"]) / 2 if too_formal else 0.0)
    quote = " ".join(w.text for w in greeting.words[:30]) + (" …" if n_words > 30 else "")
    finding = Finding(
        rule=RULE, title=TITLE[lang],
        severity="major" if too_long and too_formal else "minor",
        confidence=confidence_from(excess=excess, recognition=greeting.confidence if greeting.words else None),
        measured=measured, threshold=threshold,
        evidence=(Evidence(greeting.start_s, greeting.end_s, "agent", quote), *formulas),
        tip=pick(lang,
                 "Kurz und persönlich: „Grumps und Söhne, Sonja Müller, guten Tag.“ Firma, Vor- und "
                 "Nachname, Gruß – mehr braucht es nicht; der Anrufer kommt dann von selbst zu seinem Anliegen.",
                 "Keep it short and personal: \"Grumps and Sons, Sam Miller speaking, good morning.\" "
                 "Company, your name, a greeting: the caller will tell you why they called."),
    )
    why = [pick(lang, f"{duration:.1f} s mit {n_words} Wörtern", f"{duration:.1f} s, {n_words} words")] if too_long else []
    if too_formal:
        why.append(pick(lang, f"{len(formulas)} Floskeln", f"{len(formulas)} stock phrases"))
    return RuleResult(RULE, "fail", pick(lang, "Begrüßung zu lang: ", "Greeting too long: ") + ", ".join(why) + ".",
                      finding)


def opens_with_greeting(ctx: RuleContext, greeting: Greeting) -> bool:
    """True when a greeting word or formula starts among the turn's first words (`greeting_within_words`).

    "... we are glad to welcome his gospel" is a sentence that contains a
    greeting word, not a greeting; an opening names the company, the agent and
    the greeting within its first few words.
    """
    tokens = tokenize(greeting.words)
    lists = (*ctx.phrases.get("greeting", ()), *ctx.phrases.get("greeting_formula", ()))
    return any(m.start < ctx.settings["greeting_within_words"] for m in find(tokens, lists, tolerant=True))
