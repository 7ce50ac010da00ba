"""The ``map`` journey's use cases: read-only GeoJSON views of the map layers a user may see."""

from gridapp.services.map.features import (
    BBox,
    buildings,
    cell,
    cells,
    communities,
    community,
    extent,
    service_point,
    service_points,
    streets,
)

__all__ = [
    "BBox",
    "buildings",
    "cell",
    "cells",
    "communities",
    "community",
    "extent",
    "service_point",
    "service_points",
    "streets",
]
