"""The practice app's API through the test client: upload, poll, result, history,
limits, content sniffing, hostile file names, clean errors. A scripted transcriber
stands in for Whisper; the browser test (test_web_browser.py) runs the real model."""

from __future__ import annotations

import json
import re
import threading
import time

import av
import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from callcheck.batch.store import Store
from callcheck.errors import ModelError
from callcheck.records import ModelInfo, Word
from callcheck.web.app import create_app
from conftest import SAMPLES, write

HOTLINE = "de_hotline_8k_ulaw"


def script(name: str, role: str = "agent") -> tuple[Word, ...]:
    """The sample's true words of `role`, evenly spread over each of its turns."""
    events = json.loads((SAMPLES / f"{name}.events.json").read_text(encoding="utf-8"))["events"]
    words = []
    for event in (e for e in events if e["role"] == role):
        tokens = event["text"].split()
        step = (event["end_s"] - event["start_s"]) / len(tokens)
        words += [Word(event["start_s"] + i * step, event["start_s"] + (i + 0.9) * step, t, 0.9)
                  for i, t in enumerate(tokens)]
    return tuple(words)


class ScriptTranscriber:
    """Returns the words of a script that start inside the chunks it is asked about."""

    info = ModelInfo(name="scripted", compute_type="none")

    def __init__(self, words: tuple[Word, ...] = (), language: str = "de"):
        self.words, self.language = words, language

    def detect_language(self, samples, *, chunks):
        return self.language

    def transcribe(self, samples, *, chunks, language):
        return tuple(w for w in self.words if any(c.start_s <= w.start_s < c.end_s for c in chunks))


def hotline_transcriber():
    return ScriptTranscriber(script(HOTLINE))


def mono_agent(path, name: str = HOTLINE):
    """The agent channel of a sample alone: a practice recording."""
    data, sr = sf.read(SAMPLES / f"{name}.wav", dtype="float32")
    return write(path, data[:, 0], sr=sr)


def webm_opus(path, *, seconds: float = 2.0, rate: int = 48_000, fmt: str = "webm", layout: str = "mono"):
    """An Opus recording like a browser's MediaRecorder makes (WebM or Ogg); Chromium
    writes a microphone as "stereo" with the same signal on both channels."""
    t = np.arange(int(rate * seconds)) / rate
    y = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    y = np.repeat(y[None, :], 2 if layout == "stereo" else 1, axis=0)
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("libopus", rate=rate, layout=layout)
        for i in range(0, y.shape[1], 960):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y[:, i:i + 960].T.reshape(1, -1)),
                                               format="flt", layout=layout)
            frame.sample_rate, frame.pts = rate, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture
def make_client(tmp_path):
    clients = []

    def make(factory=hotline_transcriber, **options):
        options.setdefault("db", tmp_path / "callcheck.db")
        options.setdefault("work_dir", tmp_path / "work")
        client = TestClient(create_app(transcriber_factory=factory, **options))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


def upload(client, path, *, name=None, **fields):
    with open(path, "rb") as fh:
        return client.post("/api/analyze", files={"file": (name or path.name, fh, "application/octet-stream")},
                           data=fields)


def wait(client, job_id: str, *, timeout_s: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(f"/api/jobs/{job_id}").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not finished after {timeout_s} s: {body}")


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_upload_poll_and_result(client, tmp_path):
    path = mono_agent(tmp_path / "my practice.wav")
    answer = upload(client, path, agent="Anna", language="de", scenario="greeting", report_language="en")
    assert answer.status_code == 202 and set(answer.json()) == {"job_id"}
    job_id = answer.json()["job_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    body = wait(client, job_id)
    assert body["status"] == "done" and body["error"] is None, body
    report = body["report"]
    assert report["schema"] == "callcheck.report/1" and len(report["outcomes"]) == 8
    assert report["call"]["path"] == "my practice.wav" and report["call"]["channels"] == 1
    assert report["call"]["language"] == "de" and [s["role"] for s in report["speakers"]] == ["agent"]
    assert all(v is None for k, v in report["metrics"]["conversation"].items() if k not in ("method", "hold"))  # mono
    assert report["findings"] and report["findings"][0]["title"].isascii()  # tips in the requested language
    assert body["score"] == report["score"] and body["report_url"] == f"/jobs/{job_id}/report"
    assert files_in(tmp_path / "work" / "uploads") == []  # the upload is gone after the analysis
    with Store(tmp_path / "callcheck.db") as store:
        (attempt,) = store.history("Anna", source="practice")
    assert attempt.call_id.startswith("practice-greeting-") and attempt.score == report["score"]
    assert attempt.path == "my practice.wav" and attempt.failed_rules


def test_report_page_has_a_player_that_seeks_and_audio_supports_ranges(client, tmp_path):
    job_id = upload(client, mono_agent(tmp_path / "p.wav"), language="de").json()["job_id"]
    assert wait(client, job_id)["status"] == "done"
    page = client.get(f"/jobs/{job_id}/report?lang=de")
    assert page.status_code == 200 and "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert f'<audio id="call-audio" controls preload="metadata" src="/jobs/{job_id}/audio">' in page.text
    assert 'data-start="0.50" tabindex="0" role="button"' in page.text and "Woran Sie arbeiten können" in page.text
    audio = client.get(f"/jobs/{job_id}/audio", headers={"Range": "bytes=0-99"})
    assert audio.status_code == 206 and audio.headers["content-type"] == "audio/wav" and len(audio.content) == 100
    full = client.get(f"/jobs/{job_id}/audio")
    data, sr = sf.read(__import__("io").BytesIO(full.content))
    assert sr == 16_000 and data.ndim == 1 and len(data) / sr == pytest.approx(29.66, abs=0.01)


def test_history_shows_trend_and_recurring_failures(client, tmp_path):
    paths = [mono_agent(tmp_path / "a.wav"), write(tmp_path / "b.wav", sf.read(tmp_path / "a.wav")[0][:-8], sr=8000)]
    for path in paths:
        assert wait(client, upload(client, path, agent="Ben", language="de").json()["job_id"])["status"] == "done"
    history = client.get("/api/history", params={"agent": "Ben", "lang": "de"}).json()
    assert history["agent"] == "Ben" and len(history["attempts"]) == 2
    assert history["trend"]["scores"] == [a["score"] for a in history["attempts"]] and history["trend"]["change"] == 0
    assert history["recurring"] and {r["failed"] for r in history["recurring"]} == {2}
    assert history["recurring"][0]["title"] == "Stimme klingt tonlos" and history["recurring"][0]["of"] == 2
    assert client.get("/api/history", params={"agent": "nobody"}).json()["attempts"] == []
    assert client.get("/api/history").status_code == 422


@pytest.mark.parametrize(("fmt", "layout"), [("webm", "mono"), ("ogg", "mono"), ("webm", "stereo")])
def test_browser_recordings_webm_and_ogg_opus_are_analysed_as_the_agent_alone(client, tmp_path, fmt, layout):
    path = webm_opus(tmp_path / f"rec.{fmt}", fmt=fmt, layout=layout)
    body = wait(client, upload(client, path, name="recording.bin").json()["job_id"])
    assert body["status"] == "done", body
    call = body["report"]["call"]
    assert (call["channels"], call["sample_rate_hz"]) == (1 if layout == "mono" else 2, 48_000)
    assert call["duration_s"] == pytest.approx(2.0, abs=0.03)
    assert [s["role"] for s in body["report"]["speakers"]] == ["agent"]


def test_a_real_stereo_call_keeps_agent_and_customer(client):
    body = wait(client, upload(client, SAMPLES / f"{HOTLINE}.wav").json()["job_id"])
    assert [s["role"] for s in body["report"]["speakers"]] == ["agent", "customer"]
    assert body["report"]["metrics"]["conversation"]["interruptions_by_agent"] == 1


def test_oversize_uploads_get_413(make_client, tmp_path):
    client = make_client(max_upload_mb=0.1)
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 60_000).astype(np.float32)
    big = write(tmp_path / "big.wav", noise, sr=8000, subtype="PCM_16")  # 120 kB: over the file limit
    answer = upload(client, big)
    assert answer.status_code == 413 and answer.json() == {"detail": "the file is larger than the limit of 0.1 MB"}
    huge = write(tmp_path / "huge.wav", np.tile(noise, 10), sr=8000, subtype="PCM_16")  # 1.2 MB: over the body limit
    answer = upload(client, huge)
    assert answer.status_code == 413 and answer.json() == {"detail": "the file is larger than the limit of 0.1 MB"}

    def chunks():  # no Content-Length: counted while it arrives
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.wav\"\r\n\r\nRIFF"
        for _ in range(40):
            yield b"\0" * 65_536

    answer = client.post("/api/analyze", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413
    assert files_in(tmp_path / "work" / "uploads") == []


@pytest.mark.parametrize(("content", "status", "message"), [
    (b"", 422, "the file is empty"),
    (b"hello, this is not audio at all", 415, "not an audio file"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), 415, "not an audio file"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt garbage and more garbage", 422, "not a readable audio file"),
    (b"\x1a\x45\xdf\xa3" + bytes(100), 422, "not a readable audio file"),
])
def test_wrong_type_empty_and_corrupt_files_are_refused(client, tmp_path, content, status, message):
    answer = client.post("/api/analyze", files={"file": ("call.wav", content, "audio/wav")})
    assert answer.status_code == status and answer.json()["detail"].startswith(message), answer.json()
    assert "\n" not in answer.json()["detail"] and "Traceback" not in answer.text
    assert files_in(tmp_path / "work") == []


def test_too_long_recordings_get_422(make_client, tmp_path):
    client = make_client(max_duration_min=0.05)  # 3 s
    answer = upload(client, write(tmp_path / "long.wav", np.zeros(8000 * 4, np.float32), sr=8000))
    assert answer.status_code == 422 and answer.json() == {"detail": "the recording is 4.0 s long; the limit is 3.0 s"}


@pytest.mark.parametrize("name", ["../../escape.wav", "/etc/passwd", "..\\..\\win.wav", "C:\\x\\y.wav", "x" * 300,
                                  "<img src=x onerror=alert(1)>.wav", ".", "a\tb\r\nc.wav"])
def test_malicious_file_names_are_never_used_as_paths(client, tmp_path, name):
    source = mono_agent(tmp_path / "src.wav", "de_support_call")
    before = set(tmp_path.parent.rglob("*"))
    body = wait(client, upload(client, source, name=name).json()["job_id"])
    assert body["status"] == "done"
    shown = body["report"]["call"]["path"]
    assert "/" not in shown and "\\" not in shown and len(shown) <= 80 and not re.search(r"[\r\n\t]", shown)
    created = {p for p in set(tmp_path.parent.rglob("*")) - before if p.is_file()}
    assert all(p.is_relative_to(tmp_path / "work") or p.name.startswith("callcheck.db") for p in created), created
    playback = files_in(tmp_path / "work" / "playback")
    assert all(re.fullmatch(r"[0-9a-f]{32}\.wav", p) for p in playback)
    page = client.get(body["report_url"]).text
    assert "<img src=x" not in page


def test_bad_fields_unknown_jobs_and_failures_answer_one_line(client, tmp_path):
    path = mono_agent(tmp_path / "p.wav")
    answer = upload(client, path, language="fr")
    assert answer.status_code == 422 and answer.json()["detail"].startswith("language: Input should be 'auto', 'de'")
    assert upload(client, path, scenario="../x").status_code == 422
    answer = client.post("/api/analyze", data={"agent": "x"})
    assert answer.status_code == 422 and answer.json() == {"detail": "file: Field required"}
    assert client.get("/api/jobs/nope").status_code == 404 and "no job nope" in client.get("/api/jobs/nope").json()["detail"]
    assert client.get("/jobs/nope/report").status_code == 404 and client.get("/jobs/nope/audio").status_code == 404
    short = write(tmp_path / "short.wav", np.zeros(2000, np.float32), sr=8000)  # 0.25 s: passes the probe
    job_id = upload(client, short, name="mine.wav").json()["job_id"]
    body = wait(client, job_id)
    assert body["status"] == "failed" and body["report"] is None
    assert body["error"] == "mine.wav: too short (0.25 s; at least 0.5 s needed)"
    assert client.get(f"/jobs/{job_id}/report").status_code == 404


class BrokenTranscriber(ScriptTranscriber):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def transcribe(self, samples, *, chunks, language):
        raise self.error


@pytest.mark.parametrize(("error", "expected"), [
    (ModelError("models/whisper-base: cannot load model (bad file)"), "models/whisper-base: cannot load model (bad file)"),
    (RuntimeError("segfault-ish /secret/path"), "internal error while analysing the recording (see the server log)"),
])
def test_library_errors_fail_the_job_cleanly(make_client, tmp_path, error, expected):
    client = make_client(factory=lambda: BrokenTranscriber(error))
    body = wait(client, upload(client, mono_agent(tmp_path / "p.wav")).json()["job_id"])
    assert (body["status"], body["error"]) == ("failed", expected)
    assert wait(client, upload(client, mono_agent(tmp_path / "q.wav")).json()["job_id"])["status"] == "failed"


def test_jobs_run_one_at_a_time_and_a_full_queue_answers_503(make_client, tmp_path):
    gate, running = threading.Event(), []

    class Blocking(ScriptTranscriber):
        def transcribe(self, samples, *, chunks, language):
            running.append(1)
            gate.wait(10)
            return ()

    client = make_client(factory=Blocking, max_queued=1)
    path = mono_agent(tmp_path / "p.wav", "de_support_call")
    first = upload(client, path).json()["job_id"]
    deadline = time.monotonic() + 10
    while not running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.get(f"/api/jobs/{first}").json()["status"] == "running"
    second = upload(client, path).json()["job_id"]
    status = client.get(f"/api/jobs/{second}").json()
    assert (status["status"], status["position"], status["report"], status["error"]) == ("queued", 1, None, None)
    third = upload(client, path)
    assert third.status_code == 503 and "too many analyses waiting" in third.json()["detail"]
    assert len(running) == 1
    gate.set()
    assert wait(client, first)["status"] == wait(client, second)["status"] == "done"


def test_keep_audio_keeps_the_upload_under_a_server_name(make_client, tmp_path):
    client = make_client(keep_audio=True, audio_dir=tmp_path / "kept")
    body = wait(client, upload(client, mono_agent(tmp_path / "p.wav"), name="../p.wav", agent="Kim").json()["job_id"])
    assert body["status"] == "done"
    (kept,) = (tmp_path / "kept").iterdir()
    assert re.fullmatch(r"\d{8}-\d{6}_[0-9a-f]{12}\.redacted\.wav", kept.name)  # only the redacted copy
    with Store(tmp_path / "callcheck.db") as store:
        assert store.history("Kim", source="practice")[0].path == str(kept)


def test_openapi_schema_lists_the_api(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {"/api/analyze", "/api/jobs/{job_id}", "/api/history"}
    form = schema["paths"]["/api/analyze"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in form
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load scripts from a CDN


def test_page_in_german_and_english_with_local_resources_only(client):
    german = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    assert german.status_code == 200 and '<html lang="de">' in german.text and "Aufnehmen" in german.text
    english = client.get("/?lang=en", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in english.text and "Record" in english.text and "Your earlier attempts" in english.text
    assert "script-src 'self'" in german.headers["content-security-policy"]
    for page in (german.text, english.text):
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "Begrüßung" in german.text and "höchstens 50 MB und 15 Minuten" in german.text
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200
    assert "http" not in client.get("/static/app.js").text.replace("http://www.w3.org/2000/svg", "")
