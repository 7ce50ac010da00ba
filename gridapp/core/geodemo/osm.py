"""Source 1: a real OpenStreetMap extract (.osm.pbf), read with pyrosm."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyrosm
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gridapp.core.geodemo.raw import RawBuilding, RawGeography, RawPOI, RawStreet
from gridapp.core.projection import utm_crs

HIGHWAY_KIND = {
    "motorway": None,  # not walkable
    "motorway_link": None,
    "trunk": "arterial",
    "trunk_link": "arterial",
    "primary": "arterial",
    "primary_link": "arterial",
    "secondary": "secondary",
    "secondary_link": "secondary",
    "tertiary": "secondary",
    "tertiary_link": "secondary",
    "residential": "residential",
    "unclassified": "residential",
    "living_street": "residential",
    "service": "lane",
    "pedestrian": "footway",
    "footway": "footway",
    "path": "footway",
    "steps": "footway",
    "trail": "footway",
    "track": "footway",
    "cycleway": "footway",
    "corridor": "footway",
    "elevator": "footway",
}
RESIDENTIAL_BUILDINGS = {
    "apartments",
    "residential",
    "house",
    "detached",
    "terrace",
    "dormitory",
    "yes",
}
OFFICE_BUILDINGS = {"office", "commercial"}
SCHOOL_BUILDINGS = {"school", "university", "college", "kindergarten"}
PUBLIC_BUILDINGS = {"public", "civic", "government", "hospital", "church", "townhall"}
COMMUNITY_AMENITIES = {
    "community_centre",
    "social_facility",
    "library",
    "townhall",
    "social_centre",
}
FLOOR_AREA_PER_HOUSEHOLD_M2 = 80.0
RESIDENTIAL_SHARE_OF_MIXED = 0.5  # 'building=yes' in a city centre: half of it is homes
DEFAULT_LEVELS = 4


def _tag(row: dict[str, Any], key: str) -> str:
    """A tag's text, or "" when absent (pandas gives NaN for missing tags)."""
    value = row.get(key)
    return value if isinstance(value, str) else ""


def _number(text: str) -> float | None:
    try:
        value = float(text.split(";")[0].strip().removesuffix("m").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _levels(row: dict[str, Any]) -> int:
    if (levels := _number(_tag(row, "building:levels"))) is not None:
        return max(1, round(levels))
    if (height := _number(_tag(row, "height"))) is not None:
        return max(1, round(height / 3.0))
    return DEFAULT_LEVELS


def read_osm(pbf: Path, *, name: str, district_code: str, subdistrict_code: str) -> RawGeography:
    osm = pyrosm.OSM(str(pbf))
    network = osm.get_network(network_type="walking", nodes=True)
    if network is None or len(network[1]) == 0:
        raise ValueError(f"{pbf} 中没有步行路网")
    _nodes, edges = network
    if len(edges) == 0:
        raise ValueError(f"{pbf} 中没有步行路网")
    lon, lat = edges.union_all().centroid.coords[0]
    crs = utm_crs(lon, lat)
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(geom: Any) -> Any:
        return shapely.transform(
            geom, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
        )

    streets = []
    for row in edges.itertuples(index=False):
        kind = HIGHWAY_KIND.get(str(row.highway))
        geom = row.geometry
        if kind is None or not isinstance(geom, LineString):
            continue
        street_name = row.name if isinstance(row.name, str) else ""
        streets.append(RawStreet(geom=project(geom), kind=kind, name=street_name))

    buildings = []
    frame = osm.get_buildings()
    for i, row in enumerate(frame.to_dict("records")):
        geom = row["geometry"]
        if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
            continue
        geom = shapely.make_valid(project(geom))
        geom = max(shapely.get_parts(geom), key=lambda g: g.area if isinstance(g, Polygon) else 0)
        if not isinstance(geom, Polygon) or geom.area < 1.0:
            continue
        tag = _tag(row, "building") or "yes"
        amenity = _tag(row, "amenity")
        levels = _levels(row)
        if amenity in SCHOOL_BUILDINGS or tag in SCHOOL_BUILDINGS:
            kind = "school"
        elif _tag(row, "office") or tag in OFFICE_BUILDINGS:
            kind = "office"
        elif tag in PUBLIC_BUILDINGS or amenity:
            kind = "public"
        elif tag in {"retail", "shop", "kiosk"} or _tag(row, "shop"):
            kind = "commercial"
        elif tag in RESIDENTIAL_BUILDINGS:
            kind = "residential"
        else:
            kind = "other"
        households = 0
        if kind == "residential":
            share = RESIDENTIAL_SHARE_OF_MIXED if tag == "yes" else 1.0
            households = max(1, round(geom.area * levels * share / FLOOR_AREA_PER_HOUSEHOLD_M2))
        label = _tag(row, "name")
        ref = f"{_tag(row, 'osm_type') or 'way'}/{row.get('id') or i}"
        buildings.append(
            RawBuilding(
                geom=geom,
                kind=kind,
                levels=levels,
                households=households,
                name=label,
                source_ref=ref,
            )
        )

    pois = []
    frame = osm.get_pois(custom_filter={"amenity": sorted(COMMUNITY_AMENITIES)})
    if frame is not None:
        for row in frame.to_dict("records"):
            geom = row["geometry"]
            point = geom if isinstance(geom, Point) else geom.representative_point()
            label = _tag(row, "name")
            pois.append(RawPOI(geom=project(point), kind="community_centre", name=label))

    # The extract's edge bounds the outermost blocks: the hull of everything it holds.
    boundary = shapely.convex_hull(
        shapely.union_all([s.geom for s in streets] + [b.geom for b in buildings])
    )
    return RawGeography(
        boundary=boundary,
        crs=crs.to_string(),
        name=name,
        district_code=district_code,
        district_name="",
        subdistrict_code=subdistrict_code,
        streets=streets,
        buildings=buildings,
        pois=pois,
        source=Path(pbf).name,
        node_streets=False,
    )
