"""Raw geography: what a source (OSM extract or generator) hands to the pipeline.

Everything here is in a *projected, metric* CRS (``RawGeography.crs``), so the
pipeline can measure lengths and areas in metres. The pipeline reprojects to
EPSG:4326 only when it writes its results. The kinds (``STREET_KINDS``, ``BUILDING_KINDS``,
``POI_KINDS``) are the domain's vocabulary, in ``gridapp.core.vocab``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import LineString, Point, Polygon


@dataclass(frozen=True)
class RawStreet:
    geom: LineString
    kind: str  # one of STREET_KINDS
    name: str = ""
    walkable: bool = True


@dataclass(frozen=True)
class RawBuilding:
    geom: Polygon
    kind: str  # one of BUILDING_KINDS
    levels: int = 1
    households: int = 0  # 0 for non-residential buildings
    name: str = ""
    source_ref: str = ""  # e.g. "way/123" for OSM, "gen/17" for generated


@dataclass(frozen=True)
class RawPOI:
    geom: Point
    kind: str  # one of POI_KINDS
    name: str = ""


@dataclass(frozen=True)
class RawCompound:
    """A gated residential compound (小区): wall ring and its gates."""

    wall: Polygon  # the area inside the wall
    gates: tuple[Point, ...]
    name: str = ""


@dataclass
class RawGeography:
    crs: str  # projected metric CRS, e.g. "EPSG:32650"
    name: str  # subdistrict name, e.g. "示范街道"
    district_code: str  # 6 digits
    district_name: str
    subdistrict_code: str  # 3 digits
    streets: list[RawStreet] = field(default_factory=list)
    buildings: list[RawBuilding] = field(default_factory=list)
    compounds: list[RawCompound] = field(default_factory=list)
    barriers: list[Polygon] = field(default_factory=list)  # water etc.: not walkable
    parks: list[Polygon] = field(default_factory=list)  # green space (walkable paths only)
    pois: list[RawPOI] = field(default_factory=list)
    boundary: Polygon | None = None  # study area; None = derived from the streets
    source: str = ""  # where the data came from, e.g. "generated:seed=1" or a file name
    # True when street lines may cross without sharing a vertex (the pipeline nodes them);
    # False when the source already splits streets at junctions (OSM: bridges and tunnels
    # cross without meeting).
    node_streets: bool = True
