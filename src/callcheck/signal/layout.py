"""How a recording holds the call: one party per channel, both in one signal, or one speaker.

Three layouts (`Layout.kind`, the report's `call.layout`):

- "stereo": agent and customer on separate channels;
- "mixed": both parties in one signal (a mono mix, or a "stereo" file whose two
  channels carry the same mix), split into two speakers by diarization;
- "single": one speaker (a practice recording).

Two channels are one signal when their waveforms correlate (normalised
cross-correlation with a small lag search, block by block) AND the level
difference between them stays the same throughout. Codecs (AAC, MP3, Opus,
G.711) keep the first and never change the second; a two-microphone recording
with strong crosstalk can correlate too, but there each voice is louder in its
own microphone, so the level difference swings with who speaks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

SEGMENT_S = 60.0  # audio read at a time: bounds memory on long calls


@dataclass(frozen=True, slots=True)
class ChannelSimilarity:
    """How alike two channels are, over their loudest blocks.

    `correlation`: median of the blocks' best normalised cross-correlation
    (|r| over lags within `max_lag_ms`); `lag_ms`: the median best lag (positive:
    the second channel lags); `level_spread_db`: the 10th-90th percentile range
    of the per-block level difference (second minus first).
    """

    correlation: float
    lag_ms: float
    level_spread_db: float
    blocks: int

    def same_signal(self, *, min_correlation: float = 0.85, max_level_spread_db: float = 4.0) -> bool:
        return self.correlation >= min_correlation and self.level_spread_db <= max_level_spread_db


def channel_similarity(
    a: np.ndarray,
    b: np.ndarray,
    *,
    sr: int,
    block_s: float = 0.5,
    max_lag_ms: float = 25.0,
    max_blocks: int = 200,
    min_level_db: float = -55.0,
) -> ChannelSimilarity | None:
    """Compare two channels (float32, shape (n,), same rate) block by block.

    Only blocks where both channels have signal (above `min_level_db` dBFS) count,
    at most `max_blocks` of the loudest ones, so a long call costs no more than a
    short one. None when fewer than 3 such blocks exist (silence says nothing).
    The channels may be anything with `len()` whose slices `x[a:b]` are arrays (a
    disk-backed signal): they are read `SEGMENT_S` at a time, then block by block.
    """
    size = int(block_s * sr)
    n = min(len(a), len(b)) // size
    if n == 0:
        return None
    per_read = max(1, int(SEGMENT_S * sr) // size)
    energy_a, energy_b = (_block_energies(x, size=size, count=n, per_read=per_read) for x in (a, b))
    floor = 10 ** (min_level_db / 10)
    active = np.flatnonzero((energy_a > floor) & (energy_b > floor))
    if active.size < 3:
        return None
    active = active[np.argsort(energy_a[active] + energy_b[active])[::-1][:max_blocks]]
    lag = int(max_lag_ms / 1000 * sr)
    corr, lags = _best_correlation(_blocks(a, active, size=size), _blocks(b, active, size=size), max_lag=lag)
    level_diff = 10 * np.log10(energy_b[active] / energy_a[active])
    return ChannelSimilarity(
        correlation=float(np.median(corr)),
        lag_ms=float(np.median(lags)) * 1000 / sr,
        level_spread_db=float(np.percentile(level_diff, 90) - np.percentile(level_diff, 10)),
        blocks=int(active.size),
    )


def _block_energies(x, *, size: int, count: int, per_read: int) -> np.ndarray:
    """Mean square of each of the first `count` blocks of `size` samples, float64 (count,),
    reading `per_read` blocks at a time."""
    out = []
    for first in range(0, count, per_read):
        m = min(per_read, count - first)
        blocks = np.asarray(x[first * size:(first + m) * size], dtype=np.float64).reshape(m, size)
        out.append(np.mean(blocks**2, axis=1))
    return np.concatenate(out)


def _blocks(x, index: np.ndarray, *, size: int) -> np.ndarray:
    """The blocks `index` of `size` samples, float64 (len(index), size), read one slice each."""
    return np.stack([np.asarray(x[i * size:(i + 1) * size], dtype=np.float64) for i in index])


def _best_correlation(x: np.ndarray, y: np.ndarray, *, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the largest |normalised cross-correlation| of x and y over lags -max_lag..max_lag."""
    import scipy.fft

    size = x.shape[1] + y.shape[1] - 1
    nfft = scipy.fft.next_fast_len(size)
    spectrum = scipy.fft.rfft(x, nfft, axis=1).conj() * scipy.fft.rfft(y, nfft, axis=1)
    full = scipy.fft.irfft(spectrum, nfft, axis=1)
    window = np.concatenate([full[:, nfft - max_lag:], full[:, : max_lag + 1]], axis=1)  # lags -max..max
    norm = np.sqrt(np.sum(x**2, axis=1) * np.sum(y**2, axis=1))
    r = np.abs(window) / np.maximum(norm[:, None], 1e-20)
    best = np.argmax(r, axis=1)
    return r[np.arange(r.shape[0]), best], best - max_lag
