"""Speech regions per channel with the Silero VAD that faster-whisper ships.

Two views of the same detection: fine `speech_regions()` (short padding, short
minimum silence) for pause and turn measurements, and coarse `asr_chunks()`
(padded and merged like faster-whisper's own defaults) to hand to the recogniser.
The detector runs once per channel; the ASR view is derived from the fine one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from callcheck.records import Region

SAMPLE_RATE_HZ = 16_000


@dataclass(frozen=True, slots=True)
class VadSettings:
    """Silero VAD options for the fine regions used by measurements."""

    threshold: float = 0.5
    min_speech_duration_ms: int = 90
    min_silence_duration_ms: int = 100
    speech_pad_ms: int = 30
    asr_pad_ms: int = 400
    asr_merge_gap_ms: int = 2000


def speech_regions(samples: np.ndarray, *, settings: VadSettings = VadSettings()) -> tuple[Region, ...]:
    """Fine speech regions (seconds) of a 16 kHz mono float32 signal, shape (n,)."""
    if samples.size == 0 or not np.any(samples):
        return ()
    options = VadOptions(
        threshold=settings.threshold,
        min_speech_duration_ms=settings.min_speech_duration_ms,
        min_silence_duration_ms=settings.min_silence_duration_ms,
        speech_pad_ms=settings.speech_pad_ms,
    )
    stamps = get_speech_timestamps(samples, options, sampling_rate=SAMPLE_RATE_HZ)
    return tuple(
        Region(s["start"] / SAMPLE_RATE_HZ, s["end"] / SAMPLE_RATE_HZ) for s in stamps
    )


def asr_chunks(
    regions: Sequence[Region],
    *,
    duration_s: float,
    pad_s: float = 0.4,
    merge_gap_s: float = 2.0,
) -> tuple[Region, ...]:
    """Pad fine regions by `pad_s`, clip to the signal, merge gaps < `merge_gap_s`.

    Whisper recognises words better with some context around them; this mirrors
    faster-whisper's transcription defaults (400 ms pad, 2 s merge).
    """
    chunks: list[Region] = []
    for region in regions:
        start = max(0.0, region.start_s - pad_s)
        end = min(duration_s, region.end_s + pad_s)
        if chunks and start - chunks[-1].end_s < merge_gap_s:
            chunks[-1] = Region(chunks[-1].start_s, max(end, chunks[-1].end_s))
        else:
            chunks.append(Region(start, end))
    return tuple(chunks)
