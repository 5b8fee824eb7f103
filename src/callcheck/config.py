"""Read threshold overrides from TOML; every key and value checked once.

A file overrides any subset of the defaults in `MeasureSettings`:

    [measure]
    pause_min_s = 0.3
    [measure.backchannels]
    de = ["mhm", "ja"]
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from callcheck.errors import ConfigError
from callcheck.settings import MeasureSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECTIONS = ("measure",)


def load_config(path: str | Path | None) -> MeasureSettings:
    """Settings from `path` over the defaults; the defaults alone for None."""
    if path is None:
        return MeasureSettings()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}] (known: {', '.join(SECTIONS)})")
    return measure_settings(data.get("measure", {}), source=str(path))


def measure_settings(values: dict[str, Any], *, source: str = "config") -> MeasureSettings:
    defaults = MeasureSettings()
    known = {f.name: f for f in dataclasses.fields(MeasureSettings)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown setting measure.{key}")
        if key == "backchannels":
            changes[key] = {**defaults.backchannels, **_phrase_lists(value, source=source)}
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: measure.{key} must be a number, not {value!r}")
        else:
            changes[key] = float(value)
    try:
        return dataclasses.replace(defaults, **changes)
    except ConfigError as err:
        raise ConfigError(f"{source}: measure.{err}") from None


def _phrase_lists(value: Any, *, source: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: measure.backchannels must be a table of language = [phrases]")
    out = {}
    for language, phrases in value.items():
        if language not in ("de", "en") or not isinstance(phrases, list) or not all(
            isinstance(p, str) for p in phrases
        ):
            raise ConfigError(f"{source}: measure.backchannels.{language} must be a list of strings (de or en)")
        out[language] = tuple(p.lower() for p in phrases)
    return out
