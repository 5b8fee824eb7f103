"""Load, validate and resample a call recording; assign channel roles.

Every supported file becomes a `Recording` of 16 kHz float32 channels, each with a
role: two channels = agent and customer, one channel = "agent" until the layout
stage (`callcheck.parties`) has decided whether it holds one speaker or a mix of
both, more channels only with an explicit channel map.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from math import gcd
from pathlib import Path

import numpy as np

from callcheck.errors import AudioError
from callcheck.records import ROLES, Channel, Recording, Role
from callcheck.signal.decode import open_audio, quiet_stderr
from callcheck.signal.resample import StreamResampler
from callcheck.signal.samplefile import SampleFile

log = logging.getLogger(__name__)

TARGET_RATE_HZ = 16_000
MIN_RATE_HZ, MAX_RATE_HZ = 8_000, 96_000
MIN_DURATION_S = 0.5
IN_MEMORY_MAX_S = 300.0  # longer calls keep their 16 kHz channels in a temporary file (SampleFile)
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
    The file is decoded and resampled in blocks; a call longer than
    IN_MEMORY_MAX_S keeps its channels on disk (`SampleFile`), so memory does
    not grow with its length. Damage in the middle of a file becomes
    `Recording.warnings`. Raises AudioError naming the file and the problem.
    """
    path = Path(path)
    source = open_audio(path)
    rate_hz, n_channels = source.rate_hz, source.channels
    if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise AudioError(
            f"{path}: sample rate {rate_hz} Hz is not supported (8000-96000 Hz)"
        )
    roles = channel_roles(n_channels, agent_channel=agent_channel, channel_map=channel_map, path=path)
    samples, frames = _decode(source, list(roles.values()))
    if frames == 0:
        raise AudioError(f"{path}: no audio samples (truncated file?)")
    duration_s = frames / rate_hz
    if duration_s < min_duration_s:
        raise AudioError(
            f"{path}: too short ({duration_s:.2f} s; at least {min_duration_s} s needed)"
        )
    channels = tuple(Channel(role=role, index=index, samples=samples[index]) for role, index in roles.items())
    warnings = tuple(source.warnings)  # the notes worded in English, once
    for warning in warnings:
        log.warning("%s: %s", path, warning)
    log.debug("%s: %d ch, %d Hz, %.2f s", path, n_channels, rate_hz, duration_s)
    return Recording(
        path=path,
        source_rate_hz=rate_hz,
        source_channels=n_channels,
        duration_s=duration_s,
        sample_rate_hz=TARGET_RATE_HZ,
        channels=channels,
        warnings=warnings,
        warning_notes=tuple(source.notes),
        usable_duration_s=(frames - source.skipped_frames) / rate_hz,
    )


def _decode(source, indices: list[int]) -> tuple[dict[int, np.ndarray | SampleFile], int]:
    """The 16 kHz signal of each channel in `indices`, and the number of source frames."""
    resamplers = {i: StreamResampler(rate_hz=source.rate_hz, target_hz=TARGET_RATE_HZ) for i in indices}
    stores = {i: SampleFile() for i in indices}
    frames = 0
    try:
        with quiet_stderr():  # libmpg123 prints resync notes for damaged input
            for block in source:
                if not np.isfinite(block).all():
                    raise AudioError(f"{source.path}: audio contains NaN or infinite samples")
                frames += block.shape[0]
                for i in indices:
                    stores[i].append(resamplers[i].push(block[:, i]))
        for i in indices:
            stores[i].append(resamplers[i].finish())
    except BaseException:
        for store in stores.values():
            store.close()
        raise
    out: dict[int, np.ndarray | SampleFile] = {}
    for i, store in stores.items():
        if store.size <= IN_MEMORY_MAX_S * TARGET_RATE_HZ:
            out[i] = np.ascontiguousarray(store[:])
            store.close()
        else:
            out[i] = store
    return out, frames


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
    """The whole file as float32 of shape (frames, channels) and its sample rate.

    For short files, tools and tests; the pipeline decodes in blocks
    (`load_recording`).
    """
    source = open_audio(path)
    with quiet_stderr():
        blocks = list(source)
    if not blocks:
        raise AudioError(f"{path}: no audio samples (truncated file?)")
    return np.ascontiguousarray(np.concatenate(blocks)), source.rate_hz
