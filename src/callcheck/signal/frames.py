"""Where the frames of a per-frame track sit in time, without an array of times.

A level or pitch track of a three-hour call has a million frames per channel;
their times are a regular grid, so a track keeps the grid (a few integers) and
computes the times when asked. The arithmetic is the one the trackers always
used, `(first + hop * k + centre) / sr`, so the times are bit-identical to the
arrays they replace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callcheck.signal.samplefile import BLOCK_SAMPLES


@dataclass(frozen=True, slots=True)
class FrameGrid:
    """Frame k's centre is at (first + hop * k + centre) / sr seconds.

    first: the first frame's start, in samples; hop: frame step, in samples;
    centre: offset of a frame's centre from its start, in samples; sr: sample rate.
    """

    first: int
    hop: int
    centre: float
    sr: int

    @property
    def hop_s(self) -> float:
        return self.hop / self.sr

    def times(self, n_frames: int) -> np.ndarray:
        """float64 (n_frames,): the frame centres in seconds."""
        return (self.first + self.hop * np.arange(n_frames) + self.centre) / self.sr

    def coarser(self, step: int) -> FrameGrid:
        """The grid of blocks of `step` frames, each at the mean of its frames' times."""
        return FrameGrid(self.first, self.hop * step, self.centre + 0.5 * self.hop * (step - 1), self.sr)


def frame_db(samples, *, frame: int) -> np.ndarray:
    """Level of every whole frame of `frame` samples in dBFS, float64 (n // frame,).

    Reads `samples` (an array or a `SampleFile`) a block at a time.
    """
    n_frames = samples.shape[0] // frame
    out = np.empty(n_frames)
    per_block = max(1, BLOCK_SAMPLES // frame)
    for i in range(0, n_frames, per_block):
        j = min(n_frames, i + per_block)
        x = np.asarray(samples[i * frame:j * frame], dtype=np.float32).reshape(j - i, frame)
        out[i:j] = 10 * np.log10(np.einsum("ij,ij->i", x, x, dtype=np.float64) / frame + 1e-12)
    return out


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs in a bool array (end exclusive)."""
    if mask.size == 0:
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
