"""A generated, fictional subdistrict (街道) in Beijing, as a :class:`RawGeography`.

The frame — arterials, river, park and the streets between them — comes from
``generated_layout``. Here each block gets a use: a CBD occupies the south-west corner, a
hutong area the north-west, and most other blocks are gated compounds (小区) with walls,
gates and internal paths (filled by ``generated_blocks``). Community service centres are
spread over the area except the south-east corner, which is left as a real gap in service
coverage. The result is moved to UTM 50N at the end.

All street lines are noded together at the end (every junction is a shared vertex), so the
pipeline can build a walking graph and polygonize blocks straight from them.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, box
from shapely.strtree import STRtree

from gridapp.core.geodemo import generated_names as nm
from gridapp.core.geodemo.generated_blocks import (
    fill_commercial,
    fill_compound,
    fill_hospital,
    fill_lowrise,
    fill_offices,
    fill_open,
    fill_public,
    fill_school,
)
from gridapp.core.geodemo.generated_context import Ctx
from gridapp.core.geodemo.generated_geometry import (
    drop_conflicts,
    faces_of,
    lot_of,
    node,
    to_utm,
)
from gridapp.core.geodemo.generated_layout import (
    HEIGHT,
    HUTONG,
    WIDTH,
    Layout,
    base_streets,
    draw_layout,
    draw_park,
    draw_river,
    park_paths,
)
from gridapp.core.geodemo.raw import RawGeography, RawPOI

CRS = "EPSG:32650"
ORIGIN_LONLAT = (116.455, 39.905)  # the south-west corner
CBD = ((0, 0), (1, 0), (0, 1))
MIXED = (1, 1)  # commercial and offices
# Special blocks, each on the residential block nearest to a point (fractions of the extent).
PLACED_USES = (
    ("school", (0.55, 0.2)),
    ("school", (0.25, 0.82)),
    ("school", (0.8, 0.85)),
    ("school", (0.62, 0.05)),
    ("hospital", (0.5, 0.85)),
    ("public", (0.62, 0.35)),
    ("public", (0.3, 0.7)),
    ("commercial", (0.42, 0.28)),
    ("commercial", (0.72, 0.92)),
    ("commercial", (0.97, 0.05)),
    ("commercial", (0.6, 0.72)),
)
GAP_POINT = (WIDTH - 300.0, 300.0)  # no community centre within 1,350 m of this point


def _pick_nearest(
    cands: list[int], centres: list[Point], target: tuple[float, float]
) -> int | None:
    if not cands:
        return None
    best = min(cands, key=lambda k: (centres[k].distance(Point(target)), k))
    cands.remove(best)
    return best


def _land_use(
    rng: np.random.Generator, lay: Layout, faces: list[Polygon], lots: list[Polygon | None]
) -> list[str]:
    """One use per face: office, commercial, lowrise, school, public, civic, open, compound …"""
    uses = ["none"] * len(faces)
    reps = [f.representative_point() for f in faces]
    sbs = [lay.superblock(p) for p in reps]
    hutong = sorted(
        (k for k, sb in enumerate(sbs) if sb == HUTONG and lots[k] is not None),
        key=lambda k: (reps[k].distance(lay.quad(*HUTONG).centroid), k),
    )[:4]
    cands: list[int] = []
    for k, lot in enumerate(lots):
        if lot is None or lot.area < 1500.0:
            continue
        if sbs[k] in CBD:
            uses[k] = "office"
        elif sbs[k] == MIXED:
            uses[k] = "commercial" if k % 2 == 0 else "office"
        elif k in hutong:
            uses[k] = "lowrise"
        elif lot.area < 9000.0 or shapely.buffer(lot, -25.0).is_empty:
            uses[k] = "commercial"
        else:
            uses[k] = "compound"
            cands.append(k)
    for use, (fx, fy) in PLACED_USES:
        big = use in ("school", "hospital")
        free = [k for k in cands if uses[k] == "compound" and (faces[k].area >= 18000.0 or not big)]
        pick = _pick_nearest(free, reps, (fx * WIDTH, fy * HEIGHT))
        if pick is not None:
            uses[pick] = use
    gap = Point(GAP_POINT)
    civic = [k for k in cands if uses[k] == "compound" and reps[k].distance(gap) >= 1350.0]
    chosen: list[int] = []
    first = _pick_nearest(civic, reps, (0.35 * WIDTH, 0.6 * HEIGHT))
    if first is not None:
        chosen.append(first)
        uses[first] = "office_centre"
    for _ in range(int(rng.integers(7, 11)) - 1):
        if not civic:
            break
        score = [
            min(reps[k].distance(reps[c]) for c in chosen) + rng.uniform(0, 400) for k in civic
        ]
        pick = civic.pop(int(np.argmax(score)))
        chosen.append(pick)
        uses[pick] = "civic"
    rest = [k for k in cands if uses[k] == "compound"]
    for k in rng.permutation(len(rest))[:4]:
        uses[rest[int(k)]] = "open"
    return uses


def _compound_targets(rng: np.random.Generator, areas: list[float], other: int) -> list[int]:
    """Households per compound: proportional to area, 160–560, summing to about 30,000."""
    wanted = rng.uniform(29000.0, 31000.0) - other
    raw = np.asarray(areas) * rng.uniform(0.8, 1.2, len(areas))
    scale = wanted / max(raw.sum(), 1.0)
    for _ in range(8):
        targets = np.clip(raw * scale, 160.0, 560.0)
        scale *= wanted / max(targets.sum(), 1.0)
    return [int(t) for t in np.clip(raw * scale, 160.0, 560.0)]


def generate_subdistrict(seed: int = 20240601) -> RawGeography:
    """Generate the demo subdistrict; the same seed always gives the same geography."""
    rng = np.random.default_rng(seed)
    names = nm.NamePool(rng)
    area = box(0.0, 0.0, WIDTH, HEIGHT)
    lay = draw_layout(rng)
    river = draw_river(rng, lay, area)
    park = draw_park(lay, river)
    base = base_streets(rng, names, lay, river)
    bb_streets = node(base)
    bb_tree = STRtree([s.geom for s in bb_streets])

    def kind_at(p: Point) -> str:
        return bb_streets[int(bb_tree.nearest(p))].kind

    ctx = Ctx(rng, names, kind_at)
    ctx.streets += park_paths(rng, lay, river, park)
    faces = [
        f
        for f in faces_of(bb_streets, area)
        if f.intersection(river.polygon).area < 1.0 and not f.intersects(park)
    ]
    lots = [lot_of(f, bb_tree, bb_streets) for f in faces]
    uses = _land_use(rng, lay, faces, lots)
    compound_faces: list[int] = []
    for k, use in enumerate(uses):
        lot = lots[k]
        if lot is None or use == "none":
            continue
        if use == "compound":
            compound_faces.append(k)
        elif use == "office":
            fill_offices(ctx, lot)
        elif use == "commercial":
            fill_commercial(ctx, lot)
        elif use == "public":
            fill_public(ctx, lot)
        elif use == "lowrise":
            fill_lowrise(ctx, lot, faces[k])
        elif use in ("school", "hospital"):
            built = fill_school(ctx, lot) if use == "school" else fill_hospital(ctx, lot)
            if not built:
                fill_open(ctx, lot, 250)
        elif use in ("civic", "office_centre", "open"):
            centre = None if use == "open" else names.take((nm.CENTRE_SUFFIX,))
            office = nm.SUBDISTRICT_OFFICE if use == "office_centre" else None
            fill_open(ctx, lot, 300, nm.SUBDISTRICT_CENTRE if office else centre, office)
    other = sum(b.households for b in ctx.buildings)
    targets = _compound_targets(rng, [faces[k].area for k in compound_faces], other)
    for k, target in zip(compound_faces, targets, strict=True):
        lot = lots[k]
        assert lot is not None
        west = lay.superblock(faces[k].representative_point())[0] < 4
        if not fill_compound(ctx, faces[k], lot, target, west):
            fill_open(ctx, lot, target)
    streets = node(base + ctx.streets)
    buildings, pois = drop_conflicts(ctx, streets, area, [river.polygon, park])
    pois.append(RawPOI(park.representative_point(), "park", nm.PARK_NAME))
    return to_utm(
        RawGeography(
            crs=CRS,
            name=nm.SUBDISTRICT_NAME,
            district_code=nm.DISTRICT_CODE,
            district_name=nm.DISTRICT_NAME,
            subdistrict_code=nm.SUBDISTRICT_CODE,
            streets=streets,
            buildings=buildings,
            compounds=ctx.compounds,
            barriers=[river.polygon],
            parks=[park],
            pois=pois,
            boundary=area,
            source=f"generated:seed={seed}",
        ),
        ORIGIN_LONLAT,
    )
