"""Where the trade-level labels go: a collision-free layout in pixels (Qt-free).

Each label wants to sit just above its line (its bottom on the line's y), at
the left of the plot. Labels are placed group by group (one group per trade,
in trade order), each group preferring one column so a trade's labels read
together. Columns are ``pitch`` = widest label + ``gap`` apart, so labels in
different columns never touch; within a column no two labels' vertical
extents intersect. A label goes to the first column where its wanted place
is free; when every column that fits in the plot is taken there, it moves up
or down (whichever is nearer) to the closest free place in the column where
that move is smallest. Any number of labels can be placed this way. Blocked
rectangles (the legend) count as taken places.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelBox:
    """A label to place: ``y`` is its line's y (pixels, down), ``group`` its trade."""

    key: Hashable
    group: Hashable
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Placed:
    """A placed label: its top-left corner in pixels."""

    x: float
    y: float


def _free(top: float, height: float, taken: list[tuple[float, float]]) -> bool:
    bottom = top + height
    return all(bottom <= t or top >= b for t, b in taken)


def _nearest_free(want: float, height: float, taken: list[tuple[float, float]], top: float) -> float:
    """The top closest to ``want`` where a label of ``height`` overlaps nothing in ``taken``
    (below ``top`` when such a place exists)."""
    if _free(want, height, taken):
        return want
    candidates = [c for t, b in taken for c in (t - height, b) if _free(c, height, taken)]
    inside = [c for c in candidates if c >= top] or candidates
    return min(inside, key=lambda c: (abs(c - want), c))


def place_labels(
    boxes: Sequence[LabelBox],
    left: float,
    right: float,
    gap: float = 8.0,
    spacing: float = 1.0,
    blocked: Sequence[tuple[float, float, float, float]] = (),
    top: float = float("-inf"),
) -> dict[Hashable, Placed]:
    """Place ``boxes`` between x = ``left`` and ``right`` (see the module docstring).

    ``spacing`` pixels are kept free between labels stacked in one column;
    no label goes over a ``blocked`` rectangle ``(x0, y0, x1, y1)`` (the legend);
    a label that would stick out above ``top`` (the plot's edge) sits under
    its line instead.
    """
    if not boxes:
        return {}
    pitch = max(b.width for b in boxes) + gap
    columns = max(1, int((right - left + gap) // pitch))
    taken: list[list[tuple[float, float]]] = [[] for _ in range(columns)]
    for x0, y0, x1, y1 in blocked:
        for c in range(columns):
            start = left + c * pitch
            if x0 < start + pitch - gap and start < x1:
                taken[c].append((y0, y1))
    home: dict[Hashable, int] = {}
    out: dict[Hashable, Placed] = {}
    groups: dict[Hashable, list[LabelBox]] = {}
    for box in boxes:
        groups.setdefault(box.group, []).append(box)
    for group, members in groups.items():
        for box in sorted(members, key=lambda b: b.y):
            height = box.height + spacing
            want = box.y - box.height if box.y - box.height >= top else box.y
            order = list(range(columns))
            if group in home:
                order.remove(home[group])
                order.insert(0, home[group])
            column = next((c for c in order if _free(want, height, taken[c])), None)
            if column is None:
                options = [(abs(_nearest_free(want, height, taken[c], top) - want), order.index(c), c) for c in order]
                _, _, column = min(options)
                place = _nearest_free(want, height, taken[column], top)
            else:
                place = want
            taken[column].append((place, place + height))
            home.setdefault(group, column)
            out[box.key] = Placed(left + column * pitch, place)
    return out
