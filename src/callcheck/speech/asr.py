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
from callcheck.records import AsrHints, ModelInfo, Region, Word
from callcheck.speech.models import ModelSpec

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en")
GROUP_MAX_S = 300.0  # seconds of speech chunks recognised in one call to Whisper: bounds its feature memory
MAX_HINT_TOKENS = 223  # faster-whisper keeps this many tokens of hotwords (half of Whisper's 448-token context, less one)
# A stretch this long without words inside a chunk held speech: chunks only bridge silences under 2 s, padded by 0.4 s
# on either side (VadSettings.asr_merge_gap_ms, asr_pad_ms).
MIN_HOLE_S = 3.0
HINT_LABELS = {"de": "Namen", "en": "Names"}
NO_HINTS = AsrHints()


class Transcriber(Protocol):
    """Turns speech chunks of a 16 kHz signal into timed words."""

    info: ModelInfo

    def detect_language(self, samples: np.ndarray, *, chunks: Sequence[Region]) -> str:
        """The call's language, one of SUPPORTED_LANGUAGES."""

    def transcribe(
        self, samples: np.ndarray, *, chunks: Sequence[Region], language: str, hints: AsrHints = NO_HINTS
    ) -> tuple[Word, ...]:
        """Words (times in seconds of `samples`) recognised inside `chunks`.

        `hints` (names and phrases the call probably holds) is passed only when
        there are some, so a transcriber without the parameter works without them.
        """


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
        self, samples: np.ndarray, *, chunks: Sequence[Region], language: str, hints: AsrHints = NO_HINTS
    ) -> tuple[Word, ...]:
        """Words in `chunks`. With hints, Whisper sometimes ends a 30 s window early and skips its last
        sentences (2 of 6 synthetic calls in scripts/eval_hotwords.py); speech left without words
        that way (`holes`) is decoded again without hints."""
        if not chunks:
            return ()
        words = self._decode(samples, chunks, language=language, options=self._hint_options(hints, language=language))
        if hints.active and (missed := holes(chunks, words, min_s=MIN_HOLE_S)):
            log.debug("hinted pass left %d stretch(es) without words; decoding them without hints", len(missed))
            again = self._decode(samples, missed, language=language, options={})
            words = sorted([*words, *(w for w in again if _inside(w, missed))], key=lambda w: w.start_s)
        return tuple(words)

    def _decode(self, samples: np.ndarray, chunks: Sequence[Region], *, language: str,
                options: dict[str, str]) -> list[Word]:
        words: list[Word] = []
        for group in chunk_groups(chunks):  # one group at a time: Whisper's features for it are what memory holds
            audio, offsets = join_chunks(samples, group)
            segments, _ = self.model.transcribe(
                audio,
                language=language,
                beam_size=self.settings.beam_size,
                word_timestamps=True,
                vad_filter=False,
                condition_on_previous_text=self.settings.condition_on_previous_text,
                **options,
            )
            words += restore_times([
                Word(start_s=w.start, end_s=w.end, text=w.word.strip(), probability=w.probability)
                for segment in segments
                for w in segment.words or ()
                if w.word.strip()
            ], offsets)
        return words

    def _hint_options(self, hints: AsrHints, *, language: str) -> dict[str, str]:
        """faster-whisper's `initial_prompt` (the context of the first 30 s window only, while
        condition_on_previous_text is off) or `hotwords` (the context of every window)."""
        if not hints.active:
            return {}
        text = hint_text(hints, language=language)
        tokens = len(self.model.hf_tokenizer.encode(" " + text, add_special_tokens=False).ids)
        if tokens > MAX_HINT_TOKENS:
            log.warning("%d vocabulary hints are %d tokens; Whisper reads only the first %d",
                        len(hints.words), tokens, MAX_HINT_TOKENS)
        return {"hotwords": text} if hints.mode == "hotwords" else {"initial_prompt": text}


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


def hint_text(hints: AsrHints, *, language: str) -> str:
    """The hints as Whisper reads them, a labelled list: "Names: Acme, Sam Miller."

    Whisper takes its prompt for what was said just before; given the bare
    names, it skipped a greeting made of those very names as already said
    ("Grumps und Söhne, Sonja Müller, guten Tag" came out "Guten Tag"). The
    label marks them as a list (scripts/eval_hotwords.py).
    """
    return f"{HINT_LABELS.get(language, HINT_LABELS['en'])}: {hints.text}."


def holes(chunks: Sequence[Region], words: Sequence[Word], *, min_s: float) -> tuple[Region, ...]:
    """Stretches of at least `min_s` inside `chunks` (at a chunk's start, between words, at its end)
    with no recognised word, in seconds of the signal."""
    out = []
    for chunk in chunks:
        inside = sorted((w.start_s, w.end_s) for w in words if _inside(w, (chunk,)))
        cursor = chunk.start_s
        for start, end in [*inside, (chunk.end_s, chunk.end_s)]:
            if start - cursor >= min_s:
                out.append(Region(round(cursor, 3), round(start, 3)))
            cursor = max(cursor, end)
    return tuple(out)


def _inside(word: Word, regions: Sequence[Region]) -> bool:
    middle = (word.start_s + word.end_s) / 2
    return any(r.start_s <= middle < r.end_s for r in regions)


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
