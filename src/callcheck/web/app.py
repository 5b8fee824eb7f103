"""The practice web app: the page, the coaching report, and a JSON API with an OpenAPI schema.

`create_app(...)` builds a FastAPI application; `callcheck serve` runs it with
uvicorn. API: `POST /api/analyze` -> `{"job_id"}`, `GET /api/jobs/{id}` ->
`{"status", "report", "error", ...}`, `GET /api/history?agent=NAME`. The page
routes (`/`, `/jobs/{id}/report`, `/jobs/{id}/audio`) are not part of the schema.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from callcheck import __version__
from callcheck.batch.runner import AnalysisSpec
from callcheck.batch.store import Store
from callcheck.config import Config, load_config
from callcheck.report import to_html
from callcheck.speech.asr import WhisperSettings
from callcheck.speech.models import ModelSpec, resolve_model
from callcheck.web import guards
from callcheck.web.history import practice_history
from callcheck.web.jobs import Job, JobQueue, PracticeRequest, new_job_id
from callcheck.web.page import STATIC, render_page
from callcheck.web.practice import Practice, PracticeSettings
from callcheck.web.texts import SCENARIOS, page_language
from callcheck.web.uploads import check_duration, clean_agent, display_name, megabytes, probe_duration_s, save_upload

log = logging.getLogger(__name__)

FORM_OVERHEAD_BYTES = 1 << 20  # multipart headers and the small fields around the file


def create_app(*, db: str | Path = "callcheck.db", transcriber_factory=None, model: ModelSpec | None = None,
               whisper: WhisperSettings | None = None, config: Config | None = None, keep_audio: bool = False,
               audio_dir: str | Path | None = None, max_upload_mb: float = 50.0, max_duration_min: float = 15.0,
               max_queued: int = 20, work_dir: str | Path | None = None, redact: bool | None = None) -> FastAPI:
    """The practice app. `transcriber_factory` (tests, plugins) replaces Whisper;
    otherwise `model` (default: the resolved whisper-base) is loaded once, on the
    first analysis. Uploads and playback copies live in `work_dir` (default: a new
    temporary directory, removed when the app shuts down)."""
    db = Path(db)
    Store(db).close()  # fail now (StoreError) if the database cannot be opened or created
    own_dir = work_dir is None
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="callcheck-serve-"))
    settings = PracticeSettings(db=db, work_dir=work, keep_audio=keep_audio,
                                audio_dir=Path(audio_dir) if audio_dir else None,
                                max_upload_bytes=int(max_upload_mb * 2**20), max_duration_s=max_duration_min * 60)
    spec = AnalysisSpec(config=config or load_config(), whisper=whisper or WhisperSettings(),
                        transcriber_factory=transcriber_factory,
                        model=None if transcriber_factory else (model or resolve_model()), redact=redact)
    practice = Practice(settings, spec)
    jobs = JobQueue(practice.run, describe_error=practice.describe_error, max_queued=max_queued,
                    on_forget=practice.forget, on_exit=practice.close)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        jobs.start()
        yield
        jobs.stop()
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)

    # No /docs or /redoc: FastAPI's pages load their scripts from a CDN. The schema is at /openapi.json.
    app = FastAPI(title="callcheck practice", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Record or upload a practice call and get the coaching report. Runs offline.")
    app.state.jobs, app.state.settings, app.state.practice = jobs, settings, practice
    if own_dir:
        weakref.finalize(app, shutil.rmtree, work, ignore_errors=True)
    guards.add_security_headers(app)
    guards.add_error_handlers(app)
    app.add_middleware(guards.BodyLimit, max_bytes=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
                       paths=("/api/analyze",),
                       message=f"the file is larger than the limit of {megabytes(settings.max_upload_bytes)}")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _api_routes(app, jobs, settings)
    _page_routes(app, jobs, settings)
    return app


def _api_routes(app: FastAPI, jobs: JobQueue, settings: PracticeSettings) -> None:
    @app.post("/api/analyze", status_code=202, summary="Queue a recording for analysis",
              responses={413: {"description": "file too large"}, 415: {"description": "not an audio file"},
                         422: {"description": "empty, too long, unreadable, or a bad field"},
                         503: {"description": "too many analyses waiting"}})
    def analyze(
        file: Annotated[UploadFile, File(description="the recording: WAV, FLAC, OGG, MP3, M4A, WebM, ...")],
        agent: Annotated[str | None, Form(description="agent name, for the practice history")] = None,
        language: Annotated[Literal["auto", "de", "en"], Form(description="call language")] = "auto",
        report_language: Annotated[Literal["de", "en"] | None, Form(description="language of tips")] = None,
        scenario: Annotated[Literal[tuple(SCENARIOS)], Form(description="practice exercise")] = "free",
        layout: Annotated[Literal["auto", "stereo", "mixed", "single"], Form(
            description="how the recording holds the call; the page sends 'single' for a microphone recording "
                        "(the agent alone), uploads default to 'auto' (decided from the audio)")] = "auto",
    ) -> dict[str, str]:
        """Store the upload under a server-chosen name, check it, and queue it. Answers 202 `{"job_id"}`."""
        job_id = new_job_id()
        upload = save_upload(file.file, folder=settings.uploads, stem=job_id, max_bytes=settings.max_upload_bytes)
        try:
            duration_s = probe_duration_s(upload.path)
            check_duration(duration_s, max_s=settings.max_duration_s)
            name = display_name(file.filename, fallback=f"recording.{upload.kind}")
            request = PracticeRequest(upload=upload, name=name, agent=clean_agent(agent), language=language,
                                      report_language=report_language, scenario=scenario, duration_s=duration_s,
                                      layout=layout)
            job = jobs.submit(request, job_id=job_id)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        return {"job_id": job.id}

    @app.get("/api/jobs/{job_id}", summary="A job's status, and its report when done")
    def job_status(job_id: str) -> dict[str, Any]:
        """`status` queued|running|done|failed; `report` (callcheck.report/1) when done; `error` when failed."""
        job = _job(jobs, job_id)
        done = job.status == "done"
        return {
            "status": job.status, "report": job.report_json if done else None, "error": job.error,
            "stage": job.stage, "progress": round(job.progress, 2), "position": jobs.position(job),
            "score": job.report.score if done and job.report else None,
            "report_url": f"/jobs/{job.id}/report" if done else None,
            "audio_url": f"/jobs/{job.id}/audio" if done and job.playback else None,
        }

    @app.get("/api/history", summary="An agent's practice attempts, score trend and recurring failures")
    def history(agent: Annotated[str, Query(min_length=1, max_length=100, description="agent name")],
                lang: Annotated[Literal["de", "en"], Query(description="language of rule titles")] = "en") -> dict:
        return practice_history(settings.db, clean_agent(agent) or agent, language=lang)


def _page_routes(app: FastAPI, jobs: JobQueue, settings: PracticeSettings) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, lang: str | None = None):
        language = page_language(lang, request.headers.get("accept-language"))
        return HTMLResponse(render_page(language, max_upload_bytes=settings.max_upload_bytes,
                                        max_duration_s=settings.max_duration_s, keep_audio=settings.keep_audio))

    @app.get("/jobs/{job_id}/report", response_class=HTMLResponse, include_in_schema=False)
    def report_page(job_id: str, lang: Literal["de", "en"] | None = None):
        job = _job(jobs, job_id)
        if job.status != "done" or job.report is None:
            raise HTTPException(404, f"job {job_id} has no report ({job.status})")
        audio_url = f"/jobs/{job.id}/audio" if job.playback and job.playback.exists() else None
        return HTMLResponse(to_html(job.report, audio_url=audio_url, language=lang),
                            headers={"Content-Security-Policy": guards.REPORT_CSP})

    @app.get("/jobs/{job_id}/audio", include_in_schema=False)
    def audio(job_id: str):
        job = _job(jobs, job_id)
        if job.status != "done" or job.playback is None or not job.playback.exists():
            raise HTTPException(404, f"job {job_id} has no audio")
        return FileResponse(job.playback, media_type="audio/wav")


def _job(jobs: JobQueue, job_id: str) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id[:40]} (unknown, or forgotten after a restart)")
    return job

