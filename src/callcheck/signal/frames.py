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
