"""The generated demo subdistrict (a source for the pipeline): geometry rules and totals."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.strtree import STRtree

from gridapp.core.geodemo.generated import generate_subdistrict
from gridapp.core.geodemo.raw import RawGeography
from gridapp.core.vocab import BLOCK_BOUNDING_KINDS, BUILDING_KINDS, POI_KINDS, STREET_KINDS

EPS = 1e-6
PUBLIC_KINDS = {"arterial", "secondary", "residential", "lane", "footway"}
CJK = re.compile(r"^[\u4e00-\u9fff0-9]+$")


@pytest.fixture(scope="module")
def geo() -> RawGeography:
    return generate_subdistrict()


def _lines(geo: RawGeography, kinds: set[str] | frozenset[str]) -> list[LineString]:
    return [s.geom for s in geo.streets if s.kind in kinds]


def _river(geo: RawGeography) -> Polygon:
    assert len(geo.barriers) == 1
    return geo.barriers[0]


def _compound_of(geo: RawGeography) -> dict[int, int]:
    """Building index → index of the compound whose wall contains it."""
    tree = STRtree([c.wall for c in geo.compounds])
    out: dict[int, int] = {}
    for k, b in enumerate(geo.buildings):
        hits = [int(i) for i in tree.query(b.geom, predicate="within")]
        assert len(hits) <= 1
        if hits:
            out[k] = hits[0]
    return out


def _components(lines: list[LineString]) -> int:
    """Connected components of lines that meet at shared end points (union-find)."""
    parent: dict[tuple[float, ...], tuple[float, ...]] = {}

    def find(a: tuple[float, ...]) -> tuple[float, ...]:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for line in lines:
        a, b = find(line.coords[0]), find(line.coords[-1])
        parent[a] = b
    return len({find(a) for a in list(parent)})


def test_metadata_and_origin(geo: RawGeography) -> None:
    assert geo.crs == "EPSG:32650"
    assert (geo.district_code, geo.district_name, geo.subdistrict_code) == (
        "110105",
        "朝阳区",
        "021",
    )
    assert geo.name.endswith("街道") and CJK.match(geo.name)
    assert geo.source == "generated:seed=20240601"
    assert geo.boundary is not None
    minx, miny, maxx, maxy = geo.boundary.bounds
    x0, y0 = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True).transform(
        116.455, 39.905
    )
    assert (minx, miny) == pytest.approx((x0, y0), abs=1e-6)
    assert 2800 <= maxx - minx <= 3200 and 1800 <= maxy - miny <= 2200


def test_all_geometries_are_valid_and_kinds_known(geo: RawGeography) -> None:
    assert geo.boundary is not None and geo.boundary.is_valid
    for s in geo.streets:
        assert isinstance(s.geom, LineString) and s.geom.is_valid and s.geom.length > 0
        assert s.kind in STREET_KINDS and s.walkable
    for b in geo.buildings:
        assert isinstance(b.geom, Polygon) and b.geom.is_valid and b.kind in BUILDING_KINDS
    for c in geo.compounds:
        assert isinstance(c.wall, Polygon) and c.wall.is_valid
    for p in [*geo.barriers, *geo.parks]:
        assert isinstance(p, Polygon) and p.is_valid
    for poi in geo.pois:
        assert isinstance(poi.geom, Point) and poi.kind in POI_KINDS
    assert len({b.source_ref for b in geo.buildings}) == len(geo.buildings)


def test_totals_fit_a_subdistrict_of_6_to_10_communities(geo: RawGeography) -> None:
    assert 2000 <= len(geo.buildings) <= 5000
    households = sum(b.households for b in geo.buildings)
    assert 25000 <= households <= 35000
    assert 60 <= len(geo.compounds) <= 160
    centres = [p for p in geo.pois if p.kind == "community_centre"]
    assert 6 <= len(centres) <= 12
    kinds = Counter(s.kind for s in geo.streets)
    assert set(kinds) == set(STREET_KINDS)


def test_arterials_are_300_to_500_m_apart_one_slanted(geo: RawGeography) -> None:
    assert geo.boundary is not None
    minx, miny, maxx, maxy = geo.boundary.bounds
    arterials = _lines(geo, {"arterial"})
    east_west = sorted(
        {round(a.coords[0][1], 3) for a in arterials if abs(a.coords[0][1] - a.coords[-1][1]) < EPS}
    )
    assert east_west[0] == pytest.approx(miny) and east_west[-1] == pytest.approx(maxy)
    assert all(300 <= d <= 500 for d in np.diff(east_west))
    for y in (miny + 1.0, maxy - 1.0):
        probe = LineString([(minx - 1, y), (maxx + 1, y)])
        hits = [p for a in arterials for p in shapely.get_parts(a & probe) if not p.is_empty]
        xs = sorted({round(p.x, 3) for p in hits if isinstance(p, Point)})
        assert xs[0] == pytest.approx(minx, abs=0.01) and xs[-1] == pytest.approx(maxx, abs=0.01)
        assert all(300 <= d <= 500 for d in np.diff(xs)), xs
    slopes = [abs(a.coords[-1][0] - a.coords[0][0]) / a.length for a in arterials]
    assert max(slopes) > 0.02  # one slightly diagonal arterial


def test_streets_are_named_in_chinese_and_short(geo: RawGeography) -> None:
    for s in geo.streets:
        if s.kind in BLOCK_BOUNDING_KINDS | {"lane"}:
            assert s.name and CJK.match(s.name), s
        assert s.geom.length < (600.0 if s.kind == "compound_path" else 500.0)
    names = {c.name for c in geo.compounds}
    assert len(names) == len(geo.compounds) and all(CJK.match(n) for n in names)


def test_no_building_touches_a_street_wall_river_or_park(geo: RawGeography) -> None:
    obstacles = [s.geom for s in geo.streets] + [c.wall.exterior for c in geo.compounds]
    obstacles += [*geo.barriers, *geo.parks]
    tree = STRtree(obstacles)
    hits = tree.query([b.geom for b in geo.buildings], predicate="intersects")
    assert hits.shape[1] == 0, f"{hits.shape[1]} conflicts, e.g. {obstacles[hits[1][0]]}"
    assert geo.boundary is not None
    assert all(geo.boundary.contains(b.geom) for b in geo.buildings)


def test_blocks_never_cut_a_building(geo: RawGeography) -> None:
    assert geo.boundary is not None
    edges = _lines(geo, BLOCK_BOUNDING_KINDS) + [c.wall.exterior for c in geo.compounds]
    edges += [p.exterior for p in [*geo.barriers, *geo.parks]] + [geo.boundary.exterior]
    faces = list(
        shapely.get_parts(shapely.polygonize(list(shapely.get_parts(shapely.union_all(edges)))))
    )
    assert len(faces) > 150
    assert sum(f.area for f in faces) == pytest.approx(geo.boundary.area, rel=1e-6)
    tree = STRtree(faces)
    for b in geo.buildings:
        inside = [faces[int(k)] for k in tree.query(b.geom, predicate="intersects")]
        assert sum(f.intersection(b.geom).area > 1e-6 for f in inside) == 1


def test_compound_buildings_stand_inside_their_wall(geo: RawGeography) -> None:
    of = _compound_of(geo)
    for k, ci in of.items():
        wall = geo.compounds[ci].wall
        assert geo.buildings[k].geom.distance(wall.exterior) >= 5.0 - EPS
    households = Counter[int]()
    for k, ci in of.items():
        households[ci] += geo.buildings[k].households
    assert all(150 <= households[ci] <= 600 for ci in range(len(geo.compounds)))
    residential = [k for k, b in enumerate(geo.buildings) if b.kind == "residential"]
    assert sum(k in of for k in residential) > 0.7 * len(residential)  # most are gated


def test_residential_buildings_are_slabs_or_towers_10_m_apart(geo: RawGeography) -> None:
    homes = [b for b in geo.buildings if b.kind == "residential"]
    for b in homes:
        x0, y0, x1, y1 = b.geom.bounds
        short, long = sorted((x1 - x0, y1 - y0))
        assert (10 <= short <= 15 and 25 <= long <= 70) or (18 <= short <= long <= 22)
        assert 6 <= b.levels <= 18 and b.households % b.levels == 0
        assert 2 <= b.households // b.levels <= 12
    tree = STRtree([b.geom for b in homes])
    left, right = tree.query([b.geom for b in homes], predicate="dwithin", distance=10.0 - EPS)
    assert np.all(left == right)


def test_other_buildings_have_plausible_attributes(geo: RawGeography) -> None:
    by_kind: dict[str, list[int]] = {}
    for k, b in enumerate(geo.buildings):
        by_kind.setdefault(b.kind, []).append(k)
        if b.kind not in ("residential", "lowrise"):
            assert b.households == 0
    lowrise = [geo.buildings[k] for k in by_kind["lowrise"]]
    assert len(lowrise) >= 300
    for b in lowrise:
        x0, y0, x1, y1 = b.geom.bounds
        assert 7.5 <= min(x1 - x0, y1 - y0) <= max(x1 - x0, y1 - y0) <= 15
        assert 1 <= b.levels <= 2 and 1 <= b.households <= 2
    offices = [geo.buildings[k] for k in by_kind["office"]]
    assert len(offices) >= 10
    assert all(20 <= b.levels <= 40 and CJK.match(b.name) for b in offices)
    assert len(by_kind["school"]) >= 3 and len(by_kind["public"]) >= 8


def test_walls_sit_3_to_8_m_inside_the_streets(geo: RawGeography) -> None:
    streets = _lines(geo, BLOCK_BOUNDING_KINDS)
    tree = STRtree(streets)
    for c in geo.compounds:
        ring = c.wall.exterior
        for d in np.arange(0.0, ring.length, 7.0):
            p = ring.interpolate(d)
            nearest = streets[int(tree.nearest(p))]
            assert 3.0 <= nearest.distance(p) <= 8.02


def test_gates_lie_on_walls_and_are_the_only_way_in(geo: RawGeography) -> None:
    gates = _lines(geo, {"gate"})
    paths = _lines(geo, {"compound_path"})
    public = _lines(geo, PUBLIC_KINDS)
    public_tree, path_tree = STRtree(public), STRtree(paths)
    gate_points = [g for c in geo.compounds for g in c.gates]
    assert len(gates) == len(gate_points)
    for c in geo.compounds:
        assert 1 <= len(c.gates) <= 3
        ring = c.wall.exterior
        for g in c.gates:
            assert ring.distance(g) < EPS
    point_tree = STRtree(gate_points)
    walls = STRtree([c.wall.exterior for c in geo.compounds])
    for line in gates:
        assert len(point_tree.query(line, predicate="dwithin", distance=EPS)) == 1
        crossed = [geo.compounds[int(k)] for k in walls.query(line, predicate="intersects")]
        assert len(crossed) == 1
        where = crossed[0].wall.exterior.intersection(line)
        assert isinstance(where, Point)
        assert min(where.distance(g) for g in crossed[0].gates) < EPS
        assert len(public_tree.query(line, predicate="dwithin", distance=EPS)) >= 1
        assert len(path_tree.query(line, predicate="dwithin", distance=EPS)) >= 1


def test_compound_paths_stay_inside_walls(geo: RawGeography) -> None:
    walls = STRtree([c.wall for c in geo.compounds])
    public = STRtree(_lines(geo, PUBLIC_KINDS))
    homes = _compound_of(geo)
    per_compound: dict[int, list[LineString]] = {}
    for path in _lines(geo, {"compound_path"}):
        inside = [int(k) for k in walls.query(path, predicate="within")]
        assert len(inside) == 1
        per_compound.setdefault(inside[0], []).append(path)
        assert len(public.query(path, predicate="intersects")) == 0
    for line in _lines(geo, {"gate"}):
        per_compound[int(walls.query(line, predicate="intersects")[0])].append(line)
    # paths and gates of each compound form one network reaching every building's front
    for lines in per_compound.values():
        assert _components(lines) == 1
    tree = STRtree(_lines(geo, {"compound_path"}))
    for k in homes:
        b = geo.buildings[k].geom
        assert b.distance(tree.geometries[int(tree.nearest(b))]) <= 20.0


def test_walking_network_is_one_connected_graph(geo: RawGeography) -> None:
    assert _components([s.geom for s in geo.streets]) == 1


def test_river_is_crossed_only_by_some_arterials_and_a_footbridge(geo: RawGeography) -> None:
    river = _river(geo)
    assert geo.boundary is not None
    width = river.area / (geo.boundary.bounds[2] - geo.boundary.bounds[0])
    assert 30 <= width <= 60
    crossing = Counter(s.kind for s in geo.streets if s.geom.crosses(river) or s.geom.within(river))
    assert set(crossing) == {"arterial", "footway"}
    arterials = [s for s in geo.streets if s.kind == "arterial"]
    bridges = {s.name for s in arterials if s.geom.intersects(river)}
    north_south = {s.name for s in arterials if s.geom.coords[0][1] != s.geom.coords[-1][1]}
    assert 3 <= len(bridges) <= len(north_south) - 2  # some arterials stop at the river
    assert {s.name for s in geo.streets if s.kind == "footway" and s.geom.intersects(river)}


def test_park_lies_on_the_river_with_footpaths(geo: RawGeography) -> None:
    assert len(geo.parks) == 1
    park = geo.parks[0]
    assert park.distance(_river(geo)) < EPS and park.area > 30000
    inside = [f for f in _lines(geo, {"footway"}) if f.intersection(park).length > 50]
    assert len(inside) >= 3
    assert any(p.kind == "park" and park.contains(p.geom) for p in geo.pois)


def test_service_centres_sit_in_public_buildings_and_leave_a_gap(geo: RawGeography) -> None:
    centres = [p.geom for p in geo.pois if p.kind == "community_centre"]
    public = STRtree([b.geom for b in geo.buildings if b.kind == "public"])
    assert all(len(public.query(c, predicate="within")) == 1 for c in centres)
    homes = [(b.geom.centroid, b.households) for b in geo.buildings if b.households > 0]
    far = sum(hh for p, hh in homes if min(p.distance(c) for c in centres) > 1000.0)
    total = sum(hh for _, hh in homes)
    # a real gap (more than 1 km even as the crow flies), but most homes have a centre nearby
    assert 1500 <= far <= 0.4 * total
    kinds = Counter(p.kind for p in geo.pois)
    assert kinds["school"] >= 3 and kinds["hospital"] >= 1 and kinds["office"] >= 10


def test_generation_is_deterministic_and_seeded(geo: RawGeography) -> None:
    again = generate_subdistrict()

    def dump(g: RawGeography) -> list[object]:
        rows: list[object] = [g.name, g.boundary.wkb if g.boundary else b""]
        rows += [(s.geom.wkb, s.kind, s.name) for s in g.streets]
        rows += [(b.geom.wkb, b.kind, b.levels, b.households, b.name) for b in g.buildings]
        rows += [(c.wall.wkb, [p.wkb for p in c.gates], c.name) for c in g.compounds]
        rows += [p.wkb for p in [*g.barriers, *g.parks]]
        rows += [(p.geom.wkb, p.kind, p.name) for p in g.pois]
        return rows

    assert dump(again) == dump(geo)
    other = generate_subdistrict(seed=7)
    assert other.buildings[0].geom.wkb != geo.buildings[0].geom.wkb
    assert 2000 <= len(other.buildings) <= 5000
    assert 25000 <= sum(b.households for b in other.buildings) <= 35000
