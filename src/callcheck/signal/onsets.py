"""Speech onsets where the sound starts, not where the speech detector is sure.

Silero's probability climbs slowly at the start of an utterance on band-limited
telephone speech: on the real-voice calls it crosses 0.5 a quarter to half a
second after the first loud syllable ("I'm so sorry ..." heard from 29.06 s,
detected from 29.47 s). Every gap between turns then reads that much too long,
an answer that starts over the caller reads as a polite one, and an instant
answer as a pause. This module moves each region's start back over the sound
that leads into it: frames well above the local noise floor, within reach of
the region's own level (a breath at the floor does not count) and, on a stereo
call, not far below the other channel at the time (the other party leaking in,
an echo up to 100 ms late, is not the start of this party's speech; a barge-in,
the party's own voice over the other's, is), bridging the short dips of stop
closures.

The regions handed to the recogniser are left as they are (its chunks are
padded anyway); only the measurements see the refined onsets.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from callcheck.records import Region
from callcheck.signal.frames import frame_db, true_runs
from callcheck.signal.regions import merge

FRAME_S = 0.010


@dataclass(frozen=True, slots=True)
class OnsetSettings:
    lookback_s: float = 0.5       # an onset moves back at most this far
    floor_window_s: float = 1.0   # the local noise floor is read over this stretch before the detected start
    above_floor_db: float = 15.0  # a frame sounds when it is this far above the local floor ...
    below_speech_db: float = 25.0  # ... and no further than this below the region's own loud frames
    below_other_db: float = 10.0  # ... and no further than this below the other channel within leak_delay_s (a leak)
    leak_delay_s: float = 0.1     # a leak or echo arrives up to this late
    other_pause_s: float = 0.5   # the other party's speech with pauses up to this is one stretch (a breath)
    max_dip_s: float = 0.15       # quieter stretches up to this long inside the lead-in are bridged (stop closures)
    min_sound_s: float = 0.03     # a lead-in with less sound than this (a click) does not move the onset


def refine_onsets(samples: np.ndarray, regions: Sequence[Region], *, sr: int, barriers: Sequence[Region] = (),
                  other: np.ndarray | None = None, other_regions: Sequence[Region] = (),
                  settings: OnsetSettings = OnsetSettings()) -> tuple[Region, ...]:
    """`regions` (sorted, of one channel `samples`, at `sr`) with each start moved back to where its sound begins;
    never past the end of the region before it, nor into a `barriers` region (hold music cut from the speech);
    a piece left where a barrier was cut off keeps its start (its sound is the barrier's). `other` is the
    other party's channel of a stereo call (same rate and length), None for one channel; a lead-in
    crosses the end of the other party's speech (`other_regions`) only where that speech is louder in its
    own channel than this party's lead-in: else it is this party leaking into the other channel, a piece
    the leak check left (a barge-in starts inside the other's speech; an echo of its own voice does not)."""
    out: list[Region] = []
    # where the other party stopped: the end of their speech with pauses up to a breath joined
    stopped = sorted(o.end_s for o in merge(other_regions, gap_s=settings.other_pause_s)) if other_regions else []
    ends = sorted(b.end_s for b in barriers)
    for region in regions:
        if any(abs(region.end_s - b.start_s) < 1e-6 for b in barriers):
            out.append(region)
            continue
        before = [e for e in ends if e <= region.start_s + 1e-9]
        not_before = max(out[-1].end_s if out else 0.0, before[-1] if before else 0.0)
        stops = stopped[bisect.bisect_right(stopped, region.start_s - settings.lookback_s):
                        bisect.bisect_right(stopped, region.start_s)]
        start = _onset(samples, region, sr=sr, not_before_s=not_before, other=other, other_stops=stops,
                       settings=settings)
        out.append(Region(start, region.end_s) if start < region.start_s else region)
    return tuple(out)


def _onset(samples, region: Region, *, sr: int, not_before_s: float, other, other_stops: Sequence[float],
           settings: OnsetSettings) -> float:
    frame = int(round(FRAME_S * sr))
    first = max(0, int((region.start_s - settings.lookback_s - settings.floor_window_s) * sr))
    head = min(region.end_s, region.start_s + 0.5)
    last = min(samples.size, int(head * sr))
    n = (last - first) // frame
    if n <= 0:
        return region.start_s
    db = frame_db(samples[first:first + n * frame], frame=frame)
    at = int(round((region.start_s * sr - first) / frame))  # the detected start, in frames
    if at <= 0 or at >= n:
        return region.start_s
    floor = float(np.percentile(db[:at], 10))
    speech = float(np.percentile(db[at:], 90))
    threshold = max(floor + settings.above_floor_db, speech - settings.below_speech_db)
    earliest = max(0, at - int(round(settings.lookback_s / FRAME_S)),
                   int(np.ceil((not_before_s * sr - first) / frame)))
    sounding = db > threshold
    other_db = None
    if other is not None:
        reach = int(round(settings.leak_delay_s / FRAME_S))
        other_db = frame_db(other[first:first + n * frame], frame=frame)
        louder = np.max(np.lib.stride_tricks.sliding_window_view(
            np.pad(other_db, (reach, 0), constant_values=-120.0), reach + 1), axis=1)  # the other, up to reach before
        sounding &= db > louder - settings.below_other_db
    dip = int(round(settings.max_dip_s / FRAME_S))
    onset, quiet = at, 0
    for i in range(at - 1, earliest - 1, -1):
        if sounding[i]:
            onset, quiet = i, 0
        else:
            quiet += 1
            if quiet > dip:
                break
    for stop_s in other_stops:  # a lead-in over the end of the other's speech that is a leak of this party's
        end = int(round((stop_s * sr - first) / frame))
        if other_db is not None and onset < end <= at and np.median(other_db[onset:end] - db[onset:end]) \
                < -settings.below_other_db:
            onset = end
    if onset < at and np.count_nonzero(sounding[onset:at]) * FRAME_S < settings.min_sound_s:
        return region.start_s
    return max(region.start_s - settings.lookback_s, (first + onset * frame) / sr) if onset < at else region.start_s


@dataclass(frozen=True, slots=True)
class ChangeSettings:
    """Where a speaker change the diarizer put inside one stretch of a mix really is."""

    reach_s: float = 0.3          # the silence between the two speakers is looked for this far either side
    context_s: float = 1.0        # the local noise floor and speech level are read over this much either side
    above_floor_db: float = 6.0   # a frame is silent when no more than this above the local floor ...
    below_speech_db: float = 25.0  # ... or at least this far below the local loud frames ...
    min_below_speech_db: float = 15.0  # ... and never within this of them (in unbroken speech the "floor" is speech)
    min_silence_s: float = 0.04   # a quiet run shorter than this is a consonant, not a pause between speakers


def split_at_silence(samples: np.ndarray, regions: Mapping[int, Sequence[Region]], *, sr: int,
                     settings: ChangeSettings = ChangeSettings()) -> dict[int, tuple[Region, ...]]:
    """Two speakers' regions of one mixed signal (`samples` at `sr`) with every change the diarizer made inside one
    stretch of speech (one speaker's region ending exactly where the other's begins) moved to the silence between
    them: the first ends where the silence starts, the second starts where it ends. With no silence within reach
    the regions keep touching: the second speaker came in without a pause (or over the first).

    The speech detector joins speech across silences shorter than its minimum (100 ms), so without this every
    quick answer in a mix reads as a gap of exactly 0 s, whatever the pause was."""
    labelled = sorted(((r.start_s, k, i) for k, rs in regions.items() for i, r in enumerate(rs)))
    out = {k: list(rs) for k, rs in regions.items()}
    frame = int(round(FRAME_S * sr))
    for (_, ka, i), (_, kb, j) in zip(labelled, labelled[1:], strict=False):
        a, b = out[ka][i], out[kb][j]  # as moved so far: a region between two changes may have moved its start
        if ka == kb or abs(a.end_s - b.start_s) > 1e-6:
            continue
        silence = _silence_near(samples, a.end_s, lo_s=a.start_s, hi_s=b.end_s, sr=sr, frame=frame, settings=settings)
        if silence is None or not a.start_s < silence[0] < silence[1] < b.end_s:
            continue
        out[ka][i] = Region(a.start_s, silence[0])
        out[kb][j] = Region(silence[1], b.end_s)
    return {k: tuple(rs) for k, rs in out.items()}


def _silence_near(samples, t_s: float, *, lo_s: float, hi_s: float, sr: int, frame: int,
                  settings: ChangeSettings) -> tuple[float, float] | None:
    """The quiet run (start, end in seconds) of at least `settings.min_silence_s` nearest `t_s`, within
    `settings.reach_s` of it and between `lo_s` and `hi_s`; None if there is none."""
    first = max(0, int((t_s - settings.context_s) * sr))
    last = min(len(samples), int((t_s + settings.context_s) * sr))
    n = (last - first) // frame
    if n < 3:
        return None
    db = frame_db(samples[first:first + n * frame], frame=frame)
    floor, speech = float(np.percentile(db, 5)), float(np.percentile(db, 90))
    quiet = db <= min(speech - settings.min_below_speech_db,
                      max(floor + settings.above_floor_db, speech - settings.below_speech_db))
    times = (first + np.arange(n) * frame) / sr  # frame starts
    inside = (times >= max(lo_s, t_s - settings.reach_s)) & (times + FRAME_S <= min(hi_s, t_s + settings.reach_s))
    quiet &= inside
    runs = [(s, e) for s, e in true_runs(quiet) if (e - s) * FRAME_S >= settings.min_silence_s]
    if not runs:
        return None
    start, end = min(runs, key=lambda run: max(times[run[0]] - t_s, t_s - (times[run[1] - 1] + FRAME_S), 0.0))
    return float(times[start]), float(times[end - 1] + FRAME_S)
