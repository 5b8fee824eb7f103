"""Measurements that must hold on real lines: pauses against the noise floor, dullness net of hiss, an answer's
first 'okay', a fragment the customer adds after the agent has begun."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from callcheck.measure import measure_call
from callcheck.measure.prosody import (
    frame_levels,
    noise_floor_db,
    region_mask,
    spectral_balance_db,
    speech_spectrum,
    split_at_quiet,
)
from callcheck.records import Channel, Recording, Region, SpeakerTranscript, Word
from conftest import tone

SR = 16_000


def voice(duration_s: float, *, seed: int = 0) -> np.ndarray:
    """A buzzy harmonic 'voice' (140 Hz and its harmonics up to 3.5 kHz), float32."""
    t = np.arange(int(duration_s * SR)) / SR
    wave = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 26))
    return (0.2 * wave / np.max(np.abs(wave))).astype(np.float32)


def hiss(n: int, *, dbfs: float, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * 10 ** (dbfs / 20)).astype(np.float32)


def test_a_pause_bridged_by_the_detector_is_found_against_the_noise_floor():
    # speech 0.5-2.5 s and 2.9-5.0 s with a 0.4 s breathing pause; the detector gave one region over both
    signal = hiss(6 * SR, dbfs=-45.0)
    for lo, hi in ((0.5, 2.5), (2.9, 5.0)):
        signal[int(lo * SR): int(hi * SR)] += voice(hi - lo)
    levels = frame_levels(signal, sr=SR)
    speech = region_mask(levels.times_s, [Region(0.5, 5.0)])
    floor = noise_floor_db(levels, ~speech, speech)
    assert floor == pytest.approx(-45.0, abs=1.5)
    (first, second) = split_at_quiet([Region(0.5, 5.0)], levels, threshold_db=floor + 6, min_s=0.25)
    assert first.start_s == 0.5 and second.end_s == 5.0  # the outer ends never move
    assert first.end_s == pytest.approx(2.5, abs=0.03) and second.start_s == pytest.approx(2.9, abs=0.03)
    # a dip shorter than the minimum pause is articulation, not a pause
    assert len(split_at_quiet([Region(0.5, 5.0)], levels, threshold_db=floor + 6, min_s=0.5)) == 1


def test_the_floor_is_never_below_the_quietest_speech_frames():
    # a line that is silent before the call connects, then noisy: the pauses in the call are the floor
    signal = np.concatenate([np.zeros(2 * SR, np.float32), hiss(4 * SR, dbfs=-40.0)])
    signal[3 * SR: 4 * SR] += voice(1.0)
    signal[int(4.5 * SR): int(5.5 * SR)] += voice(1.0)
    levels = frame_levels(signal, sr=SR)
    speech = region_mask(levels.times_s, [Region(3.0, 5.5)])
    assert noise_floor_db(levels, ~speech, speech) == pytest.approx(-40.0, abs=2.0)


def test_line_hiss_does_not_make_a_muffled_voice_bright():
    muffled = sosfilt(butter(8, 700, fs=SR, output="sos"), voice(4.0)).astype(np.float32)
    signal = np.concatenate([np.zeros(SR, np.float32), muffled, np.zeros(SR, np.float32)])
    signal += hiss(signal.size, dbfs=-30.0)  # SNR about 10 dB
    speech, quiet = [Region(1.0, 5.0)], [Region(0.0, 1.0), Region(5.0, 6.0)]
    raw = spectral_balance_db(signal, sr=SR, regions=speech)
    net = spectral_balance_db(signal, sr=SR, regions=speech, quiet=quiet)
    clear = spectral_balance_db(voice(4.0), sr=SR, regions=[Region(0.0, 4.0)])
    assert clear - raw < 5  # the hiss above 1 kHz hides most of the muffling ...
    assert clear - net >= 18  # ... net of the line's noise the voice is plainly dull


def test_a_narrow_codec_empties_the_top_of_the_band_and_little_else():
    # a codec's steep cut at 2.2 kHz: the presence band keeps its lower part, 2.5-3.4 kHz is gone
    clear = speech_spectrum(voice(4.0), sr=SR, regions=[Region(0.0, 4.0)])
    cut = sosfilt(butter(16, 2200, fs=SR, output="sos"), voice(4.0)).astype(np.float32)
    narrow = speech_spectrum(cut, sr=SR, regions=[Region(0.0, 4.0)])
    assert clear.top_db < clear.presence_db  # the top is a part of the presence band
    assert clear.balance_db - narrow.balance_db < 6 and clear.presence_db - narrow.presence_db < 8  # hardly duller ...
    assert clear.top_db - narrow.top_db >= 24  # ... but the top of the telephone band is empty
    silent_top = speech_spectrum(np.fft.irfft(np.fft.rfft(voice(4.0)) * (np.fft.rfftfreq(4 * SR, 1 / SR) < 2400)),
                                 sr=SR, regions=[Region(0.0, 4.0)])
    assert silent_top is not None and silent_top.top_db < -60  # a band cut to nothing still gives a value


def test_a_calm_agent_on_a_noisy_line_still_pauses(tmp_path: Path):
    """measure_call end to end: regions that bridge breathing pauses still give pauses per minute."""
    agent = hiss(14 * SR, dbfs=-42.0)
    spans = ((1.0, 3.0), (3.5, 5.5), (6.0, 8.0), (8.6, 11.0))  # one turn, three breathing pauses
    for lo, hi in spans:
        agent[int(lo * SR): int(hi * SR)] += voice(hi - lo)
    customer = np.zeros_like(agent)
    customer[int(12.0 * SR): int(13.5 * SR)] = tone(200, duration_s=1.5, sr=SR, amplitude=0.2)
    recording = Recording(tmp_path / "noisy.wav", SR, 2, 14.0, SR,
                          (Channel("agent", 0, agent), Channel("customer", 1, customer)))
    words = tuple(Word(lo + 0.1 + k * 0.45, lo + 0.5 + k * 0.45, "wort", 0.9)
                  for lo, hi in spans for k in range(int((hi - lo - 0.2) / 0.45)))
    speakers = (SpeakerTranscript("agent", 0, (Region(1.0, 11.0),), words),  # the detector bridged every pause
                SpeakerTranscript("customer", 1, (Region(12.0, 13.5),), (Word(12.1, 13.4, "danke", 0.9),)))
    m = measure_call(recording, speakers, language="de")
    assert m.roles["agent"].pauses_per_min == pytest.approx(3 / (10.0 / 60), abs=0.5)  # 3 pauses in 10 s
    (turn,) = [t for t in m.turns if t.role == "agent"]
    assert (turn.start_s, turn.end_s) == (1.0, 11.0) and len(turn.regions) == 4


def test_an_okay_said_in_one_breath_with_the_answer_starts_the_turn():
    from callcheck.measure.conversation import build_turns

    regions = {"customer": (Region(0.0, 3.0),), "agent": (Region(3.1, 3.4), Region(3.55, 6.0), Region(8.0, 8.3))}
    words = {"customer": (Word(0.1, 2.9, "hallo", 0.9),),
             "agent": (Word(3.1, 3.4, "Okay,", 0.9), Word(3.6, 5.9, "danke", 0.9), Word(8.0, 8.3, "ja", 0.9))}
    turns = build_turns(regions, words, language="de")
    agent = [t for t in turns if t.role == "agent"]
    assert (agent[0].start_s, agent[0].backchannel) == (3.1, False)  # the answer starts with 'Okay,'
    assert agent[-1].backchannel  # an 'ja' on its own, 2 s later, is still a listener's signal


def test_a_fragment_the_customer_adds_after_the_agent_began_is_not_an_early_start():
    from callcheck.measure.conversation import build_turns, response_gaps

    regions = {"customer": (Region(0.0, 3.0), Region(3.35, 3.8)), "agent": (Region(3.2, 6.0),)}
    words = {"customer": (Word(0.1, 2.9, "hallo", 0.9), Word(3.4, 3.7, "genau", 0.9)),
             "agent": (Word(3.3, 5.9, "danke", 0.9),)}
    (gap,) = response_gaps(build_turns(regions, words, language="de"))
    assert gap.gap_s == pytest.approx(0.2)  # the customer had stopped at 3.0 s when the agent began at 3.2 s


def test_an_agent_starting_in_the_customers_articulation_gap_starts_early():
    from callcheck.measure.conversation import build_turns, response_gaps

    # real-voice barge-in: the detector split the customer at a 0.13 s gap, the agent began in it and the
    # customer talked on for 0.78 s: the agent started before the customer had finished, not 0.11 s after
    regions = {"customer": (Region(46.86, 47.97), Region(48.1, 48.86)), "agent": (Region(48.08, 49.5),)}
    words = {"customer": (Word(46.9, 47.9, "I was wondering", 0.9), Word(48.1, 48.8, "if the eight works", 0.9)),
             "agent": (Word(48.1, 49.4, "can we just get you on eight", 0.9),)}
    (gap,) = response_gaps(build_turns(regions, words, language="en"))
    assert gap.start_s == pytest.approx(48.86) and gap.gap_s == pytest.approx(-0.78)
