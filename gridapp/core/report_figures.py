"""Figures of a printed report, laid out for inline SVG: a map of cells and a bar chart.

Plain data, no markup: the template draws the shapes these functions place. The map is
projected locally (``LocalProjection``, metres around the place) and scaled into a box of
``MAP_WIDTH`` units, north up; coordinates are rounded to 0.1 unit, which is far below a
printed dot, so the SVG stays small and crisp at any zoom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.projection import LocalProjection

MAP_WIDTH = 1000.0
MAP_PADDING = 20.0  # units around the drawing
MAP_FOOTER = 44.0  # a strip below it for the scale bar and the north arrow
MIN_ASPECT, MAX_ASPECT = 0.45, 0.85  # height / width of the map box: it fills the page width
SCALE_STEPS_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)

# Bands of a share (households within reach, cells with an organisation …), best first.
SHARE_BANDS = (("high", 0.95, "≥95%"), ("good", 0.8, "80–95%"), ("fair", 0.5, "50–80%"),
               ("low", 0.0, "<50%"))  # fmt: skip


def share_band(share: float | None) -> str:
    """The band of a share in 0..1 (``"none"`` when there is nothing to share)."""
    if share is None:
        return "none"
    return next(key for key, floor, _ in SHARE_BANDS if share >= floor)


def band_legend() -> list[tuple[str, str]]:
    return [(key, label) for key, _, label in SHARE_BANDS]


@dataclass(frozen=True)
class MapArea:
    key: int
    path: str  # SVG path data, evenodd
    label: str
    label_x: float
    label_y: float
    css: str


@dataclass(frozen=True)
class MapMark:
    x: float
    y: float
    css: str
    title: str


@dataclass(frozen=True)
class ScaleBar:
    x: float
    y: float
    length: float  # units
    label: str


@dataclass(frozen=True)
class MapFigure:
    width: float
    height: float
    areas: list[MapArea]
    outlines: list[str]  # path data of the boundaries drawn over the areas
    marks: list[MapMark]
    scale: ScaleBar
    label_size: float
    north: tuple[float, float]  # the foot of the north arrow, in the strip below the drawing

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


@dataclass(frozen=True)
class AreaInput:
    key: int
    geometry: BaseGeometry  # lon/lat
    label: str
    css: str


@dataclass(frozen=True)
class MarkInput:
    point: Point  # lon/lat
    css: str
    title: str


class _Frame:
    """Metres around the extent → map units, y down."""

    def __init__(self, extent: BaseGeometry) -> None:
        self.proj = LocalProjection.around(extent)
        minx, miny, maxx, maxy = self.proj.to_metric(extent).bounds
        span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        inner = MAP_WIDTH - 2 * MAP_PADDING
        aspect = min(max(span_y / span_x, MIN_ASPECT), MAX_ASPECT)
        self.box_height = round(inner * aspect + 2 * MAP_PADDING, 1)  # the drawing's box
        self.height = self.box_height + MAP_FOOTER
        self.k = min(inner / span_x, (self.box_height - 2 * MAP_PADDING) / span_y)  # units / m
        # centre the drawing in its box
        self.x0 = minx - (MAP_WIDTH / self.k - span_x) / 2
        self.y1 = maxy + (self.box_height / self.k - span_y) / 2

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return round((x - self.x0) * self.k, 1), round((self.y1 - y) * self.k, 1)

    def metric(self, geom: BaseGeometry) -> BaseGeometry:
        return self.proj.to_metric(geom)


def _ring(frame: _Frame, coords: Sequence[tuple[float, ...]]) -> str:
    points = [frame.xy(c[0], c[1]) for c in coords]
    unique = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if unique[-1] == unique[0]:
        unique = unique[:-1]
    head, *rest = unique
    return f"M{head[0]:g} {head[1]:g}" + "".join(f"L{x:g} {y:g}" for x, y in rest) + "Z"


def _path(frame: _Frame, geom: BaseGeometry) -> str:
    """SVG path data of a (multi)polygon in metres (holes as inner rings, evenodd)."""
    polygons = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    parts = []
    for poly in polygons:
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        parts.append(_ring(frame, poly.exterior.coords))
        parts.extend(_ring(frame, hole.coords) for hole in poly.interiors)
    return "".join(parts)


def _scale_bar(frame: _Frame) -> ScaleBar:
    """A bar of a round length near a fifth of the map width, bottom left."""
    target_m = MAP_WIDTH / 5 / frame.k
    metres = min(SCALE_STEPS_M, key=lambda m: abs(math.log(m / target_m)))
    label = f"{metres // 1000:g} 公里" if metres >= 1000 and metres % 1000 == 0 else f"{metres} 米"
    y = frame.box_height + MAP_FOOTER / 2
    return ScaleBar(MAP_PADDING, y, round(metres * frame.k, 1), label)


def map_figure(
    areas: Sequence[AreaInput],
    outlines: Sequence[BaseGeometry] = (),
    marks: Sequence[MarkInput] = (),
) -> MapFigure:
    """The areas (cells), outlines (community boundaries) and marks (stations, homes) of a
    map, north up, fitted to the areas and outlines; marks outside the box are left out."""
    shapes = [a.geometry for a in areas] + list(outlines)
    if not shapes:
        raise ValueError("a map needs at least one area or outline")
    frame = _Frame(shapely.union_all(shapes).envelope)
    # a tolerance of a tenth of a unit: invisible, and it drops the redundant vertices
    tolerance = 0.1 / frame.k
    drawn = []
    for a in areas:
        metric = frame.metric(a.geometry)
        spot = metric.representative_point()
        simple = shapely.simplify(metric, tolerance, preserve_topology=True)
        x, y = frame.xy(spot.x, spot.y)
        drawn.append(MapArea(a.key, _path(frame, simple), a.label, x, y, a.css))
    lines = [
        _path(frame, shapely.simplify(frame.metric(g), tolerance, preserve_topology=True))
        for g in outlines
    ]
    placed = []
    for m in marks:
        p = frame.metric(m.point)
        x, y = frame.xy(p.x, p.y)
        if 0 <= x <= MAP_WIDTH and 0 <= y <= frame.box_height:
            placed.append(MapMark(x, y, m.css, m.title))
    label_size = 22.0 if len(areas) <= 20 else 16.0
    north = (MAP_WIDTH - MAP_PADDING - 10, frame.box_height + MAP_FOOTER - 8)
    return MapFigure(
        MAP_WIDTH, frame.height, drawn, lines, placed, _scale_bar(frame), label_size, north
    )


# --- bar charts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as printed at the bar's end
    y: float
    length: float
    css: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: float
    height: float
    label_width: float
    bar_height: float
    scale_width: float
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # x (from the bars' start), label

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


CHART_WIDTH = 640.0
ROW_HEIGHT = 24.0
AXIS_HEIGHT = 22.0
VALUE_WIDTH = 110.0  # room after the longest bar for its value


def share_chart(
    title: str, rows: Sequence[tuple[str, float | None, str]], label_width: float = 150.0
) -> BarChart:
    """Horizontal bars of shares (0..1): one ``(label, share, text)`` per row, drawn on a
    0–100 % scale; ``share`` None (nothing to share) draws no bar, only the text."""
    scale = CHART_WIDTH - label_width - VALUE_WIDTH
    bars = [
        Bar(
            label,
            text,
            round(i * ROW_HEIGHT, 1),
            round(scale * min(max(share or 0.0, 0.0), 1.0), 1),
            share_band(share),
        )
        for i, (label, share, text) in enumerate(rows)
    ]
    ticks = [(round(scale * t / 100, 1), f"{t}%") for t in (0, 25, 50, 75, 100)]
    return BarChart(
        title, CHART_WIDTH, round(len(rows) * ROW_HEIGHT + AXIS_HEIGHT, 1), label_width,
        ROW_HEIGHT * 0.7, scale, bars, ticks,
    )  # fmt: skip
