"""How a save shows a cell: its GeoJSON feature, its label, and its entry in a 409."""

from __future__ import annotations

from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gridapp.models import GridCell


def cell_feature(cell: GridCell, geom: BaseGeometry | None = None) -> dict[str, Any]:
    shape = geom if geom is not None else to_shape(cell.geom)
    return {
        "type": "Feature",
        "id": cell.id,
        "geometry": mapping(shape),
        "properties": {
            "id": cell.id,
            "code": cell.code,
            "name": cell.name,
            "community_id": cell.community_id,
            "households": cell.households,
            "residents": cell.residents,
            "version": cell.version,
        },
    }


def label(cell: GridCell) -> str:
    return f"{cell.name}({cell.code})"


def conflict_entry(cell: GridCell, your_version: int, yours: BaseGeometry | None) -> dict[str, Any]:
    """One cell of a 409: the version the editor had, and the other person's current one."""
    return {
        "id": cell.id,
        "your_version": your_version,
        "current_version": cell.version,
        "current": cell_feature(cell),
        "yours": None if yours is None else mapping(yours),
    }
