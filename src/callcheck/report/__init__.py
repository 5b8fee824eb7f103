"""Report writers: JSON (the stable interface), Markdown and HTML."""

from callcheck.report.html import to_html
from callcheck.report.json_report import SCHEMA, to_dict, to_json
from callcheck.report.markdown import to_markdown

FORMATS = ("json", "md", "html")

__all__ = ["FORMATS", "SCHEMA", "render", "to_dict", "to_html", "to_json", "to_markdown"]


def render(report, *, fmt: str, language: str | None = None) -> str:
    """The report as text in format `fmt` (one of FORMATS).

    language: "de"|"en" for the report's own texts (None = the report's language).
    """
    if fmt == "json":
        return to_json(report)
    if fmt == "md":
        return to_markdown(report, language=language)
    if fmt == "html":
        return to_html(report, language=language)
    raise ValueError(f"unknown report format {fmt!r}")
