"""Two clusters of speaker embeddings: the split, and whether they are one voice or two.

Pure numpy on L2-normalised embeddings (n, d); `callcheck.signal.diarize` turns
the clusters into speaker turns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

ONE_SPEAKER_SIMILARITY = 0.76  # cluster similarity at or above this (minus the slack): one speaker (bench_diarize.py)
SMALL_SAMPLE_SLACK = 0.3  # threshold lowered by this / sqrt(windows): few windows, noisier split


@dataclass(frozen=True, slots=True)
class SpeakerCount:
    """One speaker or two, and how sure: `confidence` in [0.5, 1].

    `similarity` is how alike the two clusters of a forced two-way split of the
    window embeddings are (~ the cosine of their centroids, see `count_speakers`;
    1 - similarity is a "separation"); `threshold` the value at which the
    decision flips for this number of windows.
    """

    speakers: int
    confidence: float
    similarity: float
    threshold: float


MAX_SPECTRAL_WINDOWS = 2000  # the spectral step is n x n (and its eigensolver n^3): above this, an even subsample


def split_two(embeddings: np.ndarray, *, neighbours: int | None = None, iterations: int = 10,
              max_spectral: int = MAX_SPECTRAL_WINDOWS) -> np.ndarray:
    """Two clusters of L2-normalised embeddings (n, d) -> labels (n,) in {0, 1}.

    Spectral: each row of the cosine affinity keeps its `neighbours` largest
    entries (default ~20 % of n, as 3D-Speaker prunes), the matrix is
    symmetrised, the rows of the two leading eigenvectors of its normalised
    Laplacian (length 1) are split by 2-means; cosine 2-means on the embeddings
    then refines the two groups. More than `max_spectral` windows (~30 minutes of
    speech): the spectral split runs on `max_spectral` of them evenly spread over
    the call and the rest start from the nearer of its two centroids, so memory
    and time stay bounded on long calls.
    """
    n = len(embeddings)
    if n < 2:
        return np.zeros(n, dtype=int)
    if n > max_spectral:
        sample = embeddings[np.unique(np.linspace(0, n - 1, max_spectral).round().astype(int))]
        middle = centroids(sample, _spectral_labels(sample, neighbours=neighbours, iterations=iterations))
        labels = np.zeros(n, dtype=int) if middle is None else np.argmax(embeddings @ middle.T, axis=1)
    else:
        labels = _spectral_labels(embeddings, neighbours=neighbours, iterations=iterations)
    return _first_is_zero(two_means(embeddings, labels=labels, iterations=iterations))


def _spectral_labels(embeddings: np.ndarray, *, neighbours: int | None, iterations: int) -> np.ndarray:
    n = len(embeddings)
    k = neighbours or max(2, min(n - 1, int(round(0.2 * n))))
    affinity = embeddings @ embeddings.T
    keep = np.argsort(-affinity, axis=1)[:, : k + 1]
    pruned = np.zeros_like(affinity)
    rows = np.arange(n)[:, None]
    pruned[rows, keep] = np.maximum(affinity[rows, keep], 0.0)
    pruned = 0.5 * (pruned + pruned.T)
    scale = 1.0 / np.sqrt(np.maximum(pruned.sum(axis=1), 1e-9))
    _, vectors = scipy.linalg.eigh(np.eye(n) - scale[:, None] * pruned * scale[None, :], subset_by_index=[0, 1])
    spectral = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return two_means(spectral, iterations=iterations)


def two_means(points: np.ndarray, *, labels: np.ndarray | None = None, iterations: int = 10) -> np.ndarray:
    """Cosine 2-means of unit rows (n, d) -> labels (n,) in {0, 1}; starts from `labels`, else
    from the point least like the first one and the point least like that one."""
    if labels is None or labels.min(initial=0) == labels.max(initial=0):
        a = int(np.argmin(points @ points[0]))
        b = int(np.argmin(points @ points[a]))
        labels = (points @ points[b] > points @ points[a]).astype(int)
    for _ in range(iterations):
        middle = centroids(points, labels)
        if middle is None:
            break
        new = np.argmax(points @ middle.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def count_speakers(embeddings: np.ndarray, labels: np.ndarray, *, one_speaker_similarity: float = ONE_SPEAKER_SIMILARITY,
                   small_sample_slack: float = SMALL_SAMPLE_SLACK) -> SpeakerCount:
    """One speaker or two from how alike the two clusters of a forced split are.

    `similarity` = mean cosine between windows of different clusters divided by
    the geometric mean of the within-cluster mean cosines (diagonal excluded):
    about the cosine of the two centroids, without the downward bias that small
    clusters give it. Any split of one voice overfits its noise more the fewer
    windows there are, so the threshold is lowered by `small_sample_slack / sqrt(n)`.
    The confidence grows with the distance from the threshold: 0.5 at it, 1.0 at
    0.1 away.
    """
    n = len(labels)
    threshold = one_speaker_similarity - small_sample_slack / np.sqrt(max(n, 1))
    groups = [embeddings[labels == k] for k in (0, 1)]
    if min(len(g) for g in groups) < 2:
        return SpeakerCount(1, 0.5, 1.0, round(float(threshold), 4))
    within = [(g.sum(axis=0) @ g.sum(axis=0) - len(g)) / (len(g) * (len(g) - 1)) for g in groups]
    between = float(groups[0].mean(axis=0) @ groups[1].mean(axis=0))
    similarity = between / np.sqrt(max(within[0] * within[1], 1e-12))
    speakers = 1 if similarity >= threshold else 2
    confidence = float(np.clip(0.5 + abs(similarity - threshold) / 0.2, 0.5, 1.0))
    return SpeakerCount(speakers, round(confidence, 3), round(float(similarity), 4), round(float(threshold), 4))


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    """Unit-length mean of each cluster, (2, d); None when a cluster is empty."""
    if labels.min(initial=0) == labels.max(initial=0):
        return None
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in (0, 1)])
    return centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)


def _first_is_zero(labels: np.ndarray) -> np.ndarray:
    return 1 - labels if labels.size and labels[0] == 1 else labels

