"""The privacy stage: personal data out of every word before anything is written.

After the measurements (which count syllables on the words as spoken) and
before the rules, each role's words go through `callcheck.redact`: every span
of personal data becomes one placeholder word (`[IBAN]`, `[PERSON]`, ...) with
the span's timing. The transcripts, the turns and the interruption quotes the
report, the database and the web history are made from then carry only the
placeholders; `Redaction` keeps the labels and times, never the values. A
redacted name in a greeting is still a greeting: "mein Name ist [PERSON]".

`write_redacted_audio` makes a copy of the recording with each span replaced
by silence or a 1 kHz tone.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from callcheck.errors import AudioError
from callcheck.records import RedactedSpan, Redaction, Region, SpeakerTranscript, Turn, Word
from callcheck.redact import find_pii, redact_words

log = logging.getLogger(__name__)

BLEEPS = ("silence", "tone")
PAD_S = 0.1  # added around each span in the audio: word times are approximate
EARLY_START_S = 0.5  # a span starting this long before its speech region started early (Whisper after a silence)


def redact_call(speakers: Sequence[SpeakerTranscript], measurements, *, language: str | None,
                known_names: Sequence[str] = ()) -> tuple[tuple[SpeakerTranscript, ...], object, Redaction]:
    """The speakers' words and the measurements' turns with personal data replaced, and what was found.

    `measurements` is a `callcheck.measure.Measurements` (or None); its numbers
    stay as measured on the words as spoken.
    """
    lang = language if language in ("de", "en") else "en"
    redacted, spans = [], []
    for speaker in speakers:
        found = find_pii(speaker.words, language=lang, known_names=known_names)
        words = redact_words(speaker.words, found) if found else speaker.words
        redacted.append(dataclasses.replace(speaker, words=tuple(words)))
        for span in found:
            start, end = _audible(speaker.words[span.first].start_s, speaker.words[span.last].end_s, speaker.regions)
            spans.append(RedactedSpan(span.label, speaker.role, round(start, 3), round(end, 3)))
    spans.sort(key=lambda s: (s.start_s, s.role))
    log.info("redacted %d span(s) of personal data", len(spans))
    if measurements is not None and spans:
        measurements = _redacted_measurements(measurements, {s.role: s.words for s in redacted})
    return tuple(redacted), measurements, Redaction(enabled=True, spans=tuple(spans))


def _audible(start_s: float, end_s: float, regions: Sequence[Region]) -> tuple[float, float]:
    """A span's time, its start moved to the speech region it lies in when Whisper put the
    first word seconds before the speech (its first word after a long silence often starts early)."""
    holding = [r for r in regions if r.start_s < end_s and r.end_s > start_s]
    if holding and holding[0].start_s - start_s > EARLY_START_S:
        start_s = holding[0].start_s
    return start_s, end_s


def _redacted_measurements(measurements, words: dict) -> object:
    turns = tuple(dataclasses.replace(t, words=_words_in(words.get(t.role, ()), t)) for t in measurements.turns)
    conversation = measurements.conversation
    if conversation.interruptions:
        conversation = dataclasses.replace(conversation, interruptions=tuple(
            dataclasses.replace(e, words=" ".join(w.text for w in words.get(e.interrupter, ())
                                                  if e.start_s <= (w.start_s + w.end_s) / 2 < e.end_s))
            for e in conversation.interruptions))
    return dataclasses.replace(measurements, turns=turns, conversation=conversation)


def _words_in(words: Sequence[Word], turn: Turn) -> tuple[Word, ...]:
    """The role's (redacted) words whose middle lies in the turn, like the turn's own words."""
    if not turn.words:
        return ()
    first, last = turn.words[0].start_s, turn.words[-1].end_s
    return tuple(w for w in words if first <= (w.start_s + w.end_s) / 2 <= last)


def write_redacted_audio(source: Path, spans: Sequence[RedactedSpan], target: Path, *, bleep: str = "silence",
                         pad_s: float = PAD_S) -> Path:
    """A copy of `source` (its rate and channels, 16-bit WAV) with every span, padded by `pad_s`,
    replaced on all channels by silence or a 1 kHz tone at -20 dBFS."""
    import soundfile as sf

    from callcheck.signal.audio import read_audio

    if bleep not in BLEEPS:
        raise AudioError(f"{target}: --bleep must be one of {', '.join(BLEEPS)}, not {bleep!r}")
    data, rate = read_audio(Path(source))
    data = np.array(data, dtype=np.float32, copy=True)
    for span in spans:
        lo = max(0, int((span.start_s - pad_s) * rate))
        hi = min(data.shape[0], int(np.ceil((span.end_s + pad_s) * rate)))
        if hi <= lo:
            continue
        if bleep == "tone":
            t = np.arange(hi - lo) / rate
            data[lo:hi] = (0.1 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)[:, None]
        else:
            data[lo:hi] = 0.0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sf.write(target, data, rate, subtype="PCM_16")
    except (OSError, sf.LibsndfileError) as err:
        raise AudioError(f"{target}: cannot write the redacted audio ({getattr(err, 'strerror', None) or err})") from None
    return target


def disabled() -> Redaction:
    return Redaction(enabled=False)
