"""The real-voice corpus builder (scripts/make_realvoice_corpus.py): each manipulation does what it claims.

Measured with Praat (parselmouth) and plain signal statistics, never with
callcheck itself. Skips when ../shared/realdata is absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import inject  # noqa: E402
import make_realvoice_corpus as corpus  # noqa: E402
import realvoice_sources as sources  # noqa: E402
from callcheck.rules import RULE_IDS  # noqa: E402
from conftest import REALDATA, realdata  # noqa: E402
from realvoice_plan import ACOUSTIC_ERRORS, ERRORS  # noqa: E402
from realvoice_render import retime  # noqa: E402

pytestmark = pytest.mark.skipif(not (REALDATA / "aws_call_auto_repairs").exists(), reason="real data not available")


@pytest.fixture(scope="module")
def agent_speech() -> tuple[np.ndarray, int]:
    """20 s of the AWS agent (8 kHz), from 90 s: she speaks almost throughout."""
    samples, sr = sf.read(realdata("aws_call_auto_repairs/agent.flac"), dtype="float32")
    return samples[90 * sr: 110 * sr], sr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, tuple[dict, np.ndarray]]:
    """One call per error class (seed 3) from the AWS call: labels and the stereo audio."""
    out = tmp_path_factory.mktemp("realvoice")
    calls = {}
    for index in range(len(ERRORS)):
        labels = corpus.build_call(index, seed=3, realdata=REALDATA, out=out)
        audio, _ = sf.read(out / labels["file"], dtype="float32")
        calls[ERRORS[index]] = (labels, audio)
    return calls


def channel(labels: dict, audio: np.ndarray, role: str) -> np.ndarray:
    left = (labels["agent_channel"] == "left") == (role == "agent")
    return audio[:, 0 if left else 1]


def test_acoustic_errors_are_rule_ids():
    assert set(ACOUSTIC_ERRORS) <= set(RULE_IDS)
    assert len(ACOUSTIC_ERRORS) == 6


@pytest.mark.parametrize("keep_ratio", [0.15, 0.25])
def test_flatten_pitch_shrinks_the_semitone_spread_by_the_factor(agent_speech, keep_ratio):
    samples, sr = agent_speech
    before = inject.pitch_spread_st(samples, sr=sr)
    after = inject.pitch_spread_st(inject.flatten_pitch(samples, sr=sr, keep_ratio=keep_ratio), sr=sr)
    assert after["range_st"] / before["range_st"] == pytest.approx(keep_ratio, abs=0.05)
    assert after["robust_sd_st"] / before["robust_sd_st"] == pytest.approx(keep_ratio, abs=0.07)
    assert after["sd_st"] / before["sd_st"] <= keep_ratio + 0.15  # no octave "growl" left by PSOLA at 8 kHz


@pytest.mark.parametrize("method", ["psola", "ola"])
def test_time_compress_shrinks_duration_by_the_factor_and_keeps_pitch(agent_speech, method):
    samples, sr = agent_speech
    fast = inject.time_compress(samples[: 10 * sr], sr=sr, factor=1.5, method=method)
    assert len(fast) == round(10 * sr / 1.5)
    f0_before = inject.pitch_track(samples[: 10 * sr], sr=sr)[1]
    f0_after = inject.pitch_track(fast, sr=sr)[1]
    shift_st = 12 * np.log2(np.median(f0_after[f0_after > 0]) / np.median(f0_before[f0_before > 0]))
    assert abs(shift_st) < 1.0  # resampling instead would raise it by 12 log2(1.5) = 7 st


def test_retime_keeps_or_shortens_pauses_as_asked(agent_speech):
    samples, sr = agent_speech
    pauses = sources.inner_pauses(samples, sr=sr)
    assert len(pauses) >= 5
    kept, new_pauses = retime(samples, sr=sr, pauses_s=pauses, speech_factor=1.4)
    assert [round(b - a, 2) for a, b in new_pauses] == [round(b - a, 2) for a, b in pauses]
    speech_s = len(samples) / sr - sum(b - a for a, b in pauses)
    crossfades_s = 2 * len(pauses) * 0.005  # every join overlaps 5 ms
    assert len(kept) / sr == pytest.approx(speech_s / 1.4 + sum(b - a for a, b in pauses) - crossfades_s, abs=0.01)
    _, short = retime(samples, sr=sr, pauses_s=pauses, pause_s=lambda p: 0.08)
    assert all(b - a == pytest.approx(0.08, abs=0.002) for a, b in short)


def test_level_lowpass_noise_and_codec(agent_speech):
    samples, sr = agent_speech
    level = inject.active_level_db(samples, sr=sr)
    assert inject.active_level_db(inject.gain(samples, db=-12.0), sr=sr) == pytest.approx(level - 12.0, abs=0.01)
    muffled = inject.lowpass(samples, sr=sr, cutoff_hz=1200)
    assert inject.active_level_db(muffled, sr=sr) == pytest.approx(level, abs=0.5)
    spectrum = lambda x: np.abs(np.fft.rfft(x)) ** 2  # noqa: E731
    freqs = np.fft.rfftfreq(len(samples), 1 / sr)
    high = freqs > 2000
    drop_db = 10 * np.log10(spectrum(samples)[high].sum() / spectrum(muffled)[high].sum())
    assert drop_db > 30
    noisy = inject.add_noise(samples, sr=sr, snr_db=10.0, rng=np.random.default_rng(0))
    noise_db = 10 * np.log10(np.mean((noisy - samples) ** 2))
    assert level - noise_db == pytest.approx(10.0, abs=0.1)
    coded = inject.codec_roundtrip(samples, sr=sr, codec="amr_nb", bitrate_bps=4750)
    assert len(coded) == len(samples) and np.corrcoef(samples, coded)[0, 1] > 0.6  # aligned, degraded


def test_clean_call_is_the_source_cut_bit_for_bit(built):
    labels, audio = built["clean"]
    assert labels["errors"] == [] and labels["source"] == "aws"
    source, sr = sf.read(realdata("aws_call_auto_repairs/agent.flac"), dtype="float32")
    start = int(round(labels["window_s"][0] * sr))
    agent = channel(labels, audio, "agent")
    assert np.abs(agent - source[start: start + len(agent)]).max() <= 1 / 32768 + 1e-6  # PCM_16 rounding only


def test_toneless_call_has_the_compressed_pitch(built):
    labels, audio = built["toneless_voice"]
    before, after = labels["injected"]["pitch_before"], labels["injected"]["pitch_after"]
    assert after["robust_sd_st"] <= before["robust_sd_st"] * (labels["params"]["keep_ratio"] + 0.1) + 0.3
    measured = inject.pitch_spread_st(channel(labels, audio, "agent"), sr=labels["sr"])
    assert measured["robust_sd_st"] == pytest.approx(after["robust_sd_st"], abs=0.2)


def test_impatient_call_has_the_overlap_in_the_audio(built):
    labels, audio = built["impatient_voice"]
    barge_ins = labels["injected"]["barge_ins"]
    assert len(barge_ins) >= 2
    sr = labels["sr"]
    agent, customer = channel(labels, audio, "agent"), channel(labels, audio, "customer")
    for b in barge_ins:
        assert 0.3 <= b["overlap_s"] <= 1.5
        a, z = int(b["agent_start_s"] * sr), int((b["agent_start_s"] + b["overlap_s"]) * sr)
        both = [_speech_share(x, a, z, sr=sr) for x in (agent, customer)]
        assert min(both) > 0.5, (b, both)  # both parties audible in the overlap


def test_rushed_call_has_no_gaps_and_no_pauses(built):
    labels, _ = built["rushed_voice"]
    assert labels["injected"]["response_gaps_s"] and max(labels["injected"]["response_gaps_s"]) <= 0.1
    agent_events = [e for e in labels["events"] if e["role"] == "agent"]
    assert agent_events and labels["injected"]["agent_speech_s"]["after"] < labels["injected"]["agent_speech_s"]["before"]


def test_apathetic_call_is_quieter_and_late(built):
    labels, audio = built["apathetic_voice"]
    gaps = labels["injected"]["response_gaps_s"]
    assert gaps and min(gaps) >= 1.5 and max(gaps) <= 3.0
    agent, customer = channel(labels, audio, "agent"), channel(labels, audio, "customer")
    sr = labels["sr"]
    source = sf.read(realdata("aws_call_auto_repairs/agent.flac"), dtype="float32")[0]
    drop = inject.active_level_db(agent, sr=sr) - inject.active_level_db(source, sr=sr)
    assert drop == pytest.approx(labels["params"]["gain_db"], abs=2.0)
    assert inject.active_level_db(customer, sr=sr) > inject.active_level_db(agent, sr=sr) + 6


def test_too_fast_call_shrinks_the_agent_speech(built):
    labels, _ = built["too_fast"]
    speech = labels["injected"]["agent_speech_s"]
    assert speech["after"] < speech["before"] / 1.2


def test_labels_name_source_seed_and_parameters(built):
    for error, (labels, audio) in built.items():
        assert labels["errors"] == ([] if error == "clean" else [error])
        assert labels["kind"] == "realvoice" and labels["seed"] == 3 and labels["source"] in sources.SOURCES
        assert labels["duration_s"] == pytest.approx(len(audio) / labels["sr"], abs=0.01)
        json.dumps(labels)


def _speech_share(x: np.ndarray, a: int, z: int, *, sr: int) -> float:
    """Share of 20 ms frames in x[a:z] within 30 dB of the channel's speech level."""
    n = int(0.02 * sr)
    frames = x[a: z - (z - a) % n].reshape(-1, n)
    db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    return float(np.mean(db > inject.active_level_db(x, sr=sr) - 30))


def test_a_rule_the_source_leaves_unlabelled_is_not_counted():
    import evaluate

    german = {"errors": [], "unjudged": ["lacks_empathy"]}
    results = [(german, {"lacks_empathy": "fail"}), ({"errors": ["lacks_empathy"]}, {"lacks_empathy": "fail"})]
    empathy = next(t for t in evaluate.tally(results) if t.rule == "lacks_empathy")
    assert (empathy.tp, empathy.fp, empathy.positives) == (1, 0, 1)
