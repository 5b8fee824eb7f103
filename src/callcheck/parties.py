"""Who speaks when: from a recording's channels to one speech track per party.

The layout stage of the pipeline (see `callcheck.signal.layout` for the three
layouts). In order:

1. `merge_dual_mono`: a two-channel file whose channels carry one signal
   becomes one channel (before the speech detector, so it runs once);
2. after the speech detector, `read_layout` decides stereo / mixed / single:
   - stereo: each channel's speech minus what is the other party leaking in;
   - mono: one speaker or two, from speaker embeddings; for two, diarization
     gives each speaker's speech;
3. after recognition, `split_words` gives each word of a mix to the speaker
   talking at its time, and `assign_roles` finds the agent by cue phrases.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from callcheck.layout_text import layout
from callcheck.records import Channel, Layout, LayoutNote, Recording, Region, Role, Word
from callcheck.signal.crosstalk import CrosstalkSettings, Leak, remove_leak
from callcheck.signal.layout import channel_similarity
from callcheck.signal.samplefile import SampleFile, blocks
from callcheck.speech.roles import RoleCues, RoleDecision, decide_agent

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class LayoutSettings:
    """Thresholds of the layout stage (defaults.toml [layout])."""

    dual_mono_min_correlation: float = 0.85
    dual_mono_max_level_spread_db: float = 4.0
    crosstalk: CrosstalkSettings = CrosstalkSettings()
    cues: Mapping[str, RoleCues] = dataclasses.field(default_factory=dict)  # language -> cue phrases

    def cues_for(self, language: str | None) -> RoleCues:
        return self.cues.get(language or "en") or self.cues.get("en") or RoleCues((), ())


@dataclass(frozen=True, slots=True)
class SpeakerSplit:
    """What a diarizer found in a mono signal: 1 or 2 speakers and, for 2, each one's speech.

    `separation` is 1 - cosine similarity of the two speaker centroids (higher
    = more distinct voices); `confidence` how sure the count is (0.5-1).
    """

    speakers: int
    separation: float
    confidence: float
    regions: Mapping[int, tuple[Region, ...]]  # speaker 0/1 -> speech regions


Diarizer = Callable[..., SpeakerSplit]  # (samples, *, regions, sr, force_two: bool) -> SpeakerSplit


@dataclass(frozen=True, slots=True)
class Parties:
    """The layout stage's result: the layout and each party's speech regions.

    For "stereo" the keys of `regions` are roles; for "mixed" speaker numbers
    0/1 until the words tell who the agent is (`assign_roles`).
    """

    layout: Layout
    regions: Mapping  # Role | int -> tuple[Region, ...]
    leaks: Mapping[Role, Leak] = dataclasses.field(default_factory=dict)


def merge_dual_mono(recording: Recording, *, requested: str, settings: LayoutSettings,
                    channel_map: Mapping | None = None) -> tuple[Recording, LayoutNote | None]:
    """A two-channel recording as one channel when its channels are one signal.

    Returns the (possibly merged) recording and, when merged, why. With
    `requested` "mixed" or "single" two channels are always merged (their mean);
    with "stereo" or an explicit channel map never.
    """
    if len(recording.channels) != 2 or requested == "stereo" or channel_map:
        return recording, None
    a, b = (ch.samples for ch in sorted(recording.channels, key=lambda c: c.index))
    if requested in ("mixed", "single"):
        return _merged(recording, a, b), LayoutNote.of("merged_forced", requested=requested)
    sim = channel_similarity(a, b, sr=recording.sample_rate_hz)
    if sim is None or not sim.same_signal(min_correlation=settings.dual_mono_min_correlation,
                                          max_level_spread_db=settings.dual_mono_max_level_spread_db):
        return recording, None
    log.warning("%s: both channels carry the same signal (correlation %.3f): analysed as one signal",
                recording.path, sim.correlation)
    return _merged(recording, a, b), LayoutNote.of("same_signal", correlation=sim.correlation)


def _merged(recording: Recording, a: np.ndarray, b: np.ndarray) -> Recording:
    """The mean of the two channels; kept on disk like its inputs when they are (a long call)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        mono = _mean(a, b)
    else:
        mono = SampleFile()
        for start, block in blocks(a):
            mono.append(_mean(block, np.asarray(b[start:start + block.size])))
    return dataclasses.replace(recording, channels=(Channel(role="agent", index=0, samples=mono),))


def _mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a.astype(np.float32) + b.astype(np.float32)) * np.float32(0.5)).astype(np.float32)


def read_layout(
    recording: Recording,
    regions: Mapping[int, tuple[Region, ...]],
    *,
    requested: str,
    settings: LayoutSettings,
    diarizer: Diarizer,
    merged: LayoutNote | None = None,
) -> Parties:
    """Decide the layout from the channels and their speech regions (`regions`: channel index -> regions);
    `merged` is why two channels became the one (`merge_dual_mono`)."""
    if len(recording.channels) == 2:
        return _stereo(recording, regions, settings=settings)
    (channel,) = recording.channels
    speech = regions[channel.index]
    source = (merged,) if merged else ()
    if requested == "single" or not speech:
        found = LayoutNote.of("single_forced" if requested == "single" else "single_no_speech")
        return Parties(layout("single", (*source, found)), {"agent": speech})
    split = diarizer(channel.samples, regions=speech, sr=recording.sample_rate_hz, force_two=requested == "mixed")
    measured = {"separation": split.separation, "confidence": split.confidence}
    if split.speakers < 2:
        found = LayoutNote.of("single_one_voice", **measured)
        return Parties(layout("single", (*source, found), speaker_separation=split.separation), {"agent": speech})
    found = LayoutNote.of("mixed_forced") if requested == "mixed" else LayoutNote.of("mixed_found", **measured)
    return Parties(layout("mixed", (*source, found), speaker_separation=split.separation), dict(split.regions))


def _stereo(recording: Recording, regions: Mapping[int, tuple[Region, ...]], *, settings: LayoutSettings) -> Parties:
    by_role = {ch.role: ch for ch in recording.channels}
    agent, customer = by_role["agent"], by_role["customer"]
    sr = recording.sample_rate_hz
    kept_agent, leak_agent = remove_leak(agent.samples, customer.samples, regions[agent.index],
                                         regions[customer.index], sr=sr, settings=settings.crosstalk)
    kept_customer, leak_customer = remove_leak(customer.samples, agent.samples, regions[customer.index],
                                               regions[agent.index], sr=sr, settings=settings.crosstalk)
    leaks = {role: leak for role, leak in (("agent", leak_agent), ("customer", leak_customer)) if leak.spans}
    notes = [LayoutNote.of("stereo")]
    notes += [LayoutNote.of("leak", seconds=leak.duration_s, role=role) for role, leak in leaks.items()]
    return Parties(layout("stereo", notes), {"agent": kept_agent, "customer": kept_customer}, leaks)


@functools.cache
def _embedder():
    from callcheck.signal.speakers import SpeakerEmbedder

    return SpeakerEmbedder(threads=0)  # one ONNX session per process (all cores, like Whisper), checked on first use


def split_speakers(samples: np.ndarray, *, regions: Sequence[Region], sr: int, force_two: bool = False) -> SpeakerSplit:
    """The default `Diarizer`: CAM++ speaker embeddings, two clusters, smoothed turns
    (`callcheck.signal.diarize`); `samples` at 16 kHz."""
    from callcheck.signal.diarize import diarize

    found = diarize(samples, speech=regions, embedder=_embedder(), force_two=force_two)
    two = found.count.speakers == 2 or force_two
    return SpeakerSplit(speakers=2 if two else 1, separation=round(1 - found.count.similarity, 3),
                        confidence=round(found.count.confidence, 3),
                        regions={0: found.regions_of(0), 1: found.regions_of(1)} if two else {0: tuple(regions)})


def drop_leaked_words(words: Sequence[Word], leak: Leak | None) -> tuple[Word, ...]:
    """Words not lying (by their middle) inside a removed leak span."""
    if leak is None or not leak.spans:
        return tuple(words)
    return tuple(w for w in words if not any(s.start_s <= (w.start_s + w.end_s) / 2 <= s.end_s for s in leak.spans))


def split_words(words: Sequence[Word], regions: Mapping[int, Sequence[Region]]) -> dict[int, tuple[Word, ...]]:
    """Each word to the speaker whose speech covers most of it (the nearest speech if none does)."""
    out: dict[int, list[Word]] = {speaker: [] for speaker in regions}
    for word in words:
        out[_speaker_at(word, regions)].append(word)
    return {speaker: tuple(ws) for speaker, ws in out.items()}


def _speaker_at(word: Word, regions: Mapping[int, Sequence[Region]]) -> int:
    def cover(speaker: int) -> float:
        return sum(max(0.0, min(r.end_s, word.end_s) - max(r.start_s, word.start_s)) for r in regions[speaker])

    def distance(speaker: int) -> float:
        middle = (word.start_s + word.end_s) / 2
        return min((max(r.start_s - middle, middle - r.end_s, 0.0) for r in regions[speaker]), default=np.inf)

    return max(regions, key=lambda s: (cover(s), -distance(s)))


def assign_roles(words: Mapping[int, Sequence[Word]], regions: Mapping[int, Sequence[Region]], *,
                 language: str | None, settings: LayoutSettings, requested: str = "auto") -> RoleDecision:
    """Which of the two speakers of a mix is the agent."""
    starts = {s: min((r.start_s for r in regions.get(s, ())), default=np.inf) for s in (0, 1)}
    first = None if starts[0] == starts[1] == np.inf else min(starts, key=starts.get)
    return decide_agent(words, cues=settings.cues_for(language), first_speaker=first, requested=requested)


def mixed_recording(recording: Recording) -> Recording:
    """A one-channel recording whose signal both roles share (the agent's and customer's views of a mix)."""
    (channel,) = recording.channels
    return dataclasses.replace(recording, channels=(
        Channel(role="agent", index=channel.index, samples=channel.samples),
        Channel(role="customer", index=channel.index, samples=channel.samples),
    ))


def layout_settings(layout: Mapping[str, float], phrases: Mapping[str, Mapping[str, Sequence[str]]]) -> LayoutSettings:
    """LayoutSettings from the config's [layout] table and phrase lists."""
    crosstalk = dataclasses.replace(CrosstalkSettings(), min_correlation=layout.get("crosstalk_min_correlation", 0.5),
                                    quiet_db=layout.get("crosstalk_quiet_db", 12.0))
    cues = {lang: RoleCues(agent=tuple(lists.get("agent_cues", ())),
                           customer=tuple(lists.get("customer_cues", ())),
                           agent_opening=tuple(lists.get("agent_opening_cues", ())),
                           opening_s=layout.get("opening_s", 30.0))
            for lang, lists in phrases.items()}
    return LayoutSettings(dual_mono_min_correlation=layout.get("dual_mono_min_correlation", 0.85),
                          dual_mono_max_level_spread_db=layout.get("dual_mono_max_level_spread_db", 4.0),
                          crosstalk=crosstalk, cues=cues)
