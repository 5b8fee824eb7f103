"""One practice analysis: the upload through the pipeline into the results database.

`Practice.run(job, set_stage)` runs on the queue's worker thread: it analyses the
upload with the shared transcriber (the model is loaded once), writes a 16 kHz
WAV copy for the page's player (the same timeline the report's times refer to;
browser recordings are WebM without a seek index, so the original could not be
sought), saves the attempt with `source='practice'`, and then deletes the upload
unless uploads are kept. A microphone recording from the page is the agent alone
(`layout="single"`); an uploaded file's layout is decided from the audio.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf

from callcheck.batch.metadata import CallMeta
from callcheck.batch.runner import AnalysisSpec
from callcheck.batch.store import Store
from callcheck.errors import AudioError, CallcheckError
from callcheck.pipeline import analyze_call
from callcheck.privacy import write_redacted_audio
from callcheck.records import Recording
from callcheck.report import to_dict
from callcheck.web.jobs import STAGES, Job
from callcheck.web.uploads import check_duration

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PracticeSettings:
    """Where things go and the limits. `work_dir` holds uploads and playback copies
    for the server's lifetime; `audio_dir` receives kept uploads (`keep_audio`)."""

    db: Path
    work_dir: Path
    keep_audio: bool = False
    audio_dir: Path | None = None
    max_upload_bytes: int = 50 * 2**20
    max_duration_s: float = 15 * 60.0

    @property
    def uploads(self) -> Path:
        return self.work_dir / "uploads"

    @property
    def playback(self) -> Path:
        return self.work_dir / "playback"

    @property
    def kept_audio(self) -> Path:
        return self.audio_dir or self.db.with_name(f"{self.db.stem}-audio")


class Practice:
    """Runs practice jobs with one transcriber and one database connection, both
    created on first use on the worker thread (SQLite connections stay on their thread)."""

    def __init__(self, settings: PracticeSettings, spec: AnalysisSpec):
        self.settings, self.spec = settings, spec
        self._transcriber = None
        self._store: Store | None = None
        self._thread: int | None = None
        for folder in (settings.uploads, settings.playback):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def run(self, job: Job, set_stage) -> None:
        request = job.request
        upload = request.upload.path
        spec = dataclasses.replace(self.spec, language=request.language, report_language=request.report_language,
                                   layout=request.layout)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        meta = CallMeta(path=upload, call_id=f"practice-{request.scenario}-{now:%Y%m%d-%H%M%S}", agent=request.agent,
                        started_at=now, origin="practice")
        try:
            report = analyze_call(upload, transcriber=self._get_transcriber(), options=spec.options(meta),
                                  hook=self._hook(job, set_stage))
            redaction = report.redaction
            if redaction is not None and redaction.enabled and redaction.spans and job.playback is not None:
                write_redacted_audio(job.playback, redaction.spans, job.playback)  # the player never plays the data
            kept = self._keep(upload, job.id, report) if self.settings.keep_audio else None
            report = dataclasses.replace(report, path=Path(request.name))
            meta = dataclasses.replace(meta, path=kept or Path(request.name))
            self._get_store().save(report, meta, audio_sha256=request.upload.sha256,
                                   config_hash=spec.key(meta.agent_channel or spec.agent_channel), source="practice")
        finally:
            upload.unlink(missing_ok=True)
        job.report, job.report_json = report, to_dict(report)

    def describe_error(self, job: Job, err: BaseException) -> str:
        """The one line the client sees: a library error's message with the server's
        file name replaced by the client's; anything else only as "internal error"."""
        if isinstance(err, CallcheckError):
            return str(err).replace(str(job.request.upload.path), job.request.name)
        log.error("job %s failed", job.id, exc_info=err)
        return "internal error while analysing the recording (see the server log)"

    def forget(self, job: Job) -> None:
        """Delete what a job left in the work directory."""
        for path in (job.playback, job.request.upload.path):
            if path is not None:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the database connection (on the worker thread, where it was opened)."""
        if self._store is not None and self._thread == threading.get_ident():
            self._store.close()
            self._store = None

    def _hook(self, job: Job, set_stage):
        def hook(stage: str, value) -> None:
            if stage == "audio":
                self._check_length(value)
                job.playback = write_playback(value, self.settings.playback / f"{job.id}.wav")
            if stage in STAGES[:-1]:
                set_stage(STAGES[STAGES.index(stage) + 1])

        return hook

    def _check_length(self, recording: Recording) -> None:
        check_duration(recording.duration_s, max_s=self.settings.max_duration_s)  # the upload's probe trusts a header

    def _keep(self, upload: Path, job_id: str, report) -> Path:
        """Keep the recording: with redaction on, only its redacted copy (WAV), never the original."""
        folder = self.settings.kept_audio
        stem = f"{datetime.now():%Y%m%d-%H%M%S}_{job_id[:12]}"
        if report.redaction is not None and report.redaction.enabled:
            return write_redacted_audio(upload, report.redaction.spans, folder / f"{stem}.redacted.wav")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{stem}{upload.suffix}"
            shutil.move(upload, target)
        except OSError as err:
            raise AudioError(f"{folder}: cannot keep the recording ({err.strerror or err})") from None
        return target

    def _get_transcriber(self):
        if self._transcriber is None:
            self._transcriber = self.spec.make_transcriber()
        return self._transcriber

    def _get_store(self) -> Store:
        if self._store is None:
            self._store, self._thread = Store(self.settings.db), threading.get_ident()
        return self._store


def write_playback(recording: Recording, path: Path) -> Path:
    """The recording's 16 kHz channels (in file order) as a 16-bit WAV at `path`."""
    channels = sorted(recording.channels, key=lambda c: c.index)
    data = np.stack([np.clip(c.samples, -1.0, 1.0) for c in channels], axis=1)
    sf.write(path, data, recording.sample_rate_hz, subtype="PCM_16")
    return path
