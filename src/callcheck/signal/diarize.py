"""Who speaks when on a mono signal: one speaker or two, and the split into two.

Stages, each a pure function:
1. `speech_windows` (speakers.py): ~1.0 s windows tiling each speech region (a
   region up to 1.5 s is one window; below 0.3 s none);
2. CAM++ embeddings of the windows (`SpeakerEmbedder`), ~20 ms CPU each;
3. `split_two`: two clusters (spectral on the pruned cosine affinity, refined by
   cosine 2-means);
4. `count_speakers`: one or two, from how alike the two clusters are (about
   the cosine of their centroids): one voice split in two stays similar (0.75-0.97
   on the real single-speaker files), two voices do not (0.43-0.67 on the mixes);
   the threshold is 0.76 - 0.3 / sqrt(windows);
5. `frame_labels` + `viterbi`: each 50 ms speech frame scored against both
   centroids by the windows covering it (or the nearest), smoothed by a 2-state
   Viterbi pass;
6. runs of one label inside speech regions become `SpeakerTurn`s.

No overlap detection: the speech of the second voice during the first one's
turn goes to whichever voice dominates the window. Times are seconds of the
signal given. Labels 0 and 1 are arbitrary (0 is the first speaker heard);
which one is the agent is decided later, from words.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from callcheck.errors import ConfigError
from callcheck.records import Region
from callcheck.signal.speakers import SpeakerEmbedder, speech_windows

log = logging.getLogger(__name__)

ONE_SPEAKER_SIMILARITY = 0.76  # cluster similarity at or above this (minus the slack): one speaker (bench_diarize.py)
SMALL_SAMPLE_SLACK = 0.3  # threshold lowered by this / sqrt(windows): few windows, noisier split


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """A stretch of speech by one speaker, label 0 or 1."""

    start_s: float
    end_s: float
    speaker: int


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


@dataclass(frozen=True, slots=True)
class Diarization:
    """Speaker turns in time order (labels 0 and 1 when two speakers were decided or forced, only 0
    otherwise), the one-vs-two decision, and how many windows were embedded."""

    turns: tuple[SpeakerTurn, ...]
    count: SpeakerCount
    windows: int

    def speaker_at(self, times_s: Sequence[float] | np.ndarray) -> np.ndarray:
        """Speaker label at each time (seconds), -1 outside every turn; int shape (len(times_s),)."""
        return speaker_at(self.turns, times_s)

    def regions_of(self, speaker: int) -> tuple[Region, ...]:
        return tuple(Region(t.start_s, t.end_s) for t in self.turns if t.speaker == speaker)


@dataclass(frozen=True, slots=True)
class DiarizeSettings:
    """Options of `diarize`; the defaults were tuned on ../shared/realdata (scripts/bench_diarize.py)."""

    window_s: float = 1.0
    step_s: float = 1.0
    min_window_s: float = 0.3
    frame_s: float = 0.05
    switch_penalty: float = 4.0
    one_speaker_similarity: float = ONE_SPEAKER_SIMILARITY
    small_sample_slack: float = SMALL_SAMPLE_SLACK

    def __post_init__(self):
        if not 0 < self.frame_s <= min(self.step_s, self.window_s):
            raise ConfigError(f"diarization frame_s must be in (0, min(step_s, window_s)], got {self.frame_s}")
        if self.switch_penalty < 0 or not -1 < self.one_speaker_similarity < 1:
            raise ConfigError("diarization switch_penalty must be >= 0 and one_speaker_similarity in (-1, 1)")


def diarize(
    samples_16k: np.ndarray,
    *,
    speech: Sequence[Region],
    embedder: SpeakerEmbedder,
    settings: DiarizeSettings = DiarizeSettings(),
    force_two: bool = False,
) -> Diarization:
    """Split a 16 kHz mono signal (n,) into two speakers' turns inside `speech`, or decide it has one.

    With fewer than 4 windows of speech there is nothing to compare: one speaker,
    confidence 0.5. The split into two is returned when two are decided, or
    always with `force_two` (`--layout mixed`; `count` still tells what was found).
    """
    windows = speech_windows(speech, window_s=settings.window_s, step_s=settings.step_s,
                             min_window_s=settings.min_window_s)
    if len(windows) < 4:
        count = SpeakerCount(1, 0.5, 1.0, settings.one_speaker_similarity)
        return Diarization(_single(speech), count, len(windows))
    embeddings = embedder.embed(samples_16k, windows)
    labels = split_two(embeddings)
    count = count_speakers(embeddings, labels, one_speaker_similarity=settings.one_speaker_similarity,
                           small_sample_slack=settings.small_sample_slack)
    log.debug("%d windows, cluster similarity %.3f -> %d speaker(s)", len(windows), count.similarity, count.speakers)
    if count.speakers == 1 and not force_two:
        return Diarization(_single(speech), count, len(windows))
    turns = assign_turns(embeddings, labels, windows=windows, speech=speech, settings=settings)
    return Diarization(turns, count, len(windows))


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
        centroids = _centroids(sample, _spectral_labels(sample, neighbours=neighbours, iterations=iterations))
        labels = np.zeros(n, dtype=int) if centroids is None else np.argmax(embeddings @ centroids.T, axis=1)
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
        centroids = _centroids(points, labels)
        if centroids is None:
            break
        new = np.argmax(points @ centroids.T, axis=1)
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


def assign_turns(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    windows: Sequence[Region],
    speech: Sequence[Region],
    settings: DiarizeSettings,
) -> tuple[SpeakerTurn, ...]:
    """Turns of two speakers: frames scored by the windows covering them, Viterbi-smoothed, cut to speech."""
    centroids = _centroids(embeddings, labels)
    scores = embeddings @ centroids.T  # (windows, 2) cosine to each speaker
    times, frame_scores = frame_labels(scores, windows=windows, speech=speech, frame_s=settings.frame_s)
    path = viterbi(frame_scores, switch_penalty=settings.switch_penalty)
    return _turns(times, path, speech=speech)


def frame_labels(
    scores: np.ndarray, *, windows: Sequence[Region], speech: Sequence[Region], frame_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame speaker scores from per-window scores (windows, 2).

    Returns the centre times (frames,) of the frames inside speech and their
    scores (frames, 2): the mean over the windows that cover the frame, or,
    for a frame no window covers, those of the nearest window.
    """
    times = np.concatenate([_frame_times(r, frame_s) for r in speech] or [np.zeros(0)])
    starts = np.array([w.start_s for w in windows])
    ends = np.array([w.end_s for w in windows])
    centres = 0.5 * (starts + ends)
    by_centre = np.argsort(centres, kind="stable")
    frame_scores = np.zeros((times.size, 2))
    for first in range(0, times.size, _FRAMES_PER_STEP):  # frames x nearby windows at a time: bounded memory
        t = times[first:first + _FRAMES_PER_STEP]
        nearby = np.flatnonzero((ends > t.min()) & (starts <= t.max()))
        cover = (t[:, None] >= starts[nearby][None, :]) & (t[:, None] < ends[nearby][None, :])
        counts = cover.sum(axis=1)
        summed = cover.astype(np.float64) @ scores[nearby]
        nearest = _nearest(t, centres, by_centre)
        frame_scores[first:first + t.size] = np.where(counts[:, None] > 0, summed / np.maximum(counts, 1)[:, None],
                                                      scores[nearest])
    return times, frame_scores


_FRAMES_PER_STEP = 4096


def _nearest(times: np.ndarray, centres: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Index of the centre nearest to each time (the earlier of two equally near); `order` sorts `centres`."""
    ordered = centres[order]
    right = np.clip(np.searchsorted(ordered, times), 0, ordered.size - 1)
    left = np.clip(right - 1, 0, None)
    pick = np.where(np.abs(times - ordered[left]) <= np.abs(ordered[right] - times), left, right)
    return order[pick]


def viterbi(frame_scores: np.ndarray, *, switch_penalty: float, sharpness: float = 20.0) -> np.ndarray:
    """Most likely 2-state label path (frames,) for per-frame cosine scores (frames, 2).

    Log-likelihood of state k at a frame is `sharpness * score_k`; changing state
    costs `switch_penalty` (in the same log units).
    """
    n = len(frame_scores)
    if n == 0:
        return np.zeros(0, dtype=int)
    emission = sharpness * frame_scores
    back = np.zeros((n, 2), dtype=int)
    total = emission[0].copy()
    for i in range(1, n):
        stay = total
        switch = total[::-1] - switch_penalty
        back[i] = np.where(stay >= switch, [0, 1], [1, 0])
        total = np.maximum(stay, switch) + emission[i]
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmax(total))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def speaker_at(turns: Sequence[SpeakerTurn], times_s: Sequence[float] | np.ndarray) -> np.ndarray:
    """Label of the turn containing each time (seconds), -1 where no turn does; int shape (len(times_s),)."""
    times = np.asarray(times_s, dtype=np.float64)
    out = np.full(times.shape, -1, dtype=int)
    if not turns:
        return out
    starts = np.array([t.start_s for t in turns])
    ends = np.array([t.end_s for t in turns])
    index = np.searchsorted(starts, times, side="right") - 1
    inside = (index >= 0) & (times < ends[np.clip(index, 0, None)])
    out[inside] = np.array([t.speaker for t in turns])[index[inside]]
    return out


def _frame_times(region: Region, frame_s: float) -> np.ndarray:
    """Centres of the frames (about `frame_s` long, at least one) that tile `region`."""
    n = max(1, int(round(region.duration_s / frame_s)))
    return region.start_s + (np.arange(n) + 0.5) * (region.duration_s / n)


def _turns(times: np.ndarray, path: np.ndarray, *, speech: Sequence[Region]) -> tuple[SpeakerTurn, ...]:
    """Runs of one label, cut at speech-region edges; label 0 is the first speaker heard."""
    if path.size and path[0] == 1:
        path = 1 - path
    turns: list[SpeakerTurn] = []
    for region in speech:  # `times` are in time order
        inside = np.arange(np.searchsorted(times, region.start_s, side="left"),
                           np.searchsorted(times, region.end_s, side="left"))
        if inside.size == 0:
            continue
        labels = path[inside]
        cuts = np.flatnonzero(np.diff(labels)) + 1
        bounds = [region.start_s, *((times[inside[c - 1]] + times[inside[c]]) / 2 for c in cuts), region.end_s]
        for j, label in enumerate(labels[np.r_[0, cuts]]):
            turns.append(SpeakerTurn(round(float(bounds[j]), 3), round(float(bounds[j + 1]), 3), int(label)))
    return tuple(turns)


def _single(speech: Sequence[Region]) -> tuple[SpeakerTurn, ...]:
    return tuple(SpeakerTurn(r.start_s, r.end_s, 0) for r in speech)


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    """Unit-length mean of each cluster, (2, d); None when a cluster is empty."""
    if labels.min(initial=0) == labels.max(initial=0):
        return None
    centroids = np.stack([embeddings[labels == k].mean(axis=0) for k in (0, 1)])
    return centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)


def _first_is_zero(labels: np.ndarray) -> np.ndarray:
    return 1 - labels if labels.size and labels[0] == 1 else labels

