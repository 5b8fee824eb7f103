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
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from callcheck.errors import AudioError
from callcheck.records import RedactedSpan, Redaction, Region, SpeakerTranscript, Word

if TYPE_CHECKING:
    from callcheck.redact import PiiSpan

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
    from callcheck.redact import redact_words  # imported on first use: the detector's word lists are not start-up cost

    lang = language if language in ("de", "en") else "en"
    per_role = _spans_per_role(speakers, language=lang, known_names=known_names)
    redacted, spans, replaced = [], [], {}
    for speaker in speakers:
        found = per_role.get(speaker.role, [])
        words = redact_words(speaker.words, found) if found else speaker.words
        redacted.append(dataclasses.replace(speaker, words=tuple(words)))
        replaced.update(_replacements(speaker.words, words, found))
        for span in found:
            start, end = _audible(speaker.words[span.first].start_s, speaker.words[span.last].end_s, speaker.regions)
            spans.append(RedactedSpan(span.label, speaker.role, round(start, 3), round(end, 3)))
    spans.sort(key=lambda s: (s.start_s, s.role))
    log.info("redacted %d span(s) of personal data", len(spans))
    if measurements is not None and spans:
        measurements = _redacted_measurements(measurements, replaced, {s.role: s.words for s in redacted})
    return tuple(redacted), measurements, Redaction(enabled=True, spans=tuple(spans))


def _spans_per_role(speakers: Sequence[SpeakerTranscript], *, language: str,
                    known_names: Sequence[str]) -> dict[str, list[PiiSpan]]:
    """Spans found in both roles' words merged in time order (so the agent's "Ihre Kundennummer?"
    reaches the customer's answer), split back into each role's word indices."""
    from callcheck.redact import find_pii

    merged = sorted(((w.start_s, speaker.role, k, w) for speaker in speakers for k, w in enumerate(speaker.words)),
                    key=lambda item: (item[0], item[1]))
    found = find_pii([w for *_, w in merged], language=language, known_names=known_names)
    out: dict[str, list[PiiSpan]] = {}
    for span in found:
        run: list[tuple[str, int]] = []
        for _, role, index, _ in merged[span.first: span.last + 1]:
            if run and run[-1][0] != role:
                _add(out, span.label, run)
                run = []
            run.append((role, index))
        _add(out, span.label, run)
    return {role: _disjoint(spans) for role, spans in out.items()}


def _add(out: dict[str, list[PiiSpan]], label: str, run: list[tuple[str, int]]) -> None:
    from callcheck.redact import PiiSpan

    if run:
        indices = [i for _, i in run]
        out.setdefault(run[0][0], []).append(PiiSpan(label, min(indices), max(indices)))


def _disjoint(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Sorted, overlapping pieces of one role joined (the other role's words can interleave a span)."""
    from callcheck.redact import PiiSpan

    out: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: s.first):
        if out and span.first <= out[-1].last + 1 and span.label == out[-1].label:
            out[-1] = PiiSpan(span.label, out[-1].first, max(out[-1].last, span.last))
        elif out and span.first <= out[-1].last:
            out[-1] = PiiSpan(out[-1].label, out[-1].first, max(out[-1].last, span.last))
        else:
            out.append(span)
    return out


def _audible(start_s: float, end_s: float, regions: Sequence[Region]) -> tuple[float, float]:
    """A span's time, its start moved to the speech region it lies in when Whisper put the
    first word seconds before the speech (its first word after a long silence often starts early)."""
    holding = [r for r in regions if r.start_s < end_s and r.end_s > start_s]
    if holding and holding[0].start_s - start_s > EARLY_START_S:
        start_s = holding[0].start_s
    return start_s, end_s


def _replacements(original: Sequence[Word], redacted: Sequence[Word], spans: Sequence[PiiSpan]) -> dict[Word, Word]:
    """Each original word inside a span -> the placeholder word that replaced the span."""
    out, shift = {}, 0
    for span in spans:  # sorted, disjoint: the placeholder sits at span.first minus the words removed before it
        placeholder = redacted[span.first - shift]
        for word in original[span.first: span.last + 1]:
            out[word] = placeholder
        shift += span.last - span.first
    return out


def _redacted_measurements(measurements, replaced: dict[Word, Word], words: dict) -> object:
    turns = tuple(dataclasses.replace(t, words=_swap(t.words, replaced)) for t in measurements.turns)
    conversation = measurements.conversation
    if conversation.interruptions:
        conversation = dataclasses.replace(conversation, interruptions=tuple(
            dataclasses.replace(e, words=" ".join(w.text for w in words.get(e.interrupter, ())
                                                  if e.start_s <= (w.start_s + w.end_s) / 2 < e.end_s))
            for e in conversation.interruptions))
    return dataclasses.replace(measurements, turns=turns, conversation=conversation)


def _swap(words: Sequence[Word], replaced: dict[Word, Word]) -> tuple[Word, ...]:
    """A turn's words with each redacted stretch as its one placeholder."""
    out: list[Word] = []
    for word in words:
        new = replaced.get(word, word)
        if not (out and new is out[-1] and word in replaced):
            out.append(new)
    return tuple(out)


def write_redacted_audio(source: Path, spans: Sequence[RedactedSpan], target: Path, *, bleep: str = "silence",
                         pad_s: float = PAD_S) -> Path:
    """A copy of `source` (its rate and channels, 16-bit WAV) with every span, padded by `pad_s`,
    replaced on all channels by silence or a 1 kHz tone at -20 dBFS."""
    import soundfile as sf

    from callcheck.signal.decode import open_audio, quiet_stderr

    if bleep not in BLEEPS:
        raise AudioError(f"{target}: --bleep must be one of {', '.join(BLEEPS)}, not {bleep!r}")
    source = open_audio(Path(source))
    rate = source.rate_hz
    cuts = [(max(0, int((s.start_s - pad_s) * rate)), int(np.ceil((s.end_s + pad_s) * rate))) for s in spans]
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # `source` may be `target` (redacted in place)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with sf.SoundFile(partial, "w", samplerate=rate, channels=source.channels, subtype="PCM_16",
                          format="WAV") as out, quiet_stderr():
            position = 0
            for block in source:  # a block at a time: the copy of a long call never sits in memory
                block = np.array(block, dtype=np.float32, copy=True)
                for lo, hi in cuts:
                    a, b = max(lo, position) - position, min(hi, position + block.shape[0]) - position
                    if b <= a:
                        continue
                    if bleep == "tone":
                        t = np.arange(a + position - lo, b + position - lo) / rate
                        block[a:b] = (0.1 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)[:, None]
                    else:
                        block[a:b] = 0.0
                out.write(block)
                position += block.shape[0]
        os.replace(partial, target)
    except (OSError, sf.LibsndfileError) as err:
        partial.unlink(missing_ok=True)
        raise AudioError(f"{target}: cannot write the redacted audio ({getattr(err, 'strerror', None) or err})") from None
    return target


def disabled() -> Redaction:
    return Redaction(enabled=False)
