"""Who speaks when on a mono signal: one speaker or two, and the split into two.

Stages, each a pure function:
1. `speech_windows` (speakers.py): ~1.0 s windows tiling each speech region (a
   region up to 1.5 s is one window; below 0.3 s none);
2. CAM++ embeddings of the windows (`SpeakerEmbedder`), ~20-45 ms CPU each; on
   a long call (120 windows or more) coarse to fine (`coarse_to_fine`): every
   third window of a region first, the skipped ones only where a turn may change,
   all of them when the one-or-two decision is short of full confidence;
3. `split_two` (clusters.py): two clusters (spectral on the pruned cosine
   affinity, refined by cosine 2-means);
4. `count_speakers` (clusters.py): one or two, from how alike the two clusters are (about
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

from callcheck.errors import ConfigError
from callcheck.records import Region
from callcheck.signal.clusters import (  # noqa: F401  (split_two, count_speakers: part of this module's API)
    ONE_SPEAKER_SIMILARITY,
    SMALL_SAMPLE_SLACK,
    SpeakerCount,
    centroids,
    count_speakers,
    split_two,
    two_means,
)
from callcheck.signal.speakers import EMBEDDING_DIM, SpeakerEmbedder, speech_windows

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """A stretch of speech by one speaker, label 0 or 1."""

    start_s: float
    end_s: float
    speaker: int


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
    coarse_from_windows: int = 120  # a call with at least this many windows (~2 min of speech) is embedded coarse to fine
    coarse_every: int = 3  # ... first every 3rd window of each speech region (and its last)
    refine_margin: float = 0.1  # ... then the skipped ones between two that disagree, or are nearer than this to both voices

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
    vectors = _LazyEmbeddings(samples_16k, windows, embedder)
    used = coarse_to_fine(vectors, speech=speech, settings=settings)
    labels, count = _split_and_count(vectors.of(used), settings)
    if count.confidence < 1.0 and not used.all():  # not sure: decide on every window, as for a short call
        used[:] = True
        labels, count = _split_and_count(vectors.of(used), settings)
    n = int(used.sum())
    log.debug("%d of %d windows, cluster similarity %.3f -> %d speaker(s)", n, len(windows), count.similarity,
              count.speakers)
    if count.speakers == 1 and not force_two:
        return Diarization(_single(speech), count, n)
    kept = [windows[i] for i in np.flatnonzero(used)]
    return Diarization(assign_turns(vectors.of(used), labels, windows=kept, speech=speech, settings=settings), count, n)


def _split_and_count(embeddings: np.ndarray, settings: DiarizeSettings) -> tuple[np.ndarray, SpeakerCount]:
    labels = split_two(embeddings)
    return labels, count_speakers(embeddings, labels, one_speaker_similarity=settings.one_speaker_similarity,
                                  small_sample_slack=settings.small_sample_slack)


class _LazyEmbeddings:
    """The embeddings of `windows`, each computed the first time it is asked for."""

    def __init__(self, samples_16k: np.ndarray, windows: Sequence[Region], embedder: SpeakerEmbedder):
        self.samples, self.windows, self.embedder = samples_16k, windows, embedder
        self.vectors = np.zeros((len(windows), EMBEDDING_DIM), dtype=np.float32)
        self.done = np.zeros(len(windows), dtype=bool)

    def of(self, wanted: np.ndarray) -> np.ndarray:
        """Embeddings (wanted.sum(), 192) of the windows where `wanted` (bool per window) is set."""
        new = np.flatnonzero(wanted & ~self.done)
        if new.size:
            self.vectors[new] = self.embedder.embed(self.samples, [self.windows[i] for i in new])
            self.done[new] = True
        return self.vectors[wanted]


def coarse_to_fine(vectors: _LazyEmbeddings, *, speech: Sequence[Region], settings: DiarizeSettings) -> np.ndarray:
    """Which windows to embed (bool per window, in time order; embeds them).

    A short call: every window. A long one (`coarse_from_windows` or more), coarse
    to fine: inside each speech region every `coarse_every`-th window and the last;
    a provisional two-way split of those; then the skipped windows between two
    coarse ones that fall on different sides, or of which one is within
    `refine_margin` of the other side: only where a turn may change inside a region
    does the full tiling matter. `diarize` embeds the rest too when the
    one-or-two decision is short of full confidence.
    """
    windows = vectors.windows
    everything = np.ones(len(windows), dtype=bool)
    if len(windows) < settings.coarse_from_windows or settings.coarse_every < 2:
        return everything
    region = _region_of(windows, speech)
    coarse = _coarse(region, every=settings.coarse_every)
    middle = centroids(vectors.of(coarse), two_means(vectors.of(coarse)))
    if middle is None:
        return everything
    scores = vectors.of(coarse) @ middle.T
    side, doubtful = np.zeros(len(windows), dtype=bool), np.zeros(len(windows), dtype=bool)
    side[coarse] = scores[:, 0] > scores[:, 1]
    doubtful[coarse] = np.abs(scores[:, 0] - scores[:, 1]) < settings.refine_margin
    return coarse | _between(region, coarse, side=side, doubtful=doubtful)


def _region_of(windows: Sequence[Region], speech: Sequence[Region]) -> np.ndarray:
    """Index of the speech region holding each window (the last region starting at or before it)."""
    starts = np.array([r.start_s for r in speech])
    return np.searchsorted(starts, [w.start_s + 1e-9 for w in windows], side="right") - 1


def _coarse(region: np.ndarray, *, every: int) -> np.ndarray:
    """Every `every`-th window of each region, counting from its first, and its last (bool per window)."""
    index = np.arange(region.size)
    first = np.r_[True, region[1:] != region[:-1]]
    last = np.r_[region[1:] != region[:-1], True]
    position = index - np.maximum.accumulate(np.where(first, index, 0))
    return (position % every == 0) | last


def _between(region: np.ndarray, coarse: np.ndarray, *, side: np.ndarray, doubtful: np.ndarray) -> np.ndarray:
    """The skipped windows between two consecutive coarse windows of one region that are on different
    sides, or of which either is doubtful (bool per window)."""
    out = np.zeros(region.size, dtype=bool)
    kept = np.flatnonzero(coarse)
    for a, b in zip(kept[:-1], kept[1:], strict=True):
        if b - a > 1 and region[a] == region[b] and (side[a] != side[b] or doubtful[a] or doubtful[b]):
            out[a + 1:b] = True
    return out


def assign_turns(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    windows: Sequence[Region],
    speech: Sequence[Region],
    settings: DiarizeSettings,
) -> tuple[SpeakerTurn, ...]:
    """Turns of two speakers: frames scored by the windows covering them, Viterbi-smoothed, cut to speech."""
    scores = embeddings @ centroids(embeddings, labels).T  # (windows, 2) cosine to each speaker
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
    emission = (sharpness * np.asarray(frame_scores, dtype=np.float64)).tolist()
    from_0, from_1 = [0] * n, [1] * n  # best previous state of state 0 / state 1 at each frame
    total_0, total_1 = emission[0]
    for i in range(1, n):  # two states: plain floats, ~8 times faster than numpy on 2-element arrays
        switch_0, switch_1 = total_1 - switch_penalty, total_0 - switch_penalty
        if total_0 < switch_0:
            from_0[i] = 1
        if total_1 < switch_1:
            from_1[i] = 0
        total_0, total_1 = max(total_0, switch_0) + emission[i][0], max(total_1, switch_1) + emission[i][1]
    path = np.zeros(n, dtype=int)
    path[-1] = 0 if total_0 >= total_1 else 1
    for i in range(n - 1, 0, -1):
        path[i - 1] = (from_0, from_1)[path[i]][i]
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
