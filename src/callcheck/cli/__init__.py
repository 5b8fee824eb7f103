"""The command line: parses options, calls the library, turns errors into one line.

Library errors (CallcheckError) become `callcheck: <file>: <problem>` on stderr
and exit code 2 (`common.clean_errors`); nothing here computes anything itself.
This module only builds the command group; each command lives in its own module.
"""

from __future__ import annotations

import logging

import click

from callcheck import __version__
from callcheck.cli.analyze import analyze
from callcheck.cli.batch import batch, scorecard
from callcheck.cli.info import models, rules_command
from callcheck.cli.redact import redact_command
from callcheck.cli.serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callcheck")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """Offline quality checks for telephone-support calls."""
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


for command in (analyze, models, rules_command, batch, scorecard, serve, redact_command):
    main.add_command(command)
