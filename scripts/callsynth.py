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

Second engine, CMU Flite 2.2: a turn whose ``voice`` is ``flite:<name>``
(``flite:kal16``, ``flite:awb``, ``flite:rms``, ``flite:slt``; also ``flite:kal``,
8 kHz) is synthesised with ``flite`` (English only) instead, the Turn settings
mapped as follows (see :data:`FLITE_VOICES` for the per-voice numbers and how
they were measured):

- ``speed_wpm`` -> ``--setf duration_stretch=<voice's natural wpm / speed_wpm>``
  (real wpm then matches speed_wpm within ~2 % for awb/rms/slt, kal16 ~9 %
  faster). A make_corpus too_fast agent (320-350 wpm, 350 ms breaks) measures
  ~7.5 syll/s articulation in ``callcheck analyze``; see the note above
  FLITE_VOICES for why espeak-ng's faster real rate per -s is not copied.
- ``pitch`` -> the voice's mean f0 shifted by (pitch - 50) * 0.18 semitones
  (+-9 st over 0..99, about what espeak-ng's ``-p`` does: en-us -p 25/50/75 gave
  77/97/127 Hz). kal/kal16 (diphone) and awb/slt (clustergen) honour
  ``int_f0_target_mean``; rms ignores every f0 feature, so its pitch is moved
  with praat-parselmouth (below).
- ``pitch_range`` -> ``int_f0_target_stddev`` = the voice's own stddev *
  pitch_range / 50 (slt: times range_gain, below) for kal, awb and slt. rms
  ignores every f0 feature, and kal16 honours the stddev but its waveform makes pitch trackers jump octaves
  (at stddev 0 it is flat, 93-97 Hz, yet Praat 75-400 Hz and callcheck read
  1.7 st, up to 4.7 st on a question), so for those two the rendered speech is
  resynthesised with praat-parselmouth: ``To Manipulation`` (0.01, 75, 400),
  every pitch-tier point's distance from the median in semitones scaled by
  pitch_range / 50 (rms: and the median moved to the target mean),
  ``Get resynthesis (overlap-add)``. Pitch SD in semitones, mean over three
  sentences, Praat to_pitch 75-400 Hz / callcheck track_pitch, at
  pitch_range 0 | 50 | 80 (measured once on three sentences per voice):
  kal16 0.93/1.06 | 1.78/2.79 | 2.17/2.86; awb 0.19/0.40 | 2.24/2.24 | 2.96/3.52;
  rms 0.18/0.63 | 1.95/2.10 | 2.59/3.17; slt (range_gain 1) 0.26/0.25 | 0.94/0.95 | 1.48/1.48.
  slt's own prosody is flat, flatter than any natural speaker (2.45-4.7 st over
  a call, see defaults.toml) and as flat as the other voices made toneless, so
  a "normal" slt agent would be a monotone one labelled clean. Its stddev is
  therefore scaled by ``range_gain`` 2.5, which puts pitch_range 50 where the
  other voices' own range lies: 1.30 -> 2.40 st with Praat on three other
  sentences (awb 2.24); range 0 stays flat.
- ``amplitude`` -> linear gain amplitude / 100 on the voice's raw output after
  normalising it so that amplitude 100 has the RMS espeak-ng gives at ``-a 100``
  (-21.0 dBFS, en-us, trimmed, on :data:`CALIBRATION_TEXT`).
- ``break_ms`` > 0: the text is cut after every , . ? ! followed by a space,
  each piece synthesised on its own, trimmed at -50 dBFS and the pieces joined
  with ``break_ms`` of silence (this replaces flite's own punctuation pause;
  each piece then ends with phrase-final intonation).
- Flite's raw output is high-passed at 40 Hz (2nd-order Butterworth, zero
  phase): rms speech carries a DC offset (mean about +0.005), which Praat's
  resynthesis turns into a constant -47 dBFS in every pause, above the
  -50 dBFS trim level, so no pause would be silent.
- ``word_gap_10ms``: unsupported (flite has no word-gap feature); a non-zero
  value raises ValueError rather than being silently dropped.

This module does not import callcheck; it needs numpy, scipy, soundfile and
the ``espeak-ng`` executable (flite voices: ``flite`` and praat-parselmouth).
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
    (espeak-ng's own pauses shrink with its speed; these do not). A voice
    ``flite:<name>`` is rendered with CMU Flite instead (see the module docstring).
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


FLITE_PREFIX = "flite:"
#: The fixed text the per-voice numbers below were measured on (once, with
#: ``measure_flite_voice``): natural wpm = words / trimmed duration * 60 at
#: duration_stretch 1; f0 mean / stddev (Hz) = the voice's defaults of
#: int_f0_target_mean / _stddev (the values whose output is byte-identical to
#: the default; rms: none, it ignores them; its mean is parselmouth's median f0);
#: rms_dbfs = RMS of the trimmed default output.
CALIBRATION_TEXT = "Thank you for calling. I can see the problem with your order, and I will fix it for you right away."
ESPEAK_RMS_DBFS = -21.0   # espeak-ng -v en-us -a 100 on CALIBRATION_TEXT, trimmed (en-us+m3 -20.96, en-gb -20.42)
PITCH_ST_PER_STEP = 0.18  # semitones per espeak pitch step around 50
# Flite speaks Turn.speed_wpm real words per minute. espeak-ng's English runs ~1.38x faster than its -s (en-us,
# en-us+m1/m3, en-gb-x-rp on CALIBRATION_TEXT at -s 85..335: 116..465 real wpm), but matching that took too_fast
# calls to ~10 syll/s and left clean calls with no pause >= 250 ms; as it is, too_fast gives ~7.5 syll/s as intended
# (clean calls: articulation ~3.0-3.7 syll/s, slower than espeak's 4-5.5).


@dataclass(frozen=True)
class FliteVoice:
    wpm: float            # natural words per minute on CALIBRATION_TEXT
    f0_mean_hz: float     # the voice's own mean f0
    f0_stddev_hz: float   # the voice's own int_f0_target_stddev (0: not honoured)
    rms_dbfs: float       # RMS of its raw output on CALIBRATION_TEXT
    f0_features: bool     # int_f0_target_mean honoured
    stddev_feature: bool  # pitch range set with int_f0_target_stddev (else: parselmouth resynthesis)
    range_gain: float = 1.0  # pitch_range 50 is the voice's own range times this (slt: its own is a monotone)


FLITE_VOICES = {
    "kal": FliteVoice(wpm=227, f0_mean_hz=95, f0_stddev_hz=11, rms_dbfs=-19.5, f0_features=True, stddev_feature=True),
    "kal16": FliteVoice(wpm=231, f0_mean_hz=95, f0_stddev_hz=11, rms_dbfs=-26.9, f0_features=True, stddev_feature=False),
    "awb": FliteVoice(wpm=226, f0_mean_hz=132, f0_stddev_hz=25, rms_dbfs=-20.1, f0_features=True, stddev_feature=True),
    "rms": FliteVoice(wpm=208, f0_mean_hz=100, f0_stddev_hz=0, rms_dbfs=-21.0, f0_features=False, stddev_feature=False),
    "slt": FliteVoice(wpm=233, f0_mean_hz=172, f0_stddev_hz=27, rms_dbfs=-16.0, f0_features=True, stddev_feature=True,
                      range_gain=2.5),
}


def flite_available() -> bool:
    """True when the ``flite`` executable is on PATH."""
    return shutil.which("flite") is not None


def is_flite(voice: str) -> bool:
    return voice.startswith(FLITE_PREFIX)


def flite_voice(voice: str) -> tuple[str, FliteVoice]:
    name = voice.removeprefix(FLITE_PREFIX)
    if name not in FLITE_VOICES:
        raise ValueError(f"unknown flite voice {name!r}; known: {', '.join(FLITE_VOICES)}")
    return name, FLITE_VOICES[name]


def flite_target_f0_hz(turn: Turn) -> float:
    """The mean f0 a flite turn aims at: the voice's own, moved by the pitch setting."""
    _, v = flite_voice(turn.voice)
    return v.f0_mean_hz * 2 ** ((turn.pitch - 50) * PITCH_ST_PER_STEP / 12)


def flite_args(turn: Turn) -> list[str]:
    """The flite options for ``turn`` (without text and output)."""
    name, v = flite_voice(turn.voice)
    args = ["flite", "-voice", name, "--setf", f"duration_stretch={v.wpm / turn.speed_wpm:.4f}"]
    if v.f0_features:
        args += ["--setf", f"int_f0_target_mean={flite_target_f0_hz(turn):.2f}"]
    if v.stddev_feature:
        args += ["--setf", f"int_f0_target_stddev={v.f0_stddev_hz * v.range_gain * turn.pitch_range / 50:.3f}"]
    return args


def flite_pieces(turn: Turn) -> list[str]:
    """The text flite renders in one go: all of it, or with breaks, cut after each , . ? !"""
    text = " ".join(turn.text.split())
    if turn.break_ms <= 0:
        return [text]
    return [p for p in re.split(r"(?<=[,.?!])\s+", text) if p.strip()]


def _flite_raw(args: list[str], text: str) -> tuple[np.ndarray, int]:
    return _run_to_wav([*args, "-t", text, "-o"])


def _run_to_wav(command: list[str], *, stdin: bytes | None = None) -> tuple[np.ndarray, int]:
    """Run a synthesiser whose `command` ends with its output-file option; the WAV it wrote (float32 mono, rate)."""
    with tempfile.TemporaryDirectory(prefix="callsynth-") as tmp:
        wav = Path(tmp) / "turn.wav"
        subprocess.run([*command, str(wav)], input=stdin, check=True, capture_output=True)
        samples, sr = sf.read(wav, dtype="float32", always_2d=False)
    return samples, int(sr)


def reshape_pitch(samples: np.ndarray, sr: int, *, range_factor: float, median_hz: float | None) -> np.ndarray:
    """Praat overlap-add resynthesis with each pitch point's distance from the median
    (in semitones) scaled by ``range_factor`` and, if given, the median moved to ``median_hz``."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=sr)
    manipulation = call(sound, "To Manipulation", 0.01, 75, 400)
    tier = call(manipulation, "Extract pitch tier")
    n = int(call(tier, "Get number of points"))
    if n == 0:
        return samples
    times = [call(tier, "Get time from index", i) for i in range(1, n + 1)]
    values = np.array([call(tier, "Get value at index", i) for i in range(1, n + 1)])
    st = 12 * np.log2(values / np.median(values))
    centre = median_hz if median_hz is not None else float(np.median(values))
    new = centre * 2 ** (st * range_factor / 12)
    call(tier, "Remove points between", 0, sound.duration + 1)
    for t, f in zip(times, new, strict=True):
        call(tier, "Add point", t, float(f))
    call([tier, manipulation], "Replace pitch tier")
    out = call(manipulation, "Get resynthesis (overlap-add)")
    return out.values[0].astype(np.float32)


def highpass_dc(samples: np.ndarray, sr: int, *, cutoff_hz: float = 40.0) -> np.ndarray:
    """Remove DC and sub-audio drift, zero phase; silence stays silent."""
    from scipy.signal import butter, sosfiltfilt

    if samples.size < 64:
        return samples
    return sosfiltfilt(butter(2, cutoff_hz, btype="highpass", fs=sr, output="sos"), samples).astype(np.float32)


def synthesize_flite(turn: Turn) -> tuple[np.ndarray, int]:
    """Render a ``flite:<voice>`` turn (see the module docstring); float32 mono and its rate."""
    if turn.word_gap_10ms:
        raise ValueError("flite voices do not support word_gap_10ms")
    _, v = flite_voice(turn.voice)
    args = flite_args(turn)
    parts, sr = [], 16000
    for piece in flite_pieces(turn):
        raw, sr = _flite_raw(args, piece)
        raw = highpass_dc(raw, sr)
        parts.append(trim(raw) if turn.break_ms > 0 else raw)
    if len(parts) == 1:
        samples = parts[0]
    else:
        gap = np.zeros(int(round(turn.break_ms / 1000 * sr)), dtype=np.float32)
        samples = np.concatenate([x for p in parts for x in (p, gap)][:-1])
    if not v.stddev_feature:
        samples = reshape_pitch(samples, sr, range_factor=turn.pitch_range / 50,
                                median_hz=None if v.f0_features else flite_target_f0_hz(turn))
    gain = 10 ** ((ESPEAK_RMS_DBFS - v.rms_dbfs) / 20) * turn.amplitude / 100
    return (samples * gain).astype(np.float32), sr


def measure_flite_voice(name: str) -> dict:
    """Re-measure a voice's natural wpm, median f0 and RMS on CALIBRATION_TEXT (for the table above)."""
    import parselmouth

    raw, sr = _flite_raw(["flite", "-voice", name], CALIBRATION_TEXT)
    x = trim(raw)
    f0 = parselmouth.Sound(x.astype(np.float64), sr).to_pitch(0.01, 75, 400).selected_array["frequency"]
    return {"wpm": round(len(CALIBRATION_TEXT.split()) / (x.size / sr) * 60, 1),
            "median_f0_hz": round(float(np.median(f0[f0 > 0])), 1),
            "rms_dbfs": round(float(20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)))), 2)}


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
    """Run espeak-ng (or flite for a ``flite:`` voice); return (float32 mono samples, sample rate in Hz) untrimmed."""
    if is_flite(turn.voice):
        return synthesize_flite(turn)
    return _run_to_wav([*espeak_args(turn), "-w"], stdin=ssml(turn).encode("utf-8"))


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
