"""`callcheck batch` and `callcheck scorecard`: parse options, call the library, show progress.

Errors become one line and exit code 2 (`common.clean_errors`); `batch` exits 1
when any call failed.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from callcheck.batch.metadata import PathPattern, call_metas, read_manifest
from callcheck.batch.runner import AnalysisSpec, BatchSummary, JobDone, JobResult, default_jobs, discover, plan_batch, run_batch
from callcheck.batch.store import Store
from callcheck.cli.common import (
    bleep_option,
    call_options,
    clean_errors,
    config_option,
    hotwords_option,
    layout_options,
    load_factory,
    model_options,
    redact_option,
    transcriber_option,
)
from callcheck.config import load_config
from callcheck.errors import ConfigError
from callcheck.report import FORMATS
from callcheck.speech.asr import WhisperSettings
from callcheck.speech.models import resolve_model

log = logging.getLogger(__name__)
EXIT_FAILED_CALLS = 1
SCORECARD_GROUPS = ("agent", "team")  # = scorecard.GROUPS; not imported, pandas loads slowly
SCORECARD_FORMATS = ("csv", "xlsx", "parquet", "html")  # = scorecard.EXPORT_FORMATS
SCORECARD_LAYOUTS = ("stereo", "mixed", "single")  # = scorecard.LAYOUT_KINDS


@click.command("batch")
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False),
              help="CSV with path,call_id,agent,team,started_at,direction,agent_channel,layout,customer_name,"
                   "hotwords (only path required).")
@click.option("--pattern", help="Read metadata from paths, e.g. '{team}/{agent}/{started_at:%Y-%m-%d}_{call_id}.wav'.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default="callcheck.db", show_default=True,
              help="Results database (SQLite), created if missing.")
@click.option("--reports", type=click.Path(path_type=Path, file_okay=False),
              help="Directory for per-call reports (default: <db name>-reports next to the database).")
@click.option("-j", "--jobs", type=click.IntRange(1, 512), help="Worker processes (default: one per core).")
@click.option("--threads", type=click.IntRange(0, 256), default=0,
              help="CPU threads per worker (0 = cores / jobs; with dask: all cores of the worker).")
@click.option("--html", "with_html", is_flag=True, help="Also write an HTML report per call.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", metavar="tcp://HOST:8786", help="Dask scheduler address (with --executor dask).")
@call_options(agent_channel_help="Agent channel for calls whose metadata names none.")
@layout_options
@model_options
@hotwords_option(scope="every call")
@config_option
@click.option("--force", is_flag=True, help="Analyse again calls the database already has.")
@redact_option
@click.option("--redacted-audio", "redacted_audio_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also write each call's recording with personal data silenced into this directory.")
@bleep_option
@transcriber_option
@clean_errors
def batch(inputs, manifest, pattern, db, reports, jobs, threads, with_html, executor, scheduler, agent_channel,
          language, layout, agent_speaker, model_spec, beam_size, hotwords, config_path, report_language, force,
          no_redact, redacted_audio_dir, bleep, transcriber_ref):
    """Score every call in INPUT (files, directories, globs) into a results database.

    Finished calls (same audio, same settings) are skipped, so a re-run after an
    interruption finishes the rest. Exit code 1 when any call failed.

    \b
    Examples:
      callcheck batch recordings/2026-11/
      callcheck batch 'calls/**/*.wav' --pattern '{team}/{agent}/{started_at:%Y-%m-%d}_{call_id}.wav'
      callcheck batch --manifest calls.csv --db qa.db --reports reports/ --html -j 4
      callcheck batch recordings/ --executor dask --scheduler tcp://10.0.0.5:8786
    """
    if not inputs and manifest is None:
        raise click.UsageError("give audio files, directories or globs, or --manifest")
    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler tcp://HOST:8786")
    formats = ("json", "html") if with_html else ("json",)
    if with_html and "html" not in FORMATS:
        raise ConfigError("--html: HTML reports are not available in this version of callcheck")
    factory = load_factory(transcriber_ref) if transcriber_ref else None
    spec = AnalysisSpec(
        config=load_config(config_path), model=None if factory else resolve_model(model_spec),
        whisper=WhisperSettings(beam_size=beam_size, cpu_threads=threads), language=language,
        report_language=report_language, agent_channel=agent_channel, formats=formats, transcriber_factory=factory,
        layout=layout, agent_speaker=agent_speaker, redact=False if no_redact else None,
        redacted_audio_dir=redacted_audio_dir, bleep=bleep, hotwords=hotwords,
    )
    paths, problems = discover(inputs)
    rows, bad_rows = read_manifest(manifest) if manifest else ({}, [])
    metas, unmatched = call_metas(paths, manifest=rows, pattern=PathPattern(pattern) if pattern else None)
    reports = reports or db.with_name(f"{db.stem}-reports")
    with Store(db) as store:
        plan = plan_batch(metas, spec=spec, store=store, force=force, reports_dir=reports,
                          problems=[*problems, *bad_rows, *unmatched])
        runner = _executor(executor, scheduler=scheduler, jobs=jobs, threads=threads)
        with _Progress(len(plan.todo)) as progress:
            summary = run_batch(plan, spec=spec, store=store, executor=runner, reports_dir=reports,
                                on_result=progress.advance)
    _print_summary(summary, db=db, reports=reports)
    if summary.failed:
        sys.exit(EXIT_FAILED_CALLS)


def _executor(kind: str, *, scheduler: str | None, jobs: int | None, threads: int):
    from callcheck.batch.executors import DaskExecutor, LocalExecutor

    if kind == "dask":
        if jobs:
            log.warning("--jobs is ignored with --executor dask: the cluster's workers decide")
        return DaskExecutor(scheduler)
    return LocalExecutor(jobs=jobs or default_jobs(), threads=threads or None)


class _Progress:
    """A rich progress bar on stderr: count, calls per hour, elapsed time and ETA."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), disable=total == 0,
        )
        self.task = self.progress.add_task("scoring", total=total, rate="")
        self.failed = 0

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def advance(self, result: JobResult) -> None:
        self.failed += not isinstance(result, JobDone)
        task = self.progress.tasks[0]
        done = task.completed + 1
        elapsed = task.elapsed or 0.0
        rate = f"{3600 * done / elapsed:,.0f} calls/h" if elapsed > 0 else ""
        rate += f", {self.failed} failed" if self.failed else ""
        self.progress.update(self.task, advance=1, rate=rate)


def _print_summary(summary: BatchSummary, *, db: Path, reports: Path) -> None:
    scored = f"scored {summary.scored}" + (f" ({summary.no_speech} without speech)" if summary.no_speech else "")
    parts = [scored, f"skipped {summary.skipped} (already done)"]
    if summary.duplicates:
        parts.append(f"{summary.duplicates} duplicate audio")
    parts.append(f"failed {len(summary.failed)}")
    rate = f", {summary.calls_per_hour:,.0f} calls/h" if summary.calls_per_hour else ""
    click.echo(f"{', '.join(parts)} in {summary.elapsed_s:.1f} s{rate}")
    if summary.layouts:
        click.echo("layouts: " + ", ".join(f"{kind} {count}" for kind, count in sorted(summary.layouts.items())))
    for problem in summary.failed:
        click.echo(f"  failed: {problem.where}: {problem.message}")
    click.echo(f"results: {db}, reports: {reports}")


@click.command("scorecard")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default="callcheck.db", show_default=True)
@click.option("--month", required=True, metavar="YYYY-MM", help="Calls started in this month.")
@click.option("--by", type=click.Choice(SCORECARD_GROUPS), default="agent", show_default=True)
@click.option("--format", "fmt", type=click.Choice(SCORECARD_FORMATS), help="Default: from the output's suffix.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--layout", type=click.Choice(SCORECARD_LAYOUTS), help="Only calls recorded this way (default: all).")
@clean_errors
def scorecard(db, month, by, fmt, output, layout):
    """Write a month's scorecard per agent or team: scores, rule fail rates, speaking metrics.

    \b
    Examples:
      callcheck scorecard --month 2026-11 -o scorecard-2026-11.xlsx
      callcheck scorecard --db qa.db --month 2026-11 --by team --format csv -o teams.csv
      callcheck scorecard --month 2026-11 -o scorecard.html
      callcheck scorecard --month 2026-11 --layout mixed -o mono-mixes.csv
    """
    from callcheck.batch.scorecard import build_scorecard
    from callcheck.batch.scorecard_files import export

    card = build_scorecard(db, month=month, by=by, layout=layout)
    path = export(card, output, fmt=fmt)
    click.echo(f"{path}: {len(card.table)} {by}s, {int(card.table['calls'].sum())} scored calls in {month}")
