"""The frame of the generated subdistrict: arterial layout, river, park and streets.

Layout, in local metres from the south-west corner: arterial roads 300–500 m apart (one
slightly slanted) cut the 3 × 2 km area into superblocks; secondary and residential streets
cut those into blocks. A meandering river crosses the middle band; only some arterials and
one footbridge cross it, and a riverside park with footpaths lies on its north bank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from gridapp.core.geodemo import generated_names as nm
from gridapp.core.geodemo.generated_context import OVERSHOOT, Src, largest_polygon, parts

WIDTH, HEIGHT = 3000.0, 2000.0
N_COLS, N_BANDS = 7, 5  # superblock columns (west → east) and bands (south → north)
RIVER_BAND = 2
SLANTED = 4  # index of the slightly diagonal north-south arterial
BRIDGED = (0, 2, 3, 5, 7)  # north-south arterials that cross the river
PARK_COL = 2  # the park lies north of the river between arterials 2 and 3
HUTONG = (1, 3)  # the hutong superblock: its lanes are never dropped
RIVERSIDE = 12.0  # riverside roads run this far from the river bank


@dataclass(frozen=True)
class Layout:
    xb: tuple[float, ...]  # north-south arterials at y = 0
    xt: tuple[float, ...]  # … and at y = HEIGHT
    ys: tuple[float, ...]  # east-west arterials

    def x_at(self, i: int, y: float) -> float:
        return self.xb[i] + (self.xt[i] - self.xb[i]) * y / HEIGHT

    def quad(self, i: int, j: int, pad: float = 0.0) -> Polygon:
        y0, y1 = self.ys[j] - pad, self.ys[j + 1] + pad
        return Polygon(
            [
                (self.x_at(i, y0) + pad, y0),
                (self.x_at(i + 1, y0) - pad, y0),
                (self.x_at(i + 1, y1) - pad, y1),
                (self.x_at(i, y1) + pad, y1),
            ]
        )

    def superblock(self, p: Point) -> tuple[int, int]:
        j = min(int(np.searchsorted(self.ys, p.y, side="right")) - 1, N_BANDS - 1)
        i = sum(1 for k in range(1, N_COLS) if self.x_at(k, p.y) <= p.x)
        return i, max(j, 0)


@dataclass(frozen=True)
class River:
    centre: LineString  # extends 80 m beyond the study area on both sides
    width: float
    polygon: Polygon  # clipped to the study area

    def y_at(self, x: float) -> float:
        xy = np.asarray(self.centre.coords)
        return float(np.interp(x, xy[:, 0], xy[:, 1]))

    def side(self, north: bool) -> Polygon:
        """Everything north (or south) of the centre line."""
        far = HEIGHT + 200.0 if north else -200.0
        xy = list(self.centre.coords)
        return Polygon([*xy, (xy[-1][0], far), (xy[0][0], far)])


def _spacings(rng: np.random.Generator, n: int, total: float, wide: int = -1) -> np.ndarray:
    while True:
        s = rng.uniform(340.0, 470.0, n)
        if wide >= 0:
            s[wide] = rng.uniform(450.0, 490.0)
        s *= total / s.sum()
        if s.min() >= 310.0 and s.max() <= 495.0 and (wide < 0 or s[wide] >= 440.0):
            cuts = np.concatenate([[0.0], np.cumsum(s)])
            cuts[-1] = total
            return cuts


def draw_layout(rng: np.random.Generator) -> Layout:
    while True:
        xb = _spacings(rng, N_COLS, WIDTH)
        xt = xb.copy()
        xt[SLANTED] += rng.choice([-1.0, 1.0]) * rng.uniform(90.0, 140.0)
        if np.diff(xt).min() >= 305.0 and np.diff(xt).max() <= 500.0:
            break
    ys = _spacings(rng, N_BANDS, HEIGHT, wide=RIVER_BAND)
    return Layout(tuple(map(float, xb)), tuple(map(float, xt)), tuple(map(float, ys)))


def draw_river(rng: np.random.Generator, lay: Layout, area: Polygon) -> River:
    yc = (lay.ys[RIVER_BAND] + lay.ys[RIVER_BAND + 1]) / 2 + rng.uniform(-10.0, 10.0)
    (a1, a2) = rng.uniform(22.0, 34.0), rng.uniform(6.0, 12.0)
    (l1, l2) = rng.uniform(1500.0, 2200.0), rng.uniform(500.0, 800.0)
    (p1, p2) = rng.uniform(0.0, 2 * math.pi, 2)
    xs = np.arange(-80.0, WIDTH + 80.0 + 1e-6, 15.0)
    ys = yc + a1 * np.sin(2 * math.pi * xs / l1 + p1) + a2 * np.sin(2 * math.pi * xs / l2 + p2)
    centre = LineString(np.column_stack([xs, ys]))
    width = float(rng.uniform(38.0, 50.0))
    polygon = largest_polygon(centre.buffer(width / 2, cap_style="flat").intersection(area))
    assert polygon is not None
    return River(centre, width, polygon)


def draw_park(lay: Layout, river: River) -> Polygon:
    x2, x3 = lay.xb[PARK_COL], lay.xb[PARK_COL + 1]
    frame = box(x2 + 10.0, lay.ys[RIVER_BAND], x3 - 10.0, lay.ys[RIVER_BAND + 1] - 8.0)
    park = frame.intersection(river.side(north=True)).difference(
        river.centre.buffer(river.width / 2, cap_style="flat")
    )
    result = largest_polygon(park)
    assert result is not None
    return result


def base_streets(
    rng: np.random.Generator, names: nm.NamePool, lay: Layout, river: River
) -> list[Src]:
    """Arterials, riverside roads, secondary and residential streets (block-bounding kinds)."""
    out: list[Src] = []
    half = river.width / 2 + RIVERSIDE
    corridor = river.centre.buffer(half - OVERSHOOT, cap_style="flat")
    park_cut = river.side(north=True).intersection(
        box(-10.0, -10.0, WIDTH + 10.0, lay.ys[RIVER_BAND + 1] - OVERSHOOT)
    )
    for y in lay.ys:
        out.append(
            (LineString([(0.0, y), (WIDTH, y)]), "arterial", names.take(nm.EW_ARTERIAL_SUFFIXES))
        )
    for i in range(N_COLS + 1):
        line = LineString([(lay.xb[i], 0.0), (lay.xt[i], HEIGHT)])
        name = names.take(nm.NS_ARTERIAL_SUFFIXES)
        geom = line if i in BRIDGED else line.difference(corridor)
        out += [(g, "arterial", name) for g in parts(geom) if isinstance(g, LineString)]
    clip = box(-OVERSHOOT, -50.0, WIDTH + OVERSHOOT, HEIGHT + 50.0)
    x2, x3 = lay.xb[PARK_COL], lay.xb[PARK_COL + 1]
    for sign, label in ((-1.0, "南滨河路"), (1.0, "北滨河路")):
        road = river.centre.offset_curve(sign * half).intersection(clip)
        if sign > 0:
            road = road.difference(box(x2 + OVERSHOOT, -50.0, x3 - OVERSHOOT, HEIGHT + 50.0))
        out += [(g, "secondary", nm.RIVER_NAME + label) for g in parts(road)]
    for j in range(N_BANDS):
        if j == RIVER_BAND:
            continue
        h = lay.ys[j + 1] - lay.ys[j]
        ts = (
            [rng.uniform(0.42, 0.58)]
            if h < 420.0
            else [rng.uniform(0.3, 0.38), rng.uniform(0.62, 0.7)]
        )
        for k, t in enumerate(ts):
            y = lay.ys[j] + t * h
            kind = "secondary" if k == 0 else "residential"
            line = LineString([(-OVERSHOOT, y), (WIDTH + OVERSHOOT, y)])
            for i in range(N_COLS):
                if kind == "residential" and (i, j) != HUTONG and rng.random() < 0.15:
                    line = line.difference(lay.quad(i, j, pad=OVERSHOOT))
            suffixes = nm.SECONDARY_SUFFIXES if k == 0 else nm.RESIDENTIAL_SUFFIXES
            name = names.take(suffixes)
            out += [(g, kind, name) for g in parts(line) if isinstance(g, LineString)]
    for i in range(N_COLS):
        c = min(lay.xb[i + 1] - lay.xb[i], lay.xt[i + 1] - lay.xt[i])
        ts = (
            [rng.uniform(0.42, 0.58)]
            if c < 470.0
            else [rng.uniform(0.3, 0.37), rng.uniform(0.63, 0.7)]
        )
        for t in ts:
            pts = [
                ((1 - t) * lay.x_at(i, y) + t * lay.x_at(i + 1, y), y)
                for y in (-OVERSHOOT, HEIGHT + OVERSHOOT)
            ]
            kind = "secondary" if rng.random() < 0.3 else "residential"
            cut: BaseGeometry = corridor
            for j in range(N_BANDS):
                droppable = j != RIVER_BAND and kind == "residential" and (i, j) != HUTONG
                if droppable and rng.random() < 0.15:
                    band = box(
                        -10.0, lay.ys[j] + OVERSHOOT, WIDTH + 10.0, lay.ys[j + 1] - OVERSHOOT
                    )
                    cut = cut.union(band)
            if i == PARK_COL:
                cut = cut.union(park_cut)
            suffixes = nm.SECONDARY_SUFFIXES if kind == "secondary" else nm.RESIDENTIAL_SUFFIXES
            name = names.take(suffixes)
            geom = LineString(pts).difference(cut)
            out += [(g, kind, name) for g in parts(geom) if isinstance(g, LineString)]
    return out


def park_paths(rng: np.random.Generator, lay: Layout, river: River, park: Polygon) -> list[Src]:
    """Footpaths in the park, and a footbridge from the park to the south bank."""
    x2, x3 = lay.xb[PARK_COL], lay.xb[PARK_COL + 1]
    top = lay.ys[RIVER_BAND + 1]
    half = river.width / 2
    out: list[Src] = []
    prom = river.centre.offset_curve(half + 7.0).intersection(
        box(x2 - OVERSHOOT, 0.0, x3 + OVERSHOOT, HEIGHT)
    )
    out += [(g, "footway", nm.PARK_NAME + "滨河步道") for g in parts(prom)]
    bank = river.centre.buffer(half + 6.5, cap_style="flat")
    xs = [x2 + rng.uniform(0.22, 0.32) * (x3 - x2), x2 + rng.uniform(0.68, 0.78) * (x3 - x2)]
    for x in xs:
        path = LineString([(x, top + OVERSHOOT), (x, river.y_at(x))]).difference(bank)
        out += [(g, "footway", "") for g in parts(path) if isinstance(g, LineString)]
    loop = river.centre.offset_curve(half + rng.uniform(60.0, 100.0)).intersection(park)
    loop = loop.intersection(box(xs[0] - OVERSHOOT, 0.0, xs[1] + OVERSHOOT, HEIGHT))
    out += [(g, "footway", "") for g in parts(loop) if isinstance(g, LineString)]
    x = x2 + rng.uniform(0.45, 0.55) * (x3 - x2)
    yc = river.y_at(x)
    reach = river.centre.buffer(half + RIVERSIDE + OVERSHOOT, cap_style="flat").intersection(
        river.side(north=False).union(river.centre.buffer(half + 7.0 + OVERSHOOT))
    )
    bridge = LineString([(x, yc - 120.0), (x, yc + 120.0)]).intersection(reach)
    out += [
        (g, "footway", nm.RIVER_NAME + "人行桥") for g in parts(bridge) if isinstance(g, LineString)
    ]
    return out
