"""Diarization error rate for benchmarks: frame-based, with a forgiveness collar, overlap scored.

DER = (missed speech + false alarm + speaker confusion) / total reference speech,
the NIST definition as pyannote.metrics computes it: time within `collar_s` of
any reference boundary (`collar_s` on each side) is not scored; where several
reference speakers talk at once, each counts. Hypothesis speakers are mapped to
reference speakers by the assignment that maximises their overlap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

import numpy as np

FRAME_S = 0.01


@dataclass(frozen=True, slots=True)
class DerResult:
    der: float
    missed: float
    false_alarm: float
    confusion: float
    reference_s: float


Segments = Mapping[str, Sequence[tuple[float, float]]]  # speaker -> (start_s, end_s) pairs


def read_rttm(path: Path) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start, duration = float(parts[3]), float(parts[4])
            out.setdefault(parts[7], []).append((start, start + duration))
    return out


def _activity(segments: Sequence[tuple[float, float]], frames: int) -> np.ndarray:
    mask = np.zeros(frames, dtype=bool)
    for start, end in segments:
        mask[max(0, round(start / FRAME_S)): max(0, round(end / FRAME_S))] = True
    return mask


def der(reference: Segments, hypothesis: Segments, *, collar_s: float = 0.25) -> DerResult:
    """The DER of `hypothesis` against `reference`, scored outside the collars."""
    end = max([e for segs in (*reference.values(), *hypothesis.values()) for _, e in segs] or [0.0])
    frames = int(np.ceil(end / FRAME_S)) + 1
    ref_names, hyp_names = list(reference), list(hypothesis)
    ref = np.array([_activity(reference[n], frames) for n in ref_names]).reshape(len(ref_names), frames)
    hyp = np.array([_activity(hypothesis[n], frames) for n in hyp_names]).reshape(len(hyp_names), frames)
    scored = np.ones(frames, dtype=bool)
    collar = round(collar_s / FRAME_S)
    for segs in reference.values():
        for start, stop in segs:
            for t in (round(start / FRAME_S), round(stop / FRAME_S)):
                scored[max(0, t - collar): t + collar] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    mapped = _best_mapping(ref, hyp)
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    correct = np.zeros(ref.shape[1])
    for r, h in mapped.items():
        correct += ref[r] & hyp[h]
    total = float(n_ref.sum())
    missed = float(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = float(np.maximum(n_hyp - n_ref, 0).sum())
    confusion = float((np.minimum(n_ref, n_hyp) - correct).sum())
    return DerResult((missed + false_alarm + confusion) / total if total else 0.0, missed / max(total, 1),
                     false_alarm / max(total, 1), confusion / max(total, 1), total * FRAME_S)


def _best_mapping(ref: np.ndarray, hyp: np.ndarray) -> dict[int, int]:
    """Reference row -> hypothesis row, one to one, maximising the overlap (small counts: brute force)."""
    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    best, best_total = {}, -1
    rows, cols = range(ref.shape[0]), range(hyp.shape[0])
    if len(rows) <= len(cols):
        for chosen in permutations(cols, len(rows)):
            total = sum(overlap[r, c] for r, c in zip(rows, chosen, strict=True))
            if total > best_total:
                best, best_total = dict(zip(rows, chosen, strict=True)), total
    else:
        for chosen in permutations(rows, len(cols)):
            total = sum(overlap[r, c] for r, c in zip(chosen, cols, strict=True))
            if total > best_total:
                best, best_total = dict(zip(chosen, cols, strict=True)), total
    return best
