"""Loudness, speaking rate and pauses: pure functions on signals and turns.

Levels are dBFS (0 dB = a full-scale square wave's RMS). Rates are syllables per
second: speaking rate over the whole speaking time including pauses,
articulation rate over phonation time only (pauses excluded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callcheck.measure.conversation import pauses
from callcheck.records import Region, Turn, Word
from callcheck.speech.syllables import count_syllables

FLOOR_DB = -100.0


@dataclass(frozen=True, slots=True, eq=False)
class Levels:
    """Frame levels of one signal: times_s and db, float64, shape (n_frames,)."""

    times_s: np.ndarray
    db: np.ndarray


def frame_levels(samples: np.ndarray, *, sr: int, frame_s: float = 0.025, hop_s: float = 0.010) -> Levels:
    """RMS level per frame in dBFS; frames centred at `times_s`."""
    frame, hop = int(round(frame_s * sr)), int(round(hop_s * sr))
    if samples.size < frame:
        return Levels(np.zeros(0), np.zeros(0))
    power = np.asarray(samples, dtype=np.float64) ** 2
    csum = np.concatenate(([0.0], np.cumsum(power)))
    starts = np.arange(0, samples.size - frame + 1, hop)
    mean_power = (csum[starts + frame] - csum[starts]) / frame
    db = 10 * np.log10(np.maximum(mean_power, 10 ** (FLOOR_DB / 10)))
    return Levels(times_s=(starts + frame / 2) / sr, db=db)


def region_mask(times_s: np.ndarray, regions: Sequence[Region]) -> np.ndarray:
    """Boolean mask of the frame times that fall inside any region."""
    mask = np.zeros(times_s.shape, dtype=bool)
    for region in regions:
        lo, hi = np.searchsorted(times_s, [region.start_s, region.end_s])
        mask[lo:hi] = True
    return mask


def mean_level_db(db: np.ndarray) -> float | None:
    """Energy-average level of frames (mean power, back in dB); None if no frames."""
    if db.size == 0:
        return None
    return float(10 * np.log10(np.mean(10 ** (db / 10))))


def dynamic_range_db(db: np.ndarray, *, low_pct: float = 10, high_pct: float = 90) -> float | None:
    """Spread of frame levels (p90 - p10 in dB); None with fewer than 10 frames."""
    if db.size < 10:
        return None
    lo, hi = np.percentile(db, [low_pct, high_pct])
    return float(hi - lo)


@dataclass(frozen=True, slots=True)
class RateStats:
    syllables: int
    words: int
    speaking_s: float
    phonation_s: float
    speaking_rate_sps: float | None
    articulation_rate_sps: float | None
    words_per_minute: float | None


def rate_stats(turns: Sequence[Turn], *, language: str | None) -> RateStats:
    """Rates over a set of turns; None where there is no time to divide by."""
    words = [w for t in turns for w in t.words]
    syllables = syllable_count(words, language=language)
    speaking = sum(t.duration_s for t in turns)
    phonation = sum(t.phonation_s for t in turns)
    return RateStats(
        syllables=syllables,
        words=len(words),
        speaking_s=speaking,
        phonation_s=phonation,
        speaking_rate_sps=syllables / speaking if speaking > 0 and words else None,
        articulation_rate_sps=syllables / phonation if phonation > 0 and words else None,
        words_per_minute=60 * len(words) / speaking if speaking > 0 and words else None,
    )


def syllable_count(words: Sequence[Word], *, language: str | None) -> int:
    return sum(count_syllables(w.text, language=language or "en") for w in words)


@dataclass(frozen=True, slots=True)
class PauseStats:
    count: int
    pauses_per_min: float | None
    mean_pause_s: float | None
    longest_pause_s: float | None
    mean_run_syllables: float | None


def pause_stats(turns: Sequence[Turn], *, min_s: float, language: str | None) -> PauseStats:
    """Pauses of at least `min_s` inside turns, and the syllable runs between them."""
    found = [p for t in turns for p in pauses(t, min_s=min_s)]
    speaking = sum(t.duration_s for t in turns)
    runs = [run for t in turns for run in _runs(t, min_s=min_s)]
    run_syllables = [syllable_count(r, language=language) for r in runs if r]
    lengths = [p.duration_s for p in found]
    return PauseStats(
        count=len(found),
        pauses_per_min=60 * len(found) / speaking if speaking > 0 else None,
        mean_pause_s=float(np.mean(lengths)) if lengths else None,
        longest_pause_s=max(lengths) if lengths else None,
        mean_run_syllables=float(np.mean(run_syllables)) if run_syllables else None,
    )


def _runs(turn: Turn, *, min_s: float) -> list[list[Word]]:
    """The turn's words split at its pauses."""
    cuts = [p.start_s for p in pauses(turn, min_s=min_s)] + [float("inf")]
    runs: list[list[Word]] = [[] for _ in cuts]
    for word in turn.words:
        middle = (word.start_s + word.end_s) / 2
        runs[next(i for i, cut in enumerate(cuts) if middle < cut)].append(word)
    return runs


def spectral_balance_db(
    samples: np.ndarray,
    *,
    sr: int,
    regions: Sequence[Region],
    low_hz: tuple[float, float] = (100.0, 1000.0),
    high_hz: tuple[float, float] = (1000.0, 3400.0),
    frame_s: float = 0.032,
) -> float | None:
    """Energy above vs below 1 kHz inside speech, in dB (higher = brighter).

    Consonants carry most of their energy above 1 kHz; mumbled or muffled speech
    loses it first. Both bands lie inside the telephone band, so 8 kHz calls
    compare fairly with wideband ones. None without speech.
    """
    frame = int(round(frame_s * sr))
    starts = np.concatenate([
        np.arange(int(r.start_s * sr), int(r.end_s * sr) - frame, frame) for r in regions
    ] or [np.zeros(0, dtype=int)]).astype(int)
    starts = starts[starts + frame <= samples.size]
    if starts.size == 0:
        return None
    frames = samples[starts[:, None] + np.arange(frame)] * np.hanning(frame)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(frame, 1 / sr)
    low = power[(freqs >= low_hz[0]) & (freqs < low_hz[1])].sum()
    high = power[(freqs >= high_hz[0]) & (freqs < high_hz[1])].sum()
    if low <= 0 or high <= 0:
        return None
    return float(10 * np.log10(high / low))
