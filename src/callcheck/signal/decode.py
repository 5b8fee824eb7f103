"""Decode an audio file in blocks, reading around damage instead of giving up.

`open_audio(path)` returns an `AudioSource`: its sample rate and channel count,
and, when iterated, float32 blocks of shape (frames, channels) in order. The
whole file is never in memory. soundfile (libsndfile) reads WAV (PCM, float,
mu-law, A-law), FLAC, OGG/Opus and MP3; anything else (M4A/AAC, ...) goes
through PyAV.

A recording damaged in the middle is analysed up to or around the damage, and
the source says so in `warnings` (one line each):
- a WAV whose data is shorter than its header says is read as far as it goes;
- a decoder error in the middle (a FLAC frame, an MP3 stretch that lost sync):
  decoding resumes at the next readable point; the stretch it skipped becomes
  silence, so every later time stays where it was in the recording;
- where nothing after the error can be read, decoding stops there.
A file with no readable audio at all raises AudioError, as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.errors import AudioError
from callcheck.records import Note
from callcheck.signal.decode_text import worded

log = logging.getLogger(__name__)

BLOCK_FRAMES = 1 << 16  # frames per block read from the file (~4 s at 16 kHz)
RESUME_AFTER_S = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)  # how far past an error decoding tries to resume
MERGE_DAMAGE_S = 5.0  # damage this close to the previous stretch is reported as part of it
_CONTAINERS = (b"RIFF", b"RIFX", b"fLaC", b"OggS", b"FORM")  # formats soundfile owns: no PyAV fallback


class AudioSource:
    """A file being decoded: `rate_hz`, `channels`, blocks by iteration, `warnings` as they arise."""

    def __init__(self, path: Path, *, rate_hz: int, channels: int, frames_hint: int | None):
        self.path, self.rate_hz, self.channels, self.frames_hint = path, rate_hz, channels, frames_hint
        self.notes: list[Note] = []  # what was read around, as codes (worded by decode_text)
        self.skipped_frames = 0  # frames replaced by silence around damage

    def __iter__(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    @property
    def warnings(self) -> list[str]:
        """The notes as English lines (`Recording.warnings`, the JSON report's call.warnings)."""
        return [worded(n) for n in self.notes]

    def _warn(self, code: str, **values) -> None:
        self.notes.append(Note.of(code, **values))


class _SoundfileSource(AudioSource):
    def __init__(self, path: Path, info: sf._SoundFileInfo):
        super().__init__(path, rate_hz=int(info.samplerate), channels=int(info.channels), frames_hint=info.frames)
        self.truncation = _wav_truncation(path, info)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.truncation is not None:
            promised_s, present_s = self.truncation
            self._warn("truncated", promised_s=promised_s, present_s=present_s)
        position = 0  # frames delivered so far (silence for skipped stretches included)
        damage: list[list] = []  # [first frame, frames skipped, problem] per damaged stretch
        handle = sf.SoundFile(self.path)
        try:
            while handle is not None:
                try:
                    block = handle.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
                except (sf.LibsndfileError, RuntimeError) as err:
                    if position == 0:
                        raise AudioError(f"{self.path}: truncated or corrupt audio file ({_short(str(err))})") from None
                    handle.close()
                    handle, skipped = self._resume(position)
                    if handle is None:
                        self._stopped(position, _short(str(err)), damage)
                        return
                    if damage and position - (damage[-1][0] + damage[-1][1]) < MERGE_DAMAGE_S * self.rate_hz:
                        damage[-1][1] = position + skipped - damage[-1][0]  # one stretch, however often it failed
                    else:
                        damage.append([position, skipped, _short(str(err))])
                    self.skipped_frames += skipped
                    yield np.zeros((skipped, self.channels), dtype=np.float32)
                    position += skipped
                    continue
                if block.shape[0] == 0:
                    break
                position += block.shape[0]
                yield block
        finally:
            if handle is not None:
                handle.close()
        self._report(damage, position)

    def _resume(self, position: int) -> tuple[sf.SoundFile | None, int]:
        """A handle reading from the first point after `position` that decodes, and the frames skipped."""
        for after_s in RESUME_AFTER_S:
            skip = int(after_s * self.rate_hz)
            if self.frames_hint and position + skip >= self.frames_hint:
                break
            try:
                handle = sf.SoundFile(self.path)
                handle.seek(position + skip)
                probe = handle.read(1024, dtype="float32", always_2d=True)
                handle.seek(position + skip)
            except (sf.LibsndfileError, RuntimeError):
                continue
            if probe.shape[0] == 0:
                break
            return handle, skip
        return None, 0

    def _report(self, damage: list[list], position: int) -> None:
        for start, skipped, problem in damage:
            self._warn("damaged", at_s=start / self.rate_hz, problem=problem, skipped_s=skipped / self.rate_hz)
        short_s = (self.frames_hint - position) / self.rate_hz if self.frames_hint else 0.0
        if damage and short_s > 1.0:  # e.g. MP3: after lost sync the decoder's position is an estimate
            self._warn("shifted", decoded_s=position / self.rate_hz, announced_s=self.frames_hint / self.rate_hz,
                       first_s=damage[0][0] / self.rate_hz, short_s=short_s)

    def _stopped(self, position: int, problem: str, damage: list[list]) -> None:
        self._report(damage, position)
        total = {"total_s": self.frames_hint / self.rate_hz} if self.frames_hint else {}
        self._warn("stopped", at_s=position / self.rate_hz, problem=problem, **total)


class _PyAVSource(AudioSource):
    def __init__(self, path: Path, container, stream):
        frames = int(stream.duration * stream.time_base * stream.rate) if stream.duration else None
        channels = stream.codec_context.channels or len(stream.layout.channels) or 1
        super().__init__(path, rate_hz=int(stream.rate), channels=channels, frames_hint=frames)
        self.container, self.stream = container, stream

    def __iter__(self) -> Iterator[np.ndarray]:
        import av

        resampler = av.AudioResampler(format="fltp", layout=self.stream.layout, rate=self.stream.rate)
        damaged: list[float] = []
        problem = ""
        delivered = 0
        try:
            for packet in self.container.demux(self.stream):
                try:
                    frames = packet.decode()
                except (av.error.FFmpegError, ValueError) as err:
                    damaged.append(delivered / self.rate_hz)
                    problem = _short(str(err))
                    continue
                for frame in frames:
                    for out in resampler.resample(frame):
                        block = out.to_ndarray().T.astype(np.float32, copy=False)
                        delivered += block.shape[0]
                        yield np.ascontiguousarray(block)
            for out in resampler.resample(None):
                block = out.to_ndarray().T.astype(np.float32, copy=False)
                yield np.ascontiguousarray(block)
        except av.error.FFmpegError as err:  # the demuxer itself gave up
            if delivered == 0:
                raise AudioError(f"{self.path}: not a readable audio file ({_short(str(err))})") from None
            self._warn("stopped", at_s=delivered / self.rate_hz, problem=_short(str(err)))
        finally:
            self.container.close()
        if delivered == 0:
            raise AudioError(f"{self.path}: not a readable audio file ({problem or 'no audio decoded'})")
        if damaged:
            self._warn("skipped", count=len(damaged), first_s=damaged[0])


def open_audio(path: str | Path) -> AudioSource:
    """Open `path` for block decoding; AudioError naming the file and the problem."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file")
    try:
        with quiet_stderr():  # libmpg123 prints resync notes for garbage input
            info = sf.info(str(path))
        return _SoundfileSource(path, info)
    except (sf.LibsndfileError, RuntimeError, ValueError) as err:
        sf_problem = str(err)
    with open(path, "rb") as fh:
        head = fh.read(12)
    if head[:4] in _CONTAINERS:
        raise AudioError(f"{path}: truncated or corrupt audio file ({_short(sf_problem)})")
    return _open_with_av(path)


def _open_with_av(path: Path) -> AudioSource:
    import av  # faster-whisper's dependency; imported lazily, only for exotic formats

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, ValueError, OSError) as err:
        problem = getattr(err, "strerror", None) or str(err)
        raise AudioError(f"{path}: not a readable audio file ({_short(problem)})") from None
    if not container.streams.audio:
        container.close()
        raise AudioError(f"{path}: no audio stream (is this an audio file?)")
    return _PyAVSource(path, container, container.streams.audio[0])


def _wav_truncation(path: Path, info) -> tuple[float, float] | None:
    """(promised, present) seconds when a RIFF WAV's data chunk is shorter than its header says."""
    if info.format != "WAV" or info.frames == 0:
        return None
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        offset = 12
        while offset + 8 <= size:
            fh.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", fh.read(8))
            if chunk_id == b"data":
                present = size - offset - 8
                if chunk_size in (0, 0xFFFFFFFF) or chunk_size <= present:  # 0/-1: written by a stream, size unknown
                    return None
                present_s = info.frames / info.samplerate
                return present_s * chunk_size / max(present, 1), present_s
            offset += 8 + chunk_size + (chunk_size & 1)
    return None


@contextlib.contextmanager
def quiet_stderr():
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
