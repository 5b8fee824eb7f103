"""A long 16 kHz signal kept on disk and read by slicing.

An hour of one channel at 16 kHz float32 is 230 MB; a three-hour hotline call
with two channels would need 1.4 GB in memory. `SampleFile` keeps such a signal
in an unnamed temporary file (gone when the object is, or when the process
ends) and reads only what a stage asks for: `x[a:b]` and `x[index_array]`
return ordinary float32 arrays, `len(x)`, `x.size`, `x.shape` and `x.dtype`
work as for an array. Stages written against slicing work unchanged on an
ndarray and on a `SampleFile`; `blocks()` walks either in bounded pieces.

Converting the whole file to an array (`np.asarray(x)`) still works but is
what bounded-memory code must avoid: it logs a warning, and raises when
`SampleFile.strict` is set (the tests set it to find such places).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator

import numpy as np

log = logging.getLogger(__name__)

DTYPE = np.dtype(np.float32)
BLOCK_SAMPLES = 1 << 20  # 65 s at 16 kHz: what `blocks()` reads at a time (4 MB)
_GAP = 1 << 14  # a fancy index reads separate ranges where its samples lie further apart


class SampleFile:
    """A 1-D float32 signal in a temporary file; written once with `append`, then read by slicing."""

    strict = False  # raise instead of loading everything on np.asarray (tests)
    ndim = 1
    dtype = DTYPE

    def __init__(self, *, directory: str | os.PathLike[str] | None = None):
        self._file = tempfile.TemporaryFile(prefix="callcheck-", suffix=".f32", dir=directory)
        self._n = 0

    def append(self, samples: np.ndarray) -> None:
        data = np.ascontiguousarray(samples, dtype=DTYPE)
        os.pwrite(self._file.fileno(), data.tobytes(), self._n * DTYPE.itemsize)
        self._n += data.size

    def close(self) -> None:
        self._file.close()

    @property
    def size(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int]:
        return (self._n,)

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"SampleFile({self._n} samples)"

    def __getitem__(self, index) -> np.ndarray:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._n)
            if step != 1:  # rare: any stride, negative ones included, through the fancy-index reader
                return self._take(np.arange(start, stop, step))
            return self._read(start, max(start, stop))
        if isinstance(index, (int, np.integer)):
            i = int(index) + (self._n if index < 0 else 0)
            if not 0 <= i < self._n:
                raise IndexError(f"index {index} is out of bounds for {self._n} samples")
            return self._read(i, i + 1)[0]
        return self._take(np.asarray(index))

    def _read(self, start: int, stop: int) -> np.ndarray:
        count = stop - start
        if count <= 0:
            return np.zeros(0, dtype=DTYPE)
        data = os.pread(self._file.fileno(), count * DTYPE.itemsize, start * DTYPE.itemsize)
        return np.frombuffer(data, dtype=DTYPE).copy()

    def _take(self, index: np.ndarray) -> np.ndarray:
        """Fancy indexing: read each cluster of nearby indices once, never the span between far ones."""
        if index.dtype == bool:
            raise TypeError("boolean masks over a whole SampleFile are not supported; slice it first")
        flat = index.ravel().astype(np.int64)
        flat = np.where(flat < 0, flat + self._n, flat)
        if flat.size and (flat.min() < 0 or flat.max() >= self._n):
            raise IndexError(f"index out of bounds for {self._n} samples")
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        out = np.empty(flat.size, dtype=DTYPE)
        breaks = np.flatnonzero(np.diff(ordered) > _GAP) + 1
        for part in np.split(np.arange(ordered.size), breaks):
            if part.size == 0:
                continue
            lo, hi = int(ordered[part[0]]), int(ordered[part[-1]]) + 1
            out[order[part]] = self._read(lo, hi)[ordered[part] - lo]
        return out.reshape(index.shape)

    def __array__(self, dtype=None, copy=None):
        if SampleFile.strict:
            raise RuntimeError(f"a whole {self!r} was converted to an array (bounded-memory code must slice)")
        log.warning("reading a whole %d-sample signal into memory", self._n)
        data = self._read(0, self._n)
        return data if dtype is None else data.astype(dtype, copy=False)


def blocks(samples, *, block: int = BLOCK_SAMPLES, overlap: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """(start, samples[start - overlap: start + block]) pieces covering an array or SampleFile.

    Each piece starts `overlap` samples before its nominal start (0 for the
    first): enough history for frame-based measures across the joins.
    """
    n = len(samples)
    for start in range(0, n, block):
        lo = max(0, start - overlap)
        yield lo, np.asarray(samples[lo:min(n, start + block)])


def is_on_disk(samples) -> bool:
    return isinstance(samples, SampleFile)
