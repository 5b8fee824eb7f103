"""Codec round trips for tests and benchmarks: what a phone system or recorder does to a call.

`roundtrip(samples, sr=8000, codec="aac")` encodes float32 audio of shape (n,) or
(n, channels) with PyAV (FFmpeg's encoders, shipped in the `av` wheel) and decodes
it again: "aac", "mp3", "opus" (at telephone-like bitrates), "ulaw"/"alaw" (G.711).
"""

from __future__ import annotations

import io

import numpy as np

BITRATES = {"aac": 32_000, "mp3": 32_000, "opus": 24_000}
CONTAINERS = {"aac": ("adts", "aac"), "mp3": ("mp3", "libmp3lame"), "opus": ("ogg", "libopus")}


def roundtrip(samples: np.ndarray, *, sr: int, codec: str) -> tuple[np.ndarray, int]:
    """(decoded samples float32 (n, channels), sample rate) after one encode/decode."""
    data = np.asarray(samples, dtype=np.float32)
    data = data[:, None] if data.ndim == 1 else data
    if codec in ("ulaw", "alaw"):
        return _g711(data, mu_law=codec == "ulaw"), sr
    return _av_roundtrip(data, sr=sr, codec=codec)


def _g711(data: np.ndarray, *, mu_law: bool) -> np.ndarray:
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, data, 8000, format="WAV", subtype="ULAW" if mu_law else "ALAW")
    buffer.seek(0)
    out, _ = sf.read(buffer, dtype="float32", always_2d=True)
    return out


def _av_roundtrip(data: np.ndarray, *, sr: int, codec: str) -> tuple[np.ndarray, int]:
    import av

    fmt, encoder = CONTAINERS[codec]
    rate = 48_000 if codec == "opus" else sr
    if rate != sr:
        from scipy.signal import resample_poly

        data = resample_poly(data, rate, sr, axis=0).astype(np.float32)
    layout = "mono" if data.shape[1] == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as out:
        stream = out.add_stream(encoder, rate=rate, layout=layout)
        stream.bit_rate = BITRATES[codec] * data.shape[1]
        frame_size = stream.codec_context.frame_size or 1024
        for start in range(0, data.shape[0], frame_size):
            chunk = np.ascontiguousarray(data[start: start + frame_size].T)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buffer.seek(0)
    blocks = []
    with av.open(buffer, mode="r") as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        for frame in container.decode(stream):
            blocks.extend(f.to_ndarray() for f in resampler.resample(frame))
    decoded = np.concatenate(blocks, axis=1).T.astype(np.float32)
    return decoded, rate
