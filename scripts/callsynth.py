"""Synthetic two-party telephone calls rendered with espeak-ng.

A call is a list of :class:`Turn` objects placed on a timeline.  Each turn is
synthesised with ``espeak-ng``, trimmed to its audible speech, resampled and
placed on its role's channel of a stereo signal (agent on channel 0 = left by
default, customer on the other channel).  :func:`render_call` also returns the
true timeline, one event per turn, so tests can check timings.

Pitch range: espeak-ng 1.51 has no command-line option for it (``-P`` is
rejected), so every turn is sent as SSML (``-m``) wrapped in
``<prosody range="N">``; N is 0..100, 50 being the voice's normal range and
0 a monotone.

This module does not import callcheck; it needs numpy, scipy, soundfile and
the ``espeak-ng`` executable.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

log = logging.getLogger(__name__)

ROLES = ("agent", "customer")
SUBTYPES = ("PCM_16", "ULAW")
TRIM_DBFS = -50.0


@dataclass(frozen=True)
class Turn:
    """One stretch of speech by one party.

    ``start_s`` is where the audible speech starts on the call's timeline.
    The other fields are espeak-ng settings: ``voice`` (``-v``, e.g. "de",
    "en-us", "de+f3", "en-us+m3"), ``speed_wpm`` (``-s``, words per minute),
    ``pitch`` (``-p``, 0..99), ``pitch_range`` (SSML prosody range, 0..100),
    ``amplitude`` (``-a``, 0..200) and ``word_gap_10ms`` (``-g``, extra pause
    between words in units of 10 ms). ``break_ms`` > 0 puts an SSML break of
    that length after every comma, full stop, question and exclamation mark
    (espeak-ng's own pauses shrink with its speed; these do not).
    """

    role: str
    start_s: float
    text: str
    voice: str = "de"
    speed_wpm: int = 160
    pitch: int = 50
    pitch_range: int = 50
    amplitude: int = 100
    word_gap_10ms: int = 0
    break_ms: int = 0

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        if self.start_s < 0:
            raise ValueError(f"start_s must be >= 0, got {self.start_s}")
        if not self.text.strip():
            raise ValueError("text must not be empty")


@dataclass(frozen=True)
class Cue:
    """A turn to be laid out by :func:`layout`; its ``turn.start_s`` is ignored.

    The turn starts ``gap_s`` seconds after the ``anchor`` ("end" or "start")
    of the cue ``ref`` positions back (1 = the previous cue).  A negative gap
    with anchor "end" makes the turn overlap the reference turn (an
    interruption); anchor "start" with a small positive gap places a
    backchannel inside it.
    """

    turn: Turn
    gap_s: float = 0.5
    anchor: Literal["end", "start"] = "end"
    ref: int = 1


def espeak_available() -> bool:
    """True when the ``espeak-ng`` executable is on PATH."""
    return shutil.which("espeak-ng") is not None


def espeak_args(turn: Turn) -> list[str]:
    """The espeak-ng command line for ``turn`` (SSML text is read from stdin)."""
    return [
        "espeak-ng", "-m", "--stdin",
        "-v", turn.voice,
        "-s", str(turn.speed_wpm),
        "-p", str(turn.pitch),
        "-a", str(turn.amplitude),
        "-g", str(turn.word_gap_10ms),
    ]


def ssml(turn: Turn) -> str:
    """The turn's text as SSML, carrying its pitch range (0..100) and breaks."""
    text = escape(turn.text)
    if turn.break_ms > 0:
        text = re.sub(r"([,.?!])(\s+|$)", rf'\1<break time="{turn.break_ms}ms"/>\2', text.rstrip())
        text = re.sub(r'<break time="\d+ms"/>$', "", text)  # none after the last word
    return f'<speak><prosody range="{turn.pitch_range}">{text}</prosody></speak>'


def synthesize(turn: Turn) -> tuple[np.ndarray, int]:
    """Run espeak-ng; return (float32 mono samples, sample rate in Hz) untrimmed."""
    with tempfile.TemporaryDirectory(prefix="callsynth-") as tmp:
        wav = Path(tmp) / "turn.wav"
        subprocess.run(
            [*espeak_args(turn), "-w", str(wav)],
            input=ssml(turn).encode("utf-8"), check=True, capture_output=True,
        )
        samples, sr = sf.read(wav, dtype="float32", always_2d=False)
    return samples, int(sr)


def resample(samples: np.ndarray, *, sr_in: int, sr_out: int) -> np.ndarray:
    """Polyphase resampling from ``sr_in`` Hz to ``sr_out`` Hz, float32."""
    if sr_in == sr_out:
        return samples.astype(np.float32)
    g = np.gcd(sr_in, sr_out)
    return resample_poly(samples, sr_out // g, sr_in // g).astype(np.float32)


def trim(samples: np.ndarray, *, threshold_dbfs: float = TRIM_DBFS) -> np.ndarray:
    """Cut everything before the first and after the last sample above ``threshold_dbfs``."""
    loud = np.flatnonzero(np.abs(samples) > 10 ** (threshold_dbfs / 20))
    if loud.size == 0:
        raise ValueError("espeak-ng produced no audible samples")
    return samples[loud[0]: loud[-1] + 1]


@functools.lru_cache(maxsize=256)
def _render_cached(turn: Turn, sr: int) -> np.ndarray:
    raw, sr_raw = synthesize(turn)
    audio = np.clip(trim(resample(raw, sr_in=sr_raw, sr_out=sr)), -1.0, 1.0)
    audio.flags.writeable = False
    return audio


def render_turn(turn: Turn, *, sr: int) -> np.ndarray:
    """The turn's audible speech at ``sr`` Hz: float32 mono, trimmed at -50 dBFS.

    Results are cached per (turn settings, sr), independent of ``start_s``;
    the returned array is read-only.
    """
    return _render_cached(dataclasses.replace(turn, start_s=0.0), sr)


def turn_duration_s(turn: Turn, *, sr: int) -> float:
    """Audible duration of ``turn`` in seconds when rendered at ``sr`` Hz."""
    return render_turn(turn, sr=sr).size / sr


def layout(cues: Sequence[Cue], *, sr: int, first_start_s: float = 0.5) -> list[Turn]:
    """Turns with ``start_s`` computed from the cues' gaps (see :class:`Cue`).

    The first cue starts at ``first_start_s``; its gap is ignored.
    """
    turns: list[Turn] = []
    for i, cue in enumerate(cues):
        if i == 0:
            start_s = first_start_s
        else:
            if not 1 <= cue.ref <= i:
                raise ValueError(f"cue {i}: ref={cue.ref} points before the first cue")
            ref = turns[i - cue.ref]
            anchor_s = ref.start_s if cue.anchor == "start" else ref.start_s + turn_duration_s(ref, sr=sr)
            start_s = round(anchor_s + cue.gap_s, 4)
        turns.append(dataclasses.replace(cue.turn, start_s=start_s))
    return turns


def channel_of(role: str, *, agent_channel: int) -> int:
    """Stereo channel (0 or 1) carrying ``role``."""
    if agent_channel not in (0, 1):
        raise ValueError(f"agent_channel must be 0 or 1, got {agent_channel}")
    return agent_channel if role == "agent" else 1 - agent_channel


def noise(n: int, *, dbfs: float, seed: int) -> np.ndarray:
    """Gaussian noise, shape (n, 2), with an RMS of ``dbfs`` dB full scale."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 2)) * 10 ** (dbfs / 20)).astype(np.float32)


def render_call(
    turns: Sequence[Turn],
    *,
    sr: int = 16000,
    agent_channel: int = 0,
    tail_s: float = 0.5,
    noise_dbfs: float = -70.0,
    seed: int = 0,
) -> tuple[np.ndarray, list[dict]]:
    """Render a stereo call; return (float32 array (n, 2), events).

    Each turn is added at ``start_s`` on its role's channel; the call ends
    ``tail_s`` seconds after the last speech.  Events are, per turn in input
    order, ``{"role", "start_s", "end_s", "text"}`` with the audible start and
    end in seconds.
    """
    if not turns:
        raise ValueError("a call needs at least one turn")
    rendered = [(t, render_turn(t, sr=sr)) for t in turns]
    starts = [int(round(t.start_s * sr)) for t, _ in rendered]
    n = max(s + a.size for s, (_, a) in zip(starts, rendered, strict=True)) + int(round(tail_s * sr))
    stereo = noise(n, dbfs=noise_dbfs, seed=seed)
    events = []
    for start, (turn, audio) in zip(starts, rendered, strict=True):
        stereo[start: start + audio.size, channel_of(turn.role, agent_channel=agent_channel)] += audio
        events.append({
            "role": turn.role,
            "start_s": round(start / sr, 4),
            "end_s": round((start + audio.size) / sr, 4),
            "text": turn.text,
        })
    log.debug("rendered %d turns, %.2f s at %d Hz", len(turns), n / sr, sr)
    return np.clip(stereo, -1.0, 1.0), events


def write_call(path: str | Path, stereo: np.ndarray, *, sr: int, subtype: str = "PCM_16") -> Path:
    """Write a WAV file; ``subtype`` is "PCM_16" or "ULAW" (mu-law, meant for 8 kHz)."""
    if subtype not in SUBTYPES:
        raise ValueError(f"subtype must be one of {SUBTYPES}, got {subtype!r}")
    if subtype == "ULAW" and sr != 8000:
        log.warning("mu-law at %d Hz; telephone audio is 8000 Hz", sr)
    path = Path(path)
    sf.write(path, stereo, sr, subtype=subtype, format="WAV")
    return path
