"""Crosstalk and echo on stereo calls: speech in a channel that is only the other party leaking in.

Phone systems leak (line echo, a headset picking up the handset, typically
20-35 dB down) and two-microphone recordings hear both voices. The speech
detector then fires on the leak, and every leaked word would become an
overlap, an interruption or a word of the wrong party.

A stretch of channel A's speech is leak when, block by block, it is a delayed
copy of channel B: B is speaking there, and A's signal correlates with B's at a
small delay (0-`max_delay_ms`), or A is far quieter than A's own speech while B
is at its normal level (leak through a non-linear path, e.g. a codec, correlates
less). Real double talk passes: the talker's own voice dominates its channel,
so the correlation with the other channel is low and its level is normal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callcheck.records import Region
from callcheck.signal.regions import intersect, merge, subtract

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CrosstalkSettings:
    """When a block of one channel's speech counts as the other party leaking in."""

    block_s: float = 0.1
    max_delay_ms: float = 80.0
    min_correlation: float = 0.5  # a delayed linear copy of the other channel
    weak_correlation: float = 0.2  # ... or a weaker copy that is also much quieter than own speech
    quiet_db: float = 12.0  # own level this far below own typical speech level
    min_kept_s: float = 0.12  # what remains of a region after removing leak must be at least this long


@dataclass(frozen=True, slots=True)
class Leak:
    """Leak found in one channel: the removed spans and their total duration."""

    spans: tuple[Region, ...]

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.spans)


BATCH_BLOCKS = 256  # blocks (or 0.1 s frames) examined at once


def remove_leak(
    own: np.ndarray,
    other: np.ndarray,
    own_regions: Sequence[Region],
    other_regions: Sequence[Region],
    *,
    sr: int,
    settings: CrosstalkSettings = CrosstalkSettings(),
) -> tuple[tuple[Region, ...], Leak]:
    """`own_regions` without the stretches that are `other` leaking into `own`.

    Signals: float32, shape (n,), same rate `sr`. Only blocks where both
    channels' detectors fired are examined, so a clean call costs almost nothing.
    """
    blocks = _shared_blocks(own_regions, other_regions, block_s=settings.block_s, sr=sr, size=own.size)
    if not blocks:
        return tuple(own_regions), Leak(())
    own_level = _typical_level_db(own, own_regions, other_regions, sr=sr)
    other_level = _typical_level_db(other, other_regions, own_regions, sr=sr)
    leak = np.concatenate([  # a batch of blocks at a time: memory stays flat on long calls with much double talk
        _leak_blocks(own, other, blocks[i:i + BATCH_BLOCKS], sr=sr, settings=settings, own_level=own_level,
                     other_level=other_level)
        for i in range(0, len(blocks), BATCH_BLOCKS)
    ])
    leaked = [b for b, is_leak in zip(blocks, _smooth(leak, blocks), strict=True) if is_leak]
    if not leaked:
        return tuple(own_regions), Leak(())
    spans = merge(leaked, gap_s=settings.block_s / 2)
    kept = subtract(own_regions, spans, min_s=settings.min_kept_s)
    return kept, Leak(tuple(spans))


def _leak_blocks(own: np.ndarray, other: np.ndarray, blocks: Sequence[Region], *, sr: int, settings: CrosstalkSettings,
                 own_level: float | None, other_level: float | None) -> np.ndarray:
    """Per block: is `own` there the later, weaker copy of `other`? A delayed copy
    correlates best at its delay (own lags); the source would lead instead."""
    step = 2 if sr >= 16_000 else 1  # correlate at 8 kHz: telephone speech lives below 4 kHz
    delay = int(settings.max_delay_ms / 1000 * sr) // step * step
    n = round(settings.block_s * sr) // step * step
    starts = np.array([round(b.start_s * sr) for b in blocks])
    y = own[starts[:, None] + np.arange(n)].astype(np.float64)  # (blocks, n)
    x = other[starts[:, None] - delay + np.arange(n + 2 * delay)].astype(np.float64)  # (blocks, n + 2 delay)
    corr, own_lag = _best_lags(x[:, ::step], y[:, ::step], delay=delay // step)
    own_lag = own_lag * step
    own_db = 10 * np.log10(np.maximum(np.mean(y**2, axis=1), 1e-12))
    other_db = 10 * np.log10(np.maximum(np.mean(x[:, delay: delay + n] ** 2, axis=1), 1e-12))
    if own_level is None or other_level is None:
        quieter = np.zeros(len(blocks), dtype=bool)
        much_quieter = quieter
    else:
        quieter = own_db - own_level < other_db - other_level - settings.quiet_db / 2
        much_quieter = (own_db <= own_level - settings.quiet_db) & (other_db >= other_level - settings.quiet_db / 2)
    no_delay = np.abs(own_lag) <= 0.001 * sr  # no measurable delay: the leak is the relatively quieter side
    strong = (corr >= settings.min_correlation) & np.where(no_delay, quieter, own_lag > 0)
    weak = (corr >= settings.weak_correlation) & (own_lag > 0) & much_quieter
    return strong | weak


def _best_lags(x: np.ndarray, y: np.ndarray, *, delay: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the largest |normalised correlation| of y with the windows of x and the lag
    (samples) of y behind x there. x is y's time span widened by `delay` on both sides."""
    import scipy.fft

    n, m = y.shape[1], x.shape[1]
    size = scipy.fft.next_fast_len(m + n)
    spectrum = scipy.fft.rfft(x, size, axis=1) * scipy.fft.rfft(y[:, ::-1], size, axis=1)
    num = scipy.fft.irfft(spectrum, size, axis=1)[:, n - 1: m]  # index d: x[d: d + n] . y, d = 0..2 delay
    energy = np.cumsum(np.pad(x**2, ((0, 0), (1, 0))), axis=1)
    window_energy = energy[:, n:] - energy[:, :-n]
    denom = np.sqrt(np.maximum(window_energy, 1e-20) * np.maximum(np.sum(y**2, axis=1, keepdims=True), 1e-20))
    r = np.abs(num) / denom
    best = np.argmax(r, axis=1)
    return r[np.arange(r.shape[0]), best], delay - best


def _smooth(leak: np.ndarray, blocks: Sequence[Region], *, width: int = 5) -> np.ndarray:
    """Majority of `width` neighbouring blocks within each stretch of touching blocks: a word
    edge that correlated less inside a leak, or one odd block inside real speech, follows its
    neighbours. Real double talk shorter than half the width (0.25 s) is not worth an overlap."""
    out = leak.copy()
    start = 0
    for k in range(1, len(blocks) + 1):
        if k == len(blocks) or blocks[k].start_s > blocks[k - 1].end_s + 1e-6:
            run = leak[start:k]
            if run.size >= 3:
                padded = np.pad(run.astype(float), width // 2, mode="edge")
                out[start:k] = np.convolve(padded, np.ones(width) / width, mode="valid") > 0.5
            start = k
    return out


def _typical_level_db(samples: np.ndarray, regions: Sequence[Region], others: Sequence[Region], *,
                      sr: int) -> float | None:
    """Median level (dBFS) of a channel's speech where the other channel is silent: its own voice alone."""
    hop = int(0.1 * sr)
    starts = [s for r in subtract(regions, list(others), min_s=0.1)
              for s in range(round(r.start_s * sr), round(r.end_s * sr) - hop + 1, hop)]
    if not starts:
        return None
    levels = []
    for i in range(0, len(starts), BATCH_BLOCKS):
        frames = samples[np.array(starts[i:i + BATCH_BLOCKS])[:, None] + np.arange(hop)].astype(np.float64)
        levels.append(10 * np.log10(np.maximum(np.mean(frames**2, axis=1), 1e-12)))
    return float(np.median(np.concatenate(levels)))


def _shared_blocks(a: Sequence[Region], b: Sequence[Region], *, block_s: float, sr: int, size: int) -> list[Region]:
    """Blocks of `block_s` covering the time where both `a` and `b` have speech (whole blocks
    inside the signal, away from its ends by the lag search)."""
    out = []
    for span in intersect(a, b):
        t = span.start_s
        while t < span.end_s - 1e-9:
            out.append(Region(t, t + block_s))
            t += block_s
    edge = 0.1
    return [r for r in out if r.start_s >= edge and r.end_s * sr <= size - edge * sr]
