"""E-mail addresses, written ("anna.schmidt@web.de") or spoken as Whisper writes them.

Spoken: a local part, an "at"/"ät"/"@", and a domain that ends in a dot word
and a top-level domain: "max punkt mustermann at gmx punkt de",
"sarah underscore jones at hotmail dot co dot uk", "k weber ät t minus online
punkt de". The domain must end in "punkt/dot" + a short word: that is what
keeps "I'm at 14 Oakfield Drive" and "Olivia at Brightline" out. The local part
runs back over joining words (punkt, dot, underscore, minus, dash, ...) and at
most two plain words, stopping at a pause or a function word ("ist", "is").
Whisper often writes the spoken "dot" as a full stop glued to the next word
("John .smith at gmail .com"); that counts as "dot" too. It may glue the "at"
as well ("John .smithatgmail .com"): a word holding "at"/"ät" that a glued
top-level domain follows is an address, with the words glued to it by a dot,
when a mail word comes just before or a local part is glued on ("weather .com"
and "www .datev .de" are web addresses).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .lexicon import Lexicon
from .numeric import Found
from .spoken import number_word
from .tokens import Token

_WRITTEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_DOMAIN_TOKEN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
AT_WORDS = frozenset({"at", "ät", "@", "äd"})
DOT_WORDS = frozenset({"punkt", "dot", "."})
JOIN_WORDS = frozenset({"punkt", "dot", "unterstrich", "underscore", "minus", "bindestrich", "strich", "dash",
                        "hyphen", "tiefstrich", "underline", "plus"})
# words that stand before an address, never in it (the local part stops there)
_BEFORE = frozenset("""mail e-mail email email's adresse address mailadresse e-mail-adresse ist is an to at ät mir me
my meine mein die der das the a ein eine und and oder or es it it's that's lautet heißt wäre also so ja yes yeah sure
okay ok bitte please einfach schreiben write send schicken sie you your ihre unter on under was were dann then""".split())
_GLUED_AT = re.compile(r"\.?[a-z0-9äöüß_-]+(?:at|ät)[a-z0-9äöüß-]+")
_GLUED_TLD = re.compile(r"\.[a-zäöü]{2,6}")
_MAIL_CUES = frozenset({"mail", "e-mail", "email", "mailadresse", "e-mail-adresse", "adresse", "address"})
_MAIL_CUE_WINDOW = 5  # tokens before a glued address that may hold the mail word ("my email is ...")
_MAX_LOCAL_WORDS = 2  # plain words without a joining word: "k weber", "jackson nineteen seventy"
_MAX_DOMAIN_WORDS = 3


def _label(tok: Token) -> bool:
    """A word that can be part of a domain or local part."""
    return bool(tok.core) and bool(re.fullmatch(r"[\w.-]+", tok.core)) and tok.low not in AT_WORDS


def _domain_end(tokens: Sequence[Token], a: int) -> int | None:
    """Last index of a spoken domain after the at-word at `a`, or None."""
    j = a + 1
    if j < len(tokens) and _DOMAIN_TOKEN.fullmatch(tokens[j].core):
        return j  # "at web.de"
    words = 0
    last_dot = None
    while j < len(tokens):
        tok = tokens[j]
        if j > a + 1 and re.fullmatch(r"\.[a-zäöü]{2,6}", tok.low):
            last_dot = j  # Whisper glues the spoken "dot" to the next word: "john .smith at gmail .com"
            j += 1
            if tok.ends_sentence:
                break
            continue
        if tok.low in DOT_WORDS and j + 1 < len(tokens) and _label(tokens[j + 1]):
            tld = tokens[j + 1]
            if re.fullmatch(r"[a-zäöü]{2,6}", tld.low) or _DOMAIN_TOKEN.fullmatch(tld.core):
                last_dot = j + 1
            j += 2
            if tokens[j - 1].ends_sentence:
                break
            continue
        if last_dot is not None:
            break
        if tok.low in JOIN_WORDS and j + 1 < len(tokens):
            j += 1
            continue
        if not _label(tok) or words >= _MAX_DOMAIN_WORDS:
            return None
        words += 1
        if tok.ends_sentence:
            return None
        j += 1
    return last_dot


def _local_start(tokens: Sequence[Token], a: int, lex: Lexicon) -> int | None:
    """First index of the local part before the at-word at `a`, or None."""
    start = None
    plain = 0
    k = a - 1
    while k >= 0:
        tok = tokens[k]
        if tok.low in JOIN_WORDS and start is not None and k > 0 and _label(tokens[k - 1]):
            start = k - 1  # whatever stands before "punkt"/"underscore" belongs to the address
            k -= 2
            continue
        if not _label(tok) or tok.low in _BEFORE or (k != a - 1 and tok.low in lex.stopwords):
            break  # a function word ends the local part, unless it stands right before "at" ("team at ...")
        if tok.trail and k != a - 1:
            break  # the pause before the address: "E-Mail, juergen1975 at ..."
        if number_word(tok.low, language=lex.language) is None:
            plain += 1
            if plain > _MAX_LOCAL_WORDS:
                break
        start = k
        k -= 1
    return start


def find_emails(tokens: Sequence[Token], lex: Lexicon) -> list[Found]:
    """Written e-mail tokens and spoken e-mail phrases."""
    found = []
    for i, tok in enumerate(tokens):
        if "@" in tok.core and _WRITTEN.search(tok.core):
            found.append(Found("EMAIL", i, i, "written"))
        elif tok.low in AT_WORDS:
            end = _domain_end(tokens, i)
            start = _local_start(tokens, i, lex) if end is not None else None
            if start is not None:
                found.append(Found("EMAIL", start, end, "spoken"))
        elif (_GLUED_AT.fullmatch(tok.low) and i + 1 < len(tokens) and _GLUED_TLD.fullmatch(tokens[i + 1].low)
              and not tok.ends_sentence and _mail_context(tokens, i)):
            found.append(Found("EMAIL", _glued_start(tokens, i), _glued_end(tokens, i + 1), "spoken"))
    return found


def _mail_context(tokens: Sequence[Token], i: int) -> bool:
    """A glued "...at..." word is an address only with evidence of one: a local part glued on by a dot
    ("John .smithatgmail") or a mail word just before; never a web address ("www .datev .de", "weather .com")."""
    before = [t.low for t in tokens[max(0, i - _MAIL_CUE_WINDOW):i]]
    if before and before[-1] == "www":
        return False
    return tokens[i].low.startswith(".") or any(w.strip(".,:;") in _MAIL_CUES for w in before)


def _glued_start(tokens: Sequence[Token], i: int) -> int:
    """"John .smithatgmail": the word before a token glued on by a dot belongs to the local part."""
    if tokens[i].low.startswith(".") and i > 0 and _label(tokens[i - 1]) and not tokens[i - 1].ends_sentence:
        return i - 1
    return i


def _glued_end(tokens: Sequence[Token], j: int) -> int:
    """The last of the glued-dot tokens from `j` on: "gmail .co .uk"."""
    while j + 1 < len(tokens) and _GLUED_TLD.fullmatch(tokens[j + 1].low) and not tokens[j].ends_sentence:
        j += 1
    return j
