"""Who took a call and when: metadata from a manifest CSV, a path pattern or the file.

Three sources, tried in this order for every audio file of a batch:

- a manifest CSV with the columns `path, call_id, agent, team, started_at,
  direction, agent_channel, layout, customer_name, hotwords` (only `path` is
  required; paths relative to the CSV; `customer_name` is only used to redact the
  name and never stored; `hotwords` are `;`-separated vocabulary hints for Whisper);
- a path pattern such as `{team}/{agent}/{started_at:%Y-%m-%d}_{call_id}.wav`;
- the file itself: its name (without extension) as call id, its modification
  time as start.

A bad manifest row or a path that does not fit the pattern becomes a
`MetaProblem` naming the row or file; the other calls go on.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from callcheck.config import check_hotwords, parse_hotwords
from callcheck.errors import ConfigError, ManifestError

log = logging.getLogger(__name__)

FIELDS = ("call_id", "agent", "team", "started_at", "direction", "agent_channel", "layout", "customer_name",
          "hotwords")
MANIFEST_COLUMNS = ("path", *FIELDS)
DIRECTIONS = ("inbound", "outbound")
AGENT_CHANNELS = ("left", "right")
LAYOUTS = ("auto", "stereo", "mixed", "single")  # = records.LAYOUTS
_STRFTIME = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"\d{1,2}", "%H": r"\d{1,2}",
             "%M": r"\d{2}", "%S": r"\d{2}", "%j": r"\d{3}", "%b": r"[A-Za-z]{3}", "%%": "%"}


@dataclass(frozen=True, slots=True)
class CallMeta:
    """What is known about one call besides its audio.

    `agent_channel` None means the batch's default; `origin` says where the
    metadata came from ("calls.csv line 4", "pattern", "file").
    """

    path: Path
    call_id: str
    agent: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    direction: str | None = None
    agent_channel: str | None = None
    layout: str | None = None  # auto|stereo|mixed|single; None = the batch's default
    customer_name: str | None = None  # only to redact it wherever it is said; never stored
    # vocabulary hints for this call, e.g. the agent's full name. Not taken from `agent`: that is an ID to group
    # by ("anna"), and a hint changes the analysis key, so agent names filled in later would re-analyse every call.
    hotwords: tuple[str, ...] = ()
    origin: str = "file"


@dataclass(frozen=True, slots=True)
class MetaProblem:
    """A call that cannot be planned: the file (or row) and what is wrong."""

    where: str
    message: str


def parse_started_at(text: str) -> datetime:
    """ISO 8601 date or date-time ("2026-11-03", "2026-11-03 09:15", "...T09:15:00+01:00")."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"started_at {text!r} is not an ISO 8601 date or time (e.g. 2026-11-03 09:15)") from None


def check_fields(values: dict[str, str]) -> dict:
    """Field values as CallMeta keyword arguments; ValueError names a bad one."""
    out: dict = {}
    for key, raw in values.items():
        value = (raw or "").strip()
        if not value:
            continue
        if key == "started_at":
            out[key] = parse_started_at(value)
        elif key == "hotwords":
            try:
                out[key] = check_hotwords(parse_hotwords(value))
            except ConfigError as err:
                raise ValueError(str(err)) from None
        elif key == "direction" and value.lower() not in DIRECTIONS:
            raise ValueError(f"direction {value!r} must be inbound or outbound")
        elif key == "agent_channel" and value.lower() not in AGENT_CHANNELS:
            raise ValueError(f"agent_channel {value!r} must be left or right")
        elif key == "layout" and value.lower() not in LAYOUTS:
            raise ValueError(f"layout {value!r} must be one of {', '.join(LAYOUTS)}")
        else:
            out[key] = value.lower() if key in ("direction", "agent_channel", "layout") else value
    return out


def file_meta(path: Path, **fields) -> CallMeta:
    """Metadata from the file alone: name as call id, modification time as start."""
    fields.setdefault("call_id", path.stem)
    if "started_at" not in fields:
        try:
            fields["started_at"] = datetime.fromtimestamp(int(path.stat().st_mtime))
        except OSError:
            fields["started_at"] = None
    return CallMeta(path=path, **fields)


def read_manifest(path: Path) -> tuple[dict[Path, CallMeta], list[MetaProblem]]:
    """Rows of a manifest CSV by resolved audio path, and the rows that are wrong.

    Comma, semicolon or tab separated, UTF-8 (with or without BOM). A missing
    file or a missing `path` column is a ManifestError; a bad row is a problem.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ManifestError(f"{path}: cannot read manifest ({err})") from None
    reader = csv.DictReader(text.splitlines(), dialect=_dialect(text))
    header = [(name or "").strip().lower() for name in reader.fieldnames or ()]
    if "path" not in header:
        raise ManifestError(f"{path}: manifest needs a 'path' column (columns: {', '.join(MANIFEST_COLUMNS)})")
    if unknown := [h for h in header if h not in MANIFEST_COLUMNS]:
        log.warning("%s: ignoring unknown column(s) %s", path, ", ".join(unknown))
    reader.fieldnames = header
    rows: dict[Path, CallMeta] = {}
    seen: dict[Path, int] = {}
    problems: list[MetaProblem] = []
    for row in reader:
        where = f"{path} line {reader.line_num}"
        try:
            meta = _manifest_row(row, base=path.parent, where=where)
        except ValueError as err:
            problems.append(MetaProblem(where, str(err)))
            continue
        key = meta.path.resolve()
        if key in seen:
            problems.append(MetaProblem(where, f"{meta.path} is already listed on line {seen[key]}"))
            continue
        seen[key] = reader.line_num
        rows[key] = meta
    return rows, problems


def _dialect(text: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _manifest_row(row: dict, *, base: Path, where: str) -> CallMeta:
    if None in row:
        raise ValueError("more values than columns")
    raw_path = (row.get("path") or "").strip()
    if not raw_path:
        raise ValueError("empty path")
    audio = Path(raw_path).expanduser()
    audio = audio if audio.is_absolute() else base / audio
    if not audio.is_file():
        raise ValueError(f"{audio}: no such audio file")
    fields = check_fields({k: v for k, v in row.items() if k in FIELDS})
    return file_meta(audio, origin=where, **fields)


class PathPattern:
    """`{team}/{agent}/{started_at:%Y-%m-%d}_{call_id}.wav` matched against the end of a path.

    `{field}` matches one path component's worth of text (no `/`); `{started_at:FMT}`
    takes strftime codes (%Y %y %m %d %H %M %S %j %b); `*` matches any text
    within a component.
    """

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.time_format: str | None = None
        self.regex = re.compile(r"(?:^|/)" + self._translate(pattern) + "$")

    def _translate(self, pattern: str) -> str:
        out, pos, seen = [], 0, set()
        for match in re.finditer(r"\{(\w*)(?::([^}]*))?\}", pattern):
            out.append(_literal(pattern[pos:match.start()]))
            name, fmt = match.group(1), match.group(2)
            if name not in FIELDS:
                raise ManifestError(f"pattern {pattern!r}: unknown field {{{name}}} (use {', '.join(FIELDS)})")
            if name in seen:
                raise ManifestError(f"pattern {pattern!r}: field {{{name}}} appears twice")
            seen.add(name)
            if fmt is not None and name != "started_at":
                raise ManifestError(f"pattern {pattern!r}: only started_at takes a format, not {name}")
            if name == "started_at" and fmt:
                self.time_format = fmt
                out.append(f"(?P<started_at>{_time_regex(fmt, pattern)})")
            else:
                out.append(f"(?P<{name}>[^/]+?)")
            pos = match.end()
        out.append(_literal(pattern[pos:]))
        return "".join(out)

    def fields(self, path: Path) -> dict:
        """CallMeta fields read from `path`; ValueError when it does not fit."""
        match = self.regex.search(path.as_posix())
        if not match:
            raise ValueError(f"does not match --pattern {self.pattern}")
        values = match.groupdict()
        if self.time_format and values.get("started_at"):
            try:
                started = datetime.strptime(values.pop("started_at"), self.time_format)
            except ValueError as err:
                raise ValueError(f"started_at in the path: {err}") from None
            return {**check_fields(values), "started_at": started}
        return check_fields(values)


def _literal(text: str) -> str:
    return "[^/]*".join(re.escape(part) for part in text.split("*"))


def _time_regex(fmt: str, pattern: str) -> str:
    out, pos = [], 0
    for match in re.finditer(r"%.", fmt):
        out.append(re.escape(fmt[pos:match.start()]))
        code = match.group(0)
        if code not in _STRFTIME:
            raise ManifestError(f"pattern {pattern!r}: {code} is not supported (use {' '.join(_STRFTIME)})")
        out.append(_STRFTIME[code])
        pos = match.end()
    out.append(re.escape(fmt[pos:]))
    return "".join(out)


def call_metas(
    paths: Iterable[Path], *, manifest: dict[Path, CallMeta] | None = None, pattern: PathPattern | None = None,
) -> tuple[list[CallMeta], list[MetaProblem]]:
    """Metadata for every path (manifest row, else pattern, else the file), plus the
    manifest rows whose files were not among `paths`."""
    manifest = dict(manifest or {})
    metas, problems = [], []
    for path in paths:
        row = manifest.pop(path.resolve(), None)
        if row is not None:
            metas.append(row)
            continue
        if pattern is None:
            metas.append(file_meta(path))
            continue
        try:
            metas.append(file_meta(path, origin="pattern", **pattern.fields(path)))
        except ValueError as err:
            problems.append(MetaProblem(str(path), str(err)))
    metas.extend(manifest.values())
    return metas, problems
