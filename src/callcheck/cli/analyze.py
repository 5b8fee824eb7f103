"""`callcheck analyze`: one call, one or several report formats from one analysis."""

from __future__ import annotations

from pathlib import Path

import click

from callcheck.cli.common import (
    bleep_option,
    call_options,
    clean_errors,
    config_option,
    hotwords_option,
    layout_options,
    model_options,
    parse_channel_map,
    redact_option,
)
from callcheck.config import load_config
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.privacy import write_redacted_audio
from callcheck.report import FORMATS, render
from callcheck.speech.asr import WhisperSettings, WhisperTranscriber
from callcheck.speech.models import resolve_model


def parse_formats(ctx, param, value: str) -> tuple[str, ...]:
    """`json,md` -> ("json", "md"); several formats need -o DIR."""
    formats = tuple(dict.fromkeys(f.strip() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"{', '.join(unknown) or value!r}: choose from {', '.join(FORMATS)}")
    return formats


@click.command()
@click.argument("call", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--format", "fmt", callback=parse_formats, default="json", show_default=True, metavar="|".join(FORMATS),
              help="Report format; several comma-separated (json,md,html) write one file each into -o DIR.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of stdout; into an existing "
              "directory (needed for several formats) as <call-id>.<format>.")
@call_options(agent_channel_help="Which channel of a stereo call is the agent.")
@click.option("--channel-map", callback=parse_channel_map, metavar="ROLE=INDEX,...",
              help="Explicit channels for files with more than two, e.g. agent=0,customer=2.")
@layout_options
@model_options
@hotwords_option(scope="the call")
@click.option("--threads", type=click.IntRange(0, 256), default=0, help="CPU threads for ASR (0 = all cores).")
@click.option("--call-id", help="ID for the report (default: the file name without extension).")
@config_option
@redact_option
@click.option("--redacted-audio", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write a copy of the recording with every span of personal data silenced (WAV).")
@bleep_option
@clean_errors
def analyze(call, fmt, output, agent_channel, language, report_language, channel_map, layout, agent_speaker, model_spec,
            beam_size, hotwords, threads, call_id, config_path, no_redact, redacted_audio, bleep):
    """Transcribe CALL and write its report.

    \b
    Examples:
      callcheck analyze samples/de_support_call.wav
      callcheck analyze call.flac --agent-channel right --format md -o call.md
      callcheck analyze call.wav --format json,md,html -o reports/
      callcheck analyze mono_mix_8k.wav --layout mixed --format md
      callcheck analyze call.wav --redacted-audio call.redacted.wav --bleep tone
      callcheck analyze call.wav --hotwords "Grumps und Söhne;Sonja Müller"
    """
    if len(fmt) > 1 and (output is None or output.is_file()):
        raise click.UsageError("several formats write one file each: give -o DIR (a directory)")
    config = load_config(config_path)
    options = AnalyzeOptions(
        agent_channel=agent_channel, channel_map=channel_map, language=language, call_id=call_id,
        config=config, report_language=report_language, layout=layout, agent_speaker=agent_speaker,
        redact=False if no_redact else None, hotwords=hotwords,
    )
    settings = WhisperSettings(cpu_threads=threads, beam_size=beam_size)
    transcriber = WhisperTranscriber(resolve_model(model_spec), settings=settings)
    report = analyze_call(call, transcriber=transcriber, options=options)
    if redacted_audio is not None:
        if not report.redaction.enabled:
            raise click.UsageError("--redacted-audio needs redaction on (no --no-redact; [privacy] redact = true)")
        write_redacted_audio(report.path, report.redaction.spans, redacted_audio, bleep=bleep)
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
