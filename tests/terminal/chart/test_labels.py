"""The level-label layout: no two labels ever overlap, whatever the number and places of the trades."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.chart.axis import spread_apart
from terminal.chart.labels import LabelBox, place_labels


def rect(box: LabelBox, spot) -> tuple[float, float, float, float]:
    return spot.x, spot.y, spot.x + box.width, spot.y + box.height


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.floats(0, 600), st.floats(40, 190), st.floats(10, 18)), min_size=1, max_size=60
    ),
    st.floats(100, 1600),
)
def test_place_labels_never_overlap(specs, width):
    boxes = [LabelBox((i, g), g, y, w, h) for i, (g, y, w, h) in enumerate(specs)]
    placed = place_labels(boxes, 10.0, 10.0 + width)
    assert set(placed) == {b.key for b in boxes}
    rects = [rect(b, placed[b.key]) for b in boxes]
    assert not [(a, b) for a, b in itertools.combinations(rects, 2) if overlap(a, b)]


def test_place_labels_keep_each_label_on_its_line_while_columns_last():
    boxes = [LabelBox((t, f), t, 300.0 + k, 120.0, 14.0) for t in range(3) for k, f in enumerate("ABC")]
    placed = place_labels(boxes, 0.0, 2000.0)
    for box in boxes:
        assert placed[box.key].y == box.y - box.height  # bottom on the line
    assert len({placed[b.key].x for b in boxes}) == 9  # nine coinciding lines, nine columns


def test_place_labels_beyond_the_width_stack_vertically_without_overlap():
    boxes = [LabelBox(i, i, 300.0, 150.0, 14.0) for i in range(40)]
    placed = place_labels(boxes, 0.0, 500.0)
    assert {p.x for p in placed.values()} <= {0.0, 158.0, 316.0}
    rects = [rect(b, placed[b.key]) for b in boxes]
    assert not [(a, b) for a, b in itertools.combinations(rects, 2) if overlap(a, b)]


@given(st.lists(st.floats(-500, 1500), min_size=1, max_size=4))
def test_spread_apart_tags_never_overlap_and_stay_on_the_axis(centres):
    centres = sorted(centres)
    out = spread_apart(centres, 16.0, 0.0, 700.0)
    assert all(b - a >= 16.0 - 1e-9 for a, b in itertools.pairwise(out))
    assert all(8.0 - 1e-9 <= c <= 692.0 + 1e-9 for c in out)


def test_place_labels_never_cover_a_blocked_rectangle():
    boxes = [LabelBox(i, i, 20.0 + 3 * i, 100.0, 14.0) for i in range(6)]
    placed = place_labels(boxes, 0.0, 1000.0, blocked=[(0.0, 0.0, 400.0, 30.0)])
    for box in boxes:
        x, y, x1, y1 = rect(box, placed[box.key])
        assert not overlap((x, y, x1, y1), (0.0, 0.0, 400.0, 30.0))


def test_place_labels_put_a_label_under_its_line_at_the_top_edge():
    boxes = [LabelBox("tp", "t", 5.0, 100.0, 14.0), LabelBox("entry", "t", 200.0, 100.0, 14.0)]
    placed = place_labels(boxes, 0.0, 1000.0, top=0.0)
    assert placed["tp"].y == 5.0 and placed["entry"].y == 186.0
    assert placed["tp"].x == placed["entry"].x == 0.0
