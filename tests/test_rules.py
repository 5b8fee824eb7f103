"""Each of the eight rules on scripted measurements: fail, pass, not applicable, boundary."""

from __future__ import annotations

import dataclasses

import pytest

from callcheck.config import load_config
from callcheck.measure.conversation import Interruption, ResponseGap
from callcheck.rules import RULE_IDS
from rulekit import DEFAULT_TURNS, evaluate, spoken, turn

CONFIG = load_config()


def test_rule_ids_are_the_fixed_eight():
    assert RULE_IDS == ("toneless_voice", "apathetic_voice", "impatient_voice", "overlong_greeting",
                        "rushed_voice", "indistinct_speech", "too_fast", "lacks_empathy")


def test_a_neutral_call_passes_and_scores_100():
    outcomes, evaluation = evaluate()
    assert evaluation.score == 100.0
    assert evaluation.findings == ()
    assert outcomes["lacks_empathy"].outcome == "not_applicable"  # no problem voiced: not a pass


def test_toneless_fails_with_flat_windows_as_evidence():
    outcomes, evaluation = evaluate(agent={"pitch_sd_st": 1.2, "pitch_range_st": 3.0},
                                    agent_windows=[{"pitch_sd_st": 1.0}, {"pitch_sd_st": 1.1}, {"pitch_sd_st": 2.5}])
    result = outcomes["toneless_voice"]
    assert result.outcome == "fail"
    finding = result.finding
    assert finding.measured["pitch_sd_st"] == 1.2 and finding.threshold["pitch_sd_max_st"] == 2.0
    assert [(e.start_s, e.end_s) for e in finding.evidence] == [(0.0, 10.0), (10.0, 20.0)]
    assert "Betonen" in finding.tip
    assert evaluation.score < 100


@pytest.mark.parametrize("sd,outcome", [(2.0, "fail"), (2.01, "pass")])
def test_toneless_boundary(sd, outcome):
    outcomes, _ = evaluate(agent={"pitch_sd_st": sd, "pitch_range_st": 3.5})
    assert outcomes["toneless_voice"].outcome == outcome


def test_toneless_not_applicable_without_voiced_speech():
    outcomes, _ = evaluate(agent={"voiced_s": 1.0})
    assert outcomes["toneless_voice"].outcome == "not_applicable"


def test_apathetic_needs_several_signs():
    one_sign, _ = evaluate(agent={"pitch_sd_st": 2.1})
    assert one_sign["apathetic_voice"].outcome == "pass"
    outcomes, _ = evaluate(agent={"pitch_sd_st": 2.1, "level_vs_other_db": -8.0, "dynamic_range_db": 10.0},
                           customer={"dynamic_range_db": 18.0},  # the customer's speech varies little too: not a blur
                           conversation={"response_gap_median_s": 1.8,
                                         "response_gaps": (ResponseGap(5.0, 1.8), ResponseGap(20.0, 2.0))})
    result = outcomes["apathetic_voice"]
    assert result.outcome == "fail" and result.finding.measured["signs"] == 4
    assert [e.start_s for e in result.finding.evidence] == [5.0, 20.0]


def test_impatient_interruption_and_phrase():
    barge_in = Interruption(12.0, 13.5, "agent", "ja ja kommen Sie zum Punkt", 1.5)
    turns = DEFAULT_TURNS + (turn("agent", "ja ja kommen Sie zum Punkt", start_s=12.0),)
    outcomes, _ = evaluate(conversation={"interruptions": (barge_in,), "interruptions_by_agent": 1}, turns=turns)
    finding = outcomes["impatient_voice"].finding
    assert finding.measured == {"agent_interruptions": 1, "early_starts": 0, "answers": 2, "impatience_phrases": 2}
    quotes = [e.quote for e in finding.evidence]
    assert "ja ja kommen Sie zum Punkt" in quotes and "ja ja" in quotes


def test_impatient_ignores_customer_interruptions_and_is_na_on_mono_without_phrases():
    by_customer = Interruption(12.0, 13.5, "customer", "warten Sie", 1.5)
    outcomes, _ = evaluate(conversation={"interruptions": (by_customer,), "interruptions_by_customer": 1})
    assert outcomes["impatient_voice"].outcome == "pass"
    mono, _ = evaluate(mono=True, conversation={"interruptions": None, "response_gaps": None})
    assert mono["impatient_voice"].outcome == "not_applicable"


def test_overlong_greeting_fails_with_a_short_formula_tip():
    greeting = turn("agent", "Herzlich willkommen bei Grumps und Söhne mein Name ist Sonja Müller-Lüdenscheid "
                             "was kann ich für Sie tun", start_s=0.3, step_s=0.4)  # 17 words, 6.8 s
    outcomes, _ = evaluate(turns=(greeting, *DEFAULT_TURNS[1:]))
    finding = outcomes["overlong_greeting"].finding
    assert finding.severity == "major"  # long and stiff
    assert finding.measured["formula_phrases"] == 3 and finding.measured["words"] == 17
    assert finding.measured["ends_with_offer_of_help"] is True
    assert "Grumps und Söhne, Sonja Müller, guten Tag" in finding.tip
    assert finding.evidence[0].quote.startswith("Herzlich willkommen")


@pytest.mark.parametrize("n_words,step_s,outcome", [
    (13, 0.15, "pass"),   # 13 words in 2 s: quick, not long
    (13, 0.47, "fail"),   # 13 words in 6.1 s: long
    (12, 0.52, "pass"),   # 6.2 s, but only 12 words: a slow short greeting ...
    (8, 0.8, "pass"),     # ... is apathetic_voice's business, not an overlong greeting
])
def test_overlong_greeting_duration_decides_words_confirm(n_words, step_s, outcome):
    greeting = turn("agent", " ".join(["Grumps", "guten", "Tag"] + ["Wort"] * (n_words - 3)), start_s=0.3, step_s=step_s)
    outcomes, _ = evaluate(turns=(greeting, *DEFAULT_TURNS[1:]))
    assert outcomes["overlong_greeting"].outcome == outcome


def test_a_call_that_does_not_open_with_a_greeting_is_not_judged():
    lecture = turn("agent", "and so my fellow Americans ask not what your country can do for you ask what you can do",
                   start_s=0.3)
    result = evaluate(turns=(lecture, *DEFAULT_TURNS[1:]), language="en")[0]["overlong_greeting"]
    assert result.outcome == "not_applicable" and "greeting" in result.reason
    garbled = turn("agent", " ".join(["Wort"] * 30), start_s=0.3, step_s=0.25, probability=0.3)  # 7.5 s, words untrusted
    assert evaluate(turns=(garbled, *DEFAULT_TURNS[1:]))[0]["overlong_greeting"].outcome == "fail"


RUN_ON = "ich sehe Ihre Rechnung sie ist vom dritten Mai und die Nachzahlung kommt vom geschätzten Zählerstand"


def rushed_call(*, pause_s: float | None, gap_s: float, answers: int = 3, method: str = "stereo", barge_ins: int = 0):
    """A call of `answers` customer questions, each answered by a 4 s agent turn after `gap_s`
    (split by one pause of `pause_s` when given); the first `barge_ins` answers start 1.2 s before the customer ends."""
    turns, t = [DEFAULT_TURNS[0]], 3.0
    for i in range(answers):
        turns.append(turn("customer", "und was heißt das für mich", start_s=t))
        t = turns[-1].end_s + (-1.2 if i < barge_ins else gap_s)
        text = RUN_ON if pause_s is None else RUN_ON.replace(" und ", " | und ")
        turns.append(spoken("agent", text, start_s=t, pause_s=pause_s or 0.0))
        t = turns[-1].end_s + 1.0
    gaps = tuple(ResponseGap(a.end_s, b.start_s - a.end_s) for a, b in zip(turns[1::2], turns[2::2], strict=False))
    return evaluate(turns=tuple(turns), conversation={"response_gaps": gaps, "method": method,
                                                      "response_gap_median_s": gaps[len(gaps) // 2].gap_s})[0]


def test_rushed_needs_two_signs():
    result = rushed_call(pause_s=None, gap_s=0.05)  # no pause in 4 s turns, every answer instant
    assert result["rushed_voice"].outcome == "fail"
    assert result["rushed_voice"].finding.measured["instant_answer_share"] == 1.0
    assert rushed_call(pause_s=None, gap_s=0.6)["rushed_voice"].outcome == "pass"  # breathless but answers calmly
    assert rushed_call(pause_s=0.6, gap_s=0.05)["rushed_voice"].outcome == "pass"  # quick answers, with breaths
    # in a mix no sub-quarter-second gap is trusted: at 0 s it may be an overlap, a short one a stop closure
    assert rushed_call(pause_s=None, gap_s=0.0, method="mixed mono: ...")["rushed_voice"].outcome == "pass"
    assert rushed_call(pause_s=None, gap_s=0.08, method="mixed mono: ...")["rushed_voice"].outcome == "pass"
    assert rushed_call(pause_s=None, gap_s=0.0)["rushed_voice"].outcome == "fail"
    # answers started over the customer are impatience's sign: the share is of the answers given after the customer
    both = rushed_call(pause_s=None, gap_s=0.05, answers=4, barge_ins=2)["rushed_voice"]
    assert both.outcome == "fail" and both.finding.measured["instant_answer_share"] == 1.0
    assert rushed_call(pause_s=None, gap_s=0.6, answers=4, barge_ins=2)["rushed_voice"].outcome == "pass"
    assert rushed_call(pause_s=None, gap_s=0.05, answers=3, barge_ins=2)["rushed_voice"].outcome == "pass"  # 1 left
    short, _ = evaluate(agent={"pauses_per_min": 0.0, "mean_run_syllables": 30.0})  # only short agent turns
    assert short["rushed_voice"].outcome == "not_applicable"


@pytest.mark.parametrize("repeats,outcome", [(4, "fail"), (2, "pass")])
def test_rushed_long_runs_judged_on_enough_speech_even_in_few_runs(repeats, outcome):
    # two answers without a breath, calmly timed: 2 runs only, but 2 x 16 s of speech is the sign itself (2 x 8 s is not)
    monologue = " ".join([RUN_ON] * repeats)
    turns = (DEFAULT_TURNS[0], turn("customer", "und was heißt das für mich", start_s=3.0))
    turns += (spoken("agent", monologue, start_s=turns[-1].end_s + 0.8),)
    turns += (turn("customer", "und dann", start_s=turns[-1].end_s + 0.5),)
    turns += (spoken("agent", monologue, start_s=turns[-1].end_s + 0.8),)
    result = evaluate(turns=turns)[0]["rushed_voice"]
    assert result.outcome == outcome
    if outcome == "fail":
        assert result.finding.measured["runs"] == 2 and result.finding.measured["judged_speaking_s"] >= 20


def test_indistinct_needs_two_signs_each_against_the_customer():
    mumbled = (turn("agent", "Grumps und Söhne Sonja Müller guten Tag", start_s=0.5, probability=0.3),
               DEFAULT_TURNS[1], turn("agent", "gerne wie lautet Ihre Kundennummer bitte", start_s=7.0, probability=0.35),
               DEFAULT_TURNS[3])
    unclear_only, _ = evaluate(turns=mumbled, agent={"spectral_balance_db": -8.0})
    assert unclear_only["indistinct_speech"].outcome == "fail"  # one strong sign: all unsure, the customer clear
    assert unclear_only["indistinct_speech"].finding.measured["strong_sign"] is True
    some = (turn("agent", "Grumps und Söhne Sonja Müller guten Tag", start_s=0.5, probability=0.3),
            DEFAULT_TURNS[1], turn("agent", "gerne wie lautet Ihre Kundennummer bitte", start_s=7.0), DEFAULT_TURNS[3],
            turn("agent", "Danke ich sehe Ihre Rechnung und erkläre sie Ihnen gern", start_s=11.5))
    assert evaluate(turns=some)[0]["indistinct_speech"].outcome == "pass"  # 7 of 22 words unsure: one weak sign ...
    customer_unsure = tuple(t if t.role == "agent" else turn(t.role, t.text, start_s=t.start_s, probability=0.3)
                            for t in mumbled)
    assert evaluate(turns=customer_unsure)[0]["indistinct_speech"].outcome == "pass"  # ... or the customer unsure too
    outcomes, _ = evaluate(turns=mumbled, agent={"spectral_balance_db": -18.0})  # unclear and 13 dB duller
    finding = outcomes["indistinct_speech"].finding
    assert finding.measured["low_confidence_share"] == 1.0 and finding.measured["signs"] == 2
    assert finding.measured["customer_low_confidence_share"] == 0.0  # the customer is clear on the same line
    bad_line = tuple(turn(t.role, t.text, start_s=t.start_s, probability=0.3) for t in DEFAULT_TURNS)
    same, _ = evaluate(turns=bad_line, agent={"spectral_balance_db": -18.0}, customer={"spectral_balance_db": -14.0})
    assert same["indistinct_speech"].outcome == "pass"  # both parties unclear and dull: the line, not the agent


def test_indistinct_counts_words_lost_to_the_recogniser():
    silent_agent = tuple(t if t.role == "customer" else dataclasses.replace(t, words=()) for t in DEFAULT_TURNS)
    outcomes, _ = evaluate(turns=silent_agent, agent={"syllables": 4, "spectral_balance_db": -20.0})
    finding = outcomes["indistinct_speech"].finding
    assert finding.measured["recognised_sps"] == round(4 / 30.0, 2)
    assert finding.measured["low_confidence_share"] is None  # no words to judge confidence on
    assert finding.evidence  # still points at the agent's speech
    # dull at exactly 10 dB; lost below 0.4 x the customer's 5.0 recognised syllables/s
    assert evaluate(agent={"spectral_balance_db": -15.0, "syllables": 59})[0]["indistinct_speech"].outcome == "fail"
    assert evaluate(agent={"spectral_balance_db": -15.0, "syllables": 60})[0]["indistinct_speech"].outcome == "pass"
    assert evaluate(agent={"speech_s": 2.0})[0]["indistinct_speech"].outcome == "not_applicable"


def test_indistinct_sees_a_narrow_codec_in_the_top_of_the_band():
    # AMR-NB 4.75 kbit/s cutting at 2.3 kHz: balance and the presence band as the customer's, 2.5-3.4 kHz gone
    line = {"spectral_balance_db": -8.0, "presence_db": -14.0, "top_db": -16.0}
    codec = {**line, "top_db": -46.0}
    outcomes, _ = evaluate(agent=codec, customer=line)
    finding = outcomes["indistinct_speech"].finding
    assert finding.measured["strong_sign"] is True and finding.measured["signs"] == 1  # 30 dB: no line explains it
    assert finding.measured["top_db"] == -46.0 and finding.threshold["strong_top_drop_db"] == 24.0
    # 20 dB below: dull, one sign (not enough alone); two recordings side by side differ by up to 12 dB
    assert evaluate(agent={**line, "top_db": -36.0}, customer=line)[0]["indistinct_speech"].outcome == "pass"
    assert evaluate(agent={**line, "top_db": -28.0}, customer=line)[0]["indistinct_speech"].outcome == "pass"
    # both parties behind the same narrow codec: the line, not the agent
    assert evaluate(agent=codec, customer=codec)[0]["indistinct_speech"].outcome == "pass"
    # dull by the top band and lost: two signs
    lost = evaluate(agent={**line, "top_db": -32.0, "syllables": 40}, customer=line)[0]["indistinct_speech"]
    assert lost.outcome == "fail" and lost.finding.measured["signs"] == 2


def test_too_fast_uses_the_language_norm_and_sustained_windows():
    fast = [{"articulation_rate_sps": 7.6}, {"articulation_rate_sps": 7.4}, {"articulation_rate_sps": 5.5}]
    alike = {"articulation_rate_sps": 5.8}  # a caller who talks about as fast: the norm decides
    outcomes, _ = evaluate(agent={"articulation_rate_sps": 7.2}, agent_windows=fast, language="de", customer=alike)
    finding = outcomes["too_fast"].finding
    assert finding.threshold["articulation_max_sps"] == 7.0 and len(finding.evidence) == 2
    one_burst = [{"articulation_rate_sps": 8.0}, {"articulation_rate_sps": 5.5}, {"articulation_rate_sps": 5.5}]
    burst, _ = evaluate(agent={"articulation_rate_sps": 6.0}, agent_windows=one_burst)
    assert burst["too_fast"].outcome == "pass"
    english, _ = evaluate(agent={"articulation_rate_sps": 7.3}, agent_windows=[{"articulation_rate_sps": 7.3}] * 3,
                          language="en", customer=alike)
    assert english["too_fast"].outcome == "fail" and english["too_fast"].finding.threshold["articulation_max_sps"] == 7.0
    brisk, _ = evaluate(agent={"articulation_rate_sps": 6.3}, agent_windows=[{"articulation_rate_sps": 6.3}] * 3,
                        language="en")
    assert brisk["too_fast"].outcome == "pass"  # Hebrew radio interviews run at 6.26: the top of fluent speech
    fluent, _ = evaluate(agent={"articulation_rate_sps": 5.8}, agent_windows=[{"articulation_rate_sps": 5.8}] * 3,
                         language="en")
    assert fluent["too_fast"].outcome == "pass"  # the AWS agent's rate: ordinary fluent conversation


def test_too_fast_against_a_much_slower_caller():
    fast = [{"articulation_rate_sps": 6.6}] * 3
    agent = {"articulation_rate_sps": 6.6}
    slow_caller, _ = evaluate(agent=agent, agent_windows=fast, customer={"articulation_rate_sps": 4.6})
    finding = slow_caller["too_fast"].finding  # 1.43x the caller and above the fluent range's top (6.3)
    assert finding.threshold["articulation_max_sps"] == 6.3 and finding.measured["caller_articulation_rate_sps"] == 4.6
    assert "Anrufer 4.6" in slow_caller["too_fast"].reason
    brisk_caller, _ = evaluate(agent=agent, agent_windows=fast, customer={"articulation_rate_sps": 5.5})
    assert brisk_caller["too_fast"].outcome == "pass"  # 1.2x: the two talk alike
    unclear_caller, _ = evaluate(agent=agent, agent_windows=fast,
                                 customer={"articulation_rate_sps": 4.6, "low_confidence_share": 0.4})
    assert unclear_caller["too_fast"].outcome == "pass"  # a badly recognised caller is no reference
    slow_both, _ = evaluate(agent={"articulation_rate_sps": 5.0}, agent_windows=[{"articulation_rate_sps": 5.0}] * 3,
                            customer={"articulation_rate_sps": 3.0})
    assert slow_both["too_fast"].outcome == "pass"  # a slow caller never makes fluent speech too fast
    assert evaluate(agent=agent, agent_windows=fast, mono=True)[0]["too_fast"].outcome == "pass"  # no caller


def test_too_fast_counts_misheard_words_but_not_lost_speech():
    # the agent's words recognised with probability 0.3 (the customer's 0.9): indistinct_speech's strong sign
    mumbled = (turn("agent", "Grumps und Söhne Sonja Müller guten Tag", start_s=0.5, probability=0.3),
               *DEFAULT_TURNS[1:4],
               turn("agent", "Danke ich sehe Ihre Rechnung und erkläre sie Ihnen gern", start_s=11.5, probability=0.3))
    fast = [{"articulation_rate_sps": 7.6}] * 3
    outcomes, _ = evaluate(agent={"articulation_rate_sps": 7.6}, agent_windows=fast, turns=mumbled)
    assert outcomes["indistinct_speech"].outcome == "fail"
    misheard = outcomes["too_fast"]  # misheard words still have about the right number of syllables
    assert misheard.outcome == "fail"
    clear, _ = evaluate(agent={"articulation_rate_sps": 7.6}, agent_windows=fast)
    assert misheard.finding.confidence < clear["too_fast"].finding.confidence  # but the count is shakier
    lost, _ = evaluate(agent={"articulation_rate_sps": 7.6, "syllables": 20}, agent_windows=fast, turns=mumbled)
    assert lost["too_fast"].outcome == "not_applicable"  # 20 syllables in 30 s of speech: the words were lost


def test_lacks_empathy_problem_without_acknowledgement():
    turns = (DEFAULT_TURNS[0],
             turn("customer", "meine Lieferung ist immer noch nicht angekommen das ist ärgerlich", start_s=3.5),
             turn("agent", "wie lautet Ihre Kundennummer", start_s=8.0))
    outcomes, _ = evaluate(turns=turns)
    result = outcomes["lacks_empathy"]
    assert result.outcome == "fail"
    assert [e.role for e in result.finding.evidence] == ["customer", "agent"]
    kind = (turns[0], turns[1], turn("agent", "oh das tut mir leid wie lautet Ihre Kundennummer", start_s=8.0))
    assert evaluate(turns=kind)[0]["lacks_empathy"].outcome == "pass"


def test_lacks_empathy_does_not_judge_a_garbled_answer():
    problem = turn("customer", "meine Lieferung ist immer noch nicht angekommen", start_s=3.5)
    garbled = (DEFAULT_TURNS[0], problem, turn("agent", "hast du mir reich wie lauter die Kunden ume", start_s=8.0,
                                               probability=0.4))
    result = evaluate(turns=garbled)[0]["lacks_empathy"]
    assert result.outcome == "not_applicable" and "nicht sicher erkannt" in result.reason
    clear = (DEFAULT_TURNS[0], problem, turn("agent", "wie lautet Ihre Kundennummer", start_s=8.0, probability=0.6))
    assert evaluate(turns=clear)[0]["lacks_empathy"].outcome == "fail"  # at the confidence threshold: judged


def test_lacks_empathy_know_it_all_phrase_english():
    turns = (turn("agent", "Grumps and Sons Sam speaking", start_s=0.5),
             turn("customer", "my lamp arrived broken", start_s=3.0),
             turn("agent", "sorry but you should have checked the box that's wrong", start_s=5.5))
    outcomes, _ = evaluate(turns=turns, language="en")
    finding = outcomes["lacks_empathy"].finding
    assert finding.measured["know_it_all_phrases"] == 2
    assert finding.tip.startswith("Acknowledge the feeling")


def test_report_language_can_differ_from_the_call():
    outcomes, _ = evaluate(agent={"pitch_sd_st": 1.0, "pitch_range_st": 2.0}, report_language="en")
    assert outcomes["toneless_voice"].finding.title == "Toneless, monotone voice"


def test_score_weights_and_severity(tmp_path):
    flat = {"pitch_sd_st": 1.8, "pitch_range_st": 3.0}  # a minor toneless finding
    outcomes, default = evaluate(agent=flat)
    applicable = sum(o.outcome != "not_applicable" for o in outcomes.values())
    assert applicable == 6  # rushed_voice and lacks_empathy cannot judge this short call
    assert default.score == pytest.approx(100 * (1 - 0.5 / applicable), abs=0.05)  # minor = half the weight
    path = tmp_path / "w.toml"
    path.write_text("[rules.toneless_voice]\nweight = 3.0\n")
    _, weighted = evaluate(agent=flat, config=load_config(path))
    assert weighted.score == pytest.approx(100 * (1 - 1.5 / (applicable + 2)), abs=0.05)


def test_no_score_when_too_few_rules_apply(tmp_path):
    from callcheck.rules import RuleResult, score

    config = load_config()
    two = [RuleResult("toneless_voice", "pass", "-"), RuleResult("too_fast", "pass", "-")] + [
        RuleResult(rule, "not_applicable", "-") for rule in RULE_IDS if rule not in ("toneless_voice", "too_fast")]
    assert score(two, config=config) is None  # 2 < min_applicable = 3
    path = tmp_path / "s.toml"
    path.write_text("[score]\nmin_applicable = 2\n")
    assert score(two, config=load_config(path)) == 100.0


@pytest.mark.parametrize("language,said", [("de", "alles gut kein Problem danke"), ("en", "that is not a problem thanks"),
                                           ("en", "no problem at all")])
def test_a_negated_problem_word_is_no_problem(language, said):
    turns = (DEFAULT_TURNS[0], turn("customer", said, start_s=3.5), turn("agent", "gerne", start_s=6.0))
    assert evaluate(turns=turns, language=language)[0]["lacks_empathy"].outcome == "not_applicable"
    broken = (DEFAULT_TURNS[0], turn("customer", "my lamp is broken", start_s=3.5), turn("agent", "okay", start_s=6.0))
    assert evaluate(turns=broken, language="en")[0]["lacks_empathy"].outcome != "not_applicable"


def test_a_polite_question_is_not_lecturing_but_a_reproach_is():
    problem = turn("customer", "meine Lampe ist kaputt angekommen", start_s=3.5)
    polite = (DEFAULT_TURNS[0], problem, turn("agent", "oh das tut mir leid Sie hätten gern eine neue Lampe", start_s=7.0))
    assert evaluate(turns=polite)[0]["lacks_empathy"].outcome == "pass"
    reproach = (DEFAULT_TURNS[0], problem,
                turn("agent", "das tut mir leid aber Sie hätten das Paket gleich prüfen müssen", start_s=7.0))
    finding = evaluate(turns=reproach)[0]["lacks_empathy"].finding
    assert finding.measured["know_it_all_phrases"] == 1
    assert "Sie hätten das Paket gleich prüfen müssen" in [e.quote for e in finding.evidence]
