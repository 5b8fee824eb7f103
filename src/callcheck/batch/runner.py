"""Score many calls: find the audio, attach metadata, skip what is done, analyse the rest.

discover() -> call_metas() -> plan_batch() -> run_batch(). Each call is keyed
by the SHA-256 of its audio and the hash of its analysis settings, so a re-run
skips finished calls and picks up after a crash. Workers (executors.py) analyse;
this process is the one writer: it writes the report files of a call, then
saves it to the database in one transaction.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from callcheck import report as report_writers
from callcheck.batch.metadata import CallMeta, MetaProblem
from callcheck.batch.store import Store, config_hash, content_hash
from callcheck.config import Config
from callcheck.errors import CallcheckError, ConfigError, StoreError
from callcheck.pipeline import AnalyzeOptions
from callcheck.privacy import write_redacted_audio
from callcheck.records import AsrHints, CallReport
from callcheck.signal.vad import VadSettings
from callcheck.speech.asr import Transcriber, WhisperSettings, WhisperTranscriber
from callcheck.speech.models import ModelSpec

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".wma",
                            ".webm", ".aif", ".aiff", ".au", ".caf", ".amr", ".3gp"})
REPORT_SUFFIXES = {"json": ".json", "md": ".md", "html": ".html"}


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """How every call of a batch is analysed; the same in every worker.

    `transcriber_factory` replaces Whisper (tests, plugins); it must be picklable,
    e.g. a class or function defined at module level.
    """

    config: Config
    model: ModelSpec | None = None
    whisper: WhisperSettings = WhisperSettings()
    language: str = "auto"
    report_language: str | None = None
    agent_channel: str = "left"  # for calls whose metadata names none
    formats: tuple[str, ...] = ("json",)
    layout: str = "auto"  # for calls whose metadata names none
    agent_speaker: str = "auto"
    redact: bool | None = None  # None = the config's [privacy] redact
    redacted_audio_dir: Path | None = None  # write <report stem>.redacted.wav here
    bleep: str = "silence"
    transcriber_factory: Callable[[], Transcriber] | None = None
    hotwords: tuple[str, ...] = ()  # vocabulary hints for every call (--hotwords), on top of the config's

    def __post_init__(self) -> None:
        if self.model is None and self.transcriber_factory is None:
            raise ConfigError("an analysis needs a model or a transcriber factory")
        if unknown := [f for f in self.formats if f not in report_writers.FORMATS]:
            raise ConfigError(f"report format {unknown[0]} is not available (have: {', '.join(report_writers.FORMATS)})")
        AnalyzeOptions(language=self.language, report_language=self.report_language, agent_channel=self.agent_channel,
                       layout=self.layout, agent_speaker=self.agent_speaker, hotwords=self.hotwords)

    @property
    def model_name(self) -> str:
        if self.transcriber_factory is not None:
            return f"{self.transcriber_factory.__module__}.{self.transcriber_factory.__qualname__}"
        return self.model.name

    def make_transcriber(self) -> Transcriber:
        if self.transcriber_factory is not None:
            return self.transcriber_factory()
        return WhisperTranscriber(self.model, settings=self.whisper)

    def hints(self, call_hotwords: tuple[str, ...] = ()) -> AsrHints:
        """The vocabulary hints of a call: the config's, the batch's, then the call's own."""
        return self.config.asr.plus(self.hotwords).plus(call_hotwords)

    def key(self, agent_channel: str, layout: str | None = None, *, hotwords: tuple[str, ...] = ()) -> str:
        """The config hash of a call analysed with these settings, this agent channel, layout and
        call's own vocabulary hints (`meta.hotwords`)."""
        extra = {} if (layout or self.layout) == "auto" and self.agent_speaker == "auto" else {
            "layout": layout or self.layout, "agent_speaker": self.agent_speaker}  # "auto" keeps earlier hashes
        if self.redact is not None:
            extra["redact"] = self.redact
        if (hints := self.hints(hotwords)).active:  # no hints keeps earlier hashes
            extra["asr_hints"] = {"words": list(hints.words), "mode": hints.mode}
        return config_hash(
            self.config, model=self.model_name, compute_type=self.whisper.compute_type, beam_size=self.whisper.beam_size,
            condition_on_previous_text=self.whisper.condition_on_previous_text, language=self.language,
            report_language=self.report_language, agent_channel=agent_channel, vad=dataclasses.asdict(VadSettings()),
            **extra,
        )

    def options(self, meta: CallMeta) -> AnalyzeOptions:
        return AnalyzeOptions(agent_channel=meta.agent_channel or self.agent_channel, language=self.language,
                              call_id=meta.call_id, report_language=self.report_language, config=self.config,
                              layout=meta.layout or self.layout, agent_speaker=self.agent_speaker, redact=self.redact,
                              known_names=tuple(n for n in (meta.agent, meta.customer_name) if n),
                              hotwords=(*self.hotwords, *meta.hotwords))


@dataclass(frozen=True, slots=True)
class Job:
    """One call to analyse. `audio` carries the file's bytes to workers without the file."""

    meta: CallMeta
    audio_sha256: str
    config_hash: str
    audio: bytes | None = None


@dataclass(frozen=True, slots=True)
class JobDone:
    job: Job
    report: CallReport
    texts: dict[str, str]  # report format -> rendered report
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class JobFailed:
    job: Job
    error: str
    elapsed_s: float = 0.0


JobResult = JobDone | JobFailed


@dataclass(frozen=True, slots=True)
class Plan:
    todo: tuple[Job, ...]
    done: tuple[Job, ...]  # already in the database with the same settings
    duplicates: tuple[MetaProblem, ...]  # the same audio twice in this batch
    problems: tuple[MetaProblem, ...]  # cannot be planned (bad row, unreadable file)


@dataclass(frozen=True, slots=True)
class BatchSummary:
    scored: int
    no_speech: int  # among `scored`: analysed, nobody spoke
    skipped: int
    duplicates: int
    failed: tuple[MetaProblem, ...]
    elapsed_s: float
    layouts: dict[str, int] = dataclasses.field(default_factory=dict)  # scored calls per layout ("stereo": 12, ...)

    @property
    def calls_per_hour(self) -> float | None:
        return 3600 * self.scored / self.elapsed_s if self.scored and self.elapsed_s > 0 else None


def discover(inputs: Iterable[str | Path]) -> tuple[list[Path], list[MetaProblem]]:
    """Audio files named by `inputs`: files, directories (recursive) or glob patterns.

    A named file is taken whatever its extension; inside directories only audio
    extensions count and hidden files are skipped. Sorted, each file once.
    """
    found: dict[Path, Path] = {}
    problems = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = _audio_under(path)
        elif glob.has_magic(str(item)):
            candidates = [p for p in sorted(Path(m) for m in glob.glob(str(path), recursive=True)) if p.is_file()]
            if not candidates:
                problems.append(MetaProblem(str(item), "no files match this pattern"))
        else:
            problems.append(MetaProblem(str(item), "no such file or directory"))
            continue
        for candidate in candidates:
            found.setdefault(candidate.resolve(), candidate)
    return sorted(found.values()), problems


def _audio_under(root: Path) -> list[Path]:
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [Path(folder) / f for f in sorted(files)
                if not f.startswith(".") and Path(f).suffix.lower() in AUDIO_SUFFIXES]
    return out


def plan_batch(metas: Sequence[CallMeta], *, spec: AnalysisSpec, store: Store, force: bool = False,
               reports_dir: Path | None = None, problems: Sequence[MetaProblem] = ()) -> Plan:
    """Hash every file and keep the calls not yet in `store` with these settings.

    With `reports_dir`, a finished call whose report files (in `spec.formats`) are
    missing there is analysed again. `problems` found earlier (bad manifest rows,
    missing inputs) are carried along so the summary reports them with the failed calls.
    """
    finished = set() if force else store.finished_keys()
    todo, done, duplicates, problems = [], [], [], list(problems)
    seen: dict[tuple[str, str], Path] = {}
    for meta in metas:
        meta = dataclasses.replace(meta, agent_channel=meta.agent_channel or spec.agent_channel)
        try:
            sha = content_hash(meta.path)
        except OSError as err:
            problems.append(MetaProblem(str(meta.path), f"cannot read ({err.strerror or err})"))
            continue
        key = (sha, spec.key(meta.agent_channel, meta.layout, hotwords=meta.hotwords))
        if key in seen:
            duplicates.append(MetaProblem(str(meta.path), f"same audio as {seen[key]}"))
            continue
        seen[key] = meta.path
        job = Job(meta=meta, audio_sha256=sha, config_hash=key[1])
        if key in finished and not _reports_missing(meta, sha, spec=spec, reports_dir=reports_dir):
            done.append(job)
        else:
            todo.append(job)
    log.info("plan: %d to analyse, %d done, %d duplicates, %d problems", len(todo), len(done), len(duplicates),
             len(problems))
    return Plan(tuple(todo), tuple(done), tuple(duplicates), tuple(problems))


def _reports_missing(meta: CallMeta, sha: str, *, spec: AnalysisSpec, reports_dir: Path | None) -> bool:
    if reports_dir is None:
        return False
    stem = report_stem(meta, sha)
    return any(not (reports_dir / f"{stem}{REPORT_SUFFIXES.get(fmt, '.' + fmt)}").is_file() for fmt in spec.formats)


class Executor:
    """Runs jobs somewhere and yields their results in any order (see executors.py)."""

    def run(self, jobs: Sequence[Job], spec: AnalysisSpec) -> Iterable[JobResult]:  # pragma: no cover
        raise NotImplementedError


def run_batch(plan: Plan, *, spec: AnalysisSpec, store: Store, executor: Executor, reports_dir: Path,
              on_result: Callable[[JobResult], None] | None = None) -> BatchSummary:
    """Analyse `plan.todo` with `executor`; write each call's reports, then save it.

    A call that fails is saved as failed with its message; the others go on.
    Finished calls are not analysed again, but metadata given explicitly this
    time (manifest, pattern) updates their rows.
    """
    start = time.perf_counter()
    store.update_meta([(j.meta, j.audio_sha256, j.config_hash) for j in plan.done if j.meta.origin != "file"])
    scored = no_speech = 0
    layouts: dict[str, int] = {}
    failed = list(plan.problems)
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"{reports_dir}: cannot create the reports directory ({err.strerror or err})") from None
    for result in executor.run(sorted(plan.todo, key=_size, reverse=True), spec):  # longest first: even finish
        job = result.job
        if isinstance(result, JobDone):
            paths = write_reports(result, reports_dir=reports_dir)
            if spec.redacted_audio_dir is not None:
                failed += _redacted_copy(result, spec=spec)
            store.save(result.report, job.meta, audio_sha256=job.audio_sha256, config_hash=job.config_hash,
                       report_path=paths.get("json"), elapsed_s=result.elapsed_s)
            scored += 1
            no_speech += result.report.status == "no_speech"
            if result.report.layout is not None:
                layouts[result.report.layout.kind] = layouts.get(result.report.layout.kind, 0) + 1
        else:
            store.save_failure(job.meta, result.error, audio_sha256=job.audio_sha256, config_hash=job.config_hash,
                               elapsed_s=result.elapsed_s)
            failed.append(MetaProblem(str(job.meta.path), result.error))
            log.warning("%s: %s", job.meta.path, result.error)
        if on_result is not None:
            on_result(result)
    return BatchSummary(scored=scored, no_speech=no_speech, skipped=len(plan.done), duplicates=len(plan.duplicates),
                        failed=tuple(failed), elapsed_s=time.perf_counter() - start, layouts=layouts)


def _size(job: Job) -> int:
    try:
        return job.meta.path.stat().st_size
    except OSError:
        return 0


def report_stem(meta: CallMeta, audio_sha256: str) -> str:
    """`<call id>_<first 10 hex digits of the audio hash>`: readable and never clashing."""
    safe = re.sub(r"[^\w.-]+", "_", meta.call_id).strip("._") or "call"
    return f"{safe[:80]}_{audio_sha256[:10]}"


def _redacted_copy(result: JobDone, *, spec: AnalysisSpec) -> list[MetaProblem]:
    """Write the call's redacted audio; a failure is reported with the call, the call itself stays scored."""
    job, redaction = result.job, result.report.redaction
    if redaction is None or not redaction.enabled:
        return []
    target = spec.redacted_audio_dir / f"{report_stem(job.meta, job.audio_sha256)}.redacted.wav"
    try:
        write_redacted_audio(job.meta.path, redaction.spans, target, bleep=spec.bleep)
    except CallcheckError as err:
        log.warning("%s", err)
        return [MetaProblem(str(job.meta.path), f"redacted audio: {err}")]
    return []


def write_reports(result: JobDone, *, reports_dir: Path) -> dict[str, Path]:
    """Write every rendered report atomically (temporary file, then rename)."""
    stem = report_stem(result.job.meta, result.job.audio_sha256)
    paths = {}
    for fmt, text in result.texts.items():
        path = reports_dir / f"{stem}{REPORT_SUFFIXES.get(fmt, '.' + fmt)}"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{path}: cannot write report ({err.strerror or err})") from None
        paths[fmt] = path
    return paths


BATCH_PROCESS_MB = 200  # the batch process itself: CLI, store, results in flight
WORKER_PEAK_MB = 1200  # one analysis, whatever the call's length (scripts/bench_memory.py measures it below this)
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def default_jobs() -> int:
    """One worker per core, as many as the memory this process may use holds at WORKER_PEAK_MB each.

    The memory is what is available now (MemAvailable), capped by a cgroup
    limit (containers, systemd slices, batch schedulers), less the batch
    process itself.
    """
    cores = cpu_count()
    memory_mb = usable_memory_mb()
    if memory_mb is None:
        return cores
    return max(1, min(cores, int((memory_mb - BATCH_PROCESS_MB) // WORKER_PEAK_MB)))


def usable_memory_mb() -> float | None:
    """MiB this process can still use: MemAvailable, capped by its cgroup's limit; None if unknown."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (ValueError, OSError, AttributeError):
            return None
    for path in _CGROUP_LIMITS:
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # "max" or a huge number: no limit
            available = min(available, int(text) / 2**20)
    return available


def cpu_count() -> int:
    """Cores this process may use (respects CPU affinity, e.g. in containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
