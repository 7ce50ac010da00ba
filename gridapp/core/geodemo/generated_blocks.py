"""Block fillers for the generated subdistrict: compounds, hutong, offices, schools …

Each filler takes a *lot* (a block polygon already set back from the street centre lines)
and appends buildings, POIs, compounds and street lines to the shared
:class:`~gridapp.core.geodemo.generated_context.Ctx`, laying buildings out in rows of slots
(:func:`row_slots`) or at random spots (:func:`place_random`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.prepared import prep

from gridapp.core.geodemo import generated_names as nm
from gridapp.core.geodemo.generated_context import (
    OVERSHOOT,
    Ctx,
    Src,
    parts,
    shrink,
)
from gridapp.core.geodemo.raw import RawCompound

MAX_COMPOUND_HOUSEHOLDS = 600
MIN_COMPOUND_HOUSEHOLDS = 150
WALL_TO_BUILDING = 5.05  # buildings stand at least 5 m inside the wall
RING_PATH_INSET = 2.5  # the compound's internal ring path runs this far inside the wall


@dataclass(frozen=True)
class Style:
    """A compound's building type: footprint, spacing and storeys."""

    depth: tuple[float, float]
    length: tuple[float, float]
    row_gap: tuple[float, float]
    col_gap: tuple[float, float]
    levels: tuple[int, int]
    units: tuple[int, int]  # flats per floor per entrance
    tower: bool = False


STYLES = {
    "old": Style((10.5, 12.5), (28.0, 46.0), (15.0, 19.0), (10.5, 13.0), (6, 6), (2, 2)),
    "mid": Style((12.0, 14.0), (40.0, 65.0), (19.0, 25.0), (11.0, 16.0), (9, 12), (2, 2)),
    "high": Style((13.0, 15.0), (40.0, 60.0), (26.0, 34.0), (14.0, 20.0), (14, 18), (2, 3)),
    "tower": Style((19.0, 21.0), (19.0, 21.0), (24.0, 32.0), (16.0, 24.0), (15, 18), (3, 4), True),
}


@dataclass(frozen=True)
class Slot:
    geom: Polygon
    levels: int
    households: int


def _slab_households(levels: int, units: int, length: float) -> int:
    entrances = min(4, max(2, round(length / 18.0)))
    return levels * units * entrances


def row_slots(
    ctx: Ctx, zone: Polygon, style: Style, blocked: BaseGeometry | None = None
) -> list[tuple[float, float, list[Slot]]]:
    """Rows of south-facing building slots that fit ``zone``: (bottom, top, slots)."""
    zp = prep(zone)
    minx, miny, maxx, maxy = zone.bounds
    rows: list[tuple[float, float, list[Slot]]] = []
    y = miny + ctx.uniform(0.0, 3.0)
    while True:
        depth = ctx.uniform(*style.depth)
        if y + depth > maxy:
            return rows
        slots: list[Slot] = []
        x = minx + ctx.uniform(0.0, 4.0)
        length = depth if style.tower else ctx.uniform(*style.length)
        while x + length <= maxx:
            cand = box(x, y, x + length, y + depth)
            if zp.contains(cand) and (blocked is None or not blocked.intersects(cand)):
                levels = ctx.integer(*style.levels)
                units = ctx.integer(*style.units)
                hh = levels * units if style.tower else _slab_households(levels, units, length)
                slots.append(Slot(cand, levels, hh))
                x += length + ctx.uniform(*style.col_gap)
                length = depth if style.tower else ctx.uniform(*style.length)
            else:
                x += 3.0
        if slots:
            rows.append((y, y + depth, slots))
        y += depth + ctx.uniform(*style.row_gap)


def place_random(
    ctx: Ctx, zone: Polygon, dims: list[tuple[float, float]], spacing: float, tries: int = 80
) -> list[Polygon]:
    """Place rectangles of the given sizes (in order) at random spots inside ``zone``."""
    zp = prep(zone)
    minx, miny, maxx, maxy = zone.bounds
    placed: list[Polygon] = []
    for w, h in dims:
        for _ in range(tries):
            if ctx.rng.random() < 0.5:
                w, h = h, w
            if maxx - minx < w or maxy - miny < h:
                continue
            x, y = ctx.uniform(minx, maxx - w), ctx.uniform(miny, maxy - h)
            cand = box(x, y, x + w, y + h)
            if zp.contains(cand) and all(cand.distance(p) >= spacing for p in placed):
                placed.append(cand)
                break
    return placed


def _aux_building(ctx: Ctx, slot: Polygon) -> None:
    """A small ancillary building (bike shed, substation, shop) inside an unused slot."""
    x0, y0, x1, y1 = slot.bounds
    w, h = min(x1 - x0, ctx.uniform(8.0, 18.0)), min(y1 - y0, ctx.uniform(6.0, 10.0))
    geom = box(x0, y0, x0 + w, y0 + h)
    if ctx.rng.random() < 0.25:
        ctx.building(geom, "commercial", ctx.integer(1, 2), name=ctx.names.take(nm.SHOP_SUFFIXES))
    else:
        ctx.building(geom, "other", ctx.integer(1, 2))


def _gates(ctx: Ctx, face: Polygon, wall: Polygon) -> tuple[Polygon, list[Point], list[Src]]:
    """Choose 1–3 gates on long wall edges; return the wall with the gates as ring vertices."""
    wall = orient(wall, 1.0)
    coords = list(wall.exterior.coords)
    rank = {"residential": 0.0, "secondary": 1.0, "arterial": 2.5}
    cands: list[tuple[float, int, tuple[float, float], tuple[float, float], Point]] = []
    for k in range(len(coords) - 1):
        (x1, y1), (x2, y2) = coords[k], coords[k + 1]
        length = math.hypot(x2 - x1, y2 - y1)
        if length < 30.0:
            continue
        nx, ny = (y2 - y1) / length, -(x2 - x1) / length  # outward normal of a CCW ring
        f = ctx.uniform(0.35, 0.65)
        p = (x1 + f * (x2 - x1), y1 + f * (y2 - y1))
        ray = LineString([p, (p[0] + nx * 15.0, p[1] + ny * 15.0)])
        hits = [h for h in parts(ray.intersection(face.exterior)) if isinstance(h, Point)]
        if not hits:
            continue
        hit = min(hits, key=lambda h: h.distance(Point(p)))
        score = rank.get(ctx.kind_at(hit), 3.0) + ctx.uniform(0.0, 1.5)
        cands.append((score, k, p, (nx, ny), hit))
    cands.sort(key=lambda c: (c[0], c[1]))
    n = ctx.integer(1, 2) + (1 if wall.area > 25000.0 else 0)
    chosen = sorted(cands[:n], key=lambda c: c[1])
    gates: list[Point] = []
    lines: list[Src] = []
    by_edge = {c[1]: c[2] for c in chosen}
    ring: list[tuple[float, float]] = []
    for k, xy in enumerate(coords):
        ring.append(xy)
        if k in by_edge:
            ring.append(by_edge[k])
    for _, _, p, (nx, ny), hit in chosen:
        inner = (
            p[0] - nx * (RING_PATH_INSET + OVERSHOOT),
            p[1] - ny * (RING_PATH_INSET + OVERSHOOT),
        )
        outer = (hit.x + nx * OVERSHOOT, hit.y + ny * OVERSHOOT)
        gates.append(Point(p))
        lines.append((LineString([inner, p, outer]), "gate", ""))
    return Polygon(ring), gates, lines


def fill_compound(ctx: Ctx, face: Polygon, wall: Polygon, target: int, west: bool) -> bool:
    """A gated compound inside ``wall``; False (and nothing added) if it cannot be built."""
    zone = shrink(wall, WALL_TO_BUILDING)
    ring = shrink(wall, RING_PATH_INSET)
    clip = shrink(wall, RING_PATH_INSET - OVERSHOOT)
    if zone is None or ring is None or clip is None or zone.area < 2000.0:
        return False
    order = ["old", "mid", "high", "tower"] if west else ["mid", "old", "high", "tower"]
    if ctx.rng.random() < 0.25:
        order[0], order[1] = order[1], order[0]
    best: list[tuple[float, float, list[Slot]]] = []
    for name in order:
        rows = row_slots(ctx, zone, STYLES[name])
        capacity = sum(s.households for _, _, slots in rows for s in slots)
        if capacity > sum(s.households for _, _, slots in best for s in slots):
            best = rows
        if capacity >= target:
            best = rows
            break
    slots = [s for _, _, row in best for s in row]
    chosen: set[int] = set()
    total = 0
    for k in ctx.rng.permutation(len(slots)):
        hh = slots[int(k)].households
        if total + hh / 2 <= target and total + hh <= MAX_COMPOUND_HOUSEHOLDS:
            chosen.add(int(k))
            total += hh
    if total < MIN_COMPOUND_HOUSEHOLDS:
        return False
    wall, gates, gate_lines = _gates(ctx, face, wall)
    if not gates:
        return False
    name = ctx.names.take(nm.COMPOUND_SUFFIXES)
    wants_kindergarten = ctx.rng.random() < 0.2
    number = 0
    for k, slot in enumerate(slots):
        if k in chosen:
            number += 1
            label = f"{name}{number}号楼"
            ctx.building(slot.geom, "residential", slot.levels, slot.households, label)
        elif wants_kindergarten and slot.geom.area >= 500.0:
            wants_kindergarten = False
            label = name + "幼儿园"
            ctx.poi("school", label, ctx.building(slot.geom, "school", 2, name=label))
        else:
            _aux_building(ctx, slot.geom)
    ctx.compounds.append(RawCompound(wall, tuple(gates), name))
    ctx.streets.append((ring.exterior, "compound_path", ""))
    minx, _, maxx, _ = clip.bounds
    for (_, top, _), (bottom, _, _) in itertools.pairwise(best):
        row_path = LineString([(minx - 5.0, (top + bottom) / 2), (maxx + 5.0, (top + bottom) / 2)])
        for part in parts(row_path.intersection(clip)):
            if isinstance(part, LineString):
                ctx.streets.append((part, "compound_path", ""))
    ctx.streets.extend(gate_lines)
    return True


def fill_open(
    ctx: Ctx, lot: Polygon, target: int, centre: str | None = None, office: str | None = None
) -> None:
    """An open (unwalled) old neighbourhood; optionally with a community service centre."""
    zone = shrink(lot, 4.0)
    if zone is None:
        return
    blocked: BaseGeometry | None = None
    if centre is not None:
        spots = place_random(ctx, zone, [(ctx.uniform(26.0, 40.0), ctx.uniform(18.0, 28.0))], 0)
        if spots:
            label = office or centre
            idx = ctx.building(spots[0], "public", ctx.integer(2, 5), name=label)
            ctx.poi("community_centre", centre, idx)
            blocked = spots[0].buffer(10.0)
    total = 0
    for _, _, slots in row_slots(ctx, zone, STYLES["old"], blocked):
        for slot in slots:
            if total + slot.households / 2 <= target:
                ctx.building(slot.geom, "residential", slot.levels, slot.households)
                total += slot.households
            elif ctx.rng.random() < 0.9:
                _aux_building(ctx, slot.geom)


def fill_lowrise(ctx: Ctx, lot: Polygon, face: Polygon) -> None:
    """Hutong: east-west lanes every 30–50 m, short north-south lanes, rows of 平房."""
    minx, miny, maxx, maxy = face.bounds
    lane_ys: list[float] = []
    y = miny + ctx.uniform(30.0, 45.0)
    while y < maxy - 28.0:
        lane_ys.append(y)
        y += ctx.uniform(30.0, 50.0)
    reach = face.buffer(OVERSHOOT)
    lanes: list[BaseGeometry] = []
    limits = [miny - 1.0, *lane_ys, maxy + 1.0]
    for k, yl in enumerate(limits):
        spans = (
            [LineString([(minx - 5.0, yl), (maxx + 5.0, yl)])] if 0 < k < len(limits) - 1 else []
        )
        if k + 1 < len(limits):
            for _ in range(ctx.integer(1, 2)):
                x = ctx.uniform(minx + 25.0, maxx - 25.0)
                spans.append(LineString([(x, yl - OVERSHOOT), (x, limits[k + 1] + OVERSHOOT)]))
        for span in spans:
            name = ctx.names.take(nm.LANE_SUFFIXES)
            width = ctx.uniform(3.0, 6.0)
            for part in parts(span.intersection(reach)):
                if isinstance(part, LineString) and part.length > 5.0:
                    ctx.streets.append((part, "lane", name))
                    lanes.append(part.buffer(width / 2 + 0.8))
    region = lot.buffer(-1.5).difference(shapely.union_all(lanes))
    rp = prep(region)
    for ya, yb in itertools.pairwise(limits):
        y = ya + 4.0
        while True:
            depth = ctx.uniform(8.0, 12.0)
            if y + depth > yb - 4.0:
                break
            x = minx + ctx.uniform(0.0, 3.0)
            while x < maxx:
                width = ctx.uniform(7.5, 12.0)
                cand = box(x, y, x + width, y + depth)
                if rp.contains(cand):
                    levels = 2 if ctx.rng.random() < 0.2 else 1
                    ctx.building(cand, "lowrise", levels, ctx.integer(1, 2))
                    x += width + ctx.uniform(1.2, 2.5)
                else:
                    x += 1.5
            y += depth + ctx.uniform(1.2, 2.5)


def fill_offices(ctx: Ctx, lot: Polygon) -> None:
    zone = shrink(lot, 6.0)
    if zone is None:
        return
    dims = [(ctx.uniform(32.0, 48.0), ctx.uniform(32.0, 55.0)) for _ in range(ctx.integer(2, 4))]
    for geom in place_random(ctx, zone, dims, 20.0):
        name = ctx.names.take(nm.OFFICE_SUFFIXES)
        ctx.poi("office", name, ctx.building(geom, "office", ctx.integer(20, 40), name=name))


def fill_commercial(ctx: Ctx, lot: Polygon) -> None:
    zone = shrink(lot, 5.0)
    if zone is None:
        return
    dims = [(ctx.uniform(50.0, 85.0), ctx.uniform(40.0, 65.0))]
    dims += [(ctx.uniform(15.0, 30.0), ctx.uniform(20.0, 40.0)) for _ in range(ctx.integer(3, 8))]
    for k, geom in enumerate(place_random(ctx, zone, dims, 12.0)):
        name = ctx.names.take(nm.SHOP_SUFFIXES)
        levels = ctx.integer(3, 6) if k == 0 else ctx.integer(2, 3)
        ctx.poi("shop", name, ctx.building(geom, "commercial", levels, name=name))


def fill_public(ctx: Ctx, lot: Polygon) -> None:
    """A police station, an old people's home or a cultural centre: one or two buildings."""
    zone = shrink(lot, 6.0)
    if zone is None:
        return
    dims = [(ctx.uniform(25.0, 40.0), ctx.uniform(40.0, 60.0)), (20.0, 30.0)]
    name = ctx.names.take(nm.PUBLIC_SUFFIXES)
    for k, geom in enumerate(place_random(ctx, zone, dims, 12.0)):
        idx = ctx.building(geom, "public", ctx.integer(3, 6) if k == 0 else 2, name=name)
        if k == 0:
            ctx.poi("other", name, idx)


def fill_school(ctx: Ctx, lot: Polygon) -> bool:
    zone = shrink(lot, 8.0)
    if zone is None:
        return False
    dims = [(16.0, ctx.uniform(55.0, 75.0)), (16.0, ctx.uniform(40.0, 55.0)), (30.0, 40.0)]
    placed = place_random(ctx, zone, dims, 15.0, tries=150)
    if not placed:
        return False
    name = ctx.names.take(nm.SCHOOL_SUFFIXES)
    for k, geom in enumerate(placed):
        idx = ctx.building(geom, "school", 2 if k == 2 else ctx.integer(4, 5), name=name)
        if k == 0:
            ctx.poi("school", name, idx)
    return True


def fill_hospital(ctx: Ctx, lot: Polygon) -> bool:
    zone = shrink(lot, 8.0)
    if zone is None:
        return False
    dims = [(ctx.uniform(40.0, 50.0), ctx.uniform(70.0, 90.0)), (35.0, 55.0), (20.0, 30.0)]
    placed = place_random(ctx, zone, dims, 15.0, tries=150)
    if not placed:
        return False
    name = ctx.names.take((nm.HOSPITAL_SUFFIX,))
    for k, geom in enumerate(placed):
        idx = ctx.building(geom, "public", ctx.integer(10, 14) if k == 0 else 4, name=name)
        if k == 0:
            ctx.poi("hospital", name, idx)
    return True
