"""What every command shares: the error-to-exit-code wrapper, option groups, parsers.

The commands (analyze, rules, models, batch, scorecard, serve) import from
here; nothing here imports a command, so the command modules never import
each other or the group that registers them.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from callcheck.config import check_hotwords, parse_hotwords
from callcheck.errors import CallcheckError, ConfigError
from callcheck.pipeline import LANGUAGES
from callcheck.records import LAYOUTS
from callcheck.speech.models import BASE_NAME
from callcheck.speech.roles import AGENT_SPEAKERS

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


def load_factory(ref: str):
    """`module:name` -> that object (the hidden --transcriber option of batch and serve)."""
    module, _, name = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as err:
        raise ConfigError(f"--transcriber {ref}: cannot load ({err})") from None


def _stack(*decorators: Callable) -> Callable:
    """One decorator applying `decorators` in the order they are written."""

    def apply(func):
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def config_option(func):
    return click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                        help="TOML file overriding thresholds, phrase lists and weights (see README).")(func)


def model_options(func):
    """--model and --beam-size: which Whisper model and how it decodes."""
    return _stack(
        click.option("--model", "model_spec", metavar="PATH|NAME",
                     help=f"Whisper model: a CTranslate2 directory, {BASE_NAME} or tiny.en "
                          "(default: $CALLCHECK_MODEL, else whisper-base)."),
        click.option("--beam-size", type=click.IntRange(1, 10), default=1, show_default=True,
                     help="1 = greedy decoding (fastest)."),
    )(func)


def call_options(*, agent_channel_help: str) -> Callable:
    """--agent-channel, --language and --report-language: how one call is read and reported."""
    return _stack(
        click.option("--agent-channel", type=click.Choice(["left", "right"]), default="left", show_default=True,
                     help=agent_channel_help),
        click.option("--language", type=click.Choice(LANGUAGES), default="auto", show_default=True,
                     help="Call language; auto detects it on both parties' speech."),
        click.option("--report-language", type=click.Choice(["de", "en"]),
                     help="Language of titles, reasons and tips (default: the call's)."),
    )


def _parse_hotwords(ctx, param, value: str | None) -> tuple[str, ...]:
    try:
        return check_hotwords(parse_hotwords(value), where="--hotwords")
    except ConfigError as err:
        raise click.BadParameter(str(err)) from None


def hotwords_option(*, scope: str) -> Callable:
    """--hotwords "Acme;Sam Miller": vocabulary hints for Whisper, added to the config's [asr] hotwords."""
    return click.option("--hotwords", callback=_parse_hotwords, metavar="'NAME;NAME;...'",
                        help=f"Names {scope} probably contains (company, products, agent), ';'-separated: Whisper "
                             "spells them right. Added to the config's [asr] hotwords.")


def layout_options(func):
    """--layout and --agent-speaker: how the recording holds the parties (see README "Recording layouts")."""
    return _stack(
        click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True,
                     help="stereo = one party per channel; mixed = both parties in one signal (split by speaker); "
                          "single = one speaker; auto decides per call and says why in the report."),
        click.option("--agent-speaker", type=click.Choice(AGENT_SPEAKERS), default="auto", show_default=True,
                     help="In a mixed recording: which speaker is the agent (auto = from what they say)."),
    )(func)


def redact_option(func):
    return click.option("--no-redact", "no_redact", is_flag=True,
                        help="Keep personal data (IBAN, card, phone, e-mail, birth date, address, customer number, "
                             "names) verbatim in reports and the database. Default: replaced by [IBAN], [PERSON], ...")(func)


def bleep_option(func):
    return click.option("--bleep", type=click.Choice(["silence", "tone"]), default="silence", show_default=True,
                        help="What replaces personal data in --redacted-audio.")(func)


def transcriber_option(func):
    return click.option("--transcriber", "transcriber_ref", hidden=True, metavar="MODULE:FACTORY",
                        help="A Transcriber factory to use instead of Whisper (tests, plugins).")(func)


def parse_channel_map(ctx, param, value: str | None) -> dict[str, int] | None:
    """`agent=0,customer=2` -> {"agent": 0, "customer": 2}."""
    if not value:
        return None
    try:
        pairs = (item.split("=", 1) for item in value.split(","))
        return {role.strip(): int(index) for role, index in pairs}
    except ValueError:
        raise click.BadParameter("use ROLE=INDEX pairs, e.g. agent=0,customer=2") from None
