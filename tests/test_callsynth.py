"""Tests for scripts/callsynth.py, the espeak-ng call generator, and the bundled samples."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = ROOT / "samples"


def import_callsynth():
    """Import scripts/callsynth.py (scripts/ is not a package)."""
    scripts = str(ROOT / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import callsynth

    return callsynth


cs = import_callsynth()
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def rms_dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def window(stereo: np.ndarray, *, start_s: float, end_s: float, sr: int, channel: int) -> np.ndarray:
    return stereo[int(start_s * sr): int(end_s * sr), channel]


def two_turn_call(*, sr: int, agent_channel: int = 0):
    turns = cs.layout(
        [
            cs.Cue(cs.Turn("agent", 0.0, "Guten Tag, wie kann ich helfen?")),
            cs.Cue(cs.Turn("customer", 0.0, "Mein Paket fehlt.", voice="de+f3"), 0.6),
        ],
        sr=sr,
        first_start_s=0.3,
    )
    return cs.render_call(turns, sr=sr, agent_channel=agent_channel)


@needs_espeak
def test_render_turn_is_audible_trimmed_and_plausibly_long():
    sr = 16000
    audio = cs.render_turn(cs.Turn("agent", 0.0, "Guten Tag."), sr=sr)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.4 < audio.size / sr < 2.0
    assert rms_dbfs(audio) > -35
    threshold = 10 ** (cs.TRIM_DBFS / 20)
    assert abs(audio[0]) > threshold * 0.5 and abs(audio[-1]) > threshold * 0.5
    assert np.abs(audio).max() <= 1.0


@needs_espeak
def test_faster_speech_is_shorter_and_start_s_does_not_matter():
    slow = cs.Turn("agent", 0.0, "Vielen Dank für Ihren Anruf.", speed_wpm=120)
    fast = cs.Turn("agent", 5.0, "Vielen Dank für Ihren Anruf.", speed_wpm=240)
    assert cs.turn_duration_s(fast, sr=8000) < 0.75 * cs.turn_duration_s(slow, sr=8000)
    assert cs.turn_duration_s(fast, sr=8000) == cs.turn_duration_s(
        cs.Turn("agent", 0.0, fast.text, speed_wpm=240), sr=8000)


def test_breaks_follow_punctuation_but_not_the_last_word():
    turn = cs.Turn("agent", 0.0, "Danke. Ich sehe, es geht. Gut?", break_ms=300)
    assert cs.ssml(turn).count('<break time="300ms"/>') == 3
    assert "<break" not in cs.ssml(cs.Turn("agent", 0.0, "Danke. Ich sehe."))


@needs_espeak
def test_breaks_lengthen_fast_speech_by_their_time():
    fast = cs.Turn("agent", 0.0, "Danke. Ich sehe, es geht. Gut so.", speed_wpm=240)
    paused = cs.Turn("agent", 0.0, fast.text, speed_wpm=240, break_ms=400)
    extra_s = cs.turn_duration_s(paused, sr=16000) - cs.turn_duration_s(fast, sr=16000)
    # each 400 ms break replaces espeak-ng's own, shorter pause at that speed (~150 ms)
    assert 3 * (0.4 - 0.2) < extra_s < 3 * 0.4


@needs_espeak
def test_text_is_escaped_for_ssml():
    audio = cs.render_turn(cs.Turn("customer", 0.0, "Müller & Söhne <GmbH>", voice="de+f3"), sr=16000)
    assert audio.size > 0.5 * 16000


@needs_espeak
def test_layout_places_gaps_overlaps_and_backchannels():
    sr = 16000
    a = cs.Turn("agent", 0.0, "Guten Tag, wie kann ich Ihnen helfen?")
    c = cs.Turn("customer", 0.0, "Hallo.", voice="de+f3")
    turns = cs.layout(
        [cs.Cue(a), cs.Cue(c, 0.5), cs.Cue(a, -0.4), cs.Cue(c, 0.2, anchor="start"), cs.Cue(c, 0.3, ref=2)],
        sr=sr, first_start_s=1.0,
    )
    end = [t.start_s + cs.turn_duration_s(t, sr=sr) for t in turns]
    assert turns[0].start_s == 1.0
    assert turns[1].start_s == pytest.approx(end[0] + 0.5, abs=1e-3)
    assert turns[2].start_s == pytest.approx(end[1] - 0.4, abs=1e-3)
    assert turns[3].start_s == pytest.approx(turns[2].start_s + 0.2, abs=1e-3)
    assert turns[4].start_s == pytest.approx(end[2] + 0.3, abs=1e-3)


@pytest.mark.parametrize("agent_channel", [0, 1])
@needs_espeak
def test_render_call_puts_each_role_on_its_channel(agent_channel):
    sr = 16000
    stereo, events = two_turn_call(sr=sr, agent_channel=agent_channel)
    assert stereo.dtype == np.float32 and stereo.shape[1] == 2
    assert [e["role"] for e in events] == ["agent", "customer"]
    assert events[0]["start_s"] == pytest.approx(0.3)
    assert events[1]["start_s"] == pytest.approx(events[0]["end_s"] + 0.6, abs=1e-3)
    assert stereo.shape[0] / sr == pytest.approx(events[-1]["end_s"] + 0.5, abs=1e-3)
    for event in events:
        own = cs.channel_of(event["role"], agent_channel=agent_channel)
        span = {"start_s": event["start_s"], "end_s": event["end_s"], "sr": sr}
        assert rms_dbfs(window(stereo, channel=own, **span)) > -35
        assert rms_dbfs(window(stereo, channel=1 - own, **span)) < -60
    gap = {"start_s": events[0]["end_s"] + 0.05, "end_s": events[1]["start_s"] - 0.05, "sr": sr}
    for channel in (0, 1):
        level = rms_dbfs(window(stereo, channel=channel, **gap))
        assert -75 < level < -65, "the noise floor should be about -70 dBFS, not digital silence"


@needs_espeak
def test_render_call_is_deterministic():
    first, _ = two_turn_call(sr=8000)
    second, _ = two_turn_call(sr=8000)
    assert np.array_equal(first, second)


@needs_espeak
def test_ulaw_write_round_trips_at_8k(tmp_path):
    stereo, _ = two_turn_call(sr=8000)
    path = cs.write_call(tmp_path / "call.wav", stereo, sr=8000, subtype="ULAW")
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype, info.format) == (8000, 2, "ULAW", "WAV")
    back, sr = sf.read(path, dtype="float32")
    assert sr == 8000 and back.shape == stereo.shape
    for channel in (0, 1):
        assert np.corrcoef(back[:, channel], stereo[:, channel])[0, 1] > 0.99


def test_write_call_rejects_other_subtypes(tmp_path):
    with pytest.raises(ValueError):
        cs.write_call(tmp_path / "x.wav", np.zeros((10, 2), np.float32), sr=8000, subtype="FLOAT")


def test_turn_validates_role_and_start():
    with pytest.raises(ValueError):
        cs.Turn("caller", 0.0, "Hallo")
    with pytest.raises(ValueError):
        cs.Turn("agent", -1.0, "Hallo")


BUNDLED = ["de_support_call", "de_hotline_8k_ulaw", "en_support_call"]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_sample_matches_its_events(name):
    wav = SAMPLES_DIR / f"{name}.wav"
    if not wav.exists():
        pytest.skip(f"{wav} not generated")
    meta = json.loads((SAMPLES_DIR / f"{name}.events.json").read_text())
    stereo, sr = sf.read(wav, dtype="float32")
    assert sr == meta["sr"] and stereo.shape[1] == 2
    assert stereo.shape[0] / sr == pytest.approx(meta["duration_s"], abs=1e-3)
    for event in meta["events"]:
        channel = meta["channels"][event["role"]]
        span = {"start_s": event["start_s"], "end_s": event["end_s"], "sr": sr}
        assert rms_dbfs(window(stereo, channel=channel, **span)) > -35, event


def test_bundled_samples_stay_small():
    files = list(SAMPLES_DIR.glob("*"))
    if not any(f.suffix == ".wav" for f in files):
        pytest.skip("samples not generated")
    assert sum(f.stat().st_size for f in files if f.is_file()) < 3_000_000
