"""Who is the agent in a mixed recording: cue phrases, weighted towards the opening.

The agent greets, names the company, offers help and asks for account details
("thank you for calling", "was kann ich für Sie tun", "can I have your customer
number"); the customer states a problem ("I'm calling because", "ich habe ein
Problem", "meine Bestellung"). Each speaker collects the weights of the cues
in their words; the opening (`opening_s`) counts `opening_weight` times, since
that is where the agent's formula sits and where it is least ambiguous.
Speaking first is only a weak tie-break: on real calls the caller often
speaks first ("Hello?").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from callcheck.records import LayoutNote, Word

AGENT_SPEAKERS = ("auto", "first", "second")


@dataclass(frozen=True, slots=True)
class RoleDecision:
    """Which diarized speaker (0 or 1) is the agent, how sure, and why (a layout note, worded by `callcheck.layout_text`)."""

    agent: int
    confidence: float  # 0.5 (a guess) .. 1.0
    note: LayoutNote


@dataclass(frozen=True, slots=True)
class RoleCues:
    """Phrase lists (any case; "..." matches up to three words) and their weights."""

    agent: tuple[str, ...]
    customer: tuple[str, ...]
    agent_opening: tuple[str, ...] = ()  # count only inside the opening (greeting formula, own name)
    opening_s: float = 30.0
    opening_weight: float = 2.0
    first_speaker_weight: float = 0.5
    scale: float = 2.0  # score margin that gives confidence ~0.73 (logistic)


def decide_agent(
    words: Mapping[int, Sequence[Word]],
    *,
    cues: RoleCues,
    first_speaker: int | None,
    requested: str = "auto",
) -> RoleDecision:
    """The agent among speakers 0 and 1 of a mix, from what each said.

    `words`: each speaker's words in time order; `first_speaker`: who spoke
    first; `requested` "first"/"second" overrides the cues (`--agent-speaker`).
    """
    if requested in ("first", "second"):
        first = 0 if first_speaker is None else first_speaker
        agent = first if requested == "first" else 1 - first
        return RoleDecision(agent, 1.0, LayoutNote.of("agent_requested", requested=requested))
    scores = {speaker: cue_score(words.get(speaker, ()), cues=cues) for speaker in (0, 1)}
    margin = (scores[0][0] - scores[1][0])
    if first_speaker is not None:
        margin += cues.first_speaker_weight * (1 if first_speaker == 0 else -1)
    agent = 0 if margin >= 0 else 1
    confidence = 1 / (1 + math.exp(-abs(margin) / cues.scale))
    cues_found = LayoutNote.of("agent_cues", agent=tuple(scores[agent][1][:3]), other=tuple(scores[1 - agent][1][:3]))
    return RoleDecision(agent, round(confidence, 3), cues_found)


def cue_score(words: Sequence[Word], *, cues: RoleCues) -> tuple[float, list[str]]:
    """Agent-likeness of one speaker's words: agent cues count +1, customer cues -1,
    times `opening_weight` inside the first `opening_s` of the call (opening cues count only there). Also the
    phrases found (agent cues first), for the reason line."""
    if not words:
        return 0.0, []
    tokens = [_norm(w.text) for w in words]
    starts = [w.start_s for w in words]
    score, found = 0.0, []
    for phrases, sign, opening_only in ((cues.agent_opening, 1.0, True), (cues.agent, 1.0, False),
                                        (cues.customer, -1.0, False)):
        for phrase in phrases:
            for index in _find(tokens, phrase):
                early = starts[index] < cues.opening_s
                if opening_only and not early:
                    continue
                weight = cues.opening_weight if early else 1.0
                score += sign * weight
                if sign > 0:
                    found.append(f'"{phrase}"')
    return score, list(dict.fromkeys(found))


def _find(tokens: Sequence[str], phrase: str) -> list[int]:
    """Start indices of `phrase` in `tokens` ("..." = up to three arbitrary words)."""
    parts = [p.split() for p in phrase.lower().split("...")]
    hits = []
    for start in range(len(tokens)):
        if _matches(tokens, start, parts):
            hits.append(start)
    return hits


def _matches(tokens: Sequence[str], start: int, parts: list[list[str]]) -> bool:
    position = start
    for k, part in enumerate(parts):
        if k > 0:  # a gap of 0-3 words before this part
            for skip in range(4):
                if tokens[position + skip: position + skip + len(part)] == part:
                    position += skip + len(part)
                    break
            else:
                return False
        elif tokens[position: position + len(part)] == part:
            position += len(part)
        else:
            return False
    return True


def _norm(text: str) -> str:
    return re.sub(r"[^\w'-]+", "", text.lower()).strip("-'")
