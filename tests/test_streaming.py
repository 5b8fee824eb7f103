"""Long calls in bounded memory: block decoding, streaming resampling, signals on disk, damaged files."""

from __future__ import annotations

import hashlib
from math import gcd

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from callcheck.batch import runner
from callcheck.errors import AudioError
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import Region, Word
from callcheck.report import render, to_dict
from callcheck.signal import audio
from callcheck.signal.audio import load_recording
from callcheck.signal.resample import StreamResampler
from callcheck.signal.samplefile import SampleFile, blocks
from callcheck.signal.vad import speech_regions
from callcheck.speech.asr import chunk_groups
from conftest import SAMPLES, ScriptedTranscriber, tone, write


@pytest.mark.parametrize("rate_hz", [8_000, 11_025, 22_050, 44_100, 48_000, 16_000])
def test_stream_resampler_matches_resample_poly_exactly(rate_hz):
    rng = np.random.default_rng(rate_hz)
    x = (0.3 * rng.standard_normal(rate_hz * 19 + 7)).astype(np.float32)
    g = gcd(rate_hz, 16_000)
    expected = resample_poly(x, 16_000 // g, rate_hz // g).astype(np.float32)
    resampler = StreamResampler(rate_hz=rate_hz, target_hz=16_000)
    pieces, at = [], 0
    while at < x.size:  # uneven blocks, as decoders deliver them
        size = int(rng.integers(1, 40_000))
        pieces.append(resampler.push(x[at:at + size]))
        at += size
    pieces.append(resampler.finish())
    np.testing.assert_array_equal(np.concatenate(pieces), expected)


def _sample_file(values: np.ndarray) -> SampleFile:
    store = SampleFile()
    for _, block in blocks(values, block=1000):
        store.append(block)
    return store


def test_sample_file_reads_like_an_array(monkeypatch):
    monkeypatch.setattr(SampleFile, "strict", True)
    values = np.random.default_rng(0).standard_normal(100_000).astype(np.float32)
    store = _sample_file(values)
    assert (len(store), store.size, store.shape, store.dtype) == (100_000, 100_000, (100_000,), np.float32)
    np.testing.assert_array_equal(store[10:5000], values[10:5000])
    np.testing.assert_array_equal(store[-300:], values[-300:])
    assert store[7] == values[7]
    np.testing.assert_array_equal(store[100:40:-3], values[100:40:-3])
    np.testing.assert_array_equal(store[5:9000:7], values[5:9000:7])
    index = np.array([[5, 6, 7], [90_000, 90_001, 90_002], [40, 41, 42]])  # frames far apart, out of order
    np.testing.assert_array_equal(store[index], values[index])
    with pytest.raises(RuntimeError, match="converted to an array"):
        np.asarray(store)
    with pytest.raises(IndexError):
        store[100_000]


def test_vad_reads_a_signal_on_disk_in_batches_with_the_same_result(monkeypatch):
    monkeypatch.setattr(SampleFile, "strict", True)
    data, rate = sf.read(SAMPLES / "en_support_call.wav", dtype="float32", always_2d=True)
    assert rate == 16_000
    agent = np.ascontiguousarray(data[:, 0])
    assert speech_regions(_sample_file(agent)) == speech_regions(agent)


def test_chunk_groups_bound_what_whisper_gets_at_once():
    chunks = [Region(i * 100.0, i * 100.0 + 90.0) for i in range(10)]
    groups = chunk_groups(chunks, max_s=300.0)
    assert [len(g) for g in groups] == [3, 3, 3, 1]
    assert [c for g in groups for c in g] == chunks
    assert chunk_groups([Region(0.0, 400.0)], max_s=300.0) == [[Region(0.0, 400.0)]]


class EchoTranscriber(ScriptedTranscriber):
    """One word per chunk whose text is a hash of the audio it was given: equal words = equal audio."""

    def transcribe(self, samples, *, chunks, language):
        words = []
        for chunk in chunks:
            piece = samples[round(chunk.start_s * 16_000):round(chunk.end_s * 16_000)]
            digest = hashlib.sha256(np.ascontiguousarray(piece).tobytes()).hexdigest()[:8]
            mid = (chunk.start_s + chunk.end_s) / 2
            words.append(Word(round(mid - 0.2, 3), round(mid + 0.2, 3), f"w{digest}", 0.9))
        return tuple(words)


@pytest.mark.parametrize("name", ["en_support_call.wav", "de_hotline_8k_ulaw.wav"])
def test_a_call_kept_on_disk_gives_the_same_report(name, monkeypatch):
    """The bounded-memory path (channels in temporary files) is the in-memory path, result for result."""
    path = SAMPLES / name
    options = AnalyzeOptions(call_id="c", language="en", redact=False)
    in_memory = to_dict(analyze_call(path, transcriber=EchoTranscriber(), options=options))
    monkeypatch.setattr(audio, "IN_MEMORY_MAX_S", 0.0)
    monkeypatch.setattr(SampleFile, "strict", True)  # no stage may read a whole channel at once
    recording = load_recording(path)
    assert all(isinstance(ch.samples, SampleFile) for ch in recording.channels)
    on_disk = to_dict(analyze_call(path, transcriber=EchoTranscriber(), options=options))
    assert on_disk == in_memory


def _call(tmp_path, seconds: float = 20.0):
    sr = 16_000
    t = np.arange(int(seconds * sr)) / sr
    voice = tone(180, duration_s=seconds, sr=sr, amplitude=0.3) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return voice.astype(np.float32), sr


def test_truncated_wav_is_analysed_up_to_its_end_with_a_warning(tmp_path):
    voice, sr = _call(tmp_path)
    whole = write(tmp_path / "whole.wav", voice, sr=sr, subtype="PCM_16").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:len(whole) // 2])
    recording = load_recording(cut)
    assert recording.duration_s == pytest.approx(10.0, abs=0.01)
    (warning,) = recording.warnings
    assert "truncated" in warning and "0:20.0" in warning and "0:10.0" in warning
    report = analyze_call(cut, transcriber=ScriptedTranscriber(), options=AnalyzeOptions(language="en"))
    data = to_dict(report)
    assert data["call"]["warnings"] == [warning]
    assert warning in render(report, fmt="md") and warning in render(report, fmt="html")


def test_a_german_report_words_the_decoder_warning_in_german(tmp_path):
    voice, sr = _call(tmp_path)
    whole = write(tmp_path / "whole.wav", voice, sr=sr, subtype="PCM_16").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:len(whole) // 2])
    report = analyze_call(cut, transcriber=ScriptedTranscriber(), options=AnalyzeOptions(report_language="de"))
    german = "die Datei ist abgeschnitten: ihr Kopf verspricht 0:20.0, vorhanden sind 0:10.0; ausgewertet bis 0:10.0"
    assert german in render(report, fmt="md") and german in render(report, fmt="html")
    assert to_dict(report)["call"]["warnings"] == [  # the JSON keeps English (a fixed interface)
        "the file is truncated: its header promises 0:20.0, 0:10.0 are there; analysed up to 0:10.0"]


def test_decoder_warnings_keep_their_english_wording():
    from callcheck.records import Note
    from callcheck.signal.decode_text import worded

    assert worded(Note.of("damaged", at_s=62.0, problem="lost sync", skipped_s=1.5)) == \
        "damaged audio at 1:02.0 (lost sync): 0:01.5 could not be decoded and counts as silence"
    assert worded(Note.of("shifted", decoded_s=10, announced_s=20, first_s=5, short_s=3.25)) == \
        "decoded 0:10.0 of the 0:20.0 the file announces: times after 0:05.0 may be early by up to 3.2 s"
    assert worded(Note.of("stopped", at_s=3725.0, problem="x", total_s=3800.0)) == \
        "decoding stopped at 1:02:05.0 of 1:03:20.0 (x): the rest of the file is not analysed"
    assert worded(Note.of("stopped", at_s=5.0, problem="x")) == \
        "decoding stopped at 0:05.0 (x): the rest of the file is not analysed"
    assert worded(Note.of("skipped", count=2, first_s=4.0)) == \
        "2 damaged stretch(es) skipped, the first at 0:04.0; later times may be shifted by the skipped audio"


def _damage(path, *, at: float = 0.5, size: int = 3000):
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    data[start:start + size] = np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("fmt", ["FLAC", "MP3"])
def test_damage_in_the_middle_is_read_around_and_keeps_the_timeline(tmp_path, fmt):
    voice, sr = _call(tmp_path)
    path = _damage(write(tmp_path / f"call.{fmt.lower()}", voice, sr=sr, fmt=fmt))
    recording = load_recording(path)
    assert recording.warnings, "damage must never pass silently"
    assert any("damaged audio at 0:" in w for w in recording.warnings)
    if fmt == "FLAC":  # frames carry their position: later audio stays at its time
        assert recording.duration_s == pytest.approx(20.0, abs=0.2)
        assert len(recording.warnings) == 1
    else:  # an MP3 decoder that lost sync only estimates where it is, and says so
        assert any("may be early" in w for w in recording.warnings)
    assert 14.0 < recording.usable_duration_s < 20.0
    signal = recording.channels[0].samples
    after = signal[int(16.5 * 16_000):int(17.0 * 16_000)]
    assert np.abs(after).max() > 0.1  # the audio after the damage is there


def test_garbage_is_still_a_one_line_error(tmp_path):
    path = tmp_path / "noise.flac"
    path.write_bytes(b"fLaC" + bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)))
    with pytest.raises(AudioError, match="noise.flac: truncated or corrupt"):
        load_recording(path)


@pytest.mark.parametrize(("memory_mb", "cores", "jobs"), [(24_000, 2, 2), (4_000, 8, 3), (2_000, 4, 1), (900, 2, 1)])
def test_default_jobs_fit_the_memory_a_worker_really_needs(monkeypatch, memory_mb, cores, jobs):
    monkeypatch.setattr(runner, "usable_memory_mb", lambda: memory_mb)
    monkeypatch.setattr(runner, "cpu_count", lambda: cores)
    assert runner.default_jobs() == jobs


def test_usable_memory_is_known_on_linux():
    memory = runner.usable_memory_mb()
    assert memory is None or memory > 100


def test_a_dual_mono_call_on_disk_is_merged_on_disk(tmp_path, monkeypatch):
    data, rate = sf.read(SAMPLES / "en_support_call.wav", dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    path = write(tmp_path / "dual.wav", np.stack([mono, mono], axis=1), sr=rate)
    options = AnalyzeOptions(call_id="c", language="en", redact=False)
    in_memory = to_dict(analyze_call(path, transcriber=EchoTranscriber(), options=options))
    monkeypatch.setattr(audio, "IN_MEMORY_MAX_S", 0.0)
    monkeypatch.setattr(SampleFile, "strict", True)
    on_disk = to_dict(analyze_call(path, transcriber=EchoTranscriber(), options=options))
    assert on_disk["call"]["layout_reason"].startswith("channels carry the same signal")
    assert on_disk == in_memory
