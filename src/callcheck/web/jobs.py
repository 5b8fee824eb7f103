"""Practice jobs: their state, and the queue one worker thread takes them from.

Requests only enqueue and read; the analysis runs on the worker thread, one
call at a time, so the page stays responsive and the machine is not
oversubscribed (Whisper already uses every core). Finished jobs are kept in
memory for the page (report, playback audio) up to `max_kept`, oldest dropped first.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcheck.records import CallReport
from callcheck.web.uploads import SavedUpload, UploadRejected

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "done", "failed")
# The pipeline's hook names a stage when it has finished; the page shows the one under way.
STAGES = ("audio", "vad", "layout", "language", "asr", "measure", "rules")


def new_job_id() -> str:
    """A random, unguessable job id (32 hex digits); also the upload's file name."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class PracticeRequest:
    """What the agent sent: the saved upload and the form's fields (already checked)."""

    upload: SavedUpload
    name: str  # the client's file name, for display only
    agent: str | None = None
    language: str = "auto"
    report_language: str | None = None
    scenario: str = "free"
    duration_s: float | None = None
    layout: str = "auto"  # a browser recording is the agent alone: the page sends "single"


@dataclass(slots=True)
class Job:
    """One practice analysis. Mutable; changed only by the queue under its lock."""

    request: PracticeRequest
    id: str = field(default_factory=new_job_id)
    status: str = "queued"
    stage: str | None = None
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    report: CallReport | None = None
    report_json: dict[str, Any] | None = None
    error: str | None = None
    playback: Path | None = None  # 16 kHz WAV for the page's player, kept while the server runs

    @property
    def progress(self) -> float:
        """0..1 by pipeline stage (a rough guide: transcription takes most of the time)."""
        if self.status in ("done", "failed"):
            return 1.0
        if self.status == "queued" or self.stage is None:
            return 0.0
        return STAGES.index(self.stage) / len(STAGES)


Runner = Callable[[Job, Callable[[str], None]], None]


class JobQueue:
    """Jobs by id, a FIFO of waiting ones and one worker thread that runs them.

    `runner(job, set_stage)` does the analysis and sets `job.report`/`job.report_json`
    and `job.playback`; it raises to fail the job (CallcheckError messages are shown).
    """

    def __init__(self, runner: Runner, *, describe_error: Callable[[Job, BaseException], str], max_queued: int = 20,
                 max_kept: int = 50, on_forget: Callable[[Job], None] | None = None,
                 on_exit: Callable[[], None] | None = None):
        self._runner, self._describe_error = runner, describe_error
        self._on_forget = on_forget or (lambda job: None)
        self._on_exit = on_exit or (lambda: None)  # runs on the worker thread as it ends
        self.max_queued, self.max_kept = max_queued, max_kept
        self._jobs: dict[str, Job] = {}
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="callcheck-analysis", daemon=True)
                self._thread.start()

    def stop(self, *, timeout_s: float = 5.0) -> None:
        """Let the running job finish (up to `timeout_s`), then forget every job."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._waiting.put(None)
            thread.join(timeout_s)
        with self._lock:
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            self._on_forget(job)

    def submit(self, request: PracticeRequest, *, job_id: str | None = None) -> Job:
        """Queue a job; UploadRejected (503) when too many are waiting."""
        self.start()
        with self._lock:
            if sum(j.status == "queued" for j in self._jobs.values()) >= self.max_queued:
                raise UploadRejected(f"too many analyses waiting ({self.max_queued}); try again in a minute",
                                     status_code=503)
            job = Job(request, id=job_id or new_job_id())
            self._jobs[job.id] = job
            forgotten = self._evict()
        for old in forgotten:
            self._on_forget(old)
        self._waiting.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int:
        """1 = next to run; 0 when not waiting."""
        with self._lock:
            if job.status != "queued":
                return 0
            waiting = [j for j in self._jobs.values() if j.status == "queued"]
        return next((n for n, j in enumerate(waiting, start=1) if j is job), 0)

    def _evict(self) -> list[Job]:
        """Drop the oldest finished jobs beyond `max_kept` (caller holds the lock)."""
        finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
        drop = finished[: max(0, len(self._jobs) - self.max_kept)]
        for job in drop:
            del self._jobs[job.id]
        return drop

    def _work(self) -> None:
        try:
            while (job := self._waiting.get()) is not None:
                self._run(job)
        finally:
            self._on_exit()

    def _run(self, job: Job) -> None:
        with self._lock:
            job.status, job.stage, job.started_at = "running", STAGES[0], time.time()

        def set_stage(stage: str) -> None:
            with self._lock:
                job.stage = stage

        try:
            self._runner(job, set_stage)
        except Exception as err:  # noqa: BLE001 - a failed job must never stop the worker
            message = self._describe_error(job, err)
            with self._lock:
                job.status, job.error, job.finished_at = "failed", message, time.time()
            return
        with self._lock:
            job.status, job.stage, job.finished_at = "done", None, time.time()
        log.info("job %s done in %.1f s", job.id, job.finished_at - job.started_at)
