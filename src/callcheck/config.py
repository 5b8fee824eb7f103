"""Thresholds, phrase lists and weights: shipped defaults plus a user's TOML.

`defaults.toml` (next to this module) holds every value; a user's file
overrides any subset of it. Every key and value is checked once, here, and a
wrong one is named in the error. `Config.sources` says where each value came
from, for `callcheck rules`.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcheck.errors import ConfigError
from callcheck.measure.settings import MeasureSettings
from callcheck.records import HINT_MODES, AsrHints

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_SOURCE = "default"
LANGUAGES = ("de", "en")
HOTWORD_MAX_CHARS = 100  # one name or phrase; Whisper reads at most 223 tokens of hints in all


@dataclass(frozen=True, slots=True)
class Config:
    measure: MeasureSettings
    rules: dict[str, dict[str, float]]  # rule id -> setting -> value
    phrases: dict[str, dict[str, tuple[str, ...]]]  # language -> list name -> phrases
    score: dict[str, float]  # severity -> share of the weight lost
    sources: dict[str, str]  # dotted key -> "default" or the file that set it
    layout: dict[str, float] = field(default_factory=dict)  # how recordings are read (defaults.toml [layout])
    privacy: dict[str, bool] = field(default_factory=lambda: {"redact": True})  # defaults.toml [privacy]
    hold: dict[str, float | bool] = field(default_factory=dict)  # hold-music detection (defaults.toml [hold])
    asr: AsrHints = AsrHints()  # vocabulary hints for every call (defaults.toml [asr])

    def rule_phrases(self, language: str) -> dict[str, tuple[str, ...]]:
        return self.phrases.get(language, self.phrases["en"])


def default_values() -> dict[str, Any]:
    return tomllib.loads(_defaults_text())


def default_notes() -> dict[str, str]:
    """Dotted key -> the comment on its line in defaults.toml: what the value means and when it counts."""
    notes: dict[str, str] = {}
    section = ""
    for line in _defaults_text().splitlines():
        if header := re.fullmatch(r"\[([\w.]+)\]\s*", line):
            section = header.group(1)
        elif entry := re.match(r"(\w+)\s*=[^#]*#\s*(.+)$", line):
            notes[f"{section}.{entry.group(1)}"] = entry.group(2).strip()
    return notes


def _defaults_text() -> str:
    return importlib.resources.files("callcheck").joinpath("defaults.toml").read_text(encoding="utf-8")


def load_config(path: str | Path | None = None) -> Config:
    """The defaults, with the values in `path` (a TOML file) over them."""
    defaults = default_values()
    user: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"{path}: not valid TOML ({err})") from None
    source = str(path) if path is not None else DEFAULT_SOURCE
    sources: dict[str, str] = {}
    merged = _merge(defaults, user, prefix="", source=source, sources=sources)
    return Config(
        measure=_measure(merged["measure"], user.get("measure", {}), source=source),
        rules={rule: dict(values) for rule, values in merged["rules"].items()},
        phrases={lang: {k: tuple(v) for k, v in lists.items()} for lang, lists in merged["phrases"].items()},
        score=dict(merged["score"]),
        sources=sources,
        layout=dict(merged["layout"]),
        privacy=dict(merged["privacy"]),
        hold=dict(merged["hold"]),
        asr=_asr(merged["asr"], source=source),
    )


def _merge(defaults: dict, user: dict, *, prefix: str, source: str, sources: dict[str, str]) -> dict:
    """Defaults overlaid with user values of the same key and kind."""
    for key in user:
        if key not in defaults and not (prefix == "measure." and key == "backchannels"):
            where = f"{prefix}{key}"
            kind = "section" if isinstance(user[key], dict) else "setting"
            raise ConfigError(f"{source}: unknown {kind} {where}")
    merged = {}
    for key, default in defaults.items():
        dotted = f"{prefix}{key}"
        if isinstance(default, dict):
            merged[key] = _merge(default, user.get(key, {}) if isinstance(user.get(key), dict)
                                 else _table(user, key, dotted, source), prefix=f"{dotted}.",
                                 source=source, sources=sources)
            continue
        value = user.get(key, default)
        _check_kind(dotted, default, value, source)
        merged[key] = value
        sources[dotted] = source if key in user else DEFAULT_SOURCE
    return merged


def _table(user: dict, key: str, dotted: str, source: str) -> dict:
    if key in user:
        raise ConfigError(f"{source}: {dotted} must be a table")
    return {}


def _check_kind(dotted: str, default: Any, value: Any, source: str) -> None:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {dotted} must be true or false, not {value!r}")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {dotted} must be a string, not {value!r}")
    elif isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{source}: {dotted} must be a list of strings")
    elif isinstance(default, int | float) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {dotted} must be a number, not {value!r}")
        if value < 0 and not dotted.endswith(("_db", "_s", "_dbfs")):
            raise ConfigError(f"{source}: {dotted} must not be negative, not {value!r}")


def _asr(values: dict[str, Any], *, source: str) -> AsrHints:
    if values["hint_mode"] not in HINT_MODES:
        raise ConfigError(f"{source}: asr.hint_mode must be one of {', '.join(HINT_MODES)}, not {values['hint_mode']!r}")
    return AsrHints(words=check_hotwords(values["hotwords"], where=f"{source}: asr.hotwords"), mode=values["hint_mode"])


def parse_hotwords(text: str | None) -> tuple[str, ...]:
    """`"Acme; Sam Miller"` -> ("Acme", "Sam Miller"): a manifest cell or a --hotwords value."""
    return tuple(word for word in (part.strip() for part in (text or "").split(";")) if word)


def check_hotwords(words: Any, *, where: str = "hotwords") -> tuple[str, ...]:
    """`words` as a tuple of names and phrases; ConfigError (naming `where`) for a blank, overlong or non-text one."""
    if isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise ConfigError(f"{where} must be a list of strings, not {words!r}")
    out = tuple(" ".join(w.split()) for w in words)
    for word in out:
        if not word:
            raise ConfigError(f"{where}: an empty entry (give names or phrases, e.g. [\"Acme\", \"Sam Miller\"])")
        if len(word) > HOTWORD_MAX_CHARS:
            raise ConfigError(f"{where}: {word[:30]!r}... is longer than {HOTWORD_MAX_CHARS} characters "
                              "(give names and short phrases, not a script)")
    return out


def _measure(values: dict[str, Any], user: dict[str, Any], *, source: str) -> MeasureSettings:
    defaults = MeasureSettings()
    changes: dict[str, Any] = {k: float(v) for k, v in values.items()}
    if "backchannels" in user:
        changes["backchannels"] = {**defaults.backchannels, **_phrase_lists(user["backchannels"], source=source)}
    try:
        return dataclasses.replace(defaults, **changes)
    except ConfigError as err:
        raise ConfigError(f"{source}: measure.{err}") from None


def _phrase_lists(value: Any, *, source: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: measure.backchannels must be a table of language = [phrases]")
    out = {}
    for language, phrases in value.items():
        if language not in LANGUAGES or not isinstance(phrases, list) or not all(
            isinstance(p, str) for p in phrases
        ):
            raise ConfigError(f"{source}: measure.backchannels.{language} must be a list of strings (de or en)")
        out[language] = tuple(p.lower() for p in phrases)
    return out
