"""Re-time a real dialogue: change the agent's turns and the gaps before them, keep the rest.

:func:`render` lays the dialogue's units out again in their original order.
Each unit keeps its original distance to the unit it followed (the one that had
ended last); only an agent answer (an agent unit right after a customer unit)
can get a new response gap, and only the agent's audio can be re-timed
(:func:`retime`: faster/slower speech, shorter pauses). A unit that lies inside
the other party's (a backchannel) or starts over 1 s before the other party
ends (talking over) stays at the same relative place inside that unit. Silence that the new timing opens is
filled with the track's own room tone, so no digital holes appear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import inject
from realvoice_sources import Dialogue, Unit

FADE_S = 0.01

Retimer = Callable[[np.ndarray, Unit], tuple[np.ndarray, tuple[tuple[float, float], ...]]]
GapRule = Callable[[Unit, Unit, float], float | None]  # (agent unit, customer unit before it, original gap) -> new gap


@dataclass(frozen=True, eq=False)
class Rendered:
    """A re-timed call: ``tracks`` role -> float32 (n,) at ``sr`` Hz, its ``units``
    at their new times, and one ``events`` dict per unit for the labels."""

    sr: int
    tracks: dict[str, np.ndarray]
    units: tuple[Unit, ...]
    events: tuple[dict, ...]


def room_tone(track: np.ndarray, *, sr: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` samples of the track's background: its quietest 20 ms frames, tiled with short crossfades."""
    frame = int(0.02 * sr)
    m = len(track) // frame
    frames = track[: m * frame].reshape(m, frame)
    power = np.mean(frames.astype(np.float64) ** 2, axis=1)
    quiet = frames[power <= np.percentile(power, 15)]
    pool = np.concatenate([quiet[i] for i in rng.permutation(len(quiet))])
    reps = int(np.ceil(n / max(len(pool), 1))) + 1
    return np.tile(pool, reps)[int(rng.integers(len(pool))):][:n].astype(np.float32)


def retime(samples: np.ndarray, *, sr: int, pauses_s: tuple[tuple[float, float], ...], speech_factor: float = 1.0,
           pause_s: Callable[[float], float] = lambda p: p, method: str = "psola") -> tuple[np.ndarray, tuple]:
    """One unit's audio with its speech sped up by `speech_factor` (pitch kept) and
    every inner pause of length p made `pause_s(p)` long; returns the audio and its new pauses."""
    cuts = [0.0] + [t for pause in pauses_s for t in pause] + [len(samples) / sr]
    pieces, new_pauses, t = [], [], 0.0
    for k in range(len(cuts) - 1):
        piece = samples[int(cuts[k] * sr): int(cuts[k + 1] * sr)]
        if k % 2 == 0:  # speech
            piece = inject.time_compress(piece, sr=sr, factor=speech_factor, method=method) \
                if speech_factor != 1.0 and len(piece) else piece
        else:
            start = t
            piece = _resize_pause(piece, n=int(round(pause_s(len(piece) / sr) * sr)))
            new_pauses.append((start, start + len(piece) / sr))
        pieces.append(np.asarray(piece, dtype=np.float32))
        t += len(piece) / sr
    return _join(pieces, sr=sr), tuple(new_pauses)


def _resize_pause(piece: np.ndarray, *, n: int) -> np.ndarray:
    """A pause shortened to its first and last n/2 samples, or lengthened by repeating its middle."""
    if n <= len(piece):
        return np.concatenate([piece[: n // 2], piece[len(piece) - (n - n // 2):]]) if n else piece[:0]
    middle = piece[len(piece) // 4: 3 * len(piece) // 4] if len(piece) >= 8 else np.zeros(1, dtype=np.float32)
    extra = np.tile(middle, int(np.ceil((n - len(piece)) / len(middle))) + 1)[: n - len(piece)]
    half = len(piece) // 2
    return np.concatenate([piece[:half], extra, piece[half:]])


def _join(pieces: list[np.ndarray], *, sr: int) -> np.ndarray:
    """Concatenate with 5 ms crossfades where both sides are long enough."""
    out = pieces[0] if pieces else np.zeros(0, dtype=np.float32)
    fade = int(0.005 * sr)
    for piece in pieces[1:]:
        if len(out) > fade and len(piece) > fade:
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            overlap = out[-fade:] * (1 - ramp) + piece[:fade] * ramp
            out = np.concatenate([out[:-fade], overlap, piece[fade:]])
        else:
            out = np.concatenate([out, piece])
    return out.astype(np.float32)


def render(dialogue: Dialogue, *, rng: np.random.Generator, retime_agent: Retimer | None = None,
           response_gap: GapRule | None = None) -> Rendered:
    """Lay `dialogue` out again with the agent's units re-timed and new response gaps."""
    sr, placed = dialogue.sr, []  # (original unit, new start s, audio)
    for unit in dialogue.units:
        audio = dialogue.tracks[unit.role][int(unit.start_s * sr): int(unit.end_s * sr)]
        pauses = unit.pauses_s
        if unit.role == "agent" and retime_agent is not None:
            audio, pauses = retime_agent(audio, unit)
        new_start, gap = _place(unit, placed, sr=sr, response_gap=response_gap)
        placed.append((unit, new_start, audio, pauses, gap))
    tail_s = max(0.3, dialogue.duration_s - max(u.end_s for u in dialogue.units))
    n = int(round((max(s + len(a) / sr for _, s, a, _, _ in placed) + tail_s) * sr))
    tracks = {role: room_tone(x, sr=sr, n=n, rng=rng) for role, x in dialogue.tracks.items()}
    units, events = [], []
    for unit, start, audio, pauses, gap in placed:
        _paste(tracks[unit.role], audio, at=int(round(start * sr)), sr=sr)
        new = Unit(unit.role, round(start, 4), round(start + len(audio) / sr, 4), pauses)
        units.append(new)
        events.append({"role": unit.role, "start_s": new.start_s, "end_s": new.end_s,
                       "source_start_s": round(unit.start_s, 4), "gap_s": None if gap is None else round(gap, 4)})
    return Rendered(sr=sr, tracks=tracks, units=tuple(units), events=tuple(events))


def as_rendered(dialogue: Dialogue) -> Rendered:
    """The dialogue as it is (bit for bit), for calls whose timing is not changed."""
    events = tuple({"role": u.role, "start_s": round(u.start_s, 4), "end_s": round(u.end_s, 4),
                    "source_start_s": round(u.start_s, 4), "gap_s": None} for u in dialogue.units)
    return Rendered(sr=dialogue.sr, tracks={r: x.copy() for r, x in dialogue.tracks.items()},
                    units=dialogue.units, events=events)


def _place(unit: Unit, placed: list, *, sr: int, response_gap: GapRule | None) -> tuple[float, float | None]:
    """New start of `unit` and, for an agent answer, its response gap (None otherwise)."""
    if not placed:
        return unit.start_s, None
    inside = [p for p in placed if p[0].role != unit.role and p[0].start_s <= unit.start_s
              and (unit.end_s <= p[0].end_s or unit.start_s < p[0].end_s - 1.0)]
    if inside:  # a backchannel or talk-over inside the other party's unit: same relative place in it
        host, host_start, host_audio = inside[-1][:3]
        scale = (len(host_audio) / sr) / max(host.duration_s, 1e-6)
        return host_start + (unit.start_s - host.start_s) * scale, None
    anchor, anchor_start, anchor_audio = max(placed, key=lambda p: p[0].end_s)[:3]
    anchor_end = anchor_start + len(anchor_audio) / sr
    gap = unit.start_s - anchor.end_s
    if unit.role == "agent" and anchor.role == "customer":
        if response_gap is not None:
            new_gap = response_gap(unit, anchor, gap)
            gap = gap if new_gap is None else max(new_gap, -(len(anchor_audio) / sr - 0.3))
        return anchor_end + gap, gap
    return anchor_end + gap, None


def _paste(track: np.ndarray, audio: np.ndarray, *, at: int, sr: int) -> None:
    """Write `audio` into `track` at sample `at`, in place, crossfading 10 ms at both ends."""
    audio = audio[: max(0, len(track) - at)]
    if not len(audio):
        return
    fade = min(int(FADE_S * sr), len(audio) // 2)
    weight = np.ones(len(audio), dtype=np.float32)
    if fade:
        weight[:fade] = np.linspace(0.0, 1.0, fade)
        weight[-fade:] = np.linspace(1.0, 0.0, fade)
    segment = track[at: at + len(audio)]
    track[at: at + len(audio)] = segment * (1 - weight) + audio * weight


def cut_off(track: np.ndarray, *, sr: int, from_s: float, to_s: float, rng: np.random.Generator) -> None:
    """Silence a party from `from_s` to `to_s` (their room tone instead, 20 ms fade): they were cut off."""
    a, b = int(from_s * sr), int(to_s * sr)
    if b <= a:
        return
    quiet = room_tone(track, sr=sr, n=b - a, rng=rng)
    fade = min(int(0.02 * sr), (b - a) // 2)
    ramp = np.ones(b - a, dtype=np.float32)
    ramp[:fade] = np.linspace(0.0, 1.0, fade)
    track[a:b] = track[a:b] * (1 - ramp) + quiet * ramp
