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
from callcheck.signal.frames import FrameGrid, true_runs
from callcheck.signal.samplefile import BLOCK_SAMPLES
from callcheck.speech.syllables import count_syllables

FLOOR_DB = -100.0


@dataclass(frozen=True, slots=True, eq=False)
class Levels:
    """Frame levels of one signal: db, float64 (n_frames,), at the frames of `grid`;
    `times_s` (their centres, float64 (n_frames,)) is computed on each access."""

    db: np.ndarray
    grid: FrameGrid

    @property
    def times_s(self) -> np.ndarray:
        return self.grid.times(self.db.size)


def frame_levels(samples: np.ndarray, *, sr: int, frame_s: float = 0.025, hop_s: float = 0.010) -> Levels:
    """RMS level per frame in dBFS; frames centred at `times_s`.

    Reads `samples` (an array or a `SampleFile`) about a minute at a time.
    """
    frame, hop = int(round(frame_s * sr)), int(round(hop_s * sr))
    grid = FrameGrid(0, hop, frame / 2, sr)
    if samples.size < frame:
        return Levels(np.zeros(0), grid)
    starts = np.arange(0, samples.size - frame + 1, hop)
    mean_power = np.empty(starts.size)
    per_block = max(1, BLOCK_SAMPLES // hop)
    for lo in range(0, starts.size, per_block):
        first = starts[lo:lo + per_block]
        piece = np.asarray(samples[first[0]:first[-1] + frame], dtype=np.float64)
        csum = np.concatenate(([0.0], np.cumsum(piece ** 2)))
        local = first - first[0]
        mean_power[lo:lo + first.size] = (csum[local + frame] - csum[local]) / frame
    db = 10 * np.log10(np.maximum(mean_power, 10 ** (FLOOR_DB / 10)))
    return Levels(db, grid)


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
    runs: int = 0  # stretches of speech between pauses (with words)
    longest_run_s: float | None = None  # the longest of them, first word's start to last word's end


def pause_stats(turns: Sequence[Turn], *, min_s: float, language: str | None) -> PauseStats:
    """Pauses of at least `min_s` inside turns, and the syllable runs between them."""
    found = [p for t in turns for p in pauses(t, min_s=min_s)]
    speaking = sum(t.duration_s for t in turns)
    runs = [run for t in turns for run in _runs(t, min_s=min_s)]
    run_syllables = [syllable_count(r, language=language) for r in runs if r]
    run_lengths = [r[-1].end_s - r[0].start_s for r in runs if r]
    lengths = [p.duration_s for p in found]
    return PauseStats(
        count=len(found),
        pauses_per_min=60 * len(found) / speaking if speaking > 0 else None,
        mean_pause_s=float(np.mean(lengths)) if lengths else None,
        longest_pause_s=max(lengths) if lengths else None,
        mean_run_syllables=float(np.mean(run_syllables)) if run_syllables else None,
        runs=len(run_syllables),
        longest_run_s=max(run_lengths) if run_lengths else None,
    )


def _runs(turn: Turn, *, min_s: float) -> list[list[Word]]:
    """The turn's words split at its pauses."""
    cuts = [p.start_s for p in pauses(turn, min_s=min_s)] + [float("inf")]
    runs: list[list[Word]] = [[] for _ in cuts]
    for word in turn.words:
        middle = (word.start_s + word.end_s) / 2
        runs[next(i for i, cut in enumerate(cuts) if middle < cut)].append(word)
    return runs


def noise_floor_db(levels: Levels, quiet: np.ndarray, speech: np.ndarray, *, min_quiet_s: float = 1.0,
                   speech_percentile: float = 5.0) -> float | None:
    """The channel's background level during the call (dBFS).

    The median level of the frames where nobody speaks on this signal
    (`quiet`, a bool mask over `levels`), but never below the quietest
    `speech_percentile` % of the speech frames (`speech`): a line is often
    quieter before the call connects than in the pauses of the call itself.
    None when neither is known (less than `min_quiet_s` of quiet, no speech).
    """
    hop_s = _frame_step_s(levels.times_s)
    candidates = []
    if quiet.sum() * hop_s >= min_quiet_s:
        candidates.append(float(np.median(levels.db[quiet])))
    if speech.sum() * hop_s >= min_quiet_s:
        candidates.append(float(np.percentile(levels.db[speech], speech_percentile)))
    return max(candidates) if candidates else None


def _frame_step_s(times: np.ndarray) -> float:
    """The frame step as the median spacing of the frame times (0.01 s for fewer than two frames)."""
    return float(np.median(np.diff(times))) if times.size > 1 else 0.01


def split_at_quiet(regions: Sequence[Region], levels: Levels, *, threshold_db: float,
                   min_s: float) -> tuple[Region, ...]:
    """`regions` split where the level stays below `threshold_db` for at least `min_s` inside them.

    The speech detector can bridge a breathing pause when stationary noise keeps
    its speech probability up; the level against the channel's own noise floor
    still drops in the pause. Quiet stretches touching a region's ends are left
    alone (that is the detector's padding); the regions' outer ends never move.
    """
    out: list[Region] = []
    times, below = levels.times_s, levels.db < threshold_db
    hop_s = _frame_step_s(times)
    for region in regions:
        lo, hi = np.searchsorted(times, [region.start_s, region.end_s])
        start_s = region.start_s
        for run_lo, run_hi in true_runs(below[lo:hi]):
            if run_lo == 0 or run_hi == hi - lo or (run_hi - run_lo) * hop_s < min_s:
                continue
            cut_lo, cut_hi = float(times[lo + run_lo]), float(times[lo + run_hi - 1])
            out.append(Region(start_s, cut_lo))
            start_s = cut_hi
        out.append(Region(start_s, region.end_s))
    return tuple(out)


# low, high, presence, top (all in the telephone band, ITU-T G.712: 0.3-3.4 kHz)
BANDS_HZ = ((100.0, 1000.0), (1000.0, 3400.0), (2000.0, 3400.0), (2500.0, 3400.0))
MIN_SIGNAL_SHARE = 1e-3  # a band whose speech is all noise counts as 30 dB below its raw power
EMPTY_BAND_SHARE = 1e-12  # a band with no power at all counts as 120 dB below the speech
MAX_QUIET_FRAMES = 2000  # noise spectrum from at most this many frames (64 s at 32 ms)
BATCH_FRAMES = 2048


@dataclass(frozen=True, slots=True)
class SpeechSpectrum:
    """Where the energy of a role's speech lies, net of its channel's noise (dB).

    `balance_db`: energy above 1 kHz relative to below (higher = brighter).
    `presence_db`: energy in 2-3.4 kHz relative to all of 0.1-3.4 kHz; that is
    where the cues of consonants (s, f, t, k) lie on a telephone line, and what
    a covered microphone, a low-pass or a narrow codec takes away first.
    `top_db`: energy in 2.5-3.4 kHz relative to all of 0.1-3.4 kHz, the top of
    the telephone band. A low-bitrate codec that cuts at 2-2.4 kHz leaves the
    lower presence band almost whole and empties this one.
    """

    balance_db: float
    presence_db: float
    top_db: float


def speech_spectrum(
    samples: np.ndarray,
    *,
    sr: int,
    regions: Sequence[Region],
    quiet: Sequence[Region] = (),
    frame_s: float = 0.032,
    min_quiet_s: float = 1.0,
) -> SpeechSpectrum | None:
    """The spectrum of the speech in `regions`, net of the line's noise.

    Both measures lie inside the telephone band, so 8 kHz calls compare fairly
    with wideband ones. The channel's own noise, measured in `quiet`
    (stretches where nobody speaks on this signal; at least `min_quiet_s` of
    them), is subtracted from each band first: line hiss above 1 kHz must not
    make a low-passed, muffled voice look bright. None without speech.
    """
    speech = _band_powers(samples, sr=sr, regions=regions, frame_s=frame_s)
    if speech is None:
        return None
    power = speech.mean(axis=0)
    noise = _band_powers(samples, sr=sr, regions=quiet, frame_s=frame_s, max_frames=MAX_QUIET_FRAMES)
    if noise is not None and noise.shape[0] * frame_s >= min_quiet_s:
        power = np.maximum(power - np.median(noise, axis=0), power * MIN_SIGNAL_SHARE)
    low, high, presence, top = power
    if low <= 0 or high <= 0 or presence <= 0:
        return None
    top = max(top, EMPTY_BAND_SHARE * (low + high))  # a band cut to digital silence
    return SpeechSpectrum(balance_db=float(10 * np.log10(high / low)),
                          presence_db=float(10 * np.log10(presence / (low + high))),
                          top_db=float(10 * np.log10(top / (low + high))))


def spectral_balance_db(samples: np.ndarray, *, sr: int, regions: Sequence[Region],
                        quiet: Sequence[Region] = ()) -> float | None:
    """Energy above vs below 1 kHz inside speech, in dB, net of the line's noise (see `speech_spectrum`)."""
    spectrum = speech_spectrum(samples, sr=sr, regions=regions, quiet=quiet)
    return None if spectrum is None else spectrum.balance_db


def _band_powers(samples: np.ndarray, *, sr: int, regions: Sequence[Region], frame_s: float,
                 max_frames: int | None = None) -> np.ndarray | None:
    """Per frame inside `regions`: power in each of BANDS_HZ, shape (frames, bands); None without frames."""
    frame = int(round(frame_s * sr))
    starts = np.concatenate([
        np.arange(int(r.start_s * sr), int(r.end_s * sr) - frame, frame) for r in regions
    ] or [np.zeros(0, dtype=int)]).astype(int)
    starts = starts[(starts >= 0) & (starts + frame <= samples.size)]
    if starts.size == 0:
        return None
    if max_frames and starts.size > max_frames:  # an even sample of a long stretch is enough for a mean
        starts = starts[np.linspace(0, starts.size - 1, max_frames).astype(int)]
    freqs = np.fft.rfftfreq(frame, 1 / sr)
    bands = tuple((freqs >= lo) & (freqs < hi) for lo, hi in BANDS_HZ)
    window, out = np.hanning(frame), []
    for lo in range(0, starts.size, BATCH_FRAMES):  # batches bound the memory on long calls
        chunk = starts[lo:lo + BATCH_FRAMES]
        power = np.abs(np.fft.rfft(samples[chunk[:, None] + np.arange(frame)] * window, axis=1)) ** 2
        out.append(np.stack([power[:, band].sum(axis=1) for band in bands], axis=1))
    return np.concatenate(out)
