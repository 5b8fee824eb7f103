"""Arithmetic on time regions (sorted, non-overlapping `Region`s in seconds)."""

from __future__ import annotations

from collections.abc import Sequence

from callcheck.records import Region


def merge(regions: Sequence[Region], *, gap_s: float = 1e-6) -> list[Region]:
    """Regions joined where they touch or overlap (or are closer than `gap_s`), in time order."""
    out: list[Region] = []
    for r in sorted(regions, key=lambda r: r.start_s):
        if out and r.start_s <= out[-1].end_s + gap_s:
            out[-1] = Region(out[-1].start_s, max(out[-1].end_s, r.end_s))
        else:
            out.append(r)
    return out


def subtract(regions: Sequence[Region], cuts: Sequence[Region], *, min_s: float = 0.0) -> tuple[Region, ...]:
    """`regions` without the time covered by `cuts`; remaining pieces shorter than `min_s` are dropped."""
    cuts = merge(cuts)
    out = []
    for region in regions:
        pieces = [region]
        for cut in cuts:
            if cut.end_s <= region.start_s or cut.start_s >= region.end_s:
                continue
            pieces = [p for piece in pieces for p in (
                Region(piece.start_s, min(piece.end_s, cut.start_s)), Region(max(piece.start_s, cut.end_s), piece.end_s))
                if p.end_s > p.start_s]
        out.extend(p for p in pieces if p.duration_s >= min_s and p.duration_s > 0)
    return tuple(out)


def intersect(a: Sequence[Region], b: Sequence[Region]) -> list[Region]:
    """The time covered by both `a` and `b`."""
    out = []
    for x in a:
        for y in b:
            lo, hi = max(x.start_s, y.start_s), min(x.end_s, y.end_s)
            if hi > lo:
                out.append(Region(lo, hi))
    return merge(out)
