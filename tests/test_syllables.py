"""Syllable counting in German and English, numbers and abbreviations as spoken."""

from __future__ import annotations

import pytest

from callcheck.speech.numbers import number_words, year_words
from callcheck.speech.syllables import count_syllables


@pytest.mark.parametrize("text,expected", [
    ("Herzlich willkommen bei Grumps und Söhne", 10),
    ("mein Name ist Sonja Müller-Lüdenscheid", 11),
    ("Entschuldigung, die Lieferung ist leider noch nicht da", 14),
    ("Beispiel heute Euro Frau", 7),
    ("Situation", 5),
])
def test_german(text, expected):
    assert count_syllables(text, language="de") == expected


@pytest.mark.parametrize("text,expected", [
    ("ask not what your country can do for you", 10),
    ("the package arrived damaged on Saturday", 11),
    ("I booked a table and called the service", 10),
    ("radio video piano", 9),
    ("unfortunately everything is different", 12),
    ("the nation's information", 7),
])
def test_english(text, expected):
    assert count_syllables(text, language="en") == expected


@pytest.mark.parametrize("text,language,spoken", [
    ("21", "de", "einundzwanzig"),
    ("21", "en", "twenty one"),
    ("1984", "de", "neunzehnhundertvierundachtzig"),
    ("2020", "en", "twenty twenty"),
    ("4711", "de", "viertausendsiebenhundertelf"),
    ("8.45", "en", "eight forty five"),
    ("15%", "de", "fünfzehn Prozent"),
    ("DHL", "de", "de ha el"),
    ("PDF", "en", "pea dee eff"),
])
def test_numbers_and_abbreviations_count_as_spoken(text, language, spoken):
    assert count_syllables(text, language=language) == count_syllables(spoken, language=language)


def test_number_words():
    assert number_words(101, language="en") == "one hundred one"
    assert number_words(1_000_001, language="de") == "eine Million eins"
    assert year_words(1905, language="en") == "nineteen oh five"
    assert year_words(2005, language="en") == "two thousand five"
