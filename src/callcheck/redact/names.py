"""Names of people: after a trigger, from the call's metadata, and spelled letter by letter.

Without a German NER model on PyPI, names are found where a speaker signals
them. Strong triggers ("mein Name ist", "Frau", "Herr", "my name is", "Mr",
"you've reached") take the one to three capitalised words after them (or
listed names in a lower-case transcript); weak triggers ("ich bin die",
"hier ist", "I'm", "this is", "meine Frau", "Hi") only a name from the name
list or a capitalised word set off by pauses, so that "ich bin total
genervt" and "this is ridiculous" stay. "Hughes here" and "Müller am
Apparat" name the speaker before the trigger; a spelling cue ("schreibt
sich", "spelled") the capitalised word after it. A listed first name that is
no ordinary word is a name anywhere ("Jessica's the account holder"), and a
listed first name followed by a listed surname. Known names (the agent's
name from the manifest, a customer name) and every name found once are
redacted wherever they occur (names that are also words, "Will", "Jack",
only capitalised). Spelled letters ("S C H U L Z", "W wie Wilhelm") come
from `codes.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .codes import Code
from .lexicon import Lexicon, match_any
from .numeric import Found
from .tokens import Token

_NOT_NAMES = frozenset(
    "montag dienstag mittwoch donnerstag freitag samstag sonntag monday tuesday wednesday thursday friday "
    "saturday sunday kundenservice kundendienst hotline support service team technik vertrieb "
    "british english german american irish scottish welsh french polish indian turkish italian spanish canadian "
    "australian european christian muslim jewish catholic deutsch englisch".split()
)
# after these (English) a capitalised word is a name even when the name list does not know it
_SELF_INTRO = frozenset({"i'm", "i am"})
# words after a name that introduce its bearer: "Hi, Anya from customer services"
_INTRO_AFTER = frozenset({"from", "vom", "von", "here", "hier", "speaking", "calling"})
_PERSON_NOUNS = frozenset("lady guy man woman gentleman girl boy someone somebody chap bloke agent engineer "
                          "technician colleague fellow person wife husband son daughter mother father mum mom dad "
                          "brother sister partner friend boss neighbour neighbor".split())


def _bare(tok: Token) -> str:
    low = tok.low
    for suffix in ("'s", "’s", "s'"):
        if low.endswith(suffix) and len(low) > len(suffix) + 1:
            return low[: -len(suffix)]
    return low


def _listed(tok: Token, lex: Lexicon, *, ambiguous_ok: bool) -> bool:
    low = _bare(tok)
    if not ambiguous_ok and low in lex.ambiguous:
        return False
    return low in lex.first_names or low in lex.surnames


def _name_token(tok: Token, lex: Lexicon, *, strong: bool) -> bool:
    """Could this word be (part of) a name after a trigger of this strength?"""
    low = _bare(tok)
    if strong and tok.alpha and low in lex.ambiguous:
        return True  # "my name is Will", "Frau Koch", "my wife is called sue"
    if not tok.alpha or len(low) < 2 or low in lex.stopwords or low in lex.months or low in _NOT_NAMES:
        return False
    if _listed(tok, lex, ambiguous_ok=strong):
        return True
    return strong and tok.capitalised


def _take_names(tokens: Sequence[Token], j: int, lex: Lexicon, *, strong: bool,
                greeting: bool = False) -> tuple[int, int] | None:
    """(first, last) of the 1-3 name words starting at j (titles such as "Dr." skipped), else None.

    After a weak trigger the first word must be a listed name (an article may
    stand before it: "die Claudia"), or a capitalised word set off by pauses
    ("my husband, Gareth, set up ..."; after a greeting a pause after it is
    enough: "Hi Ayesha, thanks").
    """
    while j < len(tokens) and tokens[j].low in lex.titles:
        j += 1
    if not strong and j + 1 < len(tokens) and tokens[j].low in lex.articles and _listed(tokens[j + 1], lex,
                                                                                         ambiguous_ok=False):
        j += 1
    if j >= len(tokens):
        return None
    if strong and re.fullmatch(r"[A-ZÄÖÜ]", tokens[j].core) and j + 1 < len(tokens) \
            and tokens[j + 1].capitalised and _name_token(tokens[j + 1], lex, strong=True):
        return j, j + 1  # an initial: "Herrn J. Hamilton", "Mr J Hamilton"
    pause_after = tokens[j].pause or j + 1 == len(tokens) or tokens[j + 1].low in _INTRO_AFTER
    set_off = j > 0 and (tokens[j - 1].pause or greeting) and pause_after
    # "hier ist Max Mustermann": a listed first name that is also a word, with a capitalised word after it
    listed = _listed(tokens[j], lex, ambiguous_ok=True) or _bare(tokens[j]) in lex.ambiguous
    two_names = (tokens[j].capitalised and listed and not tokens[j].pause
                 and j + 1 < len(tokens) and tokens[j + 1].capitalised and _bare(tokens[j + 1]) not in lex.ambiguous
                 and _name_token(tokens[j + 1], lex, strong=True))
    if not _name_token(tokens[j], lex, strong=strong or two_names or (set_off and tokens[j].capitalised)):
        return None
    last = j
    # after the first word a capitalised word joins even after a weak trigger ("Sabine Hoffmann")
    while last + 1 < len(tokens) and last - j < 2 and not tokens[last].pause:
        nxt = tokens[last + 1]
        if not _name_token(nxt, lex, strong=True) or (not nxt.capitalised and not _listed(nxt, lex, ambiguous_ok=True)):
            break
        if nxt.capitalised and not tokens[last].capitalised:
            break  # "mein name ist katharina weiß Unser Kundenservice ...": the case changes, a new sentence
        last += 1
    return j, last


def _triggered(tokens: Sequence[Token], lex: Lexicon) -> list[Found]:
    found = []
    for i in range(len(tokens)):
        for group, strong in ((lex.person_strong, True), (lex.person_weak, False)):
            hit = match_any(tokens, i, group)
            if hit is None or hit[1] >= len(tokens) or tokens[hit[1] - 1].ends_sentence:
                continue
            text = hit[0].text
            if text in _SELF_INTRO and tokens[hit[1]].capitalised:
                strong = True  # "I'm Jess": after "I'm" a capitalised word is a name or a nationality
            if text == "called" and any(t.low in _PERSON_NOUNS for t in tokens[max(0, i - 3):i]):
                strong = True  # "a lady called Brenda", not "a company called ..."
            greeting = match_any(tokens, i, lex.person_greeting) is not None
            span = _take_names(tokens, hit[1], lex, strong=strong, greeting=greeting)
            if span is not None:
                found.append(Found("PERSON", span[0], span[1], "trigger"))
                break
    return found


def _after_spelling(tokens: Sequence[Token], lex: Lexicon) -> list[Found]:
    """"Schreibt sich mit zwei N, Brunner": the capitalised word a spelling cue talks about."""
    found = []
    for i in range(len(tokens)):
        hit = match_any(tokens, i, lex.person_spell_cue)
        if hit is None or "?" in tokens[hit[1] - 1].trail:
            continue  # "Können Sie das buchstabieren?" asks; the answer is spelled letters
        for j in range(hit[1], min(hit[1] + 8, len(tokens))):
            tok = tokens[j]
            if tok.capitalised and len(tok.core) > 1 and _name_token(tok, lex, strong=True) and tok.core != tok.core.upper():
                found.append(Found("PERSON", j, j, "spelling"))
                break
            if tok.ends_sentence:
                break
    return found


def _speaker_before(tokens: Sequence[Token], lex: Lexicon) -> list[Found]:
    """"Hughes here", "yes, James Whitfield here", "Müller am Apparat": a name opening its clause."""
    found = []
    for i in range(1, len(tokens)):
        if match_any(tokens, i, lex.person_after) is None:
            continue
        first = i
        while first > 0 and i - first < 2 and _name_token(tokens[first - 1], lex, strong=True) and (
            tokens[first - 1].capitalised or _listed(tokens[first - 1], lex, ambiguous_ok=False)
        ):
            if tokens[first - 1].pause and first - 1 != i - 1:
                break
            first -= 1
        opens_clause = first == 0 or tokens[first - 1].pause or tokens[first - 1].low in lex.stopwords
        if first < i and opens_clause and not tokens[i - 1].pause:
            found.append(Found("PERSON", first, i - 1, "speaker"))
    return found


def _occurrences(tokens: Sequence[Token], names: Iterable[str], rule: str) -> list[Found]:
    wanted = {n for n in names if len(n) >= 2}
    return [Found("PERSON", i, i, rule) for i, tok in enumerate(tokens) if tok.low and _bare(tok) in wanted]


def _first_last(tokens: Sequence[Token], lex: Lexicon) -> list[Found]:
    """A listed first name followed by a listed surname, anywhere ("Kevin Brandt hat gesagt")."""
    found = []
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if a.pause or not (a.capitalised and b.capitalised and a.alpha and b.alpha):
            continue
        if _bare(a) in lex.first_names and _bare(a) not in lex.ambiguous and _bare(b) in lex.surnames:
            found.append(Found("PERSON", i, i + 1, "first-last"))
    return found


def _listed_anywhere(tokens: Sequence[Token], lex: Lexicon) -> list[Found]:
    """A capitalised listed first name that is no ordinary word ("Jessica's the account holder")."""
    return [Found("PERSON", i, i, "first-name") for i, t in enumerate(tokens)
            if t.capitalised and t.alpha and _bare(t) in lex.first_names and _bare(t) not in lex.ambiguous
            and _bare(t) not in lex.stopwords]


def _join_first_names(tokens: Sequence[Token], spans: list[Found], lex: Lexicon) -> list[Found]:
    """A listed first name before a found name joins it ("Peter Müller"), a capitalised word after a
    lone listed first name too ("Lisa Wong")."""
    out = []
    for s in spans:
        first, last = s.first, s.last
        before = tokens[first - 1] if first > 0 else None
        if before is not None and not before.pause and _listed(before, lex, ambiguous_ok=before.capitalised):
            first -= 1  # "Peter Müller", "Jan Kowalewski"
        if first == last and last + 1 < len(tokens) and not tokens[last].pause \
                and _bare(tokens[last]) in lex.first_names and tokens[last + 1].capitalised \
                and tokens[last].capitalised and _name_token(tokens[last + 1], lex, strong=True):
            last += 1
        out.append(Found(s.label, first, last, s.rule))
    return out


def find_people(tokens: Sequence[Token], codes: Sequence[Code], lex: Lexicon, *, known_names: Sequence[str]) -> list[Found]:
    """PERSON spans: triggers, speaker-before, known and propagated names, spelled letters."""
    found = _triggered(tokens, lex) + _speaker_before(tokens, lex) + _first_last(tokens, lex)
    found += _listed_anywhere(tokens, lex) + _after_spelling(tokens, lex)
    known = {part.casefold() for name in known_names for part in name.replace("-", " ").split()}
    learned = {
        _bare(tokens[k])
        for f in found
        for k in range(f.first, f.last + 1)
        if len(tokens[k].low) >= 3 and (_bare(tokens[k]) not in lex.stopwords or _bare(tokens[k]) in lex.ambiguous)
    }
    found += _occurrences(tokens, known, "known") + _occurrences(tokens, learned - known - lex.ambiguous, "learned")
    # "My name is Jack. ... Uh, Jack, what was ...": a name that is also a word recurs only capitalised
    found += [f for f in _occurrences(tokens, learned & lex.ambiguous, "learned") if tokens[f.first].capitalised]
    found += [Found("PERSON", c.first, c.last, "spelled") for c in codes if c.digits == 0 and c.spelled >= 3]
    return _join_first_names(tokens, found, lex)
