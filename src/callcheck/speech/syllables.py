"""Syllables per word, German and English, digits and abbreviations as spoken.

Rates in syllables per second compare across languages (German words are longer
than English ones), which words per minute cannot. The counters are rule-based:
vowel nuclei with the common diphthongs and silent letters of each language.
"""

from __future__ import annotations

import re
from functools import lru_cache

from callcheck.speech.numbers import number_words, year_words

_EN_VOWELS = re.compile(r"[aeiouy]+")
_DE_NUCLEI = re.compile(r"(?:ei|ie|eu|äu|au|ai|ey|ay|aa|ee|oo|[aeiouyäöü])")
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
_SYMBOLS = {
    "en": {"%": "percent", "€": "euro", "$": "dollar", "&": "and", "+": "plus"},
    "de": {"%": "Prozent", "€": "Euro", "$": "Dollar", "&": "und", "+": "plus"},
}
# Letters whose names are longer than one syllable when spelled out.
_LONG_LETTERS = {"en": {"w": 3}, "de": {"y": 3}}
# Vowel pairs spoken as two syllables: "piano", "radio", "video", "actually".
_EN_HIATUS = re.compile(r"(?<![cgstx])i[ao]|eo|(?<!q)ua(?!r)|uo")
_EN_COMPOUND_TAILS = {"thing", "things", "one", "body", "where", "time", "times", "how", "way"}
_EN_EXCEPTIONS = {
    "every": 2, "everyone": 3, "business": 2, "different": 3, "evening": 2, "family": 3,
    "interest": 3, "interesting": 4, "area": 3, "idea": 3, "real": 1, "really": 2,
    "create": 2, "created": 3, "people": 2, "area's": 3, "naive": 2, "the": 1, "are": 1,
    "there": 1, "where": 1, "here": 1, "were": 1, "fire": 1, "hour": 1, "our": 1,
    "going": 2, "doing": 2, "seeing": 2, "okay": 2, "ok": 2, "mhm": 1,
    "hmm": 1, "uh": 1, "um": 1, "via": 2, "quiet": 2, "science": 2, "period": 3,
    "cambridge": 2, "whether": 2, "poem": 2, "experience": 4, "ideas": 3,
    "theatre": 3, "theater": 3, "lion": 2, "union": 2, "being": 2, "ocean": 2,
    "anyway": 3, "yes": 1, "maybe": 2, "whole": 1, "one": 1, "once": 1, "someone": 2,
}


def count_syllables(text: str, *, language: str) -> int:
    """Syllables in `text` (one or more words) as spoken in `language` ("de"|"en")."""
    language = "de" if language == "de" else "en"
    for symbol, word in _SYMBOLS[language].items():
        text = text.replace(symbol, f" {word} ")
    return sum(_token_syllables(token, language) for token in _TOKEN.findall(text))


@lru_cache(maxsize=65_536)
def _token_syllables(token: str, language: str) -> int:
    if token[0].isdigit():
        return count_syllables(_spoken_number(token, language), language=language)
    if _is_abbreviation(token):
        long_letters = _LONG_LETTERS[language]
        return sum(long_letters.get(ch, 1) for ch in token.lower())
    word = token.lower().replace("’", "'")
    if language == "de":
        return _german(word)
    return _english(word)


def _spoken_number(token: str, language: str) -> str:
    """"8.45" -> "eight forty five", "2020" -> "twenty twenty", "1,5" -> "one comma five"."""
    parts = re.split(r"[.,:]", token)
    if len(parts) == 1:
        value = int(token)
        if len(token) == 4:
            return year_words(value, language=language)
        return number_words(value, language=language) if len(token) <= 9 else " ".join(
            number_words(int(d), language=language) for d in token
        )
    joiner = {"de": " Komma ", "en": " point "}[language] if "," in token and language == "de" else " "
    return joiner.join(number_words(int(p), language=language) for p in parts if p)


def _is_abbreviation(token: str) -> bool:
    """All-capital short tokens without a pronounceable vowel pattern (DHL, PDF, USA)."""
    return 2 <= len(token) <= 5 and token.isupper() and token.isalpha()


def _english(word: str) -> int:
    word = re.sub(r"'(s|ll|re|ve|d|m|t)$", "", word).replace("'", "")
    if word in _EN_EXCEPTIONS:
        return _EN_EXCEPTIONS[word]
    for prefix in ("some", "every", "any", "no"):
        if word.startswith(prefix) and word[len(prefix):] in _EN_COMPOUND_TAILS:
            return _english(prefix) + _english(word[len(prefix):])
    count = len(_EN_VOWELS.findall(word))
    if count > 1 and word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        if not (word.endswith("le") and word[-3] not in "aeiouy"):
            count -= 1  # silent final e: "make", "time"; but "table" keeps its -le
    if count > 1 and re.search(r"[^aeiouytd]ed$", word):
        count -= 1  # "booked", "called"; "wanted" keeps -ed
    if count > 1 and re.search(r"[^aeiouy]es$", word) and not re.search(r"(?:[sxzcg]|ch|sh)es$", word):
        count -= 1  # "makes", "times"; "prices", "boxes" keep -es
    count -= len(re.findall(r"[^aeiouy]ely$", word))  # "lately", "unfortunately"
    return max(1, count + len(_EN_HIATUS.findall(word)))


def _german(word: str) -> int:
    word = word.replace("'", "")
    count = len(_DE_NUCLEI.findall(word))
    return max(1, count)
