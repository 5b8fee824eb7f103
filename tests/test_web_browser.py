"""End to end in headless Chromium: `callcheck serve` with the real Whisper model,
a sample call uploaded through the page, the report with its score and findings,
a click on a finding that moves the audio position, and a recording made with
Chromium's fake microphone (MediaRecorder -> WebM/Opus -> the server).

Needs Debian's `chromium` and Playwright for Python (`pip install playwright`;
no browser download: it drives /usr/bin/chromium). Skips when either is missing.
Set CALLCHECK_SCREENSHOTS=DIR to keep screenshots of the page.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import soundfile as sf

from conftest import SAMPLES, write

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("CALLCHECK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"chromium not found ({CHROMIUM})", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`callcheck serve` in a subprocess with the real model; yields its base URL."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    command = [sys.executable, "-m", "callcheck", "serve", "--db", str(folder / "practice.db"), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"callcheck serve did not start: {process.communicate()[0]}")
            time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def microphone(tmp_path_factory):
    """What Chromium's fake microphone plays: the agent channel of a sample call (mono WAV)."""
    data, sr = sf.read(SAMPLES / "de_support_call.wav", dtype="float32")
    return write(tmp_path_factory.mktemp("mic") / "mic.wav", data[:, 0], sr=sr, subtype="PCM_16")


@pytest.fixture(scope="module")
def browser(microphone):
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            *FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=server)
    context.grant_permissions(["microphone"], origin=server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def screenshot(page, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if folder := os.environ.get("CALLCHECK_SCREENSHOTS"):
        shutil.copy(path, Path(folder) / path.name)


def wait_for_report(page, *, timeout_s: float = 120):
    page.wait_for_selector("#result:not([hidden])", timeout=timeout_s * 1000)
    frame = page.frame_locator("#report-frame")
    frame.locator("#call-audio").wait_for(state="attached", timeout=30_000)
    return frame


def test_upload_a_sample_get_the_report_and_seek_from_a_finding(page, tmp_path):
    page.goto("/?lang=en")
    assert page.locator("h1").inner_text().startswith("callcheck")
    page.fill("#agent", "E2E Agent")
    page.select_option("#scenario", "greeting")
    assert "six seconds" in page.locator("#scenario-prompt").inner_text()
    page.set_input_files("#file", str(SAMPLES / "de_hotline_8k_ulaw.wav"))
    page.click("#analyze")
    page.wait_for_selector("#status:not([hidden])")
    frame = wait_for_report(page)

    score = page.locator("#result-score").inner_text()
    assert 0 <= float(score) < 100
    assert frame.locator(".score .value").inner_text() == score
    findings = frame.locator("article.finding")
    assert findings.count() >= 1
    titles = findings.locator("h3").all_inner_texts()
    assert any("Toneless" in t or "greeting" in t for t in titles), titles

    audio = frame.locator("#call-audio")
    audio.evaluate("a => a.readyState >= 1 || new Promise(r => a.addEventListener('loadedmetadata', r, {once: true}))")
    assert audio.evaluate("a => a.currentTime") == 0
    target = findings.locator("li[data-start]").last  # a moment well into the call
    start = float(target.get_attribute("data-start"))
    assert start > 1.0
    target.click()
    page.wait_for_function(
        "([start]) => { const a = document.querySelector('#report-frame').contentDocument.getElementById('call-audio');"
        " return Math.abs(a.currentTime - start) < 1.0 || a.currentTime > start; }", arg=[start], timeout=10_000)
    position = audio.evaluate("a => a.currentTime")
    assert position >= start - 0.05, (position, start)

    word = frame.locator("#transcript .w[data-start]").nth(5)
    word_start = float(word.get_attribute("data-start"))
    word.click()
    page.wait_for_function(
        "([t]) => Math.abs(document.querySelector('#report-frame').contentDocument"
        ".getElementById('call-audio').currentTime - t) < 1.0", arg=[word_start], timeout=10_000)

    page.wait_for_selector("table.attempts tbody tr")
    assert page.locator("table.attempts tbody tr").count() == 1
    assert score in page.locator("table.attempts").inner_text()
    screenshot(page, tmp_path, "practice-upload")


def test_record_with_the_microphone_in_german(page, tmp_path):
    page.goto("/?lang=de")
    assert page.locator("#record-label").inner_text() == "Aufnehmen"
    page.fill("#agent", "E2E Mikro")
    page.select_option("#language", "de")
    page.click("#record")
    page.wait_for_selector("#record.on")
    page.wait_for_timeout(6_000)
    page.click("#record")
    page.wait_for_selector("#preview:not([hidden])")
    assert page.locator("#chosen").inner_text().startswith("Aufnahme bereit")
    page.click("#analyze")
    frame = wait_for_report(page)
    assert frame.locator("html").get_attribute("lang") == "de"
    assert "Mono-Aufnahme" in frame.locator("header").inner_text()
    call_words = frame.locator("#transcript .w").count()
    assert call_words >= 5  # the fake microphone played the agent's German lines
    page.wait_for_selector("table.attempts tbody tr")
    screenshot(page, tmp_path, "practice-record")
