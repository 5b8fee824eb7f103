"""Numbers as they are spoken, in German and English, for syllable counting.

Whisper writes "8.45", "2020" or "15%"; a speaker says "eight forty-five",
"twenty twenty", "fifteen percent". Only the spoken form has the right syllables.
"""

from __future__ import annotations

EN_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
           "fourteen fifteen sixteen seventeen eighteen nineteen").split()
EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
DE_ONES = ("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn "
           "vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn").split()
DE_TENS = "_ _ zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig".split()


def number_words(value: int, *, language: str) -> str:
    """A non-negative integer (< 10**9) as words, e.g. 21 -> "twenty one"/"einundzwanzig"."""
    if language == "de":
        return _de(value) if value else "null"
    return _en(value) if value else "zero"


def year_words(value: int, *, language: str) -> str:
    """A year as read aloud: 1984 -> "nineteen eighty four"/"neunzehnhundertvierundachtzig"."""
    if 1100 <= value <= 1999:
        hi, lo = divmod(value, 100)
        if language == "de":
            return _de(hi) + "hundert" + (_de(lo) if lo else "")
        return _en(hi) + (" " + (_en(lo) if lo >= 10 else "oh " + _en(lo)) if lo else " hundred")
    if language == "en" and 2010 <= value <= 2099:
        return "twenty " + _en(value % 100)
    return number_words(value, language=language)


def _en(n: int) -> str:
    parts = []
    for scale, name in ((10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= scale:
            parts.append(f"{_en(n // scale)} {name}")
            n %= scale
    if n >= 20:
        parts.append(EN_TENS[n // 10] + (f" {EN_ONES[n % 10]}" if n % 10 else ""))
    elif n:
        parts.append(EN_ONES[n])
    return " ".join(parts)


def _de(n: int) -> str:
    out = ""
    if n >= 10**6:
        millions, n = divmod(n, 10**6)
        out += ("eine Million " if millions == 1 else f"{_de(millions)} Millionen ")
    if n >= 1000:
        thousands, n = divmod(n, 1000)
        out += ("ein" if thousands == 1 else _de(thousands)) + "tausend"
    if n >= 100:
        hundreds, n = divmod(n, 100)
        out += ("ein" if hundreds == 1 else DE_ONES[hundreds]) + "hundert"
    if n >= 20:
        ones = n % 10
        out += (("ein" if ones == 1 else DE_ONES[ones]) + "und" if ones else "") + DE_TENS[n // 10]
    elif n:
        out += DE_ONES[n]
    return out.strip()
