"""Rules that judge the conversation: acknowledgement, greetings, listeners' signals, one cause one finding."""

from __future__ import annotations

import pytest

from callcheck.measure.conversation import Interruption, ResponseGap
from rulekit import DEFAULT_TURNS, evaluate, spoken, turn

GREETING_DE = DEFAULT_TURNS[0]


def empathy(*turns, language="en", **changes):
    return evaluate(turns=turns, language=language, **changes)[0]["lacks_empathy"]


# ---------------------------------------------------------------- lacks_empathy: acknowledgement in the conversation

@pytest.mark.parametrize("answer,kind", [
    ("I'm so sorry to hear that, what's your order number?", "empathy"),
    ("Let me fix that for you, what's your order number?", "ownership"),
    ("Oh, the lamp arrived broken yesterday. What is your order number?", "paraphrase"),
    ("When did you first notice it?", "clarifying"),
])
def test_any_kind_of_acknowledgement_counts(answer, kind):
    result = empathy(turn("agent", "Grumps and Sons, Sam speaking", start_s=0.5),
                     turn("customer", "my lamp arrived broken yesterday", start_s=3.0),
                     turn("agent", answer, start_s=5.5))
    assert result.outcome == "pass" and kind in result.reason.replace("clarifying question", "clarifying")


def test_the_issue_example_an_earlier_acknowledgement_carries():
    """'I'm sorry to hear that, that must be frustrating' first; the next complaint answered with a fix."""
    turns = (turn("agent", "Thanks for calling Bright Home, Emma speaking", start_s=0.5),
             turn("customer", "my washing machine stopped working it does not drain", start_s=3.0),
             turn("agent", "I'm sorry to hear that, that must be frustrating. Have you cleaned the filter?", start_s=6.5),
             turn("customer", "yes I cleaned the filter and it is still not draining", start_s=11.0),
             turn("agent", "Thanks for trying the filter, it sounds like the pump has failed, I'll book an engineer",
                  start_s=14.5))
    assert empathy(*turns).outcome == "pass"
    cold = turns[:2] + (turn("agent", "Have you cleaned the filter?", start_s=6.5),) + turns[3:4] + (
        turn("agent", "Then the pump has gone. Anything else?", start_s=14.5),)
    assert empathy(*cold).outcome == "fail"


def test_a_later_acknowledgement_does_not_excuse_an_ignored_first_problem():
    turns = (turn("agent", "Thanks for calling Bright Home, Emma speaking", start_s=0.5),
             turn("customer", "my order never arrived", start_s=3.0),
             turn("agent", "What is your order number?", start_s=5.5),
             turn("customer", "four five eight two", start_s=8.0),
             turn("agent", "Thank you. I will send you a new one today", start_s=10.5),
             turn("customer", "I have been waiting for two weeks already", start_s=14.0),
             turn("agent", "I'm sorry about that", start_s=17.0))
    result = empathy(*turns)
    assert result.outcome == "fail" and result.finding.measured["acknowledged"] == 1


def test_a_problem_told_over_consecutive_turns_is_one_problem():
    turns = (turn("agent", "Thanks for calling Bright Home, Emma speaking", start_s=0.5),
             turn("customer", "I have a problem with my order", start_s=3.0),
             turn("agent", "Sure, what is the order number?", start_s=5.5),
             turn("customer", "four five eight two, it arrived broken", start_s=8.0),
             turn("agent", "Oh no, I'm sorry, I'll send a new one", start_s=11.0))
    result = empathy(*turns)
    assert result.outcome == "pass" and result.finding is None


def test_a_caller_who_goes_on_explaining_is_answered_after_the_explanation():
    """The AWS call: the problem, then 11 s more of the story, then the agent's "I'm so sorry"."""
    opening = (turn("agent", "Thank you for calling Platinum Motors, how can I help you today?", start_s=0.5),
               turn("customer", "about two weeks ago I got a car from your dealership", start_s=6.9),
               turn("customer", "and the service light came on already", start_s=11.0))
    story = turn("customer", "and I know your mechanics are all in house so I wanted to give you guys a call and ask "
                 "how and why the lights come on", start_s=15.0)
    answer = turn("agent", "Of course, I'm so sorry for the inconvenience, what was your last name?",
                  start_s=story.end_s + 2.5)
    assert empathy(*opening, story, answer).outcome == "pass"
    cold = turn("agent", "What was your last name?", start_s=story.end_s + 2.5)
    assert empathy(*opening, story, cold).outcome == "fail"


def test_know_it_all_fails_even_after_an_apology():
    result = empathy(turn("agent", "Grumps and Sons, Sam speaking", start_s=0.5),
                     turn("customer", "my lamp arrived broken", start_s=3.0),
                     turn("agent", "sorry, but you should have checked the box", start_s=5.5))
    assert result.outcome == "fail" and result.finding.measured["know_it_all_phrases"] == 1


def test_german_ownership_and_paraphrase():
    problem = turn("customer", "meine Waschmaschine ist kaputt sie pumpt das Wasser nicht mehr ab", start_s=3.0)
    for answer in ("Ich kümmere mich sofort darum, wie ist Ihre Kundennummer?",
                   "Die Waschmaschine pumpt das Wasser nicht ab, seit wann denn?"):
        assert empathy(GREETING_DE, problem, turn("agent", answer, start_s=7.0), language="de").outcome == "pass"
    plain = empathy(GREETING_DE, problem, turn("agent", "Wie lautet Ihre Kundennummer?", start_s=7.0), language="de")
    assert plain.outcome == "fail"


def test_an_indistinct_agent_is_not_accused_of_a_missing_acknowledgement():
    problem = turn("customer", "my lamp arrived broken", start_s=3.0)
    answer = turn("agent", "what is your order number please", start_s=5.5)
    muffled = empathy(turn("agent", "Grumps and Sons, Sam speaking", start_s=0.5), problem, answer,
                      agent={"spectral_balance_db": -26.0})  # 21 dB duller than the customer: strong sign
    assert muffled.outcome == "not_applicable" and "indistinct" in muffled.reason


# ---------------------------------------------------------------- overlong_greeting: time and stiffness

def greeting(text: str, *, duration_s: float, language: str = "en", agent: dict | None = None,
             probability: float = 0.9):
    n = len(text.split())
    first = turn("agent", text, start_s=0.3, step_s=duration_s / n, probability=probability)
    rest = (turn("customer", "hello I have a question about my bill", start_s=duration_s + 1.0),)
    return evaluate(turns=(first, *rest), language=language, agent=agent)[0]["overlong_greeting"]


def test_a_modern_greeting_passes_even_with_13_words():
    assert greeting("Thank you for calling Grumps and Sons, Sam Miller speaking, how can I help you?",
                    duration_s=1.9).outcome == "pass"
    assert greeting("Firma Grumps, mein Name ist Sonja Müller, was kann ich für Sie tun?", duration_s=3.0,
                    language="de").outcome == "pass"


def test_the_textbook_formula_fails_as_stiff_and_a_long_greeting_as_long():
    stiff = greeting("Herzlich willkommen bei Grumps, mein Name ist Sonja Müller, was kann ich für Sie tun?",
                     duration_s=3.5, language="de")
    assert stiff.outcome == "fail" and stiff.finding.measured["formula_phrases"] == 3
    long = greeting("Good morning and a very warm welcome to the customer service team of Grumps and Sons, "
                    "the home of quality lamps since 1950, Sam here", duration_s=7.5)
    assert long.outcome == "fail" and long.finding.measured["duration_s"] > 6.0


def test_a_slow_short_greeting_is_not_an_overlong_one():
    assert greeting("Grumps and Sons, Sam Miller, good morning", duration_s=6.5).outcome == "pass"


def test_a_slow_agent_gets_time_in_proportion_but_not_for_ever():
    text = "Grumps and Sons, good morning, this is Sam Miller from the service team, how can I help you today?"
    assert greeting(text, duration_s=7.0).outcome == "fail"  # 19 words in 7 s at a fluent rate
    slow = greeting(text, duration_s=7.0, agent={"articulation_rate_sps": 2.5})  # apathetic_voice's 'slow delivery'
    assert slow.outcome == "pass" and "2.5" in slow.reason
    dragging = greeting(text, duration_s=9.5, agent={"articulation_rate_sps": 1.5})
    assert dragging.outcome == "fail" and dragging.finding.threshold["max_duration_s"] == 9.0  # stretched 1.5x at most


def test_a_slow_agent_whose_words_cannot_be_counted_gets_the_full_stretch():
    # a muffled, slow agent: the words (mean probability 0.3) cannot confirm that the time went into words
    def muffled(duration_s: float, rate: float):
        return greeting("Stadtwerke Nordheim, guten Tag, Lena Fischer, was kann ich tun?", duration_s=duration_s,
                        language="de", agent={"articulation_rate_sps": rate}, probability=0.3)
    assert muffled(6.9, 5.0).outcome == "fail"   # a fluent agent: the time alone decides
    slow = muffled(6.9, 2.85)                    # slow throughout (apathetic_voice reports it): 1.5x the time
    assert slow.outcome == "pass" and "apathetic_voice" in slow.reason
    assert muffled(9.5, 2.85).outcome == "fail"  # but not for ever


def test_the_greeting_ends_with_the_offer_of_help():
    text = "Grumps and Sons, Sam speaking, how can I help you today? I see you called yesterday about the lamp order"
    result = greeting(text, duration_s=8.0)
    assert result.outcome == "pass"
    assert "11 words" in result.reason  # up to 'today?'


def test_a_greeting_word_deep_inside_a_sentence_is_not_a_greeting():
    result = greeting("Mister Quilter is the apostle of the middle classes and we are glad to welcome his gospel",
                      duration_s=5.0)
    assert result.outcome == "not_applicable"


def test_the_name_part_after_a_misheard_thanks_and_a_long_company_name_still_opens_a_greeting():
    # "Vielen Dank für Ihren Anruf bei den Stadtwerken Nordheim, mein Name ist ...", the thanks misheard:
    # "mein Name ist" starts at word 10, where the standard German formula puts it after a two-word company
    text = "Vielen Dank zu Ihnen an dem Reichstag wer kann Nordheim, mein Name ist Lena Fischer, wie kann ich Ihnen " \
           "heute helfen?"
    result = greeting(text, duration_s=7.5, language="de")
    assert result.outcome == "fail" and result.finding.measured["duration_s"] > 6.0


# ---------------------------------------------------------------- impatient_voice: listeners and overlaps

def test_a_listening_agents_ja_ja_is_a_backchannel_not_impatience():
    listening = turn("agent", "Ja, ja.", start_s=6.4, step_s=0.25)
    turns = (*DEFAULT_TURNS[:2], listening, *DEFAULT_TURNS[2:])
    assert evaluate(turns=turns)[0]["impatient_voice"].outcome == "pass"  # between the customer's turns
    over = turn("agent", "Ja, ja.", start_s=4.0, step_s=0.3)  # while the customer (3.5-6.2 s) is speaking
    assert evaluate(turns=(*DEFAULT_TURNS[:2], over, *DEFAULT_TURNS[2:]))[0]["impatient_voice"].outcome == "fail"


def test_could_you_just_tell_me_is_a_request_not_impatience():
    def agent_says(text: str):
        turns = (*DEFAULT_TURNS[:2], turn("agent", text, start_s=7.0), *DEFAULT_TURNS[3:4])
        return evaluate(turns=turns, language="en")[0]["impatient_voice"]
    assert agent_says("All right, and could you just tell me why?").outcome == "pass"
    assert agent_says("Can you just tell me your ID number?").outcome == "pass"
    pressing = agent_says("Okay. Just tell me what you need, quickly.")
    assert pressing.outcome == "fail" and pressing.finding.measured["impatience_phrases"] == 1


def test_one_short_overlap_at_a_turn_end_is_not_impatience_but_talking_over_is():
    short = Interruption(12.0, 12.6, "agent", "okay so", 0.6)
    gaps = (ResponseGap(5.0, 0.4), ResponseGap(12.6, -0.6), ResponseGap(20.0, 0.5))
    outcomes, _ = evaluate(conversation={"interruptions": (short,), "response_gaps": gaps})
    assert outcomes["impatient_voice"].outcome == "pass"
    long = Interruption(12.0, 14.0, "agent", "okay so listen", 1.6)
    outcomes, _ = evaluate(conversation={"interruptions": (long,), "response_gaps": gaps})
    assert outcomes["impatient_voice"].outcome == "fail"
    repeated = (ResponseGap(5.0, -0.7), ResponseGap(12.6, -0.6), ResponseGap(20.0, 0.5))
    outcomes, _ = evaluate(conversation={"interruptions": (), "response_gaps": repeated})
    assert outcomes["impatient_voice"].outcome == "fail"  # early again and again


# ---------------------------------------------------------------- one cause, one finding

def test_a_muffled_channel_is_not_apathy():
    muffled = {"spectral_balance_db": -24.0, "level_vs_other_db": -6.5, "pitch_sd_st": 2.1, "dynamic_range_db": 11.0}
    outcomes, _ = evaluate(agent=muffled, customer={"spectral_balance_db": -4.0})
    assert outcomes["indistinct_speech"].outcome == "fail"
    apathy = outcomes["apathetic_voice"]
    assert apathy.outcome == "pass" and "indistinct_speech" in apathy.reason  # quiet only where the highs are missing
    quiet_too = dict(muffled, level_vs_other_db=-12.0)  # quiet below 1 kHz as well: that is quiet
    assert evaluate(agent=quiet_too, customer={"spectral_balance_db": -4.0})[0]["apathetic_voice"].outcome == "fail"


def test_a_long_greeting_is_not_rushing():
    greeting_turn = spoken("agent", "Einen wunderschönen guten Tag und herzlich willkommen bei Grumps und Söhne dem "
                                    "Fachhandel für Lampen und Leuchten in Ihrer Nähe mein Name ist Sonja Müller was "
                                    "kann ich heute für Sie tun", start_s=0.3)
    calm = (turn("customer", "ich habe eine Frage zu meiner Rechnung vom letzten Monat", start_s=9.0),
            spoken("agent", "gerne | ich schaue mir die Rechnung an | einen Moment bitte | so da ist sie",
                   start_s=12.5),
            turn("customer", "warum ist sie so hoch", start_s=19.0),
            spoken("agent", "da ist eine Nachzahlung drin | die erkläre ich Ihnen gern | das ist der Zählerstand",
                   start_s=21.5))
    outcomes, _ = evaluate(turns=(greeting_turn, *calm))
    assert outcomes["overlong_greeting"].outcome == "fail"
    rushed = outcomes["rushed_voice"]
    assert rushed.outcome == "pass" and rushed.finding is None  # pauses measured without the greeting
