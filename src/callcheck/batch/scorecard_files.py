"""Scorecard files: CSV, Parquet, an Excel workbook and a self-contained HTML page.

`export(card, path)` writes one, its format from the suffix.

XLSX: a "Summary" sheet (the scorecard) and one sheet per team (its agents),
readable headers, frozen header row, numbers stored as numbers with number
formats (percent for shares). HTML: the table plus three inline SVG charts
(score distribution, rule failure rates per agent or team, mean-score trend);
matplotlib and openpyxl are imported only here.
"""

from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from callcheck import __version__
from callcheck.batch.scorecard import EXPORT_FORMATS, LABELS, Scorecard
from callcheck.errors import ScorecardError
from callcheck.rules import RULES

SHARE_COLUMNS = {"talk_share", *(f"fail_rate_{r.RULE}" for r in RULES)}
SCORE_COLUMNS = {"mean_score", "median_score", "mean_score_prev", "mean_score_change"}
COUNT_COLUMNS = {"calls", "no_speech_calls", "calls_prev"}
SHORT_RULES = {r.RULE: r.RULE.replace("_", " ") for r in RULES}
MAX_TREND_LINES = 10


def export(card: Scorecard, path: str | Path, *, fmt: str | None = None) -> Path:
    """Write the scorecard to `path` as csv, xlsx, parquet or html (default: from the
    suffix); written to a temporary file first, so a failure leaves nothing behind."""
    path = Path(path)
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise ScorecardError(f"{path}: format must be one of {', '.join(EXPORT_FORMATS)} (--format), not {fmt!r}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if fmt == "csv":
            card.table.to_csv(tmp, index=False)
        elif fmt == "parquet":
            card.table.to_parquet(tmp, index=False)
        elif fmt == "xlsx":
            write_xlsx(card, tmp)
        else:
            tmp.write_text(to_html(card), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        raise ScorecardError(f"{path}: cannot write scorecard ({err.strerror or err})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_xlsx(card: Scorecard, path: Path) -> None:
    """Summary sheet plus one sheet per team; header row frozen, formats per column."""
    sheets = {"Summary": card.table}
    names = {"summary"}
    for team, agents in card.agents.groupby("team", sort=True):
        name = _sheet_name(str(team), names)
        sheets[name] = agents.drop(columns="team")
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.rename(columns=LABELS).to_excel(writer, sheet_name=name, index=False)
            _format_sheet(writer.sheets[name], list(frame.columns))
        writer.book.properties.title = f"callcheck scorecard {card.month} by {card.by}"
        writer.book.properties.creator = f"callcheck {__version__}"


def _sheet_name(team: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = re.sub(r"[\[\]:*?/\\]", "_", team).strip("'") or "team"
    name, n = base[:31], 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _format_sheet(sheet, columns: list[str]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "B2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet[f"{letter}1"]
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = max(12, min(28, len(str(header.value)) * 0.6 + 4))
        number_format = _number_format(column)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.row_dimensions[1].height = 45


def _number_format(column: str) -> str:
    if column in SHARE_COLUMNS:
        return "0.0%"
    if column in SCORE_COLUMNS:
        return "+0.0;-0.0;0.0" if column.endswith("_change") else "0.0"
    if column in COUNT_COLUMNS:
        return "0"
    return "0.00" if column not in ("agent", "team") else "@"


def to_html(card: Scorecard) -> str:
    """The scorecard as one HTML page with inline styles and SVG charts."""
    calls = int(card.table["calls"].sum())
    charts = [
        ("Score distribution", _score_histogram(card)),
        (f"Rule failure rates per {card.by}", _failure_heatmap(card)),
        (f"Mean score by month, per {card.by}", _trend(card)),
    ]
    figures = "".join(f"<figure><figcaption>{html.escape(title)}</figcaption>{svg}</figure>" for title, svg in charts)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Scorecard {html.escape(card.month)} by {card.by}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>Scorecard {html.escape(card.month)} by {card.by}</h1>"
        f"<p class=\"note\">{calls} scored calls, {len(card.table)} {card.by}s. Fail rates are shares of scored calls; "
        f"rates and shares are the agent's; change is against the previous month. callcheck {__version__}.</p>"
        f"{_table(card.table)}{figures}</main></body></html>\n"
    )


def _table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(LABELS.get(c, c))}</th>" for c in table.columns)
    rows = []
    for _, row in table.iterrows():
        cells = "".join(_cell(column, row[column]) for column in table.columns)
        rows.append(f"<tr>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _cell(column: str, value) -> str:
    if column in ("agent", "team"):
        return f'<td class="name">{html.escape(str(value))}</td>'
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return '<td class="na">–</td>'
    if column in SHARE_COLUMNS:
        text = f"{100 * value:.0f} %"
    elif column in COUNT_COLUMNS:
        text = f"{int(value)}"
    elif column.endswith("_change"):
        text = f"{value:+.1f}"
    elif column in SCORE_COLUMNS:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"<td>{text}</td>"


def _figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    return fig, fig.add_subplot()


def _score_histogram(card: Scorecard) -> str:
    scores = card.calls.loc[card.calls["status"] == "ok", "score"].dropna()
    fig, ax = _figure(8, 2.8)
    ax.hist(scores, bins=np.arange(0, 101, 10), color="#1f5fa8", edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score")
    ax.set_ylabel("calls")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(fig, "hist")


def _failure_heatmap(card: Scorecard) -> str:
    table = card.table
    rates = table[[f"fail_rate_{r.RULE}" for r in RULES]].to_numpy(dtype=float)
    fig, ax = _figure(9, 1.4 + 0.32 * len(table))
    ax.imshow(np.nan_to_num(rates), cmap="Reds", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(RULES)), [SHORT_RULES[r.RULE] for r in RULES], rotation=30, ha="right")
    ax.set_yticks(range(len(table)), [str(v) for v in table[card.by]])
    for (i, j), rate in np.ndenumerate(rates):
        if not np.isnan(rate):
            ax.text(j, i, f"{100 * rate:.0f}%", ha="center", va="center", fontsize=8,
                    color="white" if rate > 0.6 else "#1d2330")
    return _svg(fig, "fail")


def _trend(card: Scorecard) -> str:
    trend = card.trend
    has_data = trend.notna().any(axis=1).to_numpy()
    trend = trend.iloc[int(np.argmax(has_data)):]  # from the first month with data
    fig, ax = _figure(8, 3.2)
    x = np.arange(len(trend.index))
    groups = [c for c in trend.columns if c != "(all)"][:MAX_TREND_LINES]
    for group in groups:
        ax.plot(x, trend[group].to_numpy(dtype=float), marker="o", linewidth=1, label=str(group))
    ax.plot(x, trend["(all)"].to_numpy(dtype=float), color="black", linewidth=2.5, marker="o", label="all")
    ax.set_xticks(x, list(trend.index))
    ax.set_ylim(0, 100)
    ax.set_ylabel("mean score")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    return _svg(fig, "trend")


_ID = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _svg(fig, prefix: str) -> str:
    """The figure as one inline `<svg>`: text as text, ids prefixed, no XML header."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "callcheck", "font.size": 9}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[svg.index("<svg"):], flags=re.S)
    return _ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


_CSS = """
body { margin: 0; background: #f5f7fa; color: #1d2330;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 1.5rem; margin: 0 0 6px; } .note { color: #5f6b7a; margin: 0 0 16px; }
.scroll { overflow-x: auto; background: #fff; border: 1px solid #dde2e8; border-radius: 8px; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { padding: 6px 8px; border-bottom: 1px solid #dde2e8; text-align: right; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #eef1f5; vertical-align: bottom; white-space: normal; min-width: 70px; }
td.name { text-align: left; font-weight: 600; } td.na { color: #9aa0a6; }
figure { margin: 24px 0 0; background: #fff; border: 1px solid #dde2e8; border-radius: 8px; padding: 12px; }
figcaption { font-weight: 600; margin-bottom: 6px; } svg { max-width: 100%; height: auto; }
"""
