"""`callcheck redact`: personal data out of a plain-text transcript from elsewhere."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from callcheck.cli.common import clean_errors
from callcheck.errors import ConfigError


@click.command("redact")
@click.argument("source", default="-", metavar="[FILE|-]")
@click.option("--language", type=click.Choice(["de", "en"]), required=True, help="Language of the transcript.")
@click.option("--name", "names", multiple=True, metavar="NAME",
              help="A name to redact wherever it occurs (the agent's, the customer's); repeatable.")
@clean_errors
def redact_command(source: str, language: str, names: tuple[str, ...]) -> None:
    """Replace personal data in a transcript (one turn per line) by [IBAN], [PHONE], [PERSON], ...

    Reads FILE (UTF-8) or standard input ("-") and writes the redacted text to
    standard output, line for line. Nothing leaves this computer.

    \b
    Examples:
      callcheck redact transcript.txt --language de > transcript.redacted.txt
      cat call.txt | callcheck redact - --language en --name "Sam Miller"
    """
    from callcheck.redact import redact_text

    text = _read(source)
    for line in text.splitlines():
        click.echo(redact_text(line, language=language, known_names=names))


def _read(source: str) -> str:
    where = "standard input" if source == "-" else source
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a directory, not a text file") from None
    except OSError as err:
        raise ConfigError(f"{where}: cannot read ({err.strerror or err})") from None
    if b"\x00" in data[:4096]:
        raise ConfigError(f"{where}: not a text file (binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{where}: not UTF-8 text (byte {err.start})") from None
