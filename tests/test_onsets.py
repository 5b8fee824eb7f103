"""Speech onsets moved back to where the sound starts (signal/onsets.py)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from callcheck.records import Region
from callcheck.signal.audio import resample
from callcheck.signal.onsets import OnsetSettings, refine_onsets
from callcheck.signal.vad import SAMPLE_RATE_HZ, speech_regions
from conftest import realdata

SR = SAMPLE_RATE_HZ


def _burst(duration_s: float, *, level_db: float, rng) -> np.ndarray:
    """Noise shaped like a voiced stretch: a 150 Hz pulse train through noise, at `level_db` dBFS RMS."""
    n = int(duration_s * SR)
    t = np.arange(n) / SR
    x = np.sign(np.sin(2 * np.pi * 150 * t)) * 0.5 + rng.normal(0, 0.3, n)
    return x / np.sqrt(np.mean(x**2)) * 10 ** (level_db / 20)


def _line(duration_s: float, rng, *, floor_db: float = -70.0) -> np.ndarray:
    return rng.normal(0, 10 ** (floor_db / 20), int(duration_s * SR))


def test_an_onset_moves_back_over_the_lead_in_and_bridges_a_stop_closure():
    rng = np.random.default_rng(1)
    x = _line(3.0, rng)
    x[int(1.0 * SR):int(1.15 * SR)] += _burst(0.15, level_db=-20, rng=rng)   # "O-"
    x[int(1.25 * SR):int(2.5 * SR)] += _burst(1.25, level_db=-18, rng=rng)   # "-kay, so ..." after a 100 ms closure
    (region,) = refine_onsets(x, [Region(1.40, 2.5)], sr=SR)
    assert region.start_s == pytest.approx(1.0, abs=0.02)
    assert region.end_s == 2.5


def test_a_leaked_far_voice_a_click_and_the_region_before_do_not_move_it():
    rng = np.random.default_rng(2)
    x = _line(4.0, rng)
    x[int(0.9 * SR):int(1.3 * SR)] += _burst(0.4, level_db=-50, rng=rng)     # the caller leaking in, 32 dB down
    x[int(1.3 * SR):int(2.5 * SR)] += _burst(1.2, level_db=-18, rng=rng)
    (leak,) = refine_onsets(x, [Region(1.3, 2.5)], sr=SR)
    assert leak.start_s == 1.3
    y = _line(4.0, rng)
    y[int(1.0 * SR):int(1.01 * SR)] += _burst(0.01, level_db=-20, rng=rng)   # a 10 ms click
    y[int(1.2 * SR):int(2.5 * SR)] += _burst(1.3, level_db=-18, rng=rng)
    (click,) = refine_onsets(y, [Region(1.2, 2.5)], sr=SR)
    assert click.start_s == 1.2
    z = _line(4.0, rng)
    z[int(0.5 * SR):int(2.5 * SR)] += _burst(2.0, level_db=-18, rng=rng)
    first, second = refine_onsets(z, [Region(0.5, 1.6), Region(1.75, 2.5)], sr=SR)
    assert first.start_s == pytest.approx(0.5, abs=0.02) and second.start_s >= first.end_s


def test_lookback_bounds_the_move():
    rng = np.random.default_rng(3)
    x = _line(4.0, rng)
    x[int(1.2 * SR):int(3.0 * SR)] += _burst(1.8, level_db=-18, rng=rng)
    (region,) = refine_onsets(x, [Region(2.0, 3.0)], sr=SR, settings=OnsetSettings(lookback_s=0.3))
    assert region.start_s == pytest.approx(1.7, abs=0.011)
    # with no quiet stretch to read a floor from, nothing moves
    (unchanged,) = refine_onsets(x, [Region(2.9, 3.0)], sr=SR, settings=OnsetSettings(lookback_s=0.3))
    assert unchanged.start_s == 2.9


def test_real_agent_onsets_come_earlier_but_never_by_much():
    """The AWS support call's agent track: Silero is sure of many utterances only a few hundred ms into them."""
    path = realdata("aws_call_auto_repairs/agent.flac")
    samples, sr = sf.read(path, dtype="float32")
    samples = resample(samples, rate_hz=sr)
    regions = speech_regions(samples)
    refined = refine_onsets(samples, regions, sr=SR)
    moves = np.array([a.start_s - b.start_s for a, b in zip(regions, refined, strict=True)])
    assert np.all(moves >= 0) and np.all(moves <= 0.5 + 1e-9)
    assert (moves > 0.1).sum() >= 5  # late detections are common on telephone speech
    for before, region in zip(refined, refined[1:], strict=False):
        assert region.start_s >= before.end_s
    # where it moved, the sound before the detected start is speech: within 25 dB of the utterance's own level
    frame = SR // 100
    for a, b in zip(regions, refined, strict=True):
        if a.start_s - b.start_s > 0.1:
            lead = samples[int(b.start_s * SR):int(a.start_s * SR)]
            lead = lead[: lead.size // frame * frame].reshape(-1, frame)
            lead_db = 10 * np.log10(np.mean(lead.astype(np.float64) ** 2, axis=1) + 1e-12)
            own = samples[int(a.start_s * SR):int(min(a.end_s, a.start_s + 0.5) * SR)].astype(np.float64)
            assert lead_db.max() > 10 * np.log10(np.mean(own**2)) - 25


def test_hold_music_cut_from_the_speech_is_a_barrier():
    rng = np.random.default_rng(4)
    x = _line(4.0, rng)
    x[int(0.8 * SR):int(2.0 * SR)] += _burst(1.2, level_db=-20, rng=rng)    # music, cut as hold at 1.0-1.8
    x[int(2.0 * SR):int(3.0 * SR)] += _burst(1.0, level_db=-18, rng=rng)
    hold = [Region(1.0, 1.8)]
    edge, after = refine_onsets(x, [Region(0.9, 1.0), Region(2.1, 3.0)], sr=SR, barriers=hold)
    assert edge == Region(0.9, 1.0)  # the music's own lead-in stays out
    assert after.start_s >= 1.8


def test_the_other_party_leaking_in_is_not_a_lead_in_but_a_barge_in_is():
    rng = np.random.default_rng(5)
    customer = _line(4.0, rng)
    customer[int(0.5 * SR):int(1.6 * SR)] += _burst(1.1, level_db=-15, rng=rng)
    delay = int(0.04 * SR)
    leak = np.concatenate([np.zeros(delay), customer[:-delay]]) * 10 ** (-20 / 20)  # 20 dB down, 40 ms late
    agent = _line(4.0, rng) + leak
    agent[int(1.7 * SR):int(3.0 * SR)] += _burst(1.3, level_db=-15, rng=rng)
    (alone,) = refine_onsets(agent, [Region(1.9, 3.0)], sr=SR)
    assert alone.start_s < 1.75  # without the other channel the leak's tail reads as a lead-in
    (checked,) = refine_onsets(agent, [Region(1.9, 3.0)], sr=SR, other=customer)
    assert checked.start_s == pytest.approx(1.7, abs=0.02)
    # the agent's own voice over the customer's: the onset goes back into the customer's speech
    over = _line(4.0, rng) + leak
    over[int(1.2 * SR):int(3.0 * SR)] += _burst(1.8, level_db=-15, rng=rng)
    (barge_in,) = refine_onsets(over, [Region(1.5, 3.0)], sr=SR, other=customer)
    assert barge_in.start_s == pytest.approx(1.2, abs=0.02)


@pytest.mark.parametrize("floor_db", [-70.0, -45.0])  # a clean line and a hissy one (speech 25 dB above it)
def test_a_speaker_change_inside_one_stretch_of_a_mix_moves_to_the_pause(floor_db):
    from callcheck.signal.onsets import split_at_silence

    rng = np.random.default_rng(3)
    # the agent 0.5-2.0 s, a 150 ms pause the speech detector bridged, the caller 2.15-4.0 s; then the agent
    # again straight over the caller's last word (no pause at all)
    x = np.concatenate([_line(0.5, rng, floor_db=floor_db), _burst(1.5, level_db=-20, rng=rng),
                        _line(0.15, rng, floor_db=floor_db), _burst(1.85, level_db=-22, rng=rng),
                        _burst(1.0, level_db=-20, rng=rng), _line(0.5, rng, floor_db=floor_db)])
    diarized = {0: (Region(0.5, 2.07), Region(4.0, 5.0)), 1: (Region(2.07, 4.0),)}
    timed = split_at_silence(x, diarized, sr=SR)
    (first, again), (caller,) = timed[0], timed[1]
    assert first.end_s == pytest.approx(2.0, abs=0.02) and caller.start_s == pytest.approx(2.15, abs=0.02)
    assert again.start_s == caller.end_s == 4.0  # no pause between them: they keep touching
    assert first.start_s == 0.5 and again.end_s == 5.0
    # regions that do not touch are left alone
    apart = {0: (Region(0.5, 2.0),), 1: (Region(2.15, 4.0),)}
    assert split_at_silence(x, apart, sr=SR) == {k: tuple(v) for k, v in apart.items()}


def test_a_short_turn_between_two_changes_never_runs_backwards():
    # the caller's "ja ... ja" (0.4 s with a 0.2 s pause) between two stretches of the agent, no pause at either
    # change: both changes may pick the same quiet run, yet every region must still end after it starts
    from callcheck.signal.onsets import split_at_silence

    rng = np.random.default_rng(5)
    x = np.concatenate([_line(0.5, rng), _burst(1.5, level_db=-20, rng=rng), _burst(0.1, level_db=-22, rng=rng),
                        _line(0.2, rng), _burst(0.1, level_db=-22, rng=rng), _burst(1.6, level_db=-20, rng=rng),
                        _line(0.5, rng)])
    diarized = {0: (Region(0.5, 2.0), Region(2.4, 4.0)), 1: (Region(2.0, 2.4),)}
    timed = split_at_silence(x, diarized, sr=SR)
    assert all(r.end_s > r.start_s for rs in timed.values() for r in rs)
    assert sum(r.duration_s for rs in timed.values() for r in rs) <= 3.5 + 1e-9
