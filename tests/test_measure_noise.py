"""Measurements that must hold on a noisy line: pauses against the noise floor, dullness net of hiss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from callcheck.measure import measure_call
from callcheck.measure.prosody import frame_levels, noise_floor_db, region_mask, spectral_balance_db, split_at_quiet
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
