"""Measurements of one call: per role, the conversation, and a 10 s timeline.

Input: the loaded recording and what each role said (regions and words).
Output: a `Measurements` dataclass the rules read and the report serialises.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from callcheck.measure import conversation as conv
from callcheck.measure.prosody import (
    Levels,
    SpeechSpectrum,
    dynamic_range_db,
    frame_levels,
    mean_level_db,
    noise_floor_db,
    pause_stats,
    rate_stats,
    region_mask,
    speech_spectrum,
    split_at_quiet,
    syllable_count,
)
from callcheck.measure.settings import MeasureSettings
from callcheck.records import HoldSpan, Recording, Region, Role, SpeakerTranscript, Turn
from callcheck.signal.pitch import PitchTrack, pitch_stats, semitones, track_pitch
from callcheck.signal.regions import subtract

MIN_WINDOW_SPEECH_S = 1.0
PITCH_PAD_S = 0.1  # pitch is tracked in the speech regions widened by this much
PLOT_POINTS = 4000  # pitch frames per role kept for the report's plots
LOW_CONFIDENCE = 0.5  # ASR word probability below this counts as unclear
MIN_SNR_DB = 6.0  # speech must lie this far above the noise floor before level dips are read as pauses
QUIET_MARGIN_DB = 6.0  # a pause frame lies at most this far above the noise floor (less on noisier lines: SNR/2)
MONO_METHOD = "mono recording: one speaker, so turn-taking needs two channels and is not measured"
STEREO_METHOD = "stereo: one party per channel, Silero VAD speech regions per channel"


@dataclass(frozen=True, slots=True)
class RoleMetrics:
    pitch_median_hz: float | None
    pitch_sd_st: float | None
    pitch_range_st: float | None
    level_dbfs: float | None
    dynamic_range_db: float | None
    speaking_rate_sps: float | None
    articulation_rate_sps: float | None
    words_per_minute: float | None
    pauses_per_min: float | None
    mean_pause_s: float | None
    talk_share: float | None
    longest_pause_s: float | None
    mean_run_syllables: float | None
    level_vs_other_db: float | None
    speech_s: float
    speaking_s: float
    voiced_s: float
    turns: int
    words: int
    syllables: int
    longest_turn_s: float | None
    mean_word_probability: float | None
    low_confidence_share: float | None
    spectral_balance_db: float | None
    presence_db: float | None = None  # energy in 2-3.4 kHz relative to 0.1-3.4 kHz (consonant cues), net of noise
    top_db: float | None = None  # energy in 2.5-3.4 kHz relative to 0.1-3.4 kHz (what a narrow codec cuts), net of noise


@dataclass(frozen=True, slots=True)
class ConversationMetrics:
    method: str
    interruptions: tuple[conv.Interruption, ...] | None
    response_gaps: tuple[conv.ResponseGap, ...] | None
    dead_air: tuple[Region, ...] | None
    overlap_s: float | None
    response_gap_median_s: float | None
    response_gap_p90_s: float | None
    interruptions_by_agent: int | None
    interruptions_by_customer: int | None
    dead_air_s: float | None
    longest_agent_monologue_s: float | None
    hold: tuple[HoldSpan, ...] = ()  # hold music on the agent's channel, left out of everything above and the roles'


@dataclass(frozen=True, slots=True)
class WindowMetrics:
    start_s: float
    end_s: float
    speech_s: float
    pitch_sd_st: float | None
    level_dbfs: float | None
    speaking_rate_sps: float | None
    articulation_rate_sps: float | None
    syllables: int


@dataclass(frozen=True, slots=True)
class Measurements:
    roles: dict[Role, RoleMetrics]
    conversation: ConversationMetrics
    timeline: dict[Role, tuple[WindowMetrics, ...]]
    window_s: float
    turns: tuple[Turn, ...]
    language: str | None
    # Per role, F0 with NaN outside voiced speech, at most PLOT_POINTS frames (block
    # medians of the 10 ms frames of a call longer than 40 s): for plots only, never serialised.
    pitch_tracks: Mapping[Role, PitchTrack] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class _Signals:
    """Frame-level tracks of one role's channel."""

    levels: Levels
    speech: np.ndarray  # bool per level frame: inside a speech region
    spectrum: SpeechSpectrum | None  # net of the channel's noise
    pitch: PitchTrack
    pitch_speech: np.ndarray  # bool per pitch frame: voiced and inside speech
    noise_floor_db: float | None  # median level where nobody speaks on this signal
    speech_median_db: float | None  # median level of the speech frames


def measure_call(
    recording: Recording,
    speakers: Sequence[SpeakerTranscript],
    *,
    language: str | None,
    settings: MeasureSettings = MeasureSettings(),
    method: str | None = None,
    hold: Sequence[HoldSpan] = (),
) -> Measurements:
    """Everything the rules need, per role and over time.

    `method` says how the parties were told apart (the report's
    `metrics.conversation.method`). When both roles share one signal (a mixed
    recording split by speaker), pitch, levels and spectra of a role come only
    from its speech where the other party is silent. `hold`: hold music on the
    agent's channel (already cut from the speakers' regions); it is neither the
    channel's noise floor nor dead air, and a response gap across it is no answer.
    """
    sr = recording.sample_rate_hz
    agent = recording.channel("agent")
    signals = {
        s.role: _signals(recording.channel(s.role).samples, _own_speech(s, speakers, recording),
                         _quiet(s, speakers, recording,
                                hold=hold if agent and recording.channel(s.role).samples is agent.samples else ()),
                         sr=sr, settings=settings)
        for s in speakers
    }
    turns = conv.build_turns(
        {s.role: s.regions for s in speakers}, {s.role: s.words for s in speakers},
        language=language, settings=settings,
    )
    turns = [_with_quiet_pauses(t, signals[t.role], settings) for t in turns]
    total_speech = sum(s.speech_s for s in speakers)
    stereo = len(speakers) == 2
    levels = {role: mean_level_db(sig.levels.db[sig.speech]) for role, sig in signals.items()}
    roles = {
        s.role: _role_metrics(
            s, [t for t in turns if t.role == s.role], signals[s.role],
            language=language, settings=settings,
            talk_share=s.speech_s / total_speech if stereo and total_speech > 0 else None,
            other_level=next((v for r, v in levels.items() if r != s.role), None),
        )
        for s in speakers
    }
    conversation = _conversation(speakers, turns, settings, method=method or STEREO_METHOD, hold=tuple(hold)) \
        if stereo else _mono_conversation(method or MONO_METHOD, hold=tuple(hold))
    timeline = {
        s.role: _timeline(recording.duration_s, [t for t in turns if t.role == s.role],
                          signals[s.role], language=language, window_s=settings.window_s)
        for s in speakers
    }
    tracks = {role: _speech_pitch(sig) for role, sig in signals.items()}
    return Measurements(roles, conversation, timeline, settings.window_s, tuple(turns), language, tracks)


def _own_speech(speaker: SpeakerTranscript, speakers: Sequence[SpeakerTranscript],
                recording: Recording) -> tuple[Region, ...]:
    """The role's speech regions, minus the other roles' where they share its signal."""
    samples = recording.channel(speaker.role).samples
    others = [r for s in speakers if s.role != speaker.role and recording.channel(s.role).samples is samples
              for r in s.regions]
    return subtract(speaker.regions, others) if others else speaker.regions


def _quiet(speaker: SpeakerTranscript, speakers: Sequence[SpeakerTranscript],
           recording: Recording, *, hold: Sequence[HoldSpan] = ()) -> tuple[Region, ...]:
    """Where nobody speaks on the role's signal (and no hold music plays): there its noise floor is measured."""
    samples = recording.channel(speaker.role).samples
    speech = [r for s in speakers if recording.channel(s.role).samples is samples for r in s.regions]
    return subtract((Region(0.0, recording.duration_s),), speech + [h.region for h in hold])


def _with_quiet_pauses(turn: Turn, sig: _Signals, settings: MeasureSettings) -> Turn:
    """The turn with its speech regions split where the level sinks to the channel's noise floor.

    Stationary noise can keep the speech detector's probability up through a
    breathing pause (a calm agent on a noisy line then seems to never pause);
    relative to the channel's own noise floor the pause still shows. Needs a
    known floor and speech clearly above it (MIN_SNR_DB).
    """
    if sig.noise_floor_db is None or sig.speech_median_db is None or turn.backchannel:
        return turn
    snr = sig.speech_median_db - sig.noise_floor_db
    if snr < MIN_SNR_DB:
        return turn
    threshold = sig.noise_floor_db + min(QUIET_MARGIN_DB, snr / 2)
    regions = split_at_quiet(turn.regions, sig.levels, threshold_db=threshold, min_s=settings.pause_min_s)
    return turn if len(regions) == len(turn.regions) else dataclasses.replace(turn, regions=regions)


def _speech_pitch(sig: _Signals) -> PitchTrack:
    """The role's pitch track with F0 kept only on voiced frames inside speech, reduced to
    at most PLOT_POINTS frames (block medians) for the plots."""
    return PitchTrack(np.where(sig.pitch_speech, sig.pitch.f0_hz, np.nan), sig.pitch.grid).decimated(PLOT_POINTS)


def _signals(samples: np.ndarray, regions: Sequence[Region], quiet: Sequence[Region], *, sr: int,
             settings: MeasureSettings) -> _Signals:
    levels = frame_levels(samples, sr=sr)
    speech = region_mask(levels.times_s, regions)
    spans = [(r.start_s - PITCH_PAD_S, r.end_s + PITCH_PAD_S) for r in regions]  # pitch is only ever used in speech
    pitch = track_pitch(samples, sr=sr, floor_hz=settings.pitch_floor_hz, ceiling_hz=settings.pitch_ceiling_hz,
                        spans_s=spans)
    return _Signals(
        levels=levels,
        speech=speech,
        pitch=pitch,
        pitch_speech=region_mask(pitch.times_s, regions) & pitch.voiced,
        spectrum=speech_spectrum(samples, sr=sr, regions=regions, quiet=quiet),
        noise_floor_db=noise_floor_db(levels, region_mask(levels.times_s, quiet), speech),
        speech_median_db=float(np.median(levels.db[speech])) if speech.any() else None,
    )


def _role_metrics(speaker: SpeakerTranscript, turns: list[Turn], sig: _Signals, *, language: str | None,
                  settings: MeasureSettings, talk_share: float | None, other_level: float | None) -> RoleMetrics:
    floor = [t for t in turns if not t.backchannel]
    rates = rate_stats(floor, language=language)
    gaps = pause_stats(floor, min_s=settings.pause_min_s, language=language)
    pitch = pitch_stats(sig.pitch, mask=sig.pitch_speech)
    level = mean_level_db(sig.levels.db[sig.speech])
    probabilities = [w.probability for w in speaker.words]
    return RoleMetrics(
        pitch_median_hz=pitch.median_hz,
        pitch_sd_st=pitch.sd_st,
        pitch_range_st=pitch.range_st,
        level_dbfs=level,
        dynamic_range_db=dynamic_range_db(sig.levels.db[sig.speech]),
        speaking_rate_sps=rates.speaking_rate_sps,
        articulation_rate_sps=rates.articulation_rate_sps,
        words_per_minute=rates.words_per_minute,
        pauses_per_min=gaps.pauses_per_min,
        mean_pause_s=gaps.mean_pause_s,
        talk_share=talk_share,
        longest_pause_s=gaps.longest_pause_s,
        mean_run_syllables=gaps.mean_run_syllables,
        level_vs_other_db=level - other_level if level is not None and other_level is not None else None,
        speech_s=speaker.speech_s,
        speaking_s=rates.speaking_s,
        voiced_s=pitch.voiced_s,
        turns=len(floor),
        words=len(speaker.words),
        syllables=syllable_count(speaker.words, language=language),
        longest_turn_s=max((t.duration_s for t in floor), default=None),
        mean_word_probability=float(np.mean(probabilities)) if probabilities else None,
        low_confidence_share=float(np.mean([p < LOW_CONFIDENCE for p in probabilities])) if probabilities else None,
        spectral_balance_db=sig.spectrum.balance_db if sig.spectrum else None,
        presence_db=sig.spectrum.presence_db if sig.spectrum else None,
        top_db=sig.spectrum.top_db if sig.spectrum else None,
    )


def _conversation(speakers: Sequence[SpeakerTranscript], turns: list[Turn],
                  settings: MeasureSettings, *, method: str, hold: tuple[HoldSpan, ...] = ()) -> ConversationMetrics:
    regions = {s.role: s.regions for s in speakers}
    interruptions = conv.interruptions(turns, settings=settings)
    # an answer after the customer waited on hold is no slow answer
    gaps = [g for g in conv.response_gaps(turns, settings=settings)
            if not any(h.start_s < g.start_s + g.gap_s and h.end_s > g.start_s for h in hold)]
    silences = conv.dead_air([*regions.values(), [h.region for h in hold]], min_s=settings.dead_air_min_s)
    gap_values = [g.gap_s for g in gaps]
    agent_turns = [t.duration_s for t in turns if t.role == "agent" and not t.backchannel]
    return ConversationMetrics(
        method=method,
        interruptions=tuple(interruptions),
        response_gaps=tuple(gaps),
        dead_air=tuple(silences),
        overlap_s=conv.overlap_s(regions.get("agent", ()), regions.get("customer", ())),
        response_gap_median_s=float(np.median(gap_values)) if gap_values else None,
        response_gap_p90_s=float(np.percentile(gap_values, 90)) if gap_values else None,
        interruptions_by_agent=sum(e.interrupter == "agent" for e in interruptions),
        interruptions_by_customer=sum(e.interrupter == "customer" for e in interruptions),
        dead_air_s=sum(r.duration_s for r in silences),
        longest_agent_monologue_s=max(agent_turns, default=None),
        hold=hold,
    )


def _mono_conversation(method: str, *, hold: tuple[HoldSpan, ...] = ()) -> ConversationMetrics:
    return ConversationMetrics(method, None, None, None, None, None, None, None, None, None, None, hold)


def _timeline(duration_s: float, turns: list[Turn], sig: _Signals, *, language: str | None,
              window_s: float) -> tuple[WindowMetrics, ...]:
    floor = [t for t in turns if not t.backchannel]
    regions = [r for t in floor for r in t.regions]
    st = semitones(sig.pitch.f0_hz, ref_hz=float(np.nanmedian(sig.pitch.f0_hz[sig.pitch_speech]))) \
        if sig.pitch_speech.any() else None
    n_windows = max(1, math.ceil(duration_s / window_s))
    starts = [k * window_s for k in range(n_windows)]
    ends = [min((k + 1) * window_s, duration_s) for k in range(n_windows)]
    pitch_lo, pitch_hi = (np.searchsorted(sig.pitch.times_s, edges) for edges in (starts, ends))
    level_lo, level_hi = (np.searchsorted(sig.levels.times_s, edges) for edges in (starts, ends))
    windows = []
    for k, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        speech = sum(max(0.0, min(r.end_s, hi) - max(r.start_s, lo)) for r in regions)
        speaking = sum(max(0.0, min(t.end_s, hi) - max(t.start_s, lo)) for t in floor)
        words = [w for t in floor for w in conv.words_in(t.words, lo, hi)]
        syllables = syllable_count(words, language=language)
        pitch_frames = slice(pitch_lo[k], pitch_hi[k])  # the frames with lo <= time < hi
        level_frames = slice(level_lo[k], level_hi[k])
        in_window = sig.pitch_speech[pitch_frames]
        enough_pitch = st is not None and in_window.sum() * sig.pitch.hop_s >= MIN_WINDOW_SPEECH_S
        enough_speech = speech >= MIN_WINDOW_SPEECH_S and words
        windows.append(WindowMetrics(
            start_s=lo, end_s=hi, speech_s=speech,
            pitch_sd_st=float(np.std(st[pitch_frames][in_window])) if enough_pitch else None,
            level_dbfs=mean_level_db(sig.levels.db[level_frames][sig.speech[level_frames]]),
            speaking_rate_sps=syllables / speaking if enough_speech else None,
            articulation_rate_sps=syllables / speech if enough_speech else None,
            syllables=syllables,
        ))
    return tuple(windows)
