"""Uploaded recordings: size limit, content sniffing, duration probe, safe names.

An upload is copied to a file whose name the server chose (the job id and an
extension from the sniffed container); the client's file name is only ever
shown, never used as a path. What the bytes are is decided by their first bytes,
not by the name or the declared content type.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import soundfile as sf

from callcheck.errors import CallcheckError

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
SNIFF_BYTES = 16


class UploadRejected(CallcheckError):
    """An upload the server refuses; `status_code` is the HTTP answer (413, 415, 422)."""

    def __init__(self, message: str, *, status_code: int = 422):
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class SavedUpload:
    path: Path
    size_bytes: int
    sha256: str
    kind: str  # the sniffed container, e.g. "wav", "webm"


def sniff(head: bytes) -> str | None:
    """The audio container the first bytes announce ("wav", "mp3", "webm", ...), or None."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    prefixes = {b"fLaC": "flac", b"OggS": "ogg", b"\x1a\x45\xdf\xa3": "webm", b"ID3": "mp3", b".snd": "au",
                b"caff": "caf", b"#!AMR": "amr", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11": "wma"}
    for prefix, kind in prefixes.items():
        if head.startswith(prefix):
            return kind
    if head[4:8] == b"ftyp":
        return "3gp" if head[8:11] == b"3gp" else "m4a"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        return "aac" if head[1] & 0x06 == 0 else "mp3"  # layer bits 00 = ADTS AAC
    return None


def save_upload(source: BinaryIO, *, folder: Path, stem: str, max_bytes: int) -> SavedUpload:
    """Copy `source` to `folder/<stem>.<sniffed kind>`, hashing it on the way.

    Raises UploadRejected: 413 over `max_bytes`, 422 when empty, 415 when the
    bytes are not a known audio container. Nothing is left behind on a refusal.
    """
    head = source.read(SNIFF_BYTES)
    if not head:
        raise UploadRejected("the file is empty", status_code=422)
    kind = sniff(head)
    if kind is None:
        raise UploadRejected("not an audio file (the content is none of WAV, FLAC, OGG, MP3, M4A/AAC, WebM, AIFF, "
                             "WMA, AMR)", status_code=415)
    path = folder / f"{stem}.{kind}"
    digest, size = hashlib.sha256(head), len(head)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            while chunk := source.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(f"the file is larger than the limit of {megabytes(max_bytes)}", status_code=413)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SavedUpload(path=path, size_bytes=size, sha256=digest.hexdigest(), kind=kind)


def probe_duration_s(path: Path) -> float:
    """The recording's length in seconds, from its header or by reading its packets
    (no decoding). Raises UploadRejected (422) when it cannot be read as audio."""
    try:
        info = sf.info(str(path))
        if info.samplerate > 0 and info.frames > 0:
            return info.frames / info.samplerate
    except (sf.LibsndfileError, RuntimeError, ValueError):
        pass
    return _probe_with_av(path)


def _probe_with_av(path: Path) -> float:
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise UploadRejected("the file has no audio stream")
            stream = container.streams.audio[0]
            end = 0.0
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except UploadRejected:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as err:
        problem = getattr(err, "strerror", None) or str(err)
        raise UploadRejected(f"not a readable audio file ({problem})") from None
    if end <= 0:
        raise UploadRejected("no audio samples in the file (truncated?)")
    return end


def check_duration(duration_s: float, *, max_s: float) -> None:
    if duration_s > max_s:
        raise UploadRejected(f"the recording is {_minutes(duration_s)} long; the limit is {_minutes(max_s)}")


def display_name(filename: str | None, *, fallback: str = "upload") -> str:
    """The client's file name made safe to show: last path component, no control
    characters, at most 80 characters. Only ever displayed, never used as a path."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return name[:80] or fallback


def clean_agent(name: str | None) -> str | None:
    """An agent name as stored: control characters and runs of white space as one space,
    trimmed, at most 100 characters; None when empty."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in (name or ""))
    return " ".join(text.split())[:100] or None


def megabytes(n_bytes: int) -> str:
    """"50 MB", "0.1 MB": a limit as it was given."""
    return f"{n_bytes / 2**20:.3g} MB"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"
