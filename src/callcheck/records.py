"""Frozen dataclasses passed between the pipeline's stages.

Data flows one way: audio -> speech regions -> words -> measurements -> report.
Times are always seconds of the original recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

Role = Literal["agent", "customer"]
ROLES: tuple[Role, ...] = ("agent", "customer")
LayoutKind = Literal["stereo", "mixed", "single"]
LAYOUTS: tuple[str, ...] = ("auto", "stereo", "mixed", "single")  # what --layout accepts


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its time span and the model's confidence."""

    start_s: float
    end_s: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class Region:
    """A span of time, e.g. a stretch of detected speech."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True, eq=False)
class Channel:
    """One speaker's signal: 16 kHz float32 mono, shape (n,), and its role.

    `samples` is an ndarray, or for a long call a `signal.samplefile.SampleFile`
    on disk: stages read it by slicing.
    """

    role: Role
    index: int
    samples: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class Recording:
    """A loaded and validated call, resampled to `sample_rate_hz` (16 kHz).

    `source_rate_hz` and `source_channels` describe the file as it was.
    `warnings` are one-line notes on damage the decoder read around;
    `usable_duration_s` is `duration_s` less the stretches it could not decode.
    """

    path: Path
    source_rate_hz: int
    source_channels: int
    duration_s: float
    sample_rate_hz: int
    channels: tuple[Channel, ...]
    warnings: tuple[str, ...] = ()
    usable_duration_s: float | None = None  # None: all of duration_s
    warning_notes: tuple[Note, ...] = ()  # the same as codes, for reports in other languages

    def channel(self, role: Role) -> Channel | None:
        return next((c for c in self.channels if c.role == role), None)


@dataclass(frozen=True, slots=True)
class Note:
    """One thing a stage found, as a code and its values, worded per language by its text module
    (`layout_text` for the layout stage, `signal.decode_text` for the decoder)."""

    code: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **values: Any) -> Note:
        return cls(code, tuple(values.items()))

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.values).get(key, default)


LayoutNote = Note  # the layout stage's notes


@dataclass(frozen=True, slots=True)
class Layout:
    """How the recording holds the call ("stereo", "mixed", "single") and why.

    `reason` is one line for the report; `method` says how the parties were
    separated (both in English, as the JSON report carries them); `notes` are
    the same facts as codes, for reports in other languages;
    `agent_speaker_confidence` (0.5-1) is how sure the agent was told apart
    from the customer in a mix (None unless "mixed").
    """

    kind: LayoutKind
    reason: str
    method: str
    agent_speaker_confidence: float | None = None
    speaker_separation: float | None = None  # 1 - cosine of the two speakers' centroids, for "mixed"/"single"
    notes: tuple[LayoutNote, ...] = ()


@dataclass(frozen=True, slots=True)
class HoldSpan:
    """A stretch of a channel that is hold music, not a party speaking (excluded from the measurements).

    `kind` is what it sounded like ("music"); `confidence` the share of its
    analysis windows that showed every sign of it (the rest are short gaps bridged).
    """

    start_s: float
    end_s: float
    kind: str = "music"
    confidence: float = 1.0

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def region(self) -> Region:
        return Region(self.start_s, self.end_s)


@dataclass(frozen=True, slots=True)
class RedactedSpan:
    """Where personal data was spoken and removed: its kind and time, never its value."""

    label: str  # IBAN, CARD, PHONE, EMAIL, DOB, ADDRESS, CUSTOMER_ID, PERSON
    role: Role
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Redaction:
    """Whether the call's words were redacted before anything was written, and what was found."""

    enabled: bool
    spans: tuple[RedactedSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class SpeakerTranscript:
    """What one role said: fine speech regions (for measurements) and words."""

    role: Role
    channel: int
    regions: tuple[Region, ...]
    words: tuple[Word, ...]
    language: str | None = None

    @property
    def speech_s(self) -> float:
        return sum(r.duration_s for r in self.regions)


HINT_MODES: tuple[str, ...] = ("prompt", "hotwords", "off")  # how vocabulary hints reach Whisper ([asr] hint_mode)


@dataclass(frozen=True, slots=True)
class AsrHints:
    """Vocabulary hints for speech recognition: names and phrases a call probably holds.

    `words` are company, product and agent names or the trained greeting;
    `mode` says how a transcriber uses them ("prompt": as the text before the first 30 s window
    of a channel; "hotwords": before every window; "off": not at all).
    """

    words: tuple[str, ...] = ()
    mode: str = "prompt"

    @property
    def active(self) -> bool:
        return bool(self.words) and self.mode != "off"

    @property
    def text(self) -> str:
        """The hints as one line, the form Whisper reads: "Acme, Sam Miller"."""
        return ", ".join(self.words)

    def plus(self, words: tuple[str, ...]) -> AsrHints:
        """These hints and `words`, each once (case-insensitive), in order."""
        seen: dict[str, str] = {}
        for word in (*self.words, *words):
            seen.setdefault(word.casefold(), word)
        return AsrHints(words=tuple(seen.values()), mode=self.mode)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    compute_type: str


@dataclass(frozen=True, slots=True)
class CallReport:
    """Everything known about one call; `serialize()` gives the report JSON."""

    path: Path
    call_id: str
    duration_s: float
    sample_rate_hz: int
    channels: int
    language: str | None
    status: Literal["ok", "no_speech"]
    model: ModelInfo
    speakers: tuple[SpeakerTranscript, ...]
    measurements: Any = None  # callcheck.measure.Measurements, once measured
    outcomes: tuple = ()  # callcheck.rules.RuleResult for each of the eight rules
    findings: tuple = ()  # callcheck.rules.Finding for each failed rule
    score: float | None = None
    report_language: str | None = None  # language of titles, reasons and tips ("de"|"en")
    config: Any = None  # callcheck.config.Config the call was judged with (thresholds for plots)
    layout: Layout | None = None  # how the recording was read (None: a report made before layouts existed)
    redaction: Redaction | None = None  # personal data removed from the words (None: not asked)
    warnings: tuple[str, ...] = ()  # one line each: damage read around, ... (report: call.warnings)
    usable_duration_s: float | None = None  # audio that could be decoded (None: all of duration_s)
    warning_notes: tuple[Note, ...] = ()  # `warnings` as codes (worded per language by signal.decode_text)


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of one role's speech not broken by the other party's turn.

    `regions` are the speech regions inside it (the gaps between them are the
    pauses); `backchannel` marks short listener signals ("mhm", "ja") that do
    not take the floor.
    """

    role: Role
    start_s: float
    end_s: float
    regions: tuple[Region, ...]
    words: tuple[Word, ...]
    backchannel: bool = False

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def phonation_s(self) -> float:
        return sum(r.duration_s for r in self.regions)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)
