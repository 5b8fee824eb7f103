"""Hold music (callcheck.signal.music): found to the second in synthetic calls, never in speech,
and left out of the agent's measurements."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest
import soundfile as sf

from callcheck.config import load_config
from callcheck.errors import ConfigError
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.report import render, to_dict
from callcheck.signal.music import HoldSettings, hold_regions, hold_settings
from conftest import REALDATA, ROOT, SAMPLES, ScriptedTranscriber

sys.path.insert(0, str(ROOT / "scripts"))
import holdsynth as hs  # noqa: E402

SR = 16_000
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def call_with_music(style: str, *, before_s: float = 12.0, music_s: float = 20.0, after_s: float = 10.0,
                    line: bool = False, seed: int = 0) -> tuple[np.ndarray, tuple[float, float]]:
    """A voice-like signal with `music_s` of hold music in `style` between; and where the music is."""
    music = hs.music(style, duration_s=music_s, sr=SR, seed=seed)
    x = np.concatenate([hs.voice(before_s, sr=SR, seed=seed), hs.level(music, dbfs=-22),
                        hs.voice(after_s, sr=SR, seed=seed + 1)])
    x = x + np.random.default_rng(seed).standard_normal(x.size).astype(np.float32) * 10 ** (-60 / 20)
    return (hs.telephone(x, sr=SR) if line else x), (before_s, before_s + music_s)


@pytest.mark.parametrize("style", ["pad", "piano", "melody", "vibrato", "pop", "pluck"])
def test_music_in_a_call_is_found_within_a_second(style):
    x, (start, end) = call_with_music(style)
    (hold,) = hold_regions(x, sample_rate_hz=SR)
    assert hold.start_s == pytest.approx(start, abs=1.0) and hold.end_s == pytest.approx(end, abs=1.0)
    assert hold.kind == "music" and 0.5 <= hold.confidence <= 1.0


@pytest.mark.parametrize("style", ["pad", "melody", "pluck"])
def test_music_through_an_8_khz_mu_law_line_is_found(style):
    x, (start, end) = call_with_music(style, line=True, seed=3)
    (hold,) = hold_regions(x, sample_rate_hz=SR)
    assert hold.start_s == pytest.approx(start, abs=1.0) and hold.end_s == pytest.approx(end, abs=1.0)


def test_two_hold_stretches_are_two():
    first, _ = call_with_music("pad", before_s=5.0, music_s=12.0, after_s=6.0)
    second, _ = call_with_music("melody", before_s=0.5, music_s=15.0, after_s=5.0, seed=1)
    found = hold_regions(np.concatenate([first, second]), sample_rate_hz=SR)
    assert [(round(h.start_s), round(h.end_s)) for h in found] == [(5, 17), (24, 38)]


def test_short_music_is_left_alone():
    x, _ = call_with_music("pad", music_s=5.0)
    assert hold_regions(x, sample_rate_hz=SR) == ()


@pytest.mark.parametrize(("f0_hz", "glide_st"), [(110, 4.0), (210, 4.0), (120, 0.0), (220, 0.0)])
def test_a_voice_is_not_hold_even_a_monotone_one(f0_hz, glide_st):
    x = hs.voice(60.0, sr=SR, seed=5, f0_hz=f0_hz, glide_st=glide_st)
    assert hold_regions(x, sample_rate_hz=SR) == ()


def test_stationary_noise_and_quiet_music_are_not_hold():
    noise = np.random.default_rng(0).standard_normal(30 * SR).astype(np.float32) * 0.03
    assert hold_regions(noise, sample_rate_hz=SR) == ()
    quiet = hs.level(hs.music("pad", duration_s=30.0, sr=SR), dbfs=-62)
    assert hold_regions(quiet, sample_rate_hz=SR) == ()


def test_music_far_below_the_channels_speech_is_background():
    from callcheck.records import Region

    loud_voice = hs.level(hs.voice(12.0, sr=SR), dbfs=-14)
    quiet = np.concatenate([loud_voice, hs.level(hs.music("pad", duration_s=20.0, sr=SR), dbfs=-48), loud_voice[:10 * SR]])
    assert hold_regions(quiet, sample_rate_hz=SR) != ()  # above -50 dBFS: hold on its own ...
    speech = (Region(0.0, 12.0), Region(32.0, 42.0))  # ... but not 25 dB or more under the channel's speech
    assert hold_regions(quiet, sample_rate_hz=SR, speech=speech) == ()


@needs_espeak
@pytest.mark.parametrize("pitch_range", [50, 0])
@pytest.mark.parametrize("voice", ["en-us+f2", "de+m3"])
def test_espeak_speech_is_not_hold(voice, pitch_range):
    import callsynth as cs

    text = ("Thank you for calling. All our agents are busy at the moment. Please hold the line, "
            "your call is important to us.")
    x = cs.render_turn(cs.Turn("agent", 0.0, text, voice=voice, pitch_range=pitch_range), sr=SR)
    assert hold_regions(np.tile(x, 4), sample_rate_hz=SR) == ()  # an announcement without music is a voice


class DiskChannel:
    """A channel that can only be sliced, like a disk-backed array: no whole-array arithmetic."""

    def __init__(self, data: np.ndarray):
        self._data, self.shape, self.size, self.dtype = data, data.shape, data.size, data.dtype
        self.reads = 0

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key):
        assert isinstance(key, slice) and key.step is None, key
        self.reads += 1
        assert (key.stop or self.size) - (key.start or 0) <= 120 * SR, "read in blocks"
        return self._data[key].copy()

    def __array__(self, *args, **kwargs):
        raise AssertionError("the whole signal was read at once")


def test_the_signal_is_only_read_by_slicing():
    x, _ = call_with_music("melody", before_s=100.0, music_s=30.0, after_s=100.0)
    lazy = DiskChannel(x)
    assert hold_regions(lazy, sample_rate_hz=SR) == hold_regions(x, sample_rate_hz=SR)
    assert lazy.reads > 1


def test_settings_are_validated_and_read_from_the_config(tmp_path):
    with pytest.raises(ConfigError, match="min_hold_s"):
        HoldSettings(min_hold_s=0.0)
    with pytest.raises(ConfigError, match="window_s"):
        HoldSettings(window_s=10.0, min_hold_s=8.0)
    with pytest.raises(ConfigError, match="unknown setting hold.loudness"):
        hold_settings({"loudness": 1.0})
    assert hold_settings(load_config().hold) == HoldSettings()
    path = tmp_path / "my.toml"
    path.write_text("[hold]\nmin_hold_s = 12.0\n", encoding="utf-8")
    assert hold_settings(load_config(path).hold).min_hold_s == 12.0
    path.write_text("[hold]\ndetect = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="hold.detect must be true or false"):
        load_config(path)


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata not present")
def test_no_real_recording_holds_music():
    from callcheck.signal.audio import load_recording

    paths = sorted(p for p in REALDATA.rglob("*") if p.suffix.lower() in (".wav", ".flac"))
    assert paths
    for path in paths:
        two = sf.info(str(path)).channels == 2
        recording = load_recording(path, channel_map={"agent": 0, "customer": 1} if two else None)
        for channel in recording.channels:  # without speech regions: the level gate is at its loosest
            assert hold_regions(channel.samples, sample_rate_hz=SR) == (), (path.name, channel.index)


# --- through the pipeline -----------------------------------------------------------------------------------

CUT_S, HOLD_S = 13.9, 20.0  # between the agent's offer and the customer's thanks in en_support_call.wav


def on_hold(tmp_path, *, subtype: str = "PCM_16", rate_hz: int = SR):
    """en_support_call.wav with 20 s of hold music on the agent's channel after the agent's offer: chords
    under a recorded voice 10 dB down (the customer's own words, looped), which the speech detector takes
    for speech. The customer waits silently meanwhile."""
    call, sr = sf.read(SAMPLES / "en_support_call.wav", dtype="float32")
    assert sr == SR
    n, cut = int(HOLD_S * SR), int(CUT_S * SR)
    announcement = np.resize(call[int(4.4 * SR):int(8.7 * SR), 1], n)
    hold = hs.level(hs.music("pad", duration_s=HOLD_S, sr=SR), dbfs=-22) + hs.level(announcement, dbfs=-32)
    quiet = np.random.default_rng(0).standard_normal(n).astype(np.float32) * 10 ** (-70 / 20)
    stereo = np.concatenate([call[:cut], np.stack([hold, quiet], axis=1), call[cut:]])
    if rate_hz != SR:
        from scipy.signal import resample_poly

        stereo = resample_poly(stereo, rate_hz, SR, axis=0).astype(np.float32)
    path = tmp_path / "on_hold.wav"
    sf.write(path, np.clip(stereo, -1, 1), rate_hz, subtype=subtype)
    return path


def test_hold_is_cut_from_the_agent_and_reported(tmp_path):
    plain = analyze_call(SAMPLES / "en_support_call.wav", transcriber=ScriptedTranscriber())
    off = tmp_path / "off.toml"
    off.write_text("[hold]\ndetect = false\n", encoding="utf-8")
    undetected = analyze_call(on_hold(tmp_path), transcriber=ScriptedTranscriber(),
                              options=AnalyzeOptions(config=load_config(off)))
    transcriber = ScriptedTranscriber()
    report = analyze_call(on_hold(tmp_path), transcriber=transcriber)

    (hold,) = report.measurements.conversation.hold
    assert hold.start_s == pytest.approx(CUT_S, abs=1.0) and hold.end_s == pytest.approx(CUT_S + HOLD_S, abs=1.0)
    speech = [next(s for s in r.speakers if s.role == "agent").speech_s for r in (plain, undetected, report)]
    assert speech[1] > speech[0] + 5.0  # without the stage the announcement would be the agent's speech
    assert speech[2] == pytest.approx(speech[0], abs=0.3)
    pitch = [r.measurements.roles["agent"].pitch_median_hz for r in (plain, report)]
    assert pitch[1] == pytest.approx(pitch[0], rel=0.03)
    agent_chunks = transcriber.calls[0][1]
    assert all(c.end_s <= hold.start_s + 0.5 or c.start_s >= hold.end_s - 0.5 for c in agent_chunks)
    assert not any(a.start_s < hold.end_s and a.end_s > hold.start_s
                   for a in report.measurements.conversation.dead_air)
    data = to_dict(report)["metrics"]["conversation"]
    assert [list(h) for h in data["hold"]] == [["start_s", "end_s", "kind", "confidence"]]
    assert "Hold/music: 1 stretch(es), 0:20 in total, excluded from the agent's speech" in render(report, fmt="md")
    assert "Hold/music" in render(report, fmt="html")


def test_a_call_without_hold_reports_an_empty_list():
    report = analyze_call(SAMPLES / "en_support_call.wav", transcriber=ScriptedTranscriber())
    assert to_dict(report)["metrics"]["conversation"]["hold"] == []
    assert "Hold/music" not in render(report, fmt="md")


def test_hold_on_a_single_speaker_mu_law_recording(tmp_path):
    stereo = on_hold(tmp_path, subtype="ULAW", rate_hz=8000)
    mono, sr = sf.read(stereo, dtype="float32")
    path = tmp_path / "single.wav"
    sf.write(path, mono[:, 0], sr, subtype="ULAW")
    report = analyze_call(path, transcriber=ScriptedTranscriber(), options=AnalyzeOptions(layout="single"))
    (hold,) = to_dict(report)["metrics"]["conversation"]["hold"]
    assert hold["start_s"] == pytest.approx(CUT_S, abs=1.0) and hold["end_s"] == pytest.approx(CUT_S + HOLD_S, abs=1.0)
    (agent,) = report.speakers
    assert not any(r.start_s < hold["end_s"] - 0.5 and r.end_s > hold["start_s"] + 0.5 for r in agent.regions)
