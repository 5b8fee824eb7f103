"""The HTML report's plots as inline SVG: turn timeline, pitch contour, speech rate.

Each function takes plain inputs (times in seconds of the recording) and
returns one `<svg>` element as text, ready to paste into a page: no XML
header, no external references, ids prefixed so several plots can share a
page. matplotlib is imported inside the functions (Agg backend), so that
importing the report package keeps the command line's start-up fast.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from callcheck.records import Region, Turn
from callcheck.signal.pitch import PitchTrack
from callcheck.signal.regions import merge

WIDTH_IN = 10.0
MAX_POINTS = 4000  # pitch frames per role drawn at most; more are block medians
JOIN_PARTS = 5000  # in the turn timeline, bars closer than 1/JOIN_PARTS of the call are drawn as one
COLORS = {"agent": "#1f5fa8", "customer": "#d07a16"}
OVERLAP_COLOR = "#d62728"
SEVERITY_COLORS = {"minor": "#e0a800", "major": "#e8590c", "critical": "#c92a2a"}
FLAT_COLOR = "#9aa0a6"
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)  # clock-friendly time ticks


@dataclass(frozen=True, slots=True)
class FlaggedRow:
    """One finding in the timeline: its number, label, severity and evidence spans."""

    number: int
    label: str
    severity: str
    spans: tuple[Region, ...]


def _styled(plot: Callable[..., str]) -> Callable[..., str]:
    """Run a plot function under the report's matplotlib style (fonts, SVG text as text)."""

    @functools.wraps(plot)
    def wrapper(*args, **kwargs) -> str:
        import matplotlib

        with matplotlib.rc_context(_SVG_RC):
            return plot(*args, **kwargs)

    return wrapper


_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "callcheck", "font.size": 9,
           "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"]}


@_styled
def turn_timeline_svg(*, duration_s: float, turns: Sequence[Turn], overlaps: Sequence[Region],
                      flagged: Sequence[FlaggedRow], text: Mapping[str, str]) -> str:
    """Agent and customer lanes (turns light, speech regions solid), overlaps in
    red across both lanes, and one row per finding with its evidence spans."""
    roles = [r for r in ("agent", "customer") if any(t.role == r for t in turns)] or ["agent"]
    rows = [*roles, *(f"#{f.number}" for f in flagged)][::-1]  # bottom to top
    fig, ax = _figure(0.55 + 0.32 * len(rows))
    y = {name: i for i, name in enumerate(rows)}
    joint = duration_s / JOIN_PARTS
    for role in roles:
        for backchannel in (False, True):
            mine = [t for t in turns if t.role == role and t.backchannel == backchannel]
            if not mine:
                continue
            lane = (y[role] - 0.3, 0.6)
            ax.broken_barh(_bars([Region(t.start_s, t.end_s) for t in mine], joint), lane,
                           color=COLORS[role], alpha=0.25 if backchannel else 0.35, lw=0)
            ax.broken_barh(_bars([r for t in mine for r in t.regions], joint), lane,
                           color=COLORS[role], alpha=0.5 if backchannel else 1.0, lw=0)
    if len(roles) == 2:
        lo, hi = min(y[r] for r in roles), max(y[r] for r in roles)
        ax.broken_barh([(r.start_s, max(r.duration_s, duration_s / 800)) for r in overlaps],
                       (lo - 0.4, hi - lo + 0.8), color=OVERLAP_COLOR, alpha=0.55, lw=0)
    for row in flagged:
        ax.broken_barh([(s.start_s, max(s.duration_s, duration_s / 400)) for s in row.spans],
                       (y[f"#{row.number}"] - 0.3, 0.6), color=SEVERITY_COLORS.get(row.severity, "#888"), lw=0)
    names = {**{r: text[r] for r in roles}, **{f"#{f.number}": _short(f"{f.number}. {f.label}") for f in flagged}}
    ax.set_yticks(range(len(rows)), [names[r] for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.tick_params(axis="y", length=0)
    _time_axis(ax, duration_s=duration_s, text=text)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    return _to_svg(fig, prefix="tl")


@_styled
def pitch_svg(*, duration_s: float, track: PitchTrack, flat: Sequence[Region], role: str = "agent",
              text: Mapping[str, str]) -> str:
    """One role's F0 contour (NaN frames are gaps) over flat windows shaded grey."""
    fig, ax = _figure(2.3)
    drawn = track.decimated(MAX_POINTS)
    times, f0 = drawn.times_s, drawn.f0_hz
    ax.plot(times, f0, color=COLORS.get(role, "#333"), lw=1.4, label=text.get(role, role))
    for i, window in enumerate(flat):
        ax.axvspan(window.start_s, window.end_s, color=FLAT_COLOR, alpha=0.22, lw=0,
                   label=text["flat"] if i == 0 else None)
    values = f0[np.isfinite(f0)]
    if values.size:
        ax.set_ylim(np.percentile(values, 1) * 0.85, np.percentile(values, 99) * 1.15)
    ax.set_ylabel(text["pitch_hz"])
    _time_axis(ax, duration_s=duration_s, text=text)
    _legend(ax)
    return _to_svg(fig, prefix="pc")


@_styled
def rate_svg(*, duration_s: float, windows: Mapping[str, Sequence], limit_sps: float | None,
             text: Mapping[str, str]) -> str:
    """Articulation rate per timeline window (and the agent's speaking rate),
    drawn as steps over each window, with the too-fast limit as a dashed line."""
    fig, ax = _figure(2.3)
    for role in ("customer", "agent"):
        if not windows.get(role):
            continue
        edges, values = _steps(windows[role], "articulation_rate_sps")
        ax.step(edges, values, where="post", color=COLORS[role], lw=1.8 if role == "agent" else 1.0,
                alpha=1.0 if role == "agent" else 0.6, label=f"{text[role]}: {text['articulation']}")
        if role == "agent":
            edges, values = _steps(windows[role], "speaking_rate_sps")
            ax.step(edges, values, where="post", color=COLORS[role], lw=1.0, ls=":",
                    label=f"{text[role]}: {text['speaking']}")
    if limit_sps is not None:
        ax.axhline(limit_sps, color=OVERLAP_COLOR, ls="--", lw=1.0, label=f"{text['limit']} {limit_sps:g}")
    ax.set_ylim(0, max(8.0, (limit_sps or 0) + 1.0, *(_finite_max(w) + 0.5 for w in windows.values())))
    ax.set_ylabel(text["sps"])
    _time_axis(ax, duration_s=duration_s, text=text)
    _legend(ax)
    return _to_svg(fig, prefix="sr")


def _steps(windows: Sequence, key: str) -> tuple[np.ndarray, np.ndarray]:
    edges = [w.start_s for w in windows] + [windows[-1].end_s]
    values = [np.nan if getattr(w, key) is None else getattr(w, key) for w in windows]
    return np.array(edges), np.array(values + values[-1:], dtype=np.float64)


def _finite_max(windows: Sequence) -> float:
    values = [w.articulation_rate_sps for w in windows if w.articulation_rate_sps is not None]
    return max(values, default=0.0)


def _bars(spans: Sequence[Region], gap_s: float) -> list[tuple[float, float]]:
    """(start, width) bars of the spans, with spans at most `gap_s` apart drawn as one:
    a three-hour call's thousands of turns stay a few hundred shapes, alike to the eye."""
    return [(r.start_s, r.duration_s) for r in merge(spans, gap_s=gap_s)]


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _figure(height_in: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _time_axis(ax, *, duration_s: float, text: Mapping[str, str]) -> None:
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    ax.set_xlim(0, max(duration_s, 1.0))
    step = next((s for s in TICK_STEPS_S if duration_s / s <= 12), TICK_STEPS_S[-1])
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(_clock_tick))
    ax.set_xlabel(f"{text['time_s']} (m:ss)")


def _clock_tick(seconds: float, _position: int) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:02.0f}"


def _legend(ax) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncols=4,
                  borderaxespad=0.2)


_ID_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _to_svg(fig, *, prefix: str) -> str:
    """The figure as one `<svg>` element: ids prefixed, no header or metadata."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _ID_REFERENCE.sub(_prefixer(prefix), svg)
    return svg.replace("<svg ", f'<svg class="plot" role="img" aria-label="{prefix}" ', 1)


def _prefixer(prefix: str) -> Callable[[re.Match], str]:
    return lambda m: f"{m.group(1)}{prefix}-{m.group(2)}"
