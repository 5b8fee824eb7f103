"""The loader: every format and rate, channel roles, and each bad input's message."""

from __future__ import annotations

import av
import numpy as np
import pytest

from callcheck.errors import AudioError
from callcheck.signal.audio import channel_roles, load_recording
from conftest import peak_hz, tone, write

WAV_SUBTYPES = ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW"]


@pytest.mark.parametrize("subtype", WAV_SUBTYPES)
def test_wav_subtypes_load_with_pitch_and_length_kept(tmp_path, subtype):
    path = write(tmp_path / "a.wav", tone(440, duration_s=1.0, sr=8000), sr=8000, subtype=subtype)
    rec = load_recording(path)
    agent = rec.channel("agent").samples
    assert rec.sample_rate_hz == 16_000 and rec.source_rate_hz == 8000
    assert rec.duration_s == pytest.approx(1.0)
    assert agent.dtype == np.float32 and agent.size == 16_000
    assert peak_hz(agent, sr=16_000) == pytest.approx(440, abs=2)
    assert np.sqrt(np.mean(agent**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


@pytest.mark.parametrize("sr", [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000])
def test_any_rate_resampled_to_16k(tmp_path, sr):
    path = write(tmp_path / "a.wav", tone(1000, duration_s=0.8, sr=sr), sr=sr, subtype="PCM_16")
    agent = load_recording(path).channel("agent").samples
    assert agent.size == pytest.approx(0.8 * 16_000, abs=1)
    assert peak_hz(agent, sr=16_000) == pytest.approx(1000, abs=3)


@pytest.mark.parametrize(
    "name,fmt,subtype,sr",
    [
        ("a.flac", "FLAC", "PCM_24", 44100),
        ("a.ogg", "OGG", "VORBIS", 22050),
        ("a.opus", "OGG", "OPUS", 48000),
        ("a.mp3", "MP3", "MPEG_LAYER_III", 16000),
    ],
)
def test_compressed_formats_via_soundfile(tmp_path, name, fmt, subtype, sr):
    path = write(tmp_path / name, tone(300, duration_s=1.5, sr=sr), sr=sr, subtype=subtype, fmt=fmt)
    rec = load_recording(path)
    assert rec.duration_s == pytest.approx(1.5, abs=0.1)
    assert peak_hz(rec.channel("agent").samples, sr=16_000) == pytest.approx(300, abs=3)


def test_m4a_aac_via_pyav(tmp_path):
    path = tmp_path / "call.m4a"
    sr = 16000
    signal = np.stack([tone(300, duration_s=1.5, sr=sr), np.zeros(int(1.5 * sr), np.float32)])
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=sr, layout="stereo")
        frame = av.AudioFrame.from_ndarray(signal, format="fltp", layout="stereo")
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    rec = load_recording(path)
    assert rec.source_channels == 2
    assert rec.duration_s == pytest.approx(1.5, abs=0.15)  # AAC adds priming samples
    agent, customer = rec.channel("agent").samples, rec.channel("customer").samples
    assert peak_hz(agent, sr=16_000) == pytest.approx(300, abs=3)
    assert np.abs(customer).max() < 0.05 < np.abs(agent).max()


@pytest.mark.parametrize("agent_channel,agent_hz,customer_hz", [("left", 300, 700), ("right", 700, 300)])
def test_stereo_channel_roles(tmp_path, agent_channel, agent_hz, customer_hz):
    stereo = np.stack([tone(300, duration_s=1, sr=16000), tone(700, duration_s=1, sr=16000)], axis=1)
    rec = load_recording(write(tmp_path / "s.wav", stereo, sr=16000), agent_channel=agent_channel)
    assert peak_hz(rec.channel("agent").samples, sr=16000) == pytest.approx(agent_hz, abs=2)
    assert peak_hz(rec.channel("customer").samples, sr=16000) == pytest.approx(customer_hz, abs=2)


def test_mono_is_the_agent_alone(tmp_path):
    rec = load_recording(write(tmp_path / "m.wav", tone(300, duration_s=1, sr=16000), sr=16000))
    assert [c.role for c in rec.channels] == ["agent"] and rec.channel("customer") is None


def test_more_channels_need_a_map(tmp_path):
    data = np.stack([tone(f, duration_s=1, sr=16000) for f in (300, 500, 700)], axis=1)
    path = write(tmp_path / "three.wav", data, sr=16000)
    with pytest.raises(AudioError, match=r"three.wav: 3 channels .*--channel-map"):
        load_recording(path)
    rec = load_recording(path, channel_map={"agent": 2, "customer": 0})
    assert rec.channel("agent").index == 2
    assert peak_hz(rec.channel("agent").samples, sr=16000) == pytest.approx(700, abs=2)


def test_channel_map_is_checked():
    with pytest.raises(AudioError, match="does not fit"):
        channel_roles(2, channel_map={"agent": 3})
    with pytest.raises(AudioError, match="unknown role"):
        channel_roles(2, channel_map={"boss": 0})


def _bad_inputs(tmp_path):
    good = write(tmp_path / "good.wav", tone(300, duration_s=1, sr=16000), sr=16000, subtype="PCM_16")
    nan = tone(300, duration_s=1, sr=16000)
    nan[100] = np.nan
    inf = tone(300, duration_s=1, sr=16000)
    inf[5] = np.inf
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "truncated.wav").write_bytes(good.read_bytes()[:30])
    (tmp_path / "notes.wav").write_bytes(b"Meeting notes, not audio.\n" * 200)
    (tmp_path / "random.mp3").write_bytes(np.random.default_rng(0).bytes(5000))
    return {
        "empty.wav": "empty file",
        "truncated.wav": "truncated or corrupt",
        "notes.wav": "not a readable audio file|no audio stream",
        "random.mp3": "not a readable audio file|no audio stream|no audio samples",
        write(tmp_path / "nan.wav", nan, sr=16000, subtype="FLOAT").name: "NaN or infinite",
        write(tmp_path / "inf.wav", inf, sr=16000, subtype="DOUBLE").name: "NaN or infinite",
        write(tmp_path / "short.wav", tone(300, duration_s=0.3, sr=16000), sr=16000).name: r"too short \(0.30 s",
        write(tmp_path / "slow.wav", tone(300, duration_s=1, sr=4000), sr=4000).name: "sample rate 4000 Hz",
        "missing.wav": "no such file",
    }


def test_each_bad_input_has_its_message(tmp_path):
    for name, problem in _bad_inputs(tmp_path).items():
        with pytest.raises(AudioError, match=rf"{name}: .*({problem})"):
            load_recording(tmp_path / name)
