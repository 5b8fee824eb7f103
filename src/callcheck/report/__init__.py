"""Report writers: JSON (the stable interface) and Markdown."""

from callcheck.report.json_report import SCHEMA, to_dict, to_json
from callcheck.report.markdown import to_markdown

FORMATS = ("json", "md")

__all__ = ["FORMATS", "SCHEMA", "render", "to_dict", "to_json", "to_markdown"]


def render(report, *, fmt: str) -> str:
    """The report as text in format `fmt` (one of FORMATS)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "md":
        return to_markdown(report)
    raise ValueError(f"unknown report format {fmt!r}")
