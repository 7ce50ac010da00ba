"""What the generator's steps share: the context they append to, and shape helpers.

The block fillers (``generated_blocks``) append buildings, POIs, compounds and street lines
(before noding, as :data:`Src`) to one :class:`Ctx`; the clean-up (``generated_geometry``)
reads it back. The frame (``generated_layout``) returns its streets as ``Src`` too. All
randomness comes from ``Ctx.rng``; coordinates are local metres (origin = south-west corner).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.geodemo import generated_names as nm
from gridapp.core.geodemo.raw import RawBuilding, RawCompound, RawPOI

Src = tuple[LineString, str, str]  # a street line before noding: geometry, kind, name

OVERSHOOT = 0.5  # lines cross what they join by this much; the stub is pruned after noding


@dataclass
class Ctx:
    rng: np.random.Generator
    names: nm.NamePool
    kind_at: Callable[[Point], str]  # street kind nearest to a point
    buildings: list[RawBuilding] = field(default_factory=list)
    pois: list[tuple[RawPOI, int]] = field(default_factory=list)  # POI, index of its building
    compounds: list[RawCompound] = field(default_factory=list)
    streets: list[Src] = field(default_factory=list)

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def integer(self, lo: int, hi: int) -> int:
        """A random integer in ``[lo, hi]`` (both ends included)."""
        return int(self.rng.integers(lo, hi + 1))

    def building(
        self, geom: Polygon, kind: str, levels: int, households: int = 0, name: str = ""
    ) -> int:
        self.buildings.append(RawBuilding(geom, kind, levels, households, name))
        return len(self.buildings) - 1

    def poi(self, kind: str, name: str, building: int) -> None:
        at = self.buildings[building].geom.representative_point()
        self.pois.append((RawPOI(at, kind, name), building))


def parts(geom: BaseGeometry) -> list[BaseGeometry]:
    return [g for g in shapely.get_parts(geom) if not g.is_empty]


def largest_polygon(geom: BaseGeometry) -> Polygon | None:
    polys = [g for g in parts(geom) if isinstance(g, Polygon)]
    return max(polys, key=lambda p: p.area) if polys else None


def shrink(poly: Polygon, dist: float) -> Polygon | None:
    return largest_polygon(poly.buffer(-dist, join_style="mitre"))
