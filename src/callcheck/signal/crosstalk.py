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

"Own speech level" is each channel's median level where only its party speaks.
With leak both ways the other channel's detector fires on nearly all of A's
speech too (on A's leak), so blocks where that channel is plainly A's delayed
copy count as A speaking alone; otherwise only the edges of turns would be
"alone" and the level would come out 15-30 dB too low. Blocks where neither
test speaks and both channels are far below their speech levels (the fading
end of a leaked word) take the decision of their nearest neighbour.
"""

from __future__ import annotations

import bisect
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
    min_kept_s: float = 0.12  # what remains of a region after removing leak must be at least this long (or hold own voice)


@dataclass(frozen=True, slots=True)
class Leak:
    """Leak found in one channel: the removed spans and their total duration."""

    spans: tuple[Region, ...]

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.spans)


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

    Signals: float32, shape (n,), same rate `sr`, or anything with `len()` whose
    slices `x[a:b]` are arrays (a disk-backed signal): they are read `SEGMENT_S` at a
    time. Only blocks where both channels' detectors fired are examined, so a clean
    call costs almost nothing.
    """
    blocks = _shared_blocks(own_regions, other_regions, block_s=settings.block_s, sr=sr, size=len(own))
    if not blocks:
        return tuple(own_regions), Leak(())
    measured = _measure(own, other, blocks, sr=sr, settings=settings)
    own_level, other_level = _typical_levels(own, other, own_regions, other_regions, blocks, measured, sr=sr,
                                             settings=settings)
    states = _block_states(measured, settings=settings, own_level=own_level, other_level=other_level)
    leak = _smooth(_follow_neighbours(states, blocks), blocks)
    leaked = [b for b, is_leak in zip(blocks, leak, strict=True) if is_leak]
    if not leaked:
        return tuple(own_regions), Leak(())
    spans = merge(leaked, gap_s=settings.block_s / 2)
    voiced = _own_voice(blocks, states, measured.own_db, own_level=own_level, settings=settings)
    voiced_starts = [b.start_s for b in voiced]
    kept = tuple(piece for piece in subtract(own_regions, spans)
                 if piece.duration_s >= settings.min_kept_s or _holds(piece, voiced, voiced_starts))
    return kept, Leak(tuple(spans))


def _own_voice(blocks: Sequence[Region], states: np.ndarray, own_db: np.ndarray, *, own_level: float | None,
               settings: CrosstalkSettings) -> list[Region]:
    """The blocks that are this party's own voice beyond doubt: not a copy of the other, at its own speech level."""
    if own_level is None:
        return []
    return [b for b, state, db in zip(blocks, states, own_db, strict=True)
            if state == OWN and db >= own_level - settings.quiet_db]


def _holds(piece: Region, blocks: Sequence[Region], starts: Sequence[float]) -> bool:
    """Whether `piece` covers most of one of `blocks` (sorted; `starts` theirs): a short word the leak check cut
    the fading end off ("Oh," over the caller, its tail counted as the caller leaking in) is still that word."""
    i = bisect.bisect_right(starts, piece.end_s)
    return any(min(piece.end_s, b.end_s) - max(piece.start_s, b.start_s) >= b.duration_s / 2 for b in blocks[max(0, i - 2):i])


SEGMENT_S = 60.0  # audio read and examined at a time: bounds memory on long calls
LEAK, OWN, UNKNOWN = 1, 0, -1  # block states


@dataclass(frozen=True, slots=True)
class _Measured:
    """Per block: best |correlation| of own with other within +-max_delay, own's lag behind other
    there (seconds; negative: other lags, i.e. other is the copy), and both channels' levels (dBFS)."""

    corr: np.ndarray
    own_lag_s: np.ndarray
    own_db: np.ndarray
    other_db: np.ndarray

    def delayed_copy(self, *, min_correlation: float) -> tuple[np.ndarray, np.ndarray]:
        """(own is a later copy of other, other is a later copy of own): correlated at a measurable delay."""
        copy = (self.corr >= min_correlation) & (np.abs(self.own_lag_s) > _NO_DELAY_S)
        return copy & (self.own_lag_s > 0), copy & (self.own_lag_s < 0)


_NO_DELAY_S = 0.001  # lags up to this are no measurable delay


def _measure(own, other, blocks: Sequence[Region], *, sr: int, settings: CrosstalkSettings) -> _Measured:
    parts = [_measure_segment(own, other, part, sr=sr, settings=settings)
             for part in _segments(blocks, span_s=SEGMENT_S)]
    return _Measured(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def _segments(blocks: Sequence[Region], *, span_s: float) -> list[Sequence[Region]]:
    """`blocks` (in time order) cut into consecutive groups, each within `span_s` of its first block's start."""
    out: list[Sequence[Region]] = []
    first = 0
    for k in range(1, len(blocks) + 1):
        if k == len(blocks) or blocks[k].end_s - blocks[first].start_s > span_s:
            out.append(blocks[first:k])
            first = k
    return out


def _measure_segment(own, other, blocks: Sequence[Region], *, sr: int,
                     settings: CrosstalkSettings) -> tuple[np.ndarray, ...]:
    """`_Measured`'s columns for blocks within one short segment: only that stretch of each signal is read."""
    step = 2 if sr >= 16_000 else 1  # correlate at 8 kHz: telephone speech lives below 4 kHz
    delay = int(settings.max_delay_ms / 1000 * sr) // step * step
    n = round(settings.block_s * sr) // step * step
    starts = np.array([round(b.start_s * sr) for b in blocks])
    first = int(starts[0])
    own_part = np.asarray(own[first:int(starts[-1]) + n], dtype=np.float64)
    other_part = np.asarray(other[first - delay:int(starts[-1]) + n + delay], dtype=np.float64)
    offsets = starts - first
    y = own_part[offsets[:, None] + np.arange(n)]  # (blocks, n)
    x = other_part[offsets[:, None] + np.arange(n + 2 * delay)]  # (blocks, n + 2 delay)
    corr, own_lag = _best_lags(x[:, ::step], y[:, ::step], delay=delay // step)
    own_db = 10 * np.log10(np.maximum(np.mean(y**2, axis=1), 1e-12))
    other_db = 10 * np.log10(np.maximum(np.mean(x[:, delay: delay + n] ** 2, axis=1), 1e-12))
    return corr, own_lag * step / sr, own_db, other_db


def _typical_levels(own, other, own_regions: Sequence[Region], other_regions: Sequence[Region],
                    blocks: Sequence[Region], measured: _Measured, *, sr: int,
                    settings: CrosstalkSettings) -> tuple[float | None, float | None]:
    """Each channel's typical speech level where the other party is silent. The other channel's
    detector also fires on the leak of this channel's voice, so where the other channel is
    plainly a delayed copy, the other party counts as silent: with leak both ways, nobody would
    ever speak alone otherwise."""
    own_copy, other_copy = measured.delayed_copy(min_correlation=settings.min_correlation)
    own_speech = subtract(own_regions, [b for b, c in zip(blocks, own_copy, strict=True) if c])
    other_speech = subtract(other_regions, [b for b, c in zip(blocks, other_copy, strict=True) if c])
    return (_typical_level_db(own, own_regions, other_speech, sr=sr),
            _typical_level_db(other, other_regions, own_speech, sr=sr))


def _block_states(m: _Measured, *, settings: CrosstalkSettings, own_level: float | None,
                  other_level: float | None) -> np.ndarray:
    """Per block: LEAK (`own` there is the later, weaker copy of `other`), OWN (`own` is at a
    speech level of its own and not such a copy), or UNKNOWN (not a copy, but both channels
    far below their speech levels: the fading edge of a word, which says nothing either way).

    A delayed copy correlates best at its delay (own lags); the source would lead instead.
    """
    if own_level is None or other_level is None:
        quieter = np.zeros(m.corr.size, dtype=bool)
        much_quieter = silent = quieter
    else:
        own_low = m.own_db <= own_level - settings.quiet_db
        other_normal = m.other_db >= other_level - settings.quiet_db / 2
        quieter = m.own_db - own_level < m.other_db - other_level - settings.quiet_db / 2
        much_quieter = own_low & other_normal
        silent = own_low & ~other_normal
    no_delay = np.abs(m.own_lag_s) <= _NO_DELAY_S  # no measurable delay: the leak is the relatively quieter side
    strong = (m.corr >= settings.min_correlation) & np.where(no_delay, quieter, m.own_lag_s > 0)
    weak = (m.corr >= settings.weak_correlation) & (m.own_lag_s > 0) & much_quieter
    return np.where(strong | weak, LEAK, np.where(silent, UNKNOWN, OWN))


def _follow_neighbours(states: np.ndarray, blocks: Sequence[Region]) -> np.ndarray:
    """Leak (bool) per block: an UNKNOWN block takes the state of the nearest known block of its
    stretch of touching blocks (the earlier one on a tie), OWN if the stretch has none."""
    out = states == LEAK
    for run in _runs(blocks):
        known, unknown = run[states[run] != UNKNOWN], run[states[run] == UNKNOWN]
        if known.size == 0 or unknown.size == 0:
            continue
        at = np.searchsorted(known, unknown)  # the first known block after each unknown one
        before, after = known[np.maximum(at - 1, 0)], known[np.minimum(at, known.size - 1)]
        use_before = (at > 0) & ((at == known.size) | (unknown - before <= after - unknown))
        out[unknown] = states[np.where(use_before, before, after)] == LEAK
    return out


def _runs(blocks: Sequence[Region]) -> list[np.ndarray]:
    """Indices of each stretch of touching blocks."""
    cuts = [k for k in range(1, len(blocks)) if blocks[k].start_s > blocks[k - 1].end_s + 1e-6]
    return np.split(np.arange(len(blocks)), cuts)


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
    for run in _runs(blocks):
        if run.size >= 3:
            padded = np.pad(leak[run].astype(float), width // 2, mode="edge")
            out[run] = np.convolve(padded, np.ones(width) / width, mode="valid") > 0.5
    return out


def _typical_level_db(samples, regions: Sequence[Region], others: Sequence[Region], *, sr: int) -> float | None:
    """Median level (dBFS) of a channel's speech where the other channel is silent: its own voice alone.
    Levels of 0.1 s frames, read a stretch of at most `SEGMENT_S` at a time."""
    hop = int(0.1 * sr)
    per_read = int(SEGMENT_S * sr) // hop * hop
    levels = []
    for r in subtract(regions, list(others), min_s=0.1):
        first, last = round(r.start_s * sr), round(r.end_s * sr) - hop  # frames start at first, first + hop, ... <= last
        for start in range(first, last + 1, per_read):
            count = (min(last, start + per_read - hop) - start) // hop + 1
            frames = np.asarray(samples[start:start + count * hop], dtype=np.float64).reshape(count, hop)
            levels.append(10 * np.log10(np.maximum(np.mean(frames**2, axis=1), 1e-12)))
    if not levels:
        return None
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
