"""Turn-taking between agent and customer: turns, gaps, interruptions, dead air.

Works on the fine speech regions of each channel (one channel per party), with
the words only to tell backchannels ("mhm", "ja") from real turns and to quote
what was said. Times are seconds of the recording.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from callcheck.measure.settings import MeasureSettings
from callcheck.records import Region, Role, Turn, Word
from callcheck.signal.regions import merge

# A barge-in's speech with pauses up to this long is one stretch: inhaling takes a few hundred ms, while pauses
# of more than half a second are mostly planning and hesitation pauses (Campione & Véronis 2002, Speech Prosody).
BREATH_S = 0.5


@dataclass(frozen=True, slots=True)
class Interruption:
    start_s: float
    end_s: float
    interrupter: Role
    words: str
    overlap_s: float


@dataclass(frozen=True, slots=True)
class ResponseGap:
    start_s: float  # end of the customer's turn
    gap_s: float  # agent onset minus that end; negative when the agent started early


def words_in(words: Sequence[Word], start_s: float, end_s: float) -> tuple[Word, ...]:
    """Words whose midpoint lies in [start_s, end_s)."""
    return tuple(w for w in words if start_s <= (w.start_s + w.end_s) / 2 < end_s)


def build_turns(
    regions: Mapping[Role, Sequence[Region]],
    words: Mapping[Role, Sequence[Word]],
    *,
    language: str | None,
    settings: MeasureSettings = MeasureSettings(),
) -> list[Turn]:
    """Group each role's regions into turns, sorted by start time.

    A role's consecutive regions stay one turn while the pause between them is at
    most `turn_max_pause_s` and the other party does not speak (other than a
    backchannel) during a pause of at least `pause_min_s`. Short regions holding
    only backchannel words become backchannel turns of their own.
    """
    units = {
        role: _attached([_unit(role, r, ws, language, settings)
                         for r, ws in zip(rs, assign_words(rs, words.get(role, ())), strict=True)],
                        within_s=settings.pause_min_s,
                        others=sorted((r for other, ors in regions.items() if other != role for r in ors),
                                      key=lambda r: r.start_s))
        for role, rs in regions.items()
    }
    floor = {role: [u.regions[0] for u in us if not u.backchannel] for role, us in units.items()}
    turns: list[Turn] = []
    for role, role_units in units.items():
        others = [r for other, rs in floor.items() if other != role for r in rs]
        current: Turn | None = None
        for unit in role_units:
            if unit.backchannel:
                turns.append(unit)
                continue
            if current and _continues(current, unit, others, settings):
                current = Turn(role, current.start_s, unit.end_s, current.regions + unit.regions,
                               current.words + unit.words)
            else:
                if current:
                    turns.append(current)
                current = unit
        if current:
            turns.append(current)
    return sorted(turns, key=lambda t: (t.start_s, t.role))


def assign_words(regions: Sequence[Region], words: Sequence[Word]) -> list[tuple[Word, ...]]:
    """Each word goes to the region holding its midpoint, else the nearest one.

    Whisper's word times can start a little before the detected speech; a word
    is never dropped because of that.
    """
    buckets: list[list[Word]] = [[] for _ in regions]
    if not regions:
        return []
    for word in words:
        middle = (word.start_s + word.end_s) / 2
        distance = [max(r.start_s - middle, middle - r.end_s, 0.0) for r in regions]
        buckets[distance.index(min(distance))].append(word)
    return [tuple(b) for b in buckets]


def _unit(role: Role, region: Region, words: Sequence[Word], language: str | None,
          settings: MeasureSettings) -> Turn:
    text = " ".join(w.text for w in words)
    short = region.duration_s <= settings.backchannel_max_s
    backchannel = short and (settings.is_backchannel_text(text, language=language) or not words)
    return Turn(role, region.start_s, region.end_s, (region,), tuple(words), backchannel)


def _attached(units: list[Turn], *, within_s: float, others: Sequence[Region]) -> list[Turn]:
    """Units with the backchannel mark taken off those said in one breath with the same party's own turn.

    "Okay, | thank you for that ..." with less than `within_s` between the two is
    the start of an answer, not a listener's signal (nor is "... see you. | Bye").
    When the turn after it starts over the other party's speech (`others`, sorted),
    a breath (`BREATH_S`) between them still makes one utterance: "Sure, | what is
    your customer number?" over the caller is a barge-in from "Sure". So does a word
    said mostly after the other party stopped, with the own turn following within a
    breath and nobody else starting in between: "Oh, | I'm really sorry about that"
    (flite's 0.3 s comma pause) answers the caller from "Oh". A listener's "Ja,
    genau." over the end of the other's turn, with the own turn after it, stays one.
    """
    out = list(units)
    starts = [r.start_s for r in others]
    for i, unit in enumerate(units):
        if not unit.backchannel:
            continue
        before = i > 0 and not units[i - 1].backchannel and unit.start_s - units[i - 1].end_s < within_s
        after = False
        if i + 1 < len(units) and not units[i + 1].backchannel:
            gap = units[i + 1].start_s - unit.end_s
            after = gap < within_s or (gap < BREATH_S and (_inside(units[i + 1].start_s, others, starts)
                                                           or _opens_answer(unit, units[i + 1], others, starts)))
        if before or after:
            out[i] = Turn(unit.role, unit.start_s, unit.end_s, unit.regions, unit.words, backchannel=False)
    return out


def _opens_answer(unit: Turn, following: Turn, others: Sequence[Region], starts: Sequence[float]) -> bool:
    """Whether the word(s) of `unit` answer the other party (`others`, sorted; `starts` theirs): said as they
    stop (their speech ended within a breath before it, and it lies mostly after that end), with none of theirs
    starting between `unit` and the `following` own speech. A wordless sound (a breath, a click) answers nobody."""
    first = bisect.bisect_left(starts, unit.start_s)
    if not unit.words or first == 0 or others[first - 1].end_s < unit.start_s - BREATH_S:
        return False
    over = sum(max(0.0, min(unit.end_s, r.end_s) - max(unit.start_s, r.start_s))
               for r in others[first - 1:bisect.bisect_left(starts, unit.end_s)])
    return over < unit.duration_s / 2 and first == bisect.bisect_left(starts, following.start_s)


def _inside(t: float, regions: Sequence[Region], starts: Sequence[float]) -> bool:
    """Whether time `t` lies inside one of `regions` (one party's: sorted, not overlapping; `starts` theirs)."""
    i = bisect.bisect_left(starts, t)
    return i > 0 and t < regions[i - 1].end_s


def _continues(turn: Turn, unit: Turn, other_floor: Sequence[Region], settings: MeasureSettings) -> bool:
    gap = Region(turn.end_s, unit.start_s)
    if gap.duration_s > settings.turn_max_pause_s:
        return False
    if gap.duration_s < settings.pause_min_s:
        return True
    # only speech the other party began during this turn takes the floor from it
    return not any(r.start_s < gap.end_s and r.end_s > gap.start_s and r.start_s >= turn.start_s for r in other_floor)


def pauses(turn: Turn, *, min_s: float) -> list[Region]:
    """Silences of at least `min_s` between the speech regions of one turn."""
    gaps = (Region(a.end_s, b.start_s) for a, b in zip(turn.regions, turn.regions[1:], strict=False))
    return [g for g in gaps if g.duration_s >= min_s]


def response_gaps(turns: Sequence[Turn], *, settings: MeasureSettings = MeasureSettings()) -> list[ResponseGap]:
    """Agent onset minus the end of the customer turn it answers.

    An agent turn answers a customer turn when that customer turn is the latest
    floor-taking turn to start before it; the turn's end is that of its last
    stretch of speech begun before the agent's onset. A silence shorter than
    `pause_min_s` does not end a stretch: the customer had not stopped.
    """
    floor = [t for t in turns if not t.backchannel]
    gaps = []
    for previous, turn in zip(floor, floor[1:], strict=False):
        if turn.role == "agent" and previous.role == "customer":
            # where the customer's speech under way at the agent's onset ended: a fragment the customer adds
            # after a pause, once the agent has begun, is the customer talking over the answer, not the agent
            # starting early; speech resumed after a mere articulation gap (a stop closure, a detector's split)
            # is the same stretch, and an agent starting in that gap starts while the customer still speaks
            stretches = merge(previous.regions, gap_s=settings.pause_min_s)
            end_s = max((r.end_s for r in stretches if r.start_s < turn.start_s), default=previous.end_s)
            gaps.append(ResponseGap(start_s=end_s, gap_s=turn.start_s - end_s))
    return gaps


def interruptions(turns: Sequence[Turn], *, settings: MeasureSettings = MeasureSettings()) -> list[Interruption]:
    """Turns started while the other party was speaking that overlap for
    `interruption_overlap_s` or make the other stop within `interruption_cutoff_s`.

    Backchannels never interrupt, and overlaps shorter than `overlap_min_s` are
    ordinary turn-taking jitter rather than barging in.
    """
    floor = [t for t in turns if not t.backchannel]
    events = []
    counted: set[int] = set()  # turns that carry on a barge-in already counted (ids of Turn objects)
    for turn in floor:
        for other in floor:
            if other.role == turn.role or not other.start_s < turn.start_s < other.end_s:
                continue
            if _resumes(turn, other, floor, max_pause_s=settings.turn_max_pause_s) or id(turn) in counted:
                continue
            regions, other_end_s = _held_floor(other, floor, until_s=turn.end_s, max_pause_s=settings.turn_max_pause_s)
            # Talking over is the other's speech during the barge-in: a breath the interrupter takes is still part
            # of it, and so is its next turn while the other talks on (a barge-in split at a breath where the other
            # starts a new phrase); a longer pause of the interrupter is the other's turn again.
            mine = [turn, *_carried_on(turn, floor, until_s=other_end_s, max_pause_s=settings.turn_max_pause_s)]
            mine_end_s = max(t.end_s for t in mine)
            overlap = overlap_s(merge([r for t in mine for r in t.regions], gap_s=BREATH_S),
                                sorted(regions, key=lambda r: r.start_s))
            cut_off = other_end_s - turn.start_s <= settings.interruption_cutoff_s
            if overlap >= settings.overlap_min_s and (
                overlap >= settings.interruption_overlap_s or cut_off
            ):
                counted.update(id(t) for t in mine[1:])
                quote = words_in(turn.words, turn.start_s, turn.start_s + 3.0)
                events.append(Interruption(
                    start_s=turn.start_s,
                    end_s=min(mine_end_s, other_end_s),
                    interrupter=turn.role,
                    words=" ".join(w.text for w in quote),
                    overlap_s=overlap,
                ))
    return sorted(events, key=lambda e: e.start_s)


def _held_floor(turn: Turn, floor: Sequence[Turn], *, until_s: float, max_pause_s: float) -> tuple[list[Region], float]:
    """The regions and end of `turn` together with the same party's later turns
    that carry on, after pauses of at most `max_pause_s`, before `until_s` (the
    end of the barge-in): someone who keeps talking over a barge-in still holds
    the floor, even though the turn split; an answer after it is a new turn."""
    later = _carried_on(turn, floor, until_s=until_s, max_pause_s=max_pause_s)
    regions = [*turn.regions, *(r for t in later for r in t.regions)]
    return regions, max([turn.end_s, *(t.end_s for t in later)])


def _resumes(turn: Turn, other: Turn, floor: Sequence[Turn], *, max_pause_s: float) -> bool:
    """True when `turn` carries on its party's speech that `other` barged into:
    talking on over a barge-in is holding the floor, not interrupting."""
    return any(
        earlier.role == turn.role and earlier.start_s < other.start_s <= earlier.end_s
        and 0.0 <= turn.start_s - earlier.end_s <= max_pause_s
        for earlier in floor
    )


def _carried_on(turn: Turn, floor: Sequence[Turn], *, until_s: float, max_pause_s: float) -> list[Turn]:
    """The same party's later turns that `_held_floor` joins to `turn` (they belong to its barge-in)."""
    out, end_s = [], turn.end_s
    for later in floor:
        if (later.role == turn.role and turn.start_s < later.start_s < until_s
                and later.start_s - end_s <= max_pause_s):
            out.append(later)
            end_s = max(end_s, later.end_s)
    return out


def overlap_s(a: Sequence[Region], b: Sequence[Region]) -> float:
    """Total time covered by both region lists (each sorted, non-overlapping)."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i].start_s, b[j].start_s), min(a[i].end_s, b[j].end_s)
        total += max(0.0, hi - lo)
        if a[i].end_s < b[j].end_s:
            i += 1
        else:
            j += 1
    return total


def dead_air(regions: Sequence[Sequence[Region]], *, min_s: float) -> list[Region]:
    """Stretches of at least `min_s` where nobody speaks, between first and last speech."""
    spans = sorted((r for rs in regions for r in rs), key=lambda r: r.start_s)
    silences, covered_until = [], None
    for region in spans:
        if covered_until is not None and region.start_s - covered_until >= min_s:
            silences.append(Region(covered_until, region.start_s))
        covered_until = region.end_s if covered_until is None else max(covered_until, region.end_s)
    return silences
