"""Where the calls of a batch are analysed: local worker processes or a Dask cluster.

Both run `analyze_job` and hand results back to the one writer (run_batch).
A worker loads the model once (per process) and keeps it; every error inside
a call becomes a `JobFailed` with its message. A worker process that dies
(a crash in a decoder, out of memory) breaks the local pool: the calls that
were in flight are then re-run one at a time, so only the culprit fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from callcheck.batch.runner import AnalysisSpec, Executor, Job, JobDone, JobFailed, JobResult, cpu_count
from callcheck.errors import CallcheckError, ConfigError, ModelError
from callcheck.pipeline import analyze_call
from callcheck.report import render

log = logging.getLogger(__name__)

CRASHED = "worker process died while analysing this call (crash in a decoder or out of memory?)"
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_transcribers: dict[str, object] = {}  # per worker process: spec -> transcriber, or the error loading it
_lock = threading.Lock()


def analyze_job(job: Job, spec: AnalysisSpec) -> JobResult:
    """Analyse one call in a worker; never raises for a bad call."""
    start = time.perf_counter()
    slim = dataclasses.replace(job, audio=None)
    try:
        transcriber = _transcriber(spec)
        with _audio_file(job) as path:
            try:
                report = analyze_call(path, transcriber=transcriber, options=spec.options(job.meta))
            except CallcheckError as err:
                raise type(err)(str(err).replace(str(path), str(job.meta.path))) from None
        report = dataclasses.replace(report, path=job.meta.path)
        texts = {fmt: render(report, fmt=fmt, language=spec.report_language) for fmt in spec.formats}
        return JobDone(slim, report, texts, time.perf_counter() - start)
    except CallcheckError as err:
        return JobFailed(slim, str(err), time.perf_counter() - start)
    except Exception as err:  # noqa: BLE001 - one bad call must never stop the others
        log.exception("%s: unexpected error", job.meta.path)
        return JobFailed(slim, f"unexpected error: {type(err).__name__}: {err}", time.perf_counter() - start)


def _transcriber(spec: AnalysisSpec):
    """This process's transcriber for `spec`, created (and its model loaded) once."""
    key = f"{spec.model}|{spec.whisper}|{spec.model_name}"
    with _lock:
        if key not in _transcribers:
            try:
                transcriber = spec.make_transcriber()
                getattr(transcriber, "model", None)  # WhisperTranscriber loads lazily: load now, once
                _transcribers[key] = transcriber
            except CallcheckError as err:
                _transcribers[key] = err
            except Exception as err:  # noqa: BLE001 - a broken plugin: fail its calls, do not kill the pool
                _transcribers[key] = ModelError(f"cannot create the transcriber ({type(err).__name__}: {err})")
        value = _transcribers[key]
    if isinstance(value, CallcheckError):
        raise value
    return value


@contextlib.contextmanager
def _audio_file(job: Job) -> Iterator[Path]:
    """The job's file, or its shipped bytes in a temporary file with the same suffix."""
    if job.audio is None:
        yield job.meta.path
        return
    fd, name = tempfile.mkstemp(prefix="callcheck-", suffix=job.meta.path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(job.audio)
        yield Path(name)
    finally:
        os.unlink(name)


def _init_worker(spec: AnalysisSpec, parent_pid: int) -> None:
    """Process-pool initializer: ignore Ctrl-C (the parent handles it), exit with the
    parent, load the model."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    with contextlib.suppress(CallcheckError):  # remembered; each call then fails with the reason
        _transcriber(spec)


def _watch_parent(parent_pid: int, *, interval_s: float = 1.0) -> None:
    while os.getppid() == parent_pid:
        time.sleep(interval_s)
    os._exit(1)  # the parent was killed: nobody will read our results


class LocalExecutor(Executor):
    """`jobs` worker processes on this machine, `threads` CPU threads each.

    Defaults: as many workers as cores allow (batch.default_jobs) and
    threads = cores // jobs, so workers x threads = cores.
    """

    def __init__(self, *, jobs: int, threads: int | None = None, start_method: str = "spawn"):
        if jobs < 1:
            raise ConfigError(f"--jobs must be at least 1, not {jobs}")
        self.jobs = jobs
        self.threads = threads or max(1, cpu_count() // jobs)
        self.context = multiprocessing.get_context(start_method)

    def run(self, jobs: Sequence[Job], spec: AnalysisSpec) -> Iterator[JobResult]:
        spec = dataclasses.replace(spec, whisper=dataclasses.replace(spec.whisper, cpu_threads=self.threads))
        queue, suspects = deque(jobs), deque()
        with _thread_env(self.threads):
            while queue or suspects:
                pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(queue) + len(suspects)),
                                           mp_context=self.context, initializer=_init_worker,
                                           initargs=(spec, os.getpid()))
                try:
                    yield from self._drain(pool, queue, suspects, spec)
                except BaseException:  # Ctrl-C, the consumer stopped, a write failed: do not wait
                    _stop(pool)
                    raise
                pool.shutdown(wait=True)

    def _drain(self, pool: ProcessPoolExecutor, queue: deque, suspects: deque, spec: AnalysisSpec) -> Iterator[JobResult]:
        """Run jobs until none are left or the pool breaks; a suspect runs alone."""
        pending: dict = {}
        alone = False
        while queue or suspects or pending:
            while not alone and len(pending) < self.jobs and (queue or suspects):
                if suspects and pending:
                    break
                source = suspects if suspects else queue
                job = source.popleft()
                try:
                    future = pool.submit(analyze_job, job, spec)
                except BrokenProcessPool:  # a worker died after the last wait: its calls' futures say so below
                    source.appendleft(job)
                    if not pending:
                        return
                    break
                alone = source is suspects
                pending[future] = job
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in finished:
                job = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken = True
                    if alone:
                        yield JobFailed(job, CRASHED)
                    else:
                        suspects.append(job)
            alone = False
            if broken:
                suspects.extend(pending.values())
                if suspects:
                    log.warning("a worker process died; re-running %d call(s) one at a time", len(suspects))
                return


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting for calls in progress (on error or Ctrl-C)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


@contextlib.contextmanager
def _thread_env(threads: int) -> Iterator[None]:
    """Numeric libraries in new worker processes use `threads` threads."""
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update({name: str(threads) for name in _THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class DaskExecutor(Executor):
    """The same jobs on a Dask distributed cluster; audio bytes travel with each job,
    so workers need callcheck and the model but not the files."""

    def __init__(self, scheduler: str, *, window: int | None = None, connect_timeout_s: float = 30.0):
        self.scheduler = scheduler
        self.window = window
        self.connect_timeout_s = connect_timeout_s

    def run(self, jobs: Sequence[Job], spec: AnalysisSpec) -> Iterator[JobResult]:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise ConfigError("--executor dask needs dask.distributed: pip install 'dask[distributed]'") from None
        if not jobs:
            return
        try:
            client = Client(self.scheduler, timeout=self.connect_timeout_s)
        except (OSError, TimeoutError) as err:
            raise CallcheckError(f"{self.scheduler}: cannot reach the Dask scheduler ({err})") from None
        with client:
            window = self.window or max(2, 2 * sum(client.nthreads().values()))
            queue = deque(jobs)
            pending = {}
            running = as_completed()
            yield from self._feed(client, queue, spec, pending, running, window=window)
            for future in running:
                job = pending.pop(future.key)
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - a lost worker (KilledWorker), not the call
                    result = JobFailed(job, f"dask: {type(err).__name__}: {err}")
                future.release()
                yield result
                yield from self._feed(client, queue, spec, pending, running, window=window)

    @staticmethod
    def _feed(client, queue: deque, spec: AnalysisSpec, pending: dict, running, *, window: int) -> Iterator[JobFailed]:
        """Submit queued jobs until `window` are pending; a file that cannot be read fails alone."""
        while queue and len(pending) < window:
            job = queue.popleft()
            try:
                audio = job.meta.path.read_bytes()
            except OSError as err:
                yield JobFailed(job, f"{job.meta.path}: cannot read ({err.strerror or err})")
                continue
            future = client.submit(analyze_job, dataclasses.replace(job, audio=audio), spec, pure=False)
            pending[future.key] = job
            running.add(future)
