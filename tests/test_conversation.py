"""Turn-taking on planned timelines: interruptions, backchannels, gaps, dead air."""

from __future__ import annotations

import pytest

from callcheck.measure.conversation import build_turns, dead_air, interruptions, overlap_s, response_gaps
from callcheck.measure.settings import MeasureSettings
from callcheck.records import Region, Word


def words(spec):
    """[(start, end, text), ...] -> Words."""
    return tuple(Word(s, e, t, 0.9) for s, e, t in spec)


def turns_for(agent, customer, agent_words=(), customer_words=(), language="en", **overrides):
    settings = MeasureSettings(**overrides)
    regions = {"agent": [Region(*r) for r in agent], "customer": [Region(*r) for r in customer]}
    spoken = {"agent": words(agent_words), "customer": words(customer_words)}
    return build_turns(regions, spoken, language=language, settings=settings), settings


def test_planned_overlap_is_an_interruption_with_its_words():
    # Customer speaks 0-6 s; the agent barges in at 4.0 s and talks over them for 2 s.
    turns, settings = turns_for(
        agent=[(4.0, 8.0)], customer=[(0.0, 6.0)],
        agent_words=[(4.0, 4.4, "no"), (4.5, 5.0, "listen"), (5.1, 6.0, "please")],
        customer_words=[(0.2, 5.8, "my order never arrived")],
    )
    (event,) = interruptions(turns, settings=settings)
    assert event.interrupter == "agent"
    assert event.start_s == pytest.approx(4.0)
    assert event.end_s == pytest.approx(6.0)
    assert event.overlap_s == pytest.approx(2.0)
    assert event.words == "no listen please"


def test_cut_off_customer_counts_even_with_a_short_overlap():
    # Overlap only 0.5 s, but the customer stops 0.5 s after the agent's onset.
    turns, settings = turns_for(agent=[(5.5, 9.0)], customer=[(0.0, 6.0)],
                                agent_words=[(5.5, 8.5, "let me stop you there")])
    assert [e.interrupter for e in interruptions(turns, settings=settings)] == ["agent"]


def test_customer_who_pauses_at_the_barge_in_and_talks_on_still_holds_the_floor():
    # The customer breathes 13.0-13.3 s just as the agent barges in at 12.8 s, then talks on
    # over the agent until 14.4 s: the turn splits, but the overlap counts both pieces.
    turns, settings = turns_for(
        agent=[(12.8, 16.0)], customer=[(8.0, 13.0), (13.3, 14.4)],
        agent_words=[(12.8, 15.9, "I have saved the new address")],
        customer_words=[(8.1, 12.9, "we now live at twelve Garden Street"), (13.3, 14.4, "post code")],
    )
    (event,) = interruptions(turns, settings=settings)
    assert event.start_s == pytest.approx(12.8)
    assert event.overlap_s == pytest.approx(0.2 + 1.1)
    assert event.end_s == pytest.approx(14.4)


def test_answer_after_a_cut_off_is_a_new_turn_not_more_overlap():
    # The agent cuts the customer off at 5.2 s (customer stops at 6.0) and asks; the customer answers at 7.9 s.
    turns, settings = turns_for(
        agent=[(5.2, 7.6)], customer=[(0.0, 6.0), (7.9, 9.0)],
        agent_words=[(5.2, 7.5, "what is your number")],
        customer_words=[(0.1, 5.9, "the bill is wrong again and"), (7.9, 9.0, "four five")],
    )
    assert [(e.interrupter, e.start_s) for e in interruptions(turns, settings=settings)] == [("agent", 5.2)]


def test_interrupter_pausing_while_the_other_talks_on_keeps_one_turn():
    # The customer barges in at 21.7 s while the agent talks until 23.0 s, with a 0.26 s breath at 22.46 s.
    turns, settings = turns_for(
        agent=[(18.0, 23.0)], customer=[(21.7, 22.46), (22.72, 25.0)],
        agent_words=[(18.1, 22.9, "the delivery comes next week on Monday")],
        customer_words=[(21.7, 22.4, "next week"), (22.72, 24.9, "that is far too late")],
    )
    customer = [t for t in turns if t.role == "customer"]
    assert [(t.start_s, t.end_s) for t in customer] == [(21.7, 25.0)]
    (event,) = interruptions(turns, settings=settings)
    assert (event.interrupter, event.start_s) == ("customer", 21.7)


def test_a_barge_in_split_at_a_breath_is_one_barge_in_with_both_overlaps():
    # The agent barges in at 4.0 s, breathes 4.5-4.9 s while the customer starts a new phrase (4.6 s), and talks
    # on: two agent turns, one barge-in over the customer's speech from 4.0 s until they stop at 5.5 s.
    turns, settings = turns_for(
        agent=[(4.0, 4.5), (4.9, 5.6)], customer=[(0.0, 4.55), (4.6, 5.5)],
        agent_words=[(4.0, 4.4, "as"), (4.9, 5.5, "I said")],
        customer_words=[(0.1, 4.5, "the heating is broken again"), (4.6, 5.4, "since Monday")],
    )
    assert [t.start_s for t in turns if t.role == "agent"] == [4.0, 4.9]
    (event,) = interruptions(turns, settings=settings)
    assert (event.interrupter, event.start_s, event.end_s) == ("agent", 4.0, 5.5)
    assert event.overlap_s == pytest.approx(0.55 + 0.9)  # the customer's speech during the barge-in, breath included


def test_a_barge_in_after_a_short_one_that_did_not_count_is_judged_on_its_own():
    # "wait" (0.2 s over the agent) does not count; 1.9 s later the customer cuts the agent off: that counts.
    turns, settings = turns_for(
        agent=[(0.0, 7.5), (7.6, 10.0)], customer=[(7.2, 7.4), (9.3, 12.0)],
        agent_words=[(0.1, 7.4, "so the new contract starts in May"), (7.6, 9.9, "and the price stays the same")],
        customer_words=[(7.2, 7.4, "wait"), (9.3, 12.0, "no that is wrong")],
    )
    (event,) = interruptions(turns, settings=settings)
    assert (event.interrupter, event.start_s) == ("customer", 9.3)


def test_backchannel_is_not_an_interruption_and_does_not_split_the_turn():
    turns, settings = turns_for(
        agent=[(0.0, 4.0), (4.6, 9.0)], customer=[(3.0, 3.4)],
        agent_words=[(0.1, 3.9, "so first you open the app"), (4.6, 8.9, "then you tap settings")],
        customer_words=[(3.0, 3.4, "mhm")],
    )
    assert interruptions(turns, settings=settings) == []
    floor = [t for t in turns if not t.backchannel]
    assert [(t.role, t.start_s, t.end_s) for t in floor] == [("agent", 0.0, 9.0)]
    assert [t.text for t in turns if t.backchannel] == ["mhm"]


def test_a_backchannel_word_said_in_one_breath_with_a_barge_in_starts_it():
    # "Sure, | what is your customer number?" over the caller, 0.26 s between the two (espeak-ng test call):
    # the barge-in starts at "Sure", and talks over the caller for 1.6 s, not 0.8 s.
    turns, settings = turns_for(
        agent=[(6.90, 7.42), (7.68, 9.31)], customer=[(4.26, 8.48)],
        agent_words=[(6.9, 7.4, "Sure,"), (7.7, 9.3, "what is your customer number?")],
        customer_words=[(4.3, 8.4, "I would like to book a garden maintenance appointment for the spring")],
    )
    (event,) = interruptions(turns, settings=settings)
    assert event.start_s == pytest.approx(6.90) and event.overlap_s == pytest.approx(1.58)
    # "Ja, genau." as the agent finishes, the caller's own turn 0.45 s later, after the agent stopped: a backchannel
    turns, settings = turns_for(
        agent=[(15.3, 20.96)], customer=[(20.58, 20.95), (21.40, 24.0)],
        agent_words=[(15.4, 20.9, "die Lieferung kommt nächste Woche am Dienstag")],
        customer_words=[(20.6, 20.9, "genau."), (21.4, 24.0, "Erst nächste Woche? Na gut, danke.")], language="de",
    )
    assert [t.text for t in turns if t.backchannel] == ["genau."]
    assert interruptions(turns, settings=settings) == []
    # a real listener's "mhm" a second before the same speaker's own turn stays a backchannel
    turns, _ = turns_for(agent=[(3.0, 3.3), (4.5, 6.0)], customer=[(0.0, 4.2)],
                         agent_words=[(3.0, 3.3, "mhm"), (4.5, 6.0, "okay let me check")],
                         customer_words=[(0.1, 4.1, "my order never arrived")])
    assert [t.text for t in turns if t.backchannel] == ["mhm"]


def test_a_word_said_as_the_caller_stops_and_carried_on_after_a_breath_starts_the_answer():
    # "Oh, | I'm really sorry about that" (flite test call): "Oh," as the caller stops, 0.29 s of comma pause:
    # the answer is instant, not 0.64 s late after a listener's "Oh"
    turns, _ = turns_for(agent=[(10.52, 10.88), (11.17, 14.88)], customer=[(4.48, 10.53)],
                         agent_words=[(10.5, 10.8, "Oh,"), (11.2, 14.8, "I'm really sorry about that")],
                         customer_words=[(4.5, 10.5, "our trip was cancelled and we still have no refund")])
    assert not any(t.backchannel for t in turns)
    (gap,) = response_gaps(turns)
    assert gap.gap_s == pytest.approx(-0.01)
    # a wordless sound before the answer (a breath, a click) does not start it, nor does a word long after
    turns, _ = turns_for(agent=[(10.8, 10.9), (11.3, 14.0)], customer=[(4.48, 10.5)],
                         agent_words=[(11.3, 14.0, "I'm really sorry about that")],
                         customer_words=[(4.5, 10.5, "our trip was cancelled and we still have no refund")])
    assert response_gaps(turns)[0].gap_s == pytest.approx(0.8)
    turns, _ = turns_for(agent=[(12.0, 12.3), (12.6, 14.0)], customer=[(4.48, 10.5)],
                         agent_words=[(12.0, 12.3, "Okay,"), (12.6, 14.0, "here it is")],
                         customer_words=[(4.5, 10.5, "our trip was cancelled and we still have no refund")])
    assert response_gaps(turns)[0].gap_s == pytest.approx(2.1)
    # the same "Oh," said over the caller's last words is a listener's signal
    turns, _ = turns_for(agent=[(10.2, 10.56), (10.85, 14.0)], customer=[(4.48, 10.53)],
                         agent_words=[(10.2, 10.5, "Oh,"), (10.9, 14.0, "I'm really sorry about that")],
                         customer_words=[(4.5, 10.5, "our trip was cancelled and we still have no refund")])
    assert [t.text for t in turns if t.backchannel] == ["Oh,"]


def test_german_backchannel_and_late_overlap_that_is_just_jitter():
    turns, settings = turns_for(
        agent=[(5.9, 9.0)], customer=[(0.0, 6.0), (7.0, 7.5)],
        agent_words=[(5.9, 8.0, "gut dann schaue ich nach")],
        customer_words=[(0.5, 5.5, "die Rechnung stimmt nicht"), (7.0, 7.5, "genau")],
        language="de",
    )
    assert interruptions(turns, settings=settings) == []  # 0.1 s overlap < overlap_min_s
    assert any(t.backchannel and t.text == "genau" for t in turns)


def test_response_gaps_list_each_agent_answer():
    turns, _ = turns_for(agent=[(0.0, 2.0), (5.5, 7.0), (9.8, 12.0)], customer=[(2.3, 5.0), (7.4, 10.0)],
                         agent_words=[(0, 2, "hello"), (5.5, 7, "sure"), (9.8, 12, "okay so")],
                         customer_words=[(2.3, 5, "my bill"), (7.4, 10, "it is wrong")])
    gaps = response_gaps(turns)
    assert [(g.start_s, round(g.gap_s, 2)) for g in gaps] == [(5.0, 0.5), (10.0, -0.2)]


def test_dead_air_and_overlap():
    agent = [Region(0.0, 2.0), Region(9.0, 10.0)]
    customer = [Region(1.5, 4.0)]
    assert dead_air([agent, customer], min_s=3.0) == [Region(4.0, 9.0)]
    assert dead_air([agent, customer], min_s=6.0) == []
    assert overlap_s(agent, customer) == pytest.approx(0.5)


def test_long_silence_splits_a_turn():
    turns, _ = turns_for(agent=[(0.0, 2.0), (5.0, 6.0)], customer=[],
                         agent_words=[(0, 2, "hello there"), (5, 6, "anyone")])
    assert len([t for t in turns if t.role == "agent"]) == 2


def test_turn_talked_over_is_split_when_the_other_holds_the_floor_in_the_pause():
    # Customer 0-6 s; agent barges in at 5.0 and talks to 8.0; customer resumes at 8.5.
    turns, settings = turns_for(
        agent=[(5.0, 8.0)], customer=[(0.0, 6.0), (8.5, 10.0)],
        agent_words=[(5.0, 7.9, "wait a moment please")],
        customer_words=[(0.1, 5.9, "I called twice already"), (8.5, 9.9, "seven three nine")],
    )
    floor = [(t.role, t.start_s, t.end_s) for t in turns if not t.backchannel]
    assert floor == [("customer", 0.0, 6.0), ("agent", 5.0, 8.0), ("customer", 8.5, 10.0)]
    assert [e.interrupter for e in interruptions(turns, settings=settings)] == ["agent"]


def test_words_just_outside_a_region_are_kept():
    # Whisper puts "hello" 0.3 s before the detected speech; it still belongs to the turn.
    turns, _ = turns_for(agent=[(1.0, 2.0)], customer=[], agent_words=[(0.6, 0.9, "hello"), (1.1, 1.9, "there")])
    (turn,) = turns
    assert turn.text == "hello there" and not turn.backchannel
