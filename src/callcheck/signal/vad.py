"""Speech regions per channel with the Silero VAD that faster-whisper ships.

Two views of the same detection: fine `speech_regions()` (short padding, short
minimum silence) for pause and turn measurements, and coarse `asr_chunks()`
(padded and merged like faster-whisper's own defaults) to hand to the recogniser.
The detector runs once per channel; the ASR view is derived from the fine one.

Speed: the network's first layer is a short-time Fourier transform written as a
convolution with 258 windowed-DFT kernels, about 40 % of its run time. We
compute that layer with an FFT and run the rest of the network on its
magnitudes: the probabilities agree with the whole network to ~1e-5 and the
regions with faster-whisper's `get_speech_timestamps` on every real and sample
recording we have (tests/test_vad.py), in ~60 % of the time. If the `onnx`
package is missing or a future model lacks that layer, the whole network runs.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.fft

from callcheck.errors import ConfigError, ModelError
from callcheck.records import Region
from callcheck.signal.samplefile import blocks

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
WINDOW = 512  # samples per speech probability (32 ms)
CONTEXT = 64  # samples of the previous window the model also sees
_BATCH = 256  # windows per inference call: bounds memory, speed is flat from 64 to all
_STFT_OUT = "/encoder/feature_extractor/Sqrt_output_0"  # magnitudes, (windows, bins, frames)
_STFT_BASIS = "encoder.feature_extractor.forward_basis_buffer"  # (2 * bins, 1, n_fft)


@dataclass(frozen=True, slots=True)
class VadSettings:
    """Silero VAD options for the fine regions used by measurements."""

    threshold: float = 0.5
    min_speech_duration_ms: int = 90
    min_silence_duration_ms: int = 100
    speech_pad_ms: int = 30
    asr_pad_ms: int = 400
    asr_merge_gap_ms: int = 2000

    def __post_init__(self):
        if not 0.01 <= self.threshold < 1:
            raise ConfigError(f"VAD threshold must be in [0.01, 1), got {self.threshold}")
        for name in ("min_speech_duration_ms", "min_silence_duration_ms", "speech_pad_ms", "asr_pad_ms",
                     "asr_merge_gap_ms"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ConfigError(f"VAD {name} must be a whole number >= 0, got {value!r}")


def speech_regions(samples: np.ndarray, *, settings: VadSettings = VadSettings()) -> tuple[Region, ...]:
    """Fine speech regions (seconds) of a 16 kHz mono float32 signal, shape (n,).

    `samples` may be a `SampleFile`: the detector reads it in batches of windows.
    """
    if samples.size == 0 or not _any_sound(samples):
        return ()
    probs = silero().probabilities(samples)
    spans = speech_spans(probs, n_samples=samples.size, settings=settings)
    return tuple(Region(start / SAMPLE_RATE_HZ, end / SAMPLE_RATE_HZ) for start, end in spans)


def _any_sound(samples) -> bool:
    return any(np.any(block) for _, block in blocks(samples))


def speech_spans(probs: np.ndarray, *, n_samples: int, settings: VadSettings) -> list[tuple[int, int]]:
    """Speech (start, end) in samples from per-window probabilities, shape (windows,).

    Silero's rule, as faster-whisper applies it without a maximum speech length:
    speech starts at a window >= threshold and ends where the probability fell
    below max(threshold - 0.15, 0.01) and stayed there `min_silence_duration_ms`;
    runs not longer than `min_speech_duration_ms` are dropped; each run is padded
    by `speech_pad_ms`, or by half the gap when its neighbour is closer.
    Comparisons are in float32, like faster-whisper's on the model's output.
    """
    threshold, low = (np.float32(v) for v in (settings.threshold, max(settings.threshold - 0.15, 0.01)))
    min_speech = SAMPLE_RATE_HZ * settings.min_speech_duration_ms / 1000
    min_silence = SAMPLE_RATE_HZ * settings.min_silence_duration_ms / 1000
    pad = int(SAMPLE_RATE_HZ * settings.speech_pad_ms / 1000)
    spans: list[list[int]] = []
    start: int | None = None
    silence_from: int | None = None  # sample where the current dip below `low` began
    probs = np.asarray(probs, dtype=np.float32)
    for i, (speech, silence) in enumerate(zip((probs >= threshold).tolist(), (probs < low).tolist(), strict=True)):
        at = WINDOW * i
        if speech:
            silence_from = None
            if start is None:
                start = at
            continue
        if start is None or not silence:
            continue
        if silence_from is None:
            silence_from = at
        if at - silence_from >= min_silence:
            if silence_from - start > min_speech:
                spans.append([start, silence_from])
            start, silence_from = None, None
    if start is not None and n_samples - start > min_speech:
        spans.append([start, n_samples])
    for i, span in enumerate(spans):
        if i == 0:
            span[0] = max(0, span[0] - pad)
        if i == len(spans) - 1:
            span[1] = min(n_samples, span[1] + pad)
            continue
        following = spans[i + 1]
        gap = following[0] - span[1]
        if gap < 2 * pad:
            span[1] += gap // 2
            following[0] = max(0, following[0] - gap // 2)
        else:
            span[1] = min(n_samples, span[1] + pad)
            following[0] = max(0, following[0] - pad)
    return [(start, end) for start, end in spans]


class SileroVad:
    """Silero VAD v6 (faster-whisper's ONNX file) on one thread.

    `probabilities()` gives one speech probability per 32 ms window, fed with
    the same windows and context as faster-whisper's `SileroVADModel`.
    """

    def __init__(self, path: str | os.PathLike[str], *, fft_front_end: bool = True):
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise ModelError(f"{path}: cannot read the Silero VAD model ({err.strerror or err})") from None
        self.stft_window: np.ndarray | None = None
        self.session = _session(data, path)
        split = _split_after_stft(data, path) if fft_front_end else None
        if split is None:
            return
        window, tail = split
        probe = _probe_signal()
        try:
            agree = np.allclose(_run(self.session, None, probe), _run(tail, window, probe), atol=1e-4)
        except ModelError:
            agree = False
        if agree:
            self.stft_window, self.session = window, tail
        else:
            log.warning("%s: the FFT front end disagrees with the model; the whole VAD network runs", path)

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability per window of WINDOW samples, float32 (n // WINDOW + 1,).

        samples: 16 kHz mono float32, shape (n,). Window i covers samples
        [i * WINDOW, (i + 1) * WINDOW), zero-padded at the end, plus the CONTEXT
        samples before it (zeros for the first window).
        """
        return _run(self.session, self.stft_window, samples)


def _run(session, stft_window: np.ndarray | None, samples: np.ndarray) -> np.ndarray:
    """Probabilities of `samples` from the whole network (stft_window None) or from its tail.

    Reads `_BATCH` windows (8 s) of `samples` at a time, with the LSTM state
    carried from one batch to the next: the same result as one pass over the
    whole signal, in memory that does not grow with its length.
    """
    n = samples.size
    n_windows = n // WINDOW + 1
    name = session.get_inputs()[0].name
    out = np.empty(n_windows, dtype=np.float32)
    h = c = np.zeros((1, 1, 128), dtype=np.float32)
    for i in range(0, n_windows, _BATCH):
        count = min(_BATCH, n_windows - i)
        lo = i * WINDOW - CONTEXT  # the first window's context
        piece = np.zeros(CONTEXT + count * WINDOW, dtype=np.float32)
        got = np.asarray(samples[max(0, lo):min(n, (i + count) * WINDOW)], dtype=np.float32)
        piece[max(0, -lo):max(0, -lo) + got.size] = got
        if i + count == n_windows:
            piece[-CONTEXT:] = 0  # faster-whisper zeroes the last window's final 64 samples too (its context bookkeeping)
        batch = np.lib.stride_tricks.sliding_window_view(piece, CONTEXT + WINDOW)[::WINDOW]
        feed = np.ascontiguousarray(batch) if stft_window is None else _magnitudes(batch, stft_window)
        try:
            probs, h, c = session.run(None, {name: feed, "h": h, "c": c})
        except _ort_errors() as err:
            raise ModelError(f"Silero VAD: the model does not take 32 ms windows ({err})") from None
        out[i:i + count] = probs.ravel()
    return out


def _magnitudes(windows: np.ndarray, stft_window: np.ndarray) -> np.ndarray:
    """The model's STFT layer by FFT: (windows, samples) -> (windows, bins, frames) float32.

    The graph reflect-pads by n_fft / 2 on both sides, takes frames every n_fft / 2
    and drops the first one (which starts in the left padding); so frames start at
    0, n_fft / 2, ... of the window and only the right-hand padding is needed.
    """
    n_fft = stft_window.size
    hop = n_fft // 2
    padded = np.pad(windows, ((0, 0), (0, hop)), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=1)[:, ::hop]
    spectrum = scipy.fft.rfft(frames * stft_window, axis=-1)
    return np.ascontiguousarray(np.abs(spectrum).transpose(0, 2, 1))


def _split_after_stft(data: bytes, path) -> tuple[np.ndarray, object] | None:
    """(window, a session for the network after its STFT layer), or None when it cannot be split.

    The layer's kernels must be window * cos and window * -sin for every bin of
    one n_fft; padding, stride and frame selection are checked by comparing the
    split network against the whole one on a probe signal (SileroVad.__init__).
    """
    try:
        import onnx
        from onnx import numpy_helper
        from onnx.utils import Extractor
    except ImportError:
        log.info("the onnx package is not installed: the whole VAD network runs (slower)")
        return None
    model = onnx.load_model_from_string(data)
    weights = {w.name: w for w in model.graph.initializer}
    if _STFT_BASIS not in weights or not any(_STFT_OUT in node.output for node in model.graph.node):
        log.info("%s: no STFT layer where expected; the whole VAD network runs", path)
        return None
    basis = numpy_helper.to_array(weights[_STFT_BASIS])[:, 0, :].astype(np.float64)
    n_fft = basis.shape[1]
    window = basis[0]  # bin 0: window * cos(0)
    phase = 2 * np.pi * np.arange(n_fft // 2 + 1)[:, None] * np.arange(n_fft)[None, :] / n_fft
    expected = np.concatenate([window * np.cos(phase), -window * np.sin(phase)])
    if basis.shape != expected.shape or not np.allclose(basis, expected, atol=1e-5):
        log.info("%s: the first layer is not a windowed DFT; the whole VAD network runs", path)
        return None
    tail = Extractor(model).extract_model([_STFT_OUT, "h", "c"], ["speech_probs", "hn", "cn"])
    return window.astype(np.float32), _session(tail.SerializeToString(), path)


def _session(data: bytes, path):
    """A one-thread onnxruntime session for a serialised model; ModelError if it is not one."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 4
    try:
        return onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"], sess_options=options)
    except _ort_errors() as err:
        raise ModelError(f"{path}: not a usable Silero VAD model ({err})") from None


def _ort_errors() -> tuple[type[Exception], ...]:
    """onnxruntime's exception classes (they share no base class but Exception)."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    return tuple(v for v in vars(state).values() if isinstance(v, type) and issubclass(v, Exception))


def _probe_signal() -> np.ndarray:
    """1 s of a voice-like buzz between noise, to compare the two ways of running the VAD."""
    t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    buzz = sum(np.sin(2 * np.pi * 140.0 * k * t) / k for k in range(1, 20)) * (np.abs(t - 0.5) < 0.25)
    noise = np.random.default_rng(0).standard_normal(t.size) * 0.01
    return (0.1 * buzz + noise).astype(np.float32)


def model_path() -> str:
    """The Silero VAD model file that faster-whisper ships."""
    from faster_whisper.utils import get_assets_path

    return os.path.join(get_assets_path(), "silero_vad_v6.onnx")


@functools.lru_cache(maxsize=1)
def silero() -> SileroVad:
    """The process's VAD, loaded on first use."""
    return SileroVad(model_path())


def asr_chunks(
    regions: Sequence[Region],
    *,
    duration_s: float,
    pad_s: float = 0.4,
    merge_gap_s: float = 2.0,
) -> tuple[Region, ...]:
    """Pad fine regions by `pad_s`, clip to the signal, merge gaps < `merge_gap_s`.

    Whisper recognises words better with some context around them; this mirrors
    faster-whisper's transcription defaults (400 ms pad, 2 s merge).
    """
    chunks: list[Region] = []
    for region in regions:
        start = max(0.0, region.start_s - pad_s)
        end = min(duration_s, region.end_s + pad_s)
        if chunks and start - chunks[-1].end_s < merge_gap_s:
            chunks[-1] = Region(chunks[-1].start_s, max(end, chunks[-1].end_s))
        else:
            chunks.append(Region(start, end))
    return tuple(chunks)
