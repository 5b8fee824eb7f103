"""Tests for the CMU Flite engine of scripts/callsynth.py and make_corpus.py --engine flite."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = str(ROOT / "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

import callsynth as cs  # noqa: E402
import make_corpus  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("flite") is None, reason="flite not installed")

SR = 16000
TEXT = "Thank you for calling. I can see the problem with your order, and I will fix it for you."


def pitch_sd_st(x: np.ndarray, sr: int) -> float:
    import parselmouth

    f0 = parselmouth.Sound(x.astype(np.float64), sr).to_pitch(0.01, 75, 400).selected_array["frequency"]
    f0 = f0[f0 > 0]
    return float(np.std(12 * np.log2(f0 / np.median(f0))))


def rms_dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


@pytest.mark.parametrize("voice", ["flite:slt", "flite:rms"])
def test_flite_turn_renders_plausible_audio(voice):
    audio = cs.render_turn(cs.Turn("agent", 0.0, TEXT, voice=voice, speed_wpm=160), sr=SR)
    words = len(TEXT.split())
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.6 * words / 160 * 60 < audio.size / SR < 1.6 * words / 160 * 60  # roughly 160 wpm
    assert -30 < rms_dbfs(audio) < -15  # calibrated to espeak-ng's -a 100 level (about -21 dBFS)
    assert np.abs(audio).max() <= 1.0


def test_higher_wpm_is_shorter():
    slow = cs.turn_duration_s(cs.Turn("agent", 0.0, TEXT, voice="flite:awb", speed_wpm=120), sr=SR)
    fast = cs.turn_duration_s(cs.Turn("agent", 0.0, TEXT, voice="flite:awb", speed_wpm=240), sr=SR)
    assert 0.4 < fast / slow < 0.6


@pytest.mark.parametrize("voice", ["flite:awb", "flite:rms"])  # flite's own f0 feature / parselmouth resynthesis
def test_pitch_range_zero_is_much_flatter_than_eighty(voice):
    flat = cs.render_turn(cs.Turn("agent", 0.0, TEXT, voice=voice, pitch_range=0), sr=SR)
    lively = cs.render_turn(cs.Turn("agent", 0.0, TEXT, voice=voice, pitch_range=80), sr=SR)
    assert pitch_sd_st(flat, SR) < 0.8
    assert pitch_sd_st(lively, SR) > 2.0


@pytest.mark.parametrize("voice", ["flite:awb", "flite:rms", "flite:slt"])
def test_the_normal_pitch_range_is_not_a_monotone(voice):
    # a clean call's agent must not sound toneless: slt's own range is a monotone, so it is widened
    normal = cs.render_turn(cs.Turn("agent", 0.0, TEXT, voice=voice, pitch_range=50), sr=SR)
    assert pitch_sd_st(normal, SR) > 1.8


def test_pitch_moves_the_voice_up():
    low = cs.render_turn(cs.Turn("agent", 0.0, TEXT, voice="flite:slt", pitch=25), sr=SR)
    high = cs.render_turn(cs.Turn("agent", 0.0, TEXT, voice="flite:slt", pitch=75), sr=SR)
    import parselmouth

    def median_f0(x):
        f0 = parselmouth.Sound(x.astype(np.float64), SR).to_pitch(0.01, 75, 500).selected_array["frequency"]
        return float(np.median(f0[f0 > 0]))

    assert 12 * np.log2(median_f0(high) / median_f0(low)) > 4


def test_breaks_add_silence_after_punctuation():
    plain = cs.Turn("agent", 0.0, TEXT, voice="flite:kal16", speed_wpm=300)
    broken = cs.Turn("agent", 0.0, TEXT, voice="flite:kal16", speed_wpm=300, break_ms=400)
    assert len(cs.flite_pieces(broken)) == 3
    a, b = cs.render_turn(plain, sr=SR), cs.render_turn(broken, sr=SR)
    assert b.size / SR > a.size / SR + 0.25  # two breaks of 0.4 s replace flite's own, shorter pauses

    def longest_silence_s(x):
        quiet = np.abs(x) < 10 ** (cs.TRIM_DBFS / 20)
        return max(map(len, "".join("1" if q else "0" for q in quiet).split("0"))) / SR

    assert longest_silence_s(a) < 0.3 <= 0.38 < longest_silence_s(b)


def test_word_gap_is_rejected_rather_than_dropped():
    with pytest.raises(ValueError, match="word_gap"):
        cs.synthesize(cs.Turn("agent", 0.0, "Hello.", voice="flite:slt", word_gap_10ms=5))


def test_make_corpus_flite_writes_an_english_call_with_two_flite_voices(tmp_path):
    assert make_corpus.main([str(tmp_path), "--calls", "1", "--seed", "4", "--split", "test", "--engine", "flite"]) == 0
    labels = json.loads((tmp_path / "test_4_000.labels.json").read_text())
    assert labels["engine"] == "flite" and labels["language"] == "en"
    agent, customer = labels["voices"]["agent"], labels["voices"]["customer"]
    assert agent != customer and {agent, customer} <= set(make_corpus.FLITE_CALL_VOICES)
    audio, sr = sf.read(tmp_path / labels["file"])
    assert sr == labels["sr"] and audio.shape[1] == 2
    assert abs(audio.shape[0] / sr - labels["duration_s"]) < 0.01
    agent_ch = 0 if labels["agent_channel"] == "left" else 1
    greeting = labels["events"][0]
    speech = audio[int(greeting["start_s"] * sr): int(greeting["end_s"] * sr), agent_ch]
    assert rms_dbfs(speech) > -40


def test_a_rushed_flite_agent_takes_no_breath_inside_a_turn():
    from callcheck.signal.vad import speech_regions

    text = make_corpus.breathless("Thank you. The refund has been approved, the money will be in your account soon.",
                                  engine="flite")
    audio = cs.render_turn(cs.Turn("agent", 0.0, text, voice="flite:kal16", speed_wpm=166), sr=SR)
    regions = speech_regions(audio)
    assert [b.start_s - a.end_s for a, b in zip(regions, regions[1:], strict=False) if b.start_s - a.end_s >= 0.1] == []
    assert "," in make_corpus.breathless("Thank you. The refund has been approved.")  # espeak-ng keeps its commas
