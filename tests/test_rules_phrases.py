"""Phrase matching: tolerant of recognition errors for what credits the agent, strict for what accuses."""

from __future__ import annotations

import pytest

from callcheck.rules.base import find_phrases
from callcheck.rules.phrases import content_words, shared_content, similar, stem
from rulekit import words


def found(text: str, phrases, *, tolerant: bool, **options) -> list[str]:
    return [e.quote for e in find_phrases(words(text, start_s=0.0), phrases, role="agent", tolerant=tolerant, **options)]


@pytest.mark.parametrize("heard,phrase", [
    ("das tut mir wirklich leid", "tut mir ... leid"),
    ("ich verstehen das", "ich verstehe"),             # a word form
    ("I apologise for that", "apologize"),              # one edit on a longer word
    ("ich kümmre mich darum", "ich kümmere mich"),      # one letter lost by the recogniser
    ("vielen Dank für Ihren Kunden Service", "Kundenservice"),  # split
    ("ich helfe Ihnen gern beim Kundenservice", "Kunden Service"),  # joined
    ("thank you for calling", "Thank you for calling"),  # case and punctuation never matter
    ("vielen Dank für jeden Anruf", "vielen Dank für Ihren Anruf"),  # one inner word misheard in a long phrase
    ("how may I fit you today", "how may I help you"),
    ("entschuldigen Sie den Ärger", "Entschuldigung"),  # the verb and the noun of an apology share a stem
])
def test_tolerant_matching_allows_recognition_errors(heard, phrase):
    assert found(heard, [phrase], tolerant=True)


@pytest.mark.parametrize("heard,phrase", [
    ("ich verstehen das", "ich verstehe"),
    ("I apologise for that", "apologize"),
    ("ja ja", "jaja"),
])
def test_strict_matching_is_word_for_word(heard, phrase):
    assert not found(heard, [phrase], tolerant=False)


def test_a_misheard_word_is_tolerated_only_inside_a_long_phrase():
    assert not found("tut dir leid", ["tut mir leid"], tolerant=True)  # three words: all must match
    assert not found("jeden Dank für Ihren Anruf", ["vielen Dank für Ihren Anruf"], tolerant=True)  # not the first
    assert not found("vielen Dank für jeden Besuch", ["vielen Dank für Ihren Anruf"], tolerant=True)  # two differ
    assert not found("wie ich bereits erwähnt", ["wie ich bereits sagte"], tolerant=False)  # accusations: strict


def test_short_words_need_an_exact_match_even_when_tolerant():
    assert not found("das ist mir lieb", ["mir leid"], tolerant=True)  # 'lieb' / 'leid': two edits, short
    assert not found("it is still okay", ["stall"], tolerant=True)
    assert similar("leider", "leider") and not similar("leider", "leid")  # 'leid' is no form of 'leider'


def test_a_match_never_runs_across_sentence_punctuation():
    assert found("Ja, ja, schon gut.", ["ja ja"], tolerant=False) == ["Ja, ja,"]
    assert not found("Ja. Ja, das stimmt.", ["ja ja"], tolerant=False)  # two answers, not 'ja ja'
    assert not found("Das hätten Sie. Dann müssen wir", ["das hätten Sie ... müssen"], tolerant=False)
    assert found("das hätten Sie vorher lesen müssen", ["das hätten Sie ... müssen"], tolerant=False)


def test_a_negation_just_before_cancels_the_match_within_the_sentence():
    assert not found("das ist kein Problem", ["Problem"], tolerant=True, negations=["kein"])
    assert found("Nein. Problem ist die Rechnung", ["Problem"], tolerant=True, negations=["nein"])


def test_overlapping_matches_of_two_phrases_count_once():
    assert found("herzlich willkommen bei Grumps", ["herzlich willkommen", "willkommen bei"], tolerant=True) == [
        "herzlich willkommen"]


def test_content_words_leave_out_function_words_numbers_and_fillers():
    assert content_words(words("Okay, so my order number is 4 5 8 2", start_s=0.0), language="en") == {"order", "number"}
    assert stem("bestellten") == stem("bestellte") == "bestell"


def test_shared_content_finds_a_paraphrase_despite_word_forms():
    problem = words("you just got it serviced and when you drove off the light came on", start_s=0.0)
    answer = words("so the service light came on right after the servicing?", start_s=5.0)
    assert {"light", "came"} <= shared_content(problem, answer, language="en")
