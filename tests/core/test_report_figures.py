"""The report's figures laid out for SVG (gridapp/core/report_figures.py): the map is
north up, fills its box, keeps shared edges shared and drops marks outside; the bars are
proportional to the shares."""

from __future__ import annotations

import re

import pytest
from shapely.geometry import Point, box

from gridapp.core.report_figures import (
    MAP_PADDING,
    MAP_WIDTH,
    AreaInput,
    MarkInput,
    map_figure,
    share_band,
    share_chart,
)

# two cells side by side (west, east) and one to the north of both, about 1.7 × 2.2 km
WEST = box(116.40, 39.90, 116.41, 39.91)
EAST = box(116.41, 39.90, 116.42, 39.91)
NORTH = box(116.40, 39.91, 116.42, 39.92)


def _points(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", path)]


def _figure():  # type: ignore[no-untyped-def]
    return map_figure(
        [
            AreaInput(1, WEST, "1", "band-high"),
            AreaInput(2, EAST, "2", "band-low blind"),
            AreaInput(3, NORTH, "3", "band-none"),
        ],
        outlines=[box(116.40, 39.90, 116.42, 39.92)],
        marks=[
            MarkInput(Point(116.405, 39.905), "station", "站"),
            MarkInput(Point(117.0, 39.905), "gap", "far away"),
        ],
    )


def test_the_map_is_north_up_and_fills_its_box() -> None:
    fig = _figure()
    west, east, north = (_points(a.path) for a in fig.areas)
    # the northern cell lies above (smaller y) the southern ones; west left of east
    assert max(y for _, y in north) <= min(y for _, y in west) + 0.1
    assert max(x for x, _ in west) <= min(x for x, _ in east) + 0.1
    everything = west + east + north
    xs, ys = [x for x, _ in everything], [y for _, y in everything]
    assert min(xs) >= MAP_PADDING - 0.1 and max(xs) <= MAP_WIDTH - MAP_PADDING + 0.1
    assert min(ys) >= MAP_PADDING - 0.1 and max(ys) < fig.height
    # the drawing touches the padding on the side that limits it (height here: taller)
    assert min(ys) == pytest.approx(MAP_PADDING, abs=0.2)
    assert fig.view_box == f"0 0 {MAP_WIDTH:g} {fig.height:g}"


def test_a_shared_edge_has_the_same_coordinates_in_both_cells() -> None:
    west, east, _ = (set(_points(a.path)) for a in _figure().areas)
    shared = west & east
    assert len(shared) == 2  # the two corners of the common edge


def test_labels_sit_inside_their_cells_and_css_is_kept() -> None:
    fig = _figure()
    for area in fig.areas:
        pts = _points(area.path)
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        assert min(xs) < area.label_x < max(xs) and min(ys) < area.label_y < max(ys)
    assert [a.css for a in fig.areas] == ["band-high", "band-low blind", "band-none"]
    assert [a.label for a in fig.areas] == ["1", "2", "3"]


def test_marks_outside_the_map_are_left_out() -> None:
    fig = _figure()
    assert [(m.css, m.title) for m in fig.marks] == [("station", "站")]
    west = _points(fig.areas[0].path)
    mark = fig.marks[0]
    assert min(x for x, _ in west) < mark.x < max(x for x, _ in west)


def test_the_scale_bar_has_a_round_length_in_metres() -> None:
    fig = _figure()
    # the map is about 1.7 km wide over 960 units: ~ 200 m is a fifth of it
    assert fig.scale.label in {"200 米", "250 米", "500 米"}
    metres = int(fig.scale.label.split()[0])
    units_per_metre = fig.scale.length / metres
    # 0.02° of longitude at 39.9°N is ~1707 m; the map is limited by its height here
    assert 1707 * units_per_metre < MAP_WIDTH
    assert fig.scale.y > fig.height - 44  # below the drawing, in the footer strip


def test_a_map_needs_something_to_draw() -> None:
    with pytest.raises(ValueError):
        map_figure([])


@pytest.mark.parametrize(
    ("share", "band"),
    [(1.0, "high"), (0.95, "high"), (0.9, "good"), (0.8, "good"), (0.5, "fair"), (0.1, "low"),
     (0.0, "low"), (None, "none")],
)  # fmt: skip
def test_share_bands(share: float | None, band: str) -> None:
    assert share_band(share) == band


def test_bars_are_proportional_to_the_shares() -> None:
    chart = share_chart("标题", [("甲", 1.0, "10/10"), ("乙", 0.25, "1/4"), ("丙", None, "无")])
    full, quarter, none = chart.bars
    assert full.length == pytest.approx(chart.scale_width)
    assert quarter.length == pytest.approx(chart.scale_width / 4, abs=0.1)
    assert none.length == 0 and none.css == "none" and none.text == "无"
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars)
    assert [label for _, label in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert chart.height > 3 * chart.bar_height
