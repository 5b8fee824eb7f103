"""Real two-party dialogues from ../shared/realdata, cut into calls of 40-90 s.

A :class:`Dialogue` is one call before any manipulation: an agent track and a
customer track (float32 mono, same length, same rate) and the speech
:class:`Unit` s of both parties on them. Three sources:

- ``aws``: the AWS car-repair support call (agent and caller as separate,
  time-aligned 8 kHz tracks, 245 s), a window of 40-90 s cut where both are silent;
- ``spokenwoz``: the SpokenWOZ call (8 kHz stereo, caller ch0, agent ch1, 183 s), likewise;
- ``german``: a pseudo-dialogue of real German voices: the spontaneous
  monologue silero_vad/de.wav cut at its pauses into turns, alternating with
  Thorsten's and Picovoice's read sentences, with natural gaps between turns
  (lognormal, median 0.35 s, 0.1-1.2 s; cf. Stivers et al. 2009). Either voice
  may be the agent. Resampled to 16 kHz. Its turns do not answer each other,
  so ``lacks_empathy`` is not labelled on it (``Dialogue.unjudged``).

Who speaks when comes from the Silero VAD (faster-whisper's) on each
bleed-free track: each track holds one party only. A first energy detector
took breaths and line noise for speech, which put barge-ins over a caller's
breath instead of their words.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from faster_whisper.vad import VadOptions, get_speech_timestamps
from scipy.signal import resample_poly

SOURCES = ("aws", "spokenwoz", "german")
# The pseudo-dialogue's turns are unrelated sentences, not answers: when a read sentence voices a problem
# ("leider ..."), the next turn cannot acknowledge it, so no label can say whether the agent lacked empathy.
UNRELATED_TURNS = ("lacks_empathy",)
UNIT_JOIN_S = 2.0       # a party's speech with silences shorter than this is one unit (a turn) ...
OTHER_BREAKS_S = 0.8    # ... unless the other party speaks this long in between
GERMAN_SR = 16000
VAD_SR = 16000


@dataclass(frozen=True, eq=False)
class Unit:
    """One party's stretch of speech (a turn): [start_s, end_s) on the dialogue's
    timeline, with its inner silences of >= 0.15 s (``pauses_s``, relative to start_s)."""

    role: str
    start_s: float
    end_s: float
    pauses_s: tuple[tuple[float, float], ...] = ()

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class Dialogue:
    """A clean call: ``tracks`` maps role -> float32 samples, shape (n,), at ``sr``."""

    source: str
    language: str
    sr: int
    tracks: dict[str, np.ndarray]
    units: tuple[Unit, ...]
    window_s: tuple[float, float]          # where in the source recording the call was cut
    details: dict = field(default_factory=dict)
    unjudged: tuple[str, ...] = ()         # rules this source's words cannot label (see german_dialogue)

    @property
    def duration_s(self) -> float:
        return len(self.tracks["agent"]) / self.sr


def speech_segments(samples: np.ndarray, *, sr: int, min_silence_ms: int = 100,
                    pad_ms: int = 30) -> list[tuple[float, float]]:
    """Speech segments (start_s, end_s) of a one-speaker track by the Silero VAD that ships with
    faster-whisper (the reference the SpokenWOZ RTTM was made with), at 16 kHz; silences shorter than
    `min_silence_ms` do not split a segment, segments are padded by `pad_ms`."""
    x = np.asarray(samples, dtype=np.float32)
    if sr != VAD_SR:
        x = resample_poly(x, VAD_SR, sr).astype(np.float32)
    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms)
    return [(s["start"] / VAD_SR, s["end"] / VAD_SR) for s in get_speech_timestamps(x, vad_options=options)]


def units_from_activity(segments: dict[str, list[tuple[float, float]]]) -> tuple[Unit, ...]:
    """Join each party's segments into units (turns), sorted by start."""
    units = []
    for role, own in segments.items():
        other = [s for r, segs in segments.items() if r != role for s in segs]
        current: list[tuple[float, float]] = []
        for seg in own:
            if current and (seg[0] - current[-1][1] >= UNIT_JOIN_S or _other_speaks(other, current[-1][1], seg[0])):
                units.append(_unit(role, current))
                current = []
            current.append(seg)
        if current:
            units.append(_unit(role, current))
    return tuple(sorted(units, key=lambda u: u.start_s))


def _other_speaks(other: list[tuple[float, float]], start_s: float, end_s: float) -> bool:
    """True when the other party speaks at least OTHER_BREAKS_S within (start_s, end_s)."""
    return sum(max(0.0, min(b, end_s) - max(a, start_s)) for a, b in other) >= OTHER_BREAKS_S


def _unit(role: str, segments: list[tuple[float, float]]) -> Unit:
    return Unit(role, segments[0][0], segments[-1][1])


def inner_pauses(samples: np.ndarray, *, sr: int, min_s: float = 0.15, frame_s: float = 0.01) -> tuple[tuple[float, float], ...]:
    """Silences of at least `min_s` inside one unit's audio (s from its start).

    A 10 ms frame is silent below floor + 30 % of the way to the unit's 95th
    percentile level (floor = its 5th percentile), and at least 45 dB below that
    95th percentile is always silent: robust to the steady background of a room.
    """
    n = int(frame_s * sr)
    m = len(samples) // n
    if m < 10:
        return ()
    db = 10 * np.log10(np.mean(np.asarray(samples[: m * n], dtype=np.float64).reshape(m, n) ** 2, axis=1) + 1e-12)
    floor, top = np.percentile(db, [5, 95])
    silent = db < max(floor + 0.3 * (top - floor), top - 45)
    pauses, start = [], None
    for i, quiet in enumerate(np.append(silent, False)):
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            if (i - start) * frame_s >= min_s and start > 0 and i < m:
                pauses.append((start * frame_s, i * frame_s))
            start = None
    return tuple(pauses)


def with_pauses(units: tuple[Unit, ...], tracks: dict[str, np.ndarray], sr: int,
                segments: dict[str, list[tuple[float, float]]]) -> tuple[Unit, ...]:
    """`units` with their inner pauses: silences of the audio (:func:`inner_pauses`) and the
    gaps of >= 0.15 s between the VAD's segments inside the unit, merged."""
    out = []
    for u in units:
        own = [seg for seg in segments[u.role] if u.start_s <= seg[0] < u.end_s]
        gaps = [(a[1] - u.start_s, b[0] - u.start_s) for a, b in zip(own, own[1:], strict=False) if b[0] - a[1] >= 0.15]
        found = inner_pauses(tracks[u.role][int(u.start_s * sr): int(u.end_s * sr)], sr=sr)
        out.append(Unit(u.role, u.start_s, u.end_s, _merge(sorted(gaps + list(found)))))
    return tuple(out)


def _merge(spans: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)


def joint_silences(segments: dict[str, list[tuple[float, float]]], *, duration_s: float,
                   min_s: float = 0.6) -> list[float]:
    """Midpoints of stretches of at least `min_s` where neither party speaks: where a call may be cut."""
    busy = sorted(s for segs in segments.values() for s in segs)
    cuts, last_end = [], 0.0
    for a, b in busy + [(duration_s, duration_s)]:
        if a - last_end >= min_s:
            cuts.append((a + last_end) / 2)
        last_end = max(last_end, b)
    return cuts


def load_tracks(source: str, realdata: Path) -> tuple[dict[str, np.ndarray], int]:
    """The full agent and customer tracks of a two-track source, float32."""
    if source == "aws":
        agent, sr = sf.read(realdata / "aws_call_auto_repairs" / "agent.flac", dtype="float32")
        customer, _ = sf.read(realdata / "aws_call_auto_repairs" / "caller.flac", dtype="float32")
        return {"agent": agent, "customer": customer}, sr
    if source == "spokenwoz":
        both, sr = sf.read(realdata / "spokenwoz_speechbrain" / "MUL1011_8k_stereo.flac", dtype="float32")
        return {"agent": both[:, 1].copy(), "customer": both[:, 0].copy()}, sr
    raise ValueError(f"not a two-track source: {source!r}")


@functools.lru_cache(maxsize=4)
def _source(source: str, realdata: Path) -> tuple[dict[str, np.ndarray], int, dict[str, list[tuple[float, float]]]]:
    """A two-track source's tracks, rate and speech segments per role (computed once per process)."""
    tracks, sr = load_tracks(source, realdata)
    return tracks, sr, {role: speech_segments(x, sr=sr) for role, x in tracks.items()}


def cut_dialogue(source: str, realdata: Path, *, rng: np.random.Generator,
                 min_s: float = 40.0, max_s: float = 90.0) -> Dialogue:
    """A random window of `min_s`-`max_s` of a real two-track call, cut in joint silences."""
    tracks, sr, segments = _source(source, realdata)
    duration = len(tracks["agent"]) / sr
    cuts = [0.0] + joint_silences(segments, duration_s=duration) + [duration]
    pairs = [(a, b) for i, a in enumerate(cuts) for b in cuts[i + 1:] if min_s <= b - a <= max_s]
    start, end = pairs[int(rng.integers(len(pairs)))]
    lo, hi = int(round(start * sr)), int(round(end * sr))
    window = {role: x[lo:hi].copy() for role, x in tracks.items()}
    inside = {role: [(max(a, start) - start, min(b, end) - start) for a, b in segs if b > start and a < end]
              for role, segs in segments.items()}
    units = with_pauses(units_from_activity(inside), window, sr, inside)
    return Dialogue(source=source, language="en", sr=sr, tracks=window, units=units,
                    window_s=(round(start, 3), round(end, 3)))


def _mono(path: Path, sr: int) -> np.ndarray:
    x, rate = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    return resample_poly(x, sr, rate).astype(np.float32) if rate != sr else x


def _trim(x: np.ndarray, sr: int) -> np.ndarray:
    segs = speech_segments(x, sr=sr)
    return x[int(segs[0][0] * sr): int(segs[-1][1] * sr)] if segs else x


@functools.lru_cache(maxsize=2)
def german_clips(realdata: Path) -> dict[str, list[np.ndarray]]:
    """The German material at 16 kHz: ``monologue`` = de.wav cut at pauses of
    >= 0.45 s into utterances; ``thorsten`` = Thorsten's read sentences and
    ``picovoice`` = Picovoice's German sentence (another speaker), trimmed."""
    de = _mono(realdata / "silero_vad" / "de.wav", GERMAN_SR)
    segs = speech_segments(de, sr=GERMAN_SR, min_silence_ms=450)
    monologue = [de[int(a * GERMAN_SR): int(b * GERMAN_SR)] for a, b in segs if b - a >= 0.8]
    thorsten = sorted((realdata / "thorsten_voice").glob("*/*.wav"))
    return {"monologue": monologue, "thorsten": [_trim(_mono(p, GERMAN_SR), GERMAN_SR) for p in thorsten],
            "picovoice": [_trim(_mono(realdata / "picovoice" / "leopard_test_de.wav", GERMAN_SR), GERMAN_SR)]}


def natural_gap_s(rng: np.random.Generator) -> float:
    """A turn-transition gap: lognormal around 0.35 s, clipped to 0.1-1.2 s."""
    return float(np.clip(rng.lognormal(np.log(0.35), 0.5), 0.1, 1.2))


def german_dialogue(realdata: Path, *, rng: np.random.Generator, min_s: float = 40.0,
                    max_s: float = 90.0) -> Dialogue:
    """Alternating turns of two real German voices until a random length in [min_s, max_s]."""
    clips = german_clips(realdata)
    agent_voice = "monologue" if rng.random() < 2 / 3 else "thorsten"
    read = clips["thorsten"] + clips["picovoice"]  # the customer's read sentences: two speakers, one party
    pools = {"agent": list(clips[agent_voice]), "customer": read if agent_voice == "monologue" else clips["monologue"]}
    pools = {role: [pool[i] for i in rng.permutation(len(pool))] for role, pool in pools.items()}
    target = float(rng.uniform(min_s, max_s))
    levels = {role: float(rng.uniform(-27, -21)) for role in pools}
    pieces: list[tuple[str, float, np.ndarray]] = []
    t, role = 0.3, "customer" if rng.random() < 0.5 else "agent"
    while t < target and pools[role]:
        turn = _german_turn(pools[role], rng=rng, long_turn=(role == "agent") == (agent_voice == "monologue"))
        turn *= 10 ** ((levels[role] - _level(turn)) / 20)
        pieces.append((role, t, turn))
        t += len(turn) / GERMAN_SR + natural_gap_s(rng)
        role = "agent" if role == "customer" else "customer"
    n = int((t + 0.3) * GERMAN_SR)
    tracks = {r: (rng.standard_normal(n) * 10 ** (-72 / 20)).astype(np.float32) for r in ("agent", "customer")}
    for r, start, audio in pieces:
        i = int(start * GERMAN_SR)
        tracks[r][i: i + len(audio)] += audio
    segments = {r: speech_segments(x, sr=GERMAN_SR) for r, x in tracks.items()}
    units = with_pauses(units_from_activity(segments), tracks, GERMAN_SR, segments)
    return Dialogue(source="german", language="de", sr=GERMAN_SR, tracks=tracks, units=units,
                    window_s=(0.0, round(n / GERMAN_SR, 3)), details={"agent_voice": agent_voice},
                    unjudged=UNRELATED_TURNS)


def _german_turn(pool: list[np.ndarray], *, rng: np.random.Generator, long_turn: bool) -> np.ndarray:
    """One turn: 1-3 utterances from `pool` (fewer for the read voice), joined by 0.3-0.7 s pauses."""
    count = int(rng.integers(1, 4 if long_turn else 3))
    parts = [pool.pop() for _ in range(min(count, len(pool)))]
    out: list[np.ndarray] = []
    for part in parts:
        if out:
            out.append(np.zeros(int(rng.uniform(0.3, 0.7) * GERMAN_SR), dtype=np.float32))
        out.append(part)
    return np.concatenate(out)


def _level(x: np.ndarray) -> float:
    n = 320
    m = len(x) // n
    power = np.sort(np.mean(x[: m * n].astype(np.float64).reshape(m, n) ** 2, axis=1))[int(0.7 * m):]
    return float(10 * np.log10(np.mean(power) + 1e-12))


def make_dialogue(source: str, realdata: Path, *, rng: np.random.Generator) -> Dialogue:
    """A clean dialogue from `source` (one of SOURCES)."""
    if source == "german":
        return german_dialogue(realdata, rng=rng)
    return cut_dialogue(source, realdata, rng=rng)
