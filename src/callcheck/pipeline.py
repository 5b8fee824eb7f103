"""analyze_call(): the stages of one call, in order, with a hook after each.

audio -> speech regions (minus hold music) -> layout (who speaks when) -> words -> measurements ->
findings -> report. The hook (`hook(stage, value)`) lets a CLI show progress
or dump intermediate values without the pipeline knowing about either.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from callcheck import layout_text, parties, privacy
from callcheck.config import Config, check_hotwords, load_config
from callcheck.errors import ConfigError
from callcheck.measure import measure_call
from callcheck.records import LAYOUTS, AsrHints, CallReport, Layout, Recording, Region, Role, SpeakerTranscript
from callcheck.rules import evaluate_call
from callcheck.signal.audio import load_recording
from callcheck.signal.music import exclude_hold, hold_settings
from callcheck.signal.onsets import refine_onsets, split_at_silence
from callcheck.signal.vad import VadSettings, asr_chunks, speech_regions
from callcheck.speech.asr import SAMPLE_RATE_HZ, Transcriber
from callcheck.speech.roles import AGENT_SPEAKERS

log = logging.getLogger(__name__)

Hook = Callable[[str, Any], None]
LANGUAGES = ("auto", "de", "en")
LANGUAGE_WINDOW_S = 30.0  # what Whisper looks at to detect the language


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """Per-call options; validated once at construction."""

    agent_channel: str = "left"
    channel_map: Mapping[Role, int] | None = None
    language: str = "auto"
    call_id: str | None = None
    report_language: str | None = None  # "de"|"en"; None = the call's language
    vad: VadSettings = VadSettings()
    config: Config | None = None  # None = the shipped defaults
    layout: str = "auto"  # auto|stereo|mixed|single
    agent_speaker: str = "auto"  # in a mix: auto (cue phrases)|first|second
    redact: bool | None = None  # None = the config's [privacy] redact (default: on)
    known_names: tuple[str, ...] = ()  # names from the call's metadata, redacted wherever they occur
    hotwords: tuple[str, ...] = ()  # this call's vocabulary hints (agent name, ...), added to the config's [asr] hotwords

    def __post_init__(self) -> None:
        object.__setattr__(self, "hotwords", check_hotwords(self.hotwords))
        if self.layout not in LAYOUTS:
            raise ConfigError(f"layout must be one of {', '.join(LAYOUTS)}, not {self.layout!r}")
        if self.agent_speaker not in AGENT_SPEAKERS:
            raise ConfigError(f"agent speaker must be one of {', '.join(AGENT_SPEAKERS)}, not {self.agent_speaker!r}")
        if self.language not in LANGUAGES:
            raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, not {self.language!r}")
        if self.report_language not in (None, "de", "en"):
            raise ConfigError(f"report language must be de or en, not {self.report_language!r}")
        if self.agent_channel not in ("left", "right"):
            raise ConfigError(f"agent channel must be 'left' or 'right', not {self.agent_channel!r}")


def _no_hook(stage: str, value: Any) -> None:
    pass


def analyze_call(
    path: str | Path,
    *,
    transcriber: Transcriber,
    options: AnalyzeOptions = AnalyzeOptions(),
    hook: Hook = _no_hook,
    diarizer: parties.Diarizer | None = None,
) -> CallReport:
    """Analyse one recorded call and return its report.

    `diarizer` splits a mono signal into speakers (default: `parties.split_speakers`,
    CAM++ embeddings); tests may pass their own.
    """
    config = options.config or load_config()
    layout_settings = parties.layout_settings(config.layout, config.phrases)
    hold_config = hold_settings(config.hold)
    recording = load_recording(path, agent_channel=options.agent_channel, channel_map=options.channel_map)
    recording, merged = parties.merge_dual_mono(recording, requested=options.layout, settings=layout_settings,
                                                channel_map=options.channel_map)
    hook("audio", recording)
    regions = {ch.index: speech_regions(ch.samples, settings=options.vad) for ch in recording.channels}
    hook("vad", regions)
    regions, hold = exclude_hold(recording, regions, settings=hold_config,
                                 min_speech_s=options.vad.min_speech_duration_ms / 1000)
    hook("hold", hold)
    found = parties.read_layout(recording, regions, requested=options.layout, settings=layout_settings,
                                diarizer=diarizer or parties.split_speakers, merged=merged)
    hook("layout", found)
    has_speech = any(regions.values())
    language = _language(recording, regions, transcriber=transcriber, options=options) if has_speech else None
    hook("language", language)
    hints = config.asr.plus(options.hotwords)
    recording, speakers, layout = _transcribe(recording, found, regions, transcriber=transcriber, language=language,
                                              options=options, settings=layout_settings, hints=hints,
                                              hold=tuple(h.region for h in hold))
    hook("asr", speakers)
    measurements = measure_call(recording, speakers, language=language, settings=config.measure,
                                method=layout.method, hold=hold)
    hook("measure", measurements)
    redaction = privacy.disabled()
    if config.privacy["redact"] if options.redact is None else options.redact:
        speakers, measurements, redaction = privacy.redact_call(speakers, measurements, language=language,
                                                                known_names=options.known_names)
    hook("redact", redaction)
    evaluation = evaluate_call(measurements, speakers, language=language, config=config,
                               report_language=options.report_language)
    hook("rules", evaluation)
    report = CallReport(
        path=recording.path,
        call_id=options.call_id or recording.path.stem,
        duration_s=recording.duration_s,
        sample_rate_hz=recording.source_rate_hz,
        channels=recording.source_channels,
        language=language,
        status="ok" if has_speech else "no_speech",
        model=transcriber.info,
        speakers=speakers,
        measurements=measurements,
        outcomes=evaluation.outcomes,
        findings=evaluation.findings,
        score=evaluation.score,
        report_language=options.report_language or language,
        config=config,
        layout=layout,
        redaction=redaction,
        warnings=recording.warnings,
        warning_notes=recording.warning_notes,
        usable_duration_s=recording.usable_duration_s,
    )
    hook("report", report)
    return report


def _transcribe(recording: Recording, found: parties.Parties, regions: Mapping[int, tuple[Region, ...]], *,
                transcriber: Transcriber, language: str | None, options: AnalyzeOptions,
                settings: parties.LayoutSettings,
                hints: AsrHints, hold: tuple[Region, ...] = ()) -> tuple[Recording, tuple[SpeakerTranscript, ...], Layout]:
    """Words for each party: per channel for stereo, one pass over the mix split by speaker for mixed.

    Vocabulary hints go to every pass (the customer says the company's and the
    agent's name too); only when there are some, so a transcriber that takes no
    hints works as long as none are given. The recogniser gets chunks of the
    detected regions; the transcripts keep the regions with their onsets moved
    back to where the sound starts (`signal.onsets`), never into `hold`; in a mix,
    speaker changes inside one stretch of speech move to the pause between them.
    """
    extra = {"hints": hints} if hints.active else {}

    def words_of(channel, speech: tuple[Region, ...]):
        if not speech:
            return ()
        return transcriber.transcribe(channel.samples, chunks=_chunks(speech, recording, options.vad),
                                      language=language, **extra)

    def refined(ch):  # a stereo channel's regions with their onsets refined, read against the other channel
        other = next(o for o in recording.channels if o is not ch)
        return refine_onsets(ch.samples, found.regions[ch.role], sr=SAMPLE_RATE_HZ, barriers=hold,
                             other=other.samples, other_regions=found.regions[other.role])

    layout = found.layout
    if layout.kind == "stereo":
        speakers = tuple(
            SpeakerTranscript(role=ch.role, channel=ch.index, regions=refined(ch),
                              words=parties.drop_leaked_words(words_of(ch, found.regions[ch.role]),
                                                              found.leaks.get(ch.role)),
                              language=language)
            for ch in recording.channels
        )
        return recording, speakers, layout
    (channel,) = recording.channels
    words = words_of(channel, regions[channel.index])
    if layout.kind == "single":
        regions = refine_onsets(channel.samples, found.regions["agent"], sr=SAMPLE_RATE_HZ, barriers=hold)
        return recording, (SpeakerTranscript("agent", channel.index, regions, words, language),), layout
    by_speaker = parties.split_words(words, found.regions)
    decision = parties.assign_roles(by_speaker, found.regions, language=language, settings=settings,
                                    requested=options.agent_speaker)
    agent = decision.agent
    timed = split_at_silence(channel.samples, found.regions, sr=SAMPLE_RATE_HZ)  # changes moved to the pause
    speakers = (
        SpeakerTranscript("agent", channel.index, timed[agent], by_speaker[agent], language),
        SpeakerTranscript("customer", channel.index, timed[1 - agent], by_speaker[1 - agent], language),
    )
    layout = dataclasses.replace(layout_text.with_note(layout, decision.note),
                                 agent_speaker_confidence=decision.confidence)
    return parties.mixed_recording(recording), speakers, layout


def _chunks(regions: tuple[Region, ...], recording: Recording, vad: VadSettings) -> tuple[Region, ...]:
    return asr_chunks(
        regions,
        duration_s=recording.duration_s,
        pad_s=vad.asr_pad_ms / 1000,
        merge_gap_s=vad.asr_merge_gap_ms / 1000,
    )


def _language(
    recording: Recording,
    regions: Mapping[int, tuple[Region, ...]],
    *,
    transcriber: Transcriber,
    options: AnalyzeOptions,
) -> str:
    """The given language, else detected on up to 30 s of speech of both parties.

    Whisper decides from one 30 s window, so each speaking party gets an equal
    share of it: one hard-to-recognise voice (a mumbling agent) then does not
    decide the language of the whole call alone.
    """
    if options.language != "auto":
        return options.language
    speaking = [ch for ch in sorted(recording.channels, key=lambda c: c.role != "agent") if regions[ch.index]]
    budget_s = LANGUAGE_WINDOW_S / len(speaking)
    pieces = [
        ch.samples[round(chunk.start_s * SAMPLE_RATE_HZ): round(chunk.end_s * SAMPLE_RATE_HZ)]
        for ch in speaking
        for chunk in _clip(_chunks(regions[ch.index], recording, options.vad), budget_s)
    ]
    samples = np.concatenate(pieces)
    return transcriber.detect_language(samples, chunks=(Region(0.0, samples.size / SAMPLE_RATE_HZ),))


def _clip(chunks: tuple[Region, ...], budget_s: float) -> list[Region]:
    """The first `budget_s` seconds of `chunks`."""
    out = []
    for chunk in chunks:
        if budget_s <= 0:
            break
        out.append(Region(chunk.start_s, min(chunk.end_s, chunk.start_s + budget_s)))
        budget_s -= out[-1].duration_s
    return out
