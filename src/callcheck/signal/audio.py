"""Load, validate and resample a call recording; assign channel roles.

Every supported file becomes a `Recording` of 16 kHz float32 channels, each with a
role: two channels = agent and customer, one channel = "agent" until the layout
stage (`callcheck.parties`) has decided whether it holds one speaker or a mix of
both, more channels only with an explicit channel map.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.errors import AudioError
from callcheck.records import ROLES, Channel, Recording, Role

log = logging.getLogger(__name__)

TARGET_RATE_HZ = 16_000
MIN_RATE_HZ, MAX_RATE_HZ = 8_000, 96_000
MIN_DURATION_S = 0.5
AGENT_CHANNELS = {"left": 0, "right": 1}


def load_recording(
    path: str | Path,
    *,
    agent_channel: str = "left",
    channel_map: Mapping[Role, int] | None = None,
    min_duration_s: float = MIN_DURATION_S,
) -> Recording:
    """Read `path`, check it and return it as 16 kHz channels with roles.

    `agent_channel` ("left"|"right") picks the agent of a stereo call;
    `channel_map` ({"agent": 0, "customer": 2}) overrides it for any layout.
    Raises AudioError naming the file and the problem.
    """
    path = Path(path)
    data, rate_hz = read_audio(path)
    frames, n_channels = data.shape
    if frames == 0:
        raise AudioError(f"{path}: no audio samples (truncated file?)")
    if not np.isfinite(data).all():
        raise AudioError(f"{path}: audio contains NaN or infinite samples")
    if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise AudioError(
            f"{path}: sample rate {rate_hz} Hz is not supported (8000-96000 Hz)"
        )
    duration_s = frames / rate_hz
    if duration_s < min_duration_s:
        raise AudioError(
            f"{path}: too short ({duration_s:.2f} s; at least {min_duration_s} s needed)"
        )
    roles = channel_roles(
        data.shape[1], agent_channel=agent_channel, channel_map=channel_map, path=path
    )
    channels = tuple(
        Channel(role=role, index=index, samples=resample(data[:, index], rate_hz=rate_hz))
        for role, index in roles.items()
    )
    log.debug("%s: %d ch, %d Hz, %.2f s", path, n_channels, rate_hz, duration_s)
    return Recording(
        path=path,
        source_rate_hz=rate_hz,
        source_channels=n_channels,
        duration_s=duration_s,
        sample_rate_hz=TARGET_RATE_HZ,
        channels=channels,
    )


def channel_roles(
    n_channels: int,
    *,
    agent_channel: str = "left",
    channel_map: Mapping[Role, int] | None = None,
    path: Path | str = "",
) -> dict[Role, int]:
    """Map roles to channel indices for a file with `n_channels` channels."""
    if channel_map:
        unknown = set(channel_map) - set(ROLES)
        if unknown:
            raise AudioError(f"{path}: unknown role(s) in channel map: {sorted(unknown)}")
        if "agent" not in channel_map:
            raise AudioError(f"{path}: the channel map needs the agent's channel (agent=I)")
        if len(set(channel_map.values())) < len(channel_map):
            raise AudioError(f"{path}: the channel map gives two roles the same channel: {dict(channel_map)}")
        bad = {r: i for r, i in channel_map.items() if not 0 <= i < n_channels}
        if bad:
            raise AudioError(
                f"{path}: channel map {bad} does not fit a file with {n_channels} channel(s)"
            )
        return {role: channel_map[role] for role in ROLES if role in channel_map}
    if agent_channel not in AGENT_CHANNELS:
        raise AudioError(f"{path}: agent channel must be 'left' or 'right', not {agent_channel!r}")
    if n_channels == 1:
        return {"agent": 0}
    if n_channels == 2:
        agent = AGENT_CHANNELS[agent_channel]
        return {"agent": agent, "customer": 1 - agent}
    raise AudioError(
        f"{path}: {n_channels} channels are not supported without a channel map "
        "(e.g. --channel-map agent=0,customer=1)"
    )


def resample(samples: np.ndarray, *, rate_hz: int, target_hz: int = TARGET_RATE_HZ) -> np.ndarray:
    """Polyphase-resample a 1-D signal to `target_hz`; float32, contiguous."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate_hz == target_hz:
        return np.ascontiguousarray(samples)
    g = gcd(int(rate_hz), int(target_hz))
    from scipy.signal import resample_poly  # only here: importing scipy.signal costs ~0.4 s of start-up

    out = resample_poly(samples, target_hz // g, int(rate_hz) // g)
    return np.ascontiguousarray(out, dtype=np.float32)


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Decode a file to float32 of shape (frames, channels) and its sample rate.

    soundfile handles WAV (PCM, float, mu-law, A-law), FLAC, OGG/Opus and MP3;
    anything else (M4A/AAC, ...) goes through PyAV.
    """
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, not an audio file")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(f"{path}: empty file")
    try:
        with _quiet_stderr():  # libmpg123 prints resync notes for garbage input
            data, rate_hz = sf.read(path, dtype="float32", always_2d=True)
        return data, int(rate_hz)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        sf_problem = str(err)
    with open(path, "rb") as fh:
        head = fh.read(12)
    if head[:4] in (b"RIFF", b"RIFX", b"fLaC", b"OggS", b"FORM"):
        raise AudioError(f"{path}: truncated or corrupt audio file ({_short(sf_problem)})")
    return _read_with_av(path)


def _read_with_av(path: Path) -> tuple[np.ndarray, int]:
    import av  # faster-whisper's dependency; imported lazily, only for exotic formats

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream (is this an audio file?)")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=stream.rate)
            blocks = [
                out.to_ndarray()
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            blocks += [out.to_ndarray() for out in resampler.resample(None)]
            rate_hz = int(stream.rate)
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as err:
        problem = getattr(err, "strerror", None) or str(err)
        raise AudioError(f"{path}: not a readable audio file ({_short(problem)})") from None
    if not blocks:
        raise AudioError(f"{path}: no audio samples (truncated file?)")
    data = np.concatenate(blocks, axis=1).T.astype(np.float32, copy=False)
    return np.ascontiguousarray(data), rate_hz


@contextlib.contextmanager
def _quiet_stderr():
    """Silence C libraries writing to file descriptor 2 for the duration."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (some embedded hosts): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _short(message: str) -> str:
    """The first line of a decoder's message, without the file path it repeats."""
    line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return line.split(": ", 1)[-1] if "Error opening" in line else line
