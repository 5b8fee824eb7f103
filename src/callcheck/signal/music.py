"""Hold music on a channel: long stretches of continuous, tonal sound that is nobody speaking.

While the customer waits, the telephone system plays music (often with an
announcement over it) into the call. The speech detector takes some of it for
speech and the rest for silence; either way it is not the agent: as "speech"
it would be transcribed and measured as the agent's voice, as silence it
inflates dead air and the channel's noise floor.

Two signs, read in windows of `window_s` every `hop_s`:

1. continuous (every window): speech stops between words and in the closures
   of stops, so 20-55 % of its 32 ms frames lie `low_frame_db` below the
   window's level; music plays on (0-3 %; staccato piano up to 20 %). This is
   the low-energy-frame ratio of Scheirer & Slaney (1997). It reads only frame
   energies, over the whole channel, block by block. Speech without pauses (a
   rushed speaker, a noisy line) passes it for a few seconds, stationary noise
   for any length: hence sign 2.
2. tonal and sustained (median over `sustain_span_s`): a note keeps its
   partials at the same frequencies for a few hundred ms; a voice does not --
   its pitch glides and its phonemes change every 60-150 ms -- and noise has no
   partials. Per frame, the fine structure of the spectrum (log magnitude
   minus its local mean over 140 Hz: partials and harmonics, not formants or
   tilt) is correlated with the frame 160 ms later; in music windows at least
   `min_sustain` of the frames correlate above 0.3. Measured: real speech that
   passes sign 1 (pause-less or noisy stretches of up to 7 s) 0-0.25, noise
   0-0.15; real music 0.35-0.97 (a waltz, a string orchestra, ragtime, a song,
   jazz with drums), synthetic chords and melodies 0.6-1. Only stretches that
   pass sign 1 for `min_hold_s` are read for this.

Stretches of music windows (gaps of up to `bridge_s` bridged) lasting at least
`min_hold_s` are hold; their edges are then placed to the frame. The signal
is only ever read by slicing (`samples[a:b]`), so `samples` may be any
array-like with `shape` and slices (a disk-backed channel).

Not detected: an announcement without music (it is a voice), percussive music
with gaps (drum and bass: it stops like speech), music below `min_level_dbfs`
or `max_below_speech_db` under the channel's speech (it disturbs nothing).
Passages of music without sustained notes (fast runs, drum solos) can split a
stretch or shorten it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import scipy.fft
from scipy.ndimage import uniform_filter1d

from callcheck.errors import ConfigError
from callcheck.records import HoldSpan, Recording, Region
from callcheck.signal.frames import frame_db as level_frames
from callcheck.signal.regions import subtract

log = logging.getLogger(__name__)

FRAME_S = 0.032  # energy frame and hop of the spectral frames (512 samples at 16 kHz)
SUSTAIN_LAG = 5  # frames: a partial that is still there 160 ms later belongs to a note
FINE_CORRELATION = 0.3  # a frame pair correlating above this in fine structure is sustained
EDGE_CORRELATION = 0.5  # ... and clearly so, for placing a stretch's edges (speech next to music rarely is)
BAND_HZ = (150.0, 3400.0)  # the telephone band: the same evidence on 8 kHz and wideband calls
SMOOTH_HZ = 140.0  # the local mean removed from the log spectrum (the envelope: formants, tilt)
SPECTRAL_BLOCK_FRAMES = 1024  # spectral frames per batch: bounds memory to a few MB


@dataclass(frozen=True, slots=True)
class HoldSettings:
    """When a stretch of a channel counts as hold music (defaults.toml [hold])."""

    detect: bool = True
    min_hold_s: float = 8.0
    window_s: float = 2.0
    hop_s: float = 0.5
    low_frame_db: float = 15.0
    max_low_share: float = 0.1
    min_sustain: float = 0.35
    sustain_span_s: float = 8.0
    min_level_dbfs: float = -50.0
    max_below_speech_db: float = 25.0
    bridge_s: float = 3.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "detect":
                if not isinstance(value, bool):
                    raise ConfigError(f"hold.detect must be true or false, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"hold.{f.name} must be a number, not {value!r}")
        for name in ("min_hold_s", "window_s", "hop_s", "low_frame_db", "max_below_speech_db", "sustain_span_s"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"hold.{name} must be positive, not {getattr(self, name)!r}")
        if not 0 <= self.max_low_share <= 1 or not 0 < self.min_sustain <= 1:
            raise ConfigError("hold.max_low_share must be in [0, 1] and hold.min_sustain in (0, 1]")
        if not 4 * FRAME_S <= self.window_s <= self.min_hold_s or self.hop_s > self.window_s:
            raise ConfigError(f"hold.window_s must lie between {4 * FRAME_S} s and min_hold_s, "
                              "and hold.hop_s must not exceed it")
        if self.bridge_s < 0:
            raise ConfigError(f"hold.bridge_s must not be negative, not {self.bridge_s!r}")


def hold_settings(table: Mapping[str, Any]) -> HoldSettings:
    """HoldSettings from the config's [hold] table (missing keys: the defaults)."""
    known = {f.name for f in fields(HoldSettings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"unknown setting hold.{unknown[0]}")
    return HoldSettings(**{k: (v if k == "detect" else float(v)) for k, v in table.items()})


@dataclass(frozen=True, slots=True, eq=False)
class _Windows:
    """Per analysis window: where it starts (frame), its level and whether it passed each sign."""

    first_frame: np.ndarray  # int (windows,)
    level_db: np.ndarray  # float (windows,)
    continuous: np.ndarray  # bool (windows,)


def hold_regions(samples, *, sample_rate_hz: int, speech: Sequence[Region] = (),
                 settings: HoldSettings = HoldSettings()) -> tuple[HoldSpan, ...]:
    """Stretches of hold music in one channel, in time order.

    samples: mono float, shape (n,), at `sample_rate_hz`; read by slicing only.
    speech: the channel's speech regions (seconds): music must be at most
    `max_below_speech_db` below their median level to count.
    """
    frame = round(FRAME_S * sample_rate_hz)
    frame_s = frame / sample_rate_hz
    win, hop = round(settings.window_s / FRAME_S), max(1, round(settings.hop_s / FRAME_S))
    if not settings.detect or samples.shape[0] < frame * win:
        return ()
    frame_db = level_frames(samples, frame=frame)
    windows = _windows(frame_db, speech, win=win, hop=hop, frame_s=frame_s, settings=settings)
    correlation = np.zeros(frame_db.size, dtype=np.float32)  # frame i's fine structure with i + SUSTAIN_LAG's
    reach = round(settings.sustain_span_s / 2 / (hop * frame_s))  # windows either side that sign 2 is read over
    music = np.zeros(windows.continuous.size, dtype=bool)
    for lo, hi in _runs(windows.continuous, win=win, hop=hop, min_frames=settings.min_hold_s / FRAME_S,
                        bridge_frames=settings.bridge_s / FRAME_S):
        first = max(0, int(windows.first_frame[lo]) - 2 * win)  # a margin for placing the edges
        last = min(frame_db.size, int(windows.first_frame[hi - 1]) + 3 * win)
        correlation[first:last] = _correlation(samples, first_frame=first, n_frames=last - first, frame=frame,
                                               sample_rate_hz=sample_rate_hz)
        share = np.zeros(hi - lo)
        for k in range(lo, hi):
            a = int(windows.first_frame[k])
            loud = frame_db[a:a + win] >= windows.level_db[k] - settings.low_frame_db
            share[k - lo] = np.mean(correlation[a:a + win][loud] > FINE_CORRELATION) if loud.any() else 0.0
        music[lo:hi] = windows.continuous[lo:hi] & (_local_median(share, windows.continuous[lo:hi], radius=reach)
                                                    >= settings.min_sustain)
    spans = []
    for lo, hi in _runs(music, win=win, hop=hop, min_frames=settings.min_hold_s / FRAME_S,
                        bridge_frames=settings.bridge_s / FRAME_S):
        start, end = _edges(lo, hi, windows, frame_db, correlation > EDGE_CORRELATION, win=win, hop=hop,
                            reach=reach, settings=settings)
        spans.append(HoldSpan(round(start * frame_s, 3), round(end * frame_s, 3), "music",
                              round(float(np.mean(music[lo:hi])), 3)))
    spans = [s for s in _joined(spans) if s.duration_s >= settings.min_hold_s]
    log.debug("hold music: %s", ", ".join(f"{s.start_s:.1f}-{s.end_s:.1f} s" for s in spans) or "none")
    return tuple(spans)


def _windows(frame_db: np.ndarray, speech: Sequence[Region], *, win: int, hop: int, frame_s: float,
             settings: HoldSettings) -> _Windows:
    """Level and sign 1 (continuous, loud enough) of every window."""
    view = np.lib.stride_tricks.sliding_window_view(frame_db, win)[::hop]
    level = 10 * np.log10(np.mean(10 ** (view / 10), axis=1))
    low_share = np.mean(view < level[:, None] - settings.low_frame_db, axis=1)
    gate = settings.min_level_dbfs
    speech_level = _speech_level_db(frame_db, speech, frame_s=frame_s)
    if speech_level is not None:
        gate = max(gate, speech_level - settings.max_below_speech_db)
    continuous = (low_share <= settings.max_low_share) & (level >= gate)
    return _Windows(np.arange(view.shape[0]) * hop, level, continuous)


def _speech_level_db(frame_db: np.ndarray, speech: Sequence[Region], *, frame_s: float) -> float | None:
    """Median level of the frames inside speech regions (None without any)."""
    picked = [frame_db[int(r.start_s / frame_s):int(r.end_s / frame_s)] for r in speech]
    levels = np.concatenate(picked) if picked else np.empty(0)
    return float(np.median(levels)) if levels.size else None


def _runs(flags: np.ndarray, *, win: int, hop: int, min_frames: float, bridge_frames: float) -> list[tuple[int, int]]:
    """Runs [lo, hi) of windows set in `flags`, joined over gaps of up to `bridge_frames`,
    that cover at least `min_frames`."""
    runs: list[list[int]] = []
    for k in np.flatnonzero(flags).tolist():
        if runs and (k - runs[-1][1]) * hop <= bridge_frames:  # the windows' middles are this far apart
            runs[-1][1] = k + 1
        else:
            runs.append([k, k + 1])
    return [(lo, hi) for lo, hi in runs if (hi - 1 - lo) * hop + win >= min_frames]


def _local_median(values: np.ndarray, valid: np.ndarray, *, radius: int) -> np.ndarray:
    """Per element, the median of the `valid` values within `radius` elements of it (0 where none)."""
    out = np.zeros(values.size)
    for k in range(values.size):
        near = values[max(0, k - radius):k + radius + 1][valid[max(0, k - radius):k + radius + 1]]
        out[k] = float(np.median(near)) if near.size else 0.0
    return out


def _correlation(samples, *, first_frame: int, n_frames: int, frame: int, sample_rate_hz: int) -> np.ndarray:
    """Sign 2 per frame of a stretch, float32 (n_frames,): how the fine structure of the
    spectrum around frame i correlates with that SUSTAIN_LAG frames later (spectral
    frames span two energy frames, centred on one)."""
    n_fft = 2 * frame
    bins = np.fft.rfftfreq(n_fft, 1 / sample_rate_hz)
    band = (bins >= BAND_HZ[0]) & (bins <= min(BAND_HZ[1], sample_rate_hz / 2))
    smooth = max(3, round(SMOOTH_HZ / (sample_rate_hz / n_fft)) | 1)
    window = np.hanning(n_fft).astype(np.float32)
    total = n_frames + SUSTAIN_LAG
    fine = np.empty((total, int(band.sum())), dtype=np.float32)
    for i in range(0, total, SPECTRAL_BLOCK_FRAMES):
        j = min(total, i + SPECTRAL_BLOCK_FRAMES)
        a = (first_frame + i) * frame - frame // 2
        x = _read(samples, a, a + (j - i + 1) * frame)
        frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::frame][:j - i]
        logmag = np.log(np.abs(scipy.fft.rfft(frames * window, axis=-1))[:, band] + 1e-7)
        detail = logmag - uniform_filter1d(logmag, smooth, axis=1, mode="nearest")
        detail -= detail.mean(axis=1, keepdims=True)
        fine[i:j] = detail / (np.linalg.norm(detail, axis=1, keepdims=True) + 1e-9)
    return np.einsum("ij,ij->i", fine[:n_frames], fine[SUSTAIN_LAG:])


def _read(samples, start: int, end: int) -> np.ndarray:
    """samples[start:end] as float32, zeros where the range lies outside the signal."""
    n = samples.shape[0]
    out = np.zeros(end - start, dtype=np.float32)
    lo, hi = max(0, start), min(n, end)
    if hi > lo:
        out[lo - start:hi - start] = np.asarray(samples[lo:hi], dtype=np.float32)
    return out


def _edges(lo: int, hi: int, windows: _Windows, frame_db: np.ndarray, clear: np.ndarray, *, win: int, hop: int,
           reach: int, settings: HoldSettings) -> tuple[int, int]:
    """First and end frame of the music in windows [lo, hi), to the frame.

    Sign 2 is read over `reach` windows either side, so a window of speech next
    to music can take the music's label; each edge is therefore placed anew
    where the frame evidence changes, in a zone from a window outside the
    windows' edge to `reach` windows inside it: frames that are loud and
    clearly sustained (`clear`) count for music, against the mean of the rates
    just inside and just outside the zone (the split maximising the music
    side's sum). At the end, a frame is sustained when its partials were already
    there SUSTAIN_LAG frames earlier.
    """
    n = frame_db.size
    level = float(np.median(windows.level_db[lo:hi]))
    loud = frame_db >= level - settings.low_frame_db
    ahead = loud & clear
    behind = np.zeros_like(ahead)
    behind[SUSTAIN_LAG:] = ahead[:-SUSTAIN_LAG] & loud[SUSTAIN_LAG:]
    first = int(windows.first_frame[lo]) + (win - hop) // 2
    last = int(windows.first_frame[hi - 1]) + (win + hop) // 2
    inside = reach * hop + win
    a, b = max(0, first - win), min(last, first + inside)
    start = a + _split(ahead[a:b], rate=_rate(ahead[b:min(last, b + inside)], ahead[first:last]),
                       other=_rate(ahead[max(0, a - win):a]), default=first - a)
    a, b = max(start + 1, last - inside), min(n, last + win)
    end = b - _split(behind[a:b][::-1], rate=_rate(behind[max(start, a - inside):a], behind[start:last]),
                     other=_rate(behind[b:b + win]), default=b - last)
    return start, end


def _rate(evidence: np.ndarray, fallback: np.ndarray | None = None) -> float:
    """Share of True in `evidence` (in `fallback` when `evidence` is empty; 0 when both are)."""
    if evidence.size == 0 and fallback is not None:
        evidence = fallback
    return float(np.mean(evidence)) if evidence.size else 0.0


def _split(evidence: np.ndarray, *, rate: float, other: float, default: int) -> int:
    """Where in `evidence` (bool, ordered from outside the music inwards) the music begins:
    the split maximising the sum of (evidence - the mean of `rate` and `other`) after it;
    `default` when the music's `rate` is not above the other side's."""
    if rate <= other or evidence.size == 0:
        return default
    gain = evidence - (rate + other) / 2
    after = np.concatenate([np.cumsum(gain[::-1])[::-1], [0.0]])  # after[j] = sum of gain[j:]
    return int(np.argmax(after))


def _joined(spans: list[HoldSpan]) -> list[HoldSpan]:
    """Spans whose placed edges overlap or touch as one (confidence weighted by duration)."""
    out: list[HoldSpan] = []
    for span in spans:
        if out and span.start_s <= out[-1].end_s:
            last = out[-1]
            weight = last.duration_s + span.duration_s
            confidence = (last.confidence * last.duration_s + span.confidence * span.duration_s) / weight
            out[-1] = HoldSpan(last.start_s, max(last.end_s, span.end_s), last.kind, round(confidence, 3))
        else:
            out.append(span)
    return out


def exclude_hold(recording: Recording, regions: Mapping[int, tuple[Region, ...]], *, settings: HoldSettings,
                 min_speech_s: float = 0.0) -> tuple[dict[int, tuple[Region, ...]], tuple[HoldSpan, ...]]:
    """The hold stage: hold music on the agent's channel (the only channel of a mono
    recording), and each channel's speech regions (`regions`: channel index -> regions)
    without it; pieces of speech shorter than `min_speech_s` left at its edges go too."""
    agent = recording.channel("agent")
    if agent is None or not settings.detect:
        return dict(regions), ()
    hold = hold_regions(agent.samples, sample_rate_hz=recording.sample_rate_hz, speech=regions[agent.index],
                        settings=settings)
    if not hold:
        return dict(regions), ()
    cut = [h.region for h in hold]
    return {index: subtract(rs, cut, min_s=min_speech_s) if index == agent.index else rs
            for index, rs in regions.items()}, hold
