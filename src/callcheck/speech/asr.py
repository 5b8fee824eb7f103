"""Speech recognition with faster-whisper: the one module that loads Whisper.

The pipeline depends only on the small `Transcriber` protocol, so rules and
reports can be tested with a scripted transcriber and no model.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from callcheck.errors import ModelError
from callcheck.records import ModelInfo, Region, Word
from callcheck.speech.models import ModelSpec

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en")
GROUP_MAX_S = 300.0  # seconds of speech chunks recognised in one call to Whisper: bounds its feature memory


class Transcriber(Protocol):
    """Turns speech chunks of a 16 kHz signal into timed words."""

    info: ModelInfo

    def detect_language(self, samples: np.ndarray, *, chunks: Sequence[Region]) -> str:
        """The call's language, one of SUPPORTED_LANGUAGES."""

    def transcribe(
        self, samples: np.ndarray, *, chunks: Sequence[Region], language: str
    ) -> tuple[Word, ...]:
        """Words (times in seconds of `samples`) recognised inside `chunks`."""


@dataclass(frozen=True, slots=True)
class WhisperSettings:
    """Decoding options. Greedy decoding (beam 1) was ~1.7x faster than beam 5
    on this project's CPU with no word-level difference that matters for
    scoring; raise `beam_size` for harder audio."""

    compute_type: str = "int8"
    cpu_threads: int = 0  # 0 = all cores
    beam_size: int = 1
    condition_on_previous_text: bool = False


class WhisperTranscriber:
    """faster-whisper behind the `Transcriber` protocol; loads the model lazily."""

    def __init__(self, spec: ModelSpec, *, settings: WhisperSettings = WhisperSettings()):
        self.spec = spec
        self.settings = settings
        self.info = ModelInfo(name=spec.name, compute_type=settings.compute_type)

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach a hub
        from faster_whisper import WhisperModel

        threads = self.settings.cpu_threads or os.cpu_count() or 1
        try:
            return WhisperModel(
                str(self.spec.path),
                device="cpu",
                compute_type=self.settings.compute_type,
                cpu_threads=threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(f"{self.spec.path}: cannot load model ({err})") from None

    def detect_language(self, samples: np.ndarray, *, chunks: Sequence[Region]) -> str:
        if not self.model.model.is_multilingual:
            return "en"
        audio, _ = join_chunks(samples, chunks)
        _, _, probs = self.model.detect_language(audio=audio)
        scores = dict(probs)
        return max(SUPPORTED_LANGUAGES, key=lambda lang: scores.get(lang, 0.0))

    def transcribe(
        self, samples: np.ndarray, *, chunks: Sequence[Region], language: str
    ) -> tuple[Word, ...]:
        if not chunks:
            return ()
        words: list[Word] = []
        for group in chunk_groups(chunks):
            audio, offsets = join_chunks(samples, group)
            segments, _ = self.model.transcribe(
                audio,
                language=language,
                beam_size=self.settings.beam_size,
                word_timestamps=True,
                vad_filter=False,
                condition_on_previous_text=self.settings.condition_on_previous_text,
            )
            words += restore_times([
                Word(start_s=w.start, end_s=w.end, text=w.word.strip(), probability=w.probability)
                for segment in segments
                for w in segment.words or ()
                if w.word.strip()
            ], offsets)
        return tuple(words)


def chunk_groups(chunks: Sequence[Region], *, max_s: float = GROUP_MAX_S) -> list[list[Region]]:
    """Consecutive chunks joined into groups of at most `max_s` seconds of audio (a longer chunk is its own group).

    Whisper gets one group at a time: its features for a group are what
    memory holds, not those of the whole call.
    """
    groups: list[list[Region]] = []
    total = 0.0
    for chunk in chunks:
        if not groups or total + chunk.duration_s > max_s:
            groups.append([])
            total = 0.0
        groups[-1].append(chunk)
        total += chunk.duration_s
    return groups


@dataclass(frozen=True, slots=True)
class ChunkOffset:
    """Where a chunk sits in the joined audio and in the original signal."""

    joined_start_s: float
    joined_end_s: float
    original_start_s: float


def join_chunks(samples: np.ndarray, chunks: Sequence[Region]) -> tuple[np.ndarray, list[ChunkOffset]]:
    """Concatenate the chunks of `samples` (16 kHz) and remember their offsets."""
    pieces, offsets, cursor = [], [], 0
    for chunk in chunks:
        lo = int(round(chunk.start_s * SAMPLE_RATE_HZ))
        hi = int(round(chunk.end_s * SAMPLE_RATE_HZ))
        piece = samples[lo:hi]
        offsets.append(ChunkOffset(cursor / SAMPLE_RATE_HZ, (cursor + piece.size) / SAMPLE_RATE_HZ, lo / SAMPLE_RATE_HZ))
        pieces.append(piece)
        cursor += piece.size
    audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return audio.astype(np.float32, copy=False), offsets


def restore_times(words: Sequence[Word], offsets: Sequence[ChunkOffset]) -> list[Word]:
    """Map word times in the joined audio back to the original signal.

    A word belongs to the chunk holding its midpoint; both ends move by that
    chunk's offset, so a word is never split across the silence between chunks.
    """
    if not offsets:
        return list(words)
    ends = np.array([o.joined_end_s for o in offsets])
    restored = []
    for word in words:
        middle = (word.start_s + word.end_s) / 2
        index = min(int(np.searchsorted(ends, middle)), len(offsets) - 1)
        shift = offsets[index].original_start_s - offsets[index].joined_start_s
        restored.append(
            Word(
                start_s=round(word.start_s + shift, 3),
                end_s=round(word.end_s + shift, 3),
                text=word.text,
                probability=round(float(word.probability), 4),
            )
        )
    return restored
