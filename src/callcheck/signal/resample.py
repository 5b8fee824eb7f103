"""Polyphase resampling of a signal that arrives in blocks.

`StreamResampler` gives the same output as `scipy.signal.resample_poly` on the
whole signal (equal to float32 precision, also at the joins): each piece of
input is filtered together with enough of its neighbours that the filter never
sees a join. Memory is a few blocks, whatever the length of the recording.
"""

from __future__ import annotations

from math import gcd

import numpy as np

CORE_S = 8.0  # seconds of input resampled per step
_HALF_LEN_PER_FACTOR = 10  # resample_poly's default filter: half length 10 * max(up, down) taps


class StreamResampler:
    """Feed blocks with `push()`, then `finish()`; each returns the output that is ready (float32)."""

    def __init__(self, *, rate_hz: int, target_hz: int):
        g = gcd(int(rate_hz), int(target_hz))
        self.up, self.down = int(target_hz) // g, int(rate_hz) // g
        self.identity = self.up == self.down
        half_len_in = _HALF_LEN_PER_FACTOR * max(self.up, self.down) // self.up + 1  # filter reach in input samples
        self.margin = self._multiple_of_down(half_len_in + self.down)
        self.core = self._multiple_of_down(int(CORE_S * rate_hz))
        self._buffer = np.zeros(0, dtype=np.float32)  # input from global index self._start - margin (or 0)
        self._start = 0  # global input index of the next core
        self._n_in = 0

    def _multiple_of_down(self, n: int) -> int:
        return -(-n // self.down) * self.down

    def push(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float32)
        self._n_in += samples.size
        if self.identity:
            return samples
        self._buffer = np.concatenate([self._buffer, samples])
        out = []
        while self._buffered_after_core() >= self.margin:
            out.append(self._emit(self.core, final=False))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def finish(self) -> np.ndarray:
        if self.identity:
            return np.zeros(0, dtype=np.float32)
        out = []
        while self._start < self._n_in:
            out.append(self._emit(min(self.core, self._n_in - self._start), final=True))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def _history(self) -> int:
        return min(self.margin, self._start)

    def _buffered_after_core(self) -> int:
        return self._buffer.size - self._history() - self.core

    def _emit(self, core: int, *, final: bool) -> np.ndarray:
        from scipy.signal import resample_poly  # imported on first use: scipy.signal costs ~0.4 s of start-up

        history = self._history()
        segment = self._buffer[:history + core + self.margin]  # shorter only at the signal's end
        y = resample_poly(segment, self.up, self.down)
        first = history * self.up // self.down
        if final and self._start + core >= self._n_in:  # the end of the signal: as many outputs as resample_poly
            total = -(-self._n_in * self.up // self.down)
            count = total - self._start * self.up // self.down
        else:
            count = core * self.up // self.down
        out = y[first:first + count].astype(np.float32, copy=False)
        self._start += core
        drop = history + core - self._history()  # keep `margin` samples before the next core
        self._buffer = self._buffer[drop:]
        return out
