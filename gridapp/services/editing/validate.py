"""Step 2 of a save: the partition after the change, checked by the core.

Projects the locked cells and the submitted geometries to metres around the community,
loads the buildings in play, and asks ``core.partition.validate_change`` for the cleaned
geometries and the buildings that change cell; tallies households and residents per cell.
Writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select

from gridapp.core.errors import DomainError
from gridapp.core.partition import BuildingInfo, ChangeCheck, Key, Tolerances, validate_change
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import Building
from gridapp.services.editing.cells import label
from gridapp.services.editing.lock import Locked
from gridapp.services.editing.request import ChangeRequest

T = TypeVar("T")


def tolerances() -> Tolerances:
    from flask import current_app

    return Tolerances(
        inside_m=float(current_app.config.get("EDIT_INSIDE_TOLERANCE_M", 0.5)),
        snap_m=float(current_app.config.get("EDIT_SNAP_TOLERANCE_M", 0.5)),
    )


def in_lonlat(proj: LocalProjection, func: Callable[..., T], *args: Any) -> T:
    """Call ``func``; a DomainError's metric ``shape`` becomes GeoJSON (EPSG:4326)."""
    try:
        return func(*args)
    except DomainError as err:
        if err.shape is not None and err.geometry is None:
            err.geometry = proj.geojson(err.shape)
        raise


@dataclass
class Checked:
    """The validated change: what the save will write, and what the preview shows."""

    before: dict[Key, BaseGeometry | None]  # changed cells before, in metres (None: new)
    labels: dict[Key, str]  # every cell in play, for messages and the impact
    check: ChangeCheck  # cleaned geometries after (metres) and building moves
    buildings: dict[int, BuildingInfo]  # buildings in play, by id
    households: dict[Key, int]  # per cell after the change
    residents: dict[Key, int]
    after_lonlat: dict[Key, MultiPolygon]  # ``check.after`` in EPSG:4326


def check_change(req: ChangeRequest, locked: Locked, proj: LocalProjection) -> Checked:
    metric = {i: proj.to_metric(to_shape(c.geom)) for i, c in locked.cells.items()}
    before: dict[Key, BaseGeometry | None] = {}
    after: dict[Key, BaseGeometry | None] = {}
    labels: dict[Key, str] = {i: label(c) for i, c in locked.cells.items()}
    changed = req.by_ref()
    for ref, c in changed.items():
        before[ref] = metric[c.id] if c.id is not None else None
        if c.delete:
            after[ref] = None
        elif c.geometry is not None:
            after[ref] = proj.to_metric(c.geometry)
        else:
            after[ref] = before[ref]
        if c.id is None:
            labels[ref] = f"新网格“{c.name or ref}”"
    neighbours: dict[Key, BaseGeometry] = {i: g for i, g in metric.items() if i not in changed}

    buildings, current_owner = _buildings(locked, proj)
    check = validate_change(
        proj.to_metric(to_shape(locked.community.geom)),
        before,
        after,
        neighbours,
        buildings,
        current_owner,
        labels,
        tolerances(),
        allow_building_cut=bool(req.override_reason.strip()),
        allow_gaps=req.allow_gaps,
    )

    info = {b.id: b for b in buildings}
    households: dict[Key, int] = defaultdict(int)
    residents: dict[Key, int] = defaultdict(int)
    for bid, key in check.owner.items():
        if key is not None:
            households[key] += info[bid].households
            residents[key] += info[bid].residents
    after_lonlat = {k: MultiPolygon(proj.to_lonlat(g).geoms) for k, g in check.after.items()}
    return Checked(before, labels, check, info, households, residents, after_lonlat)


def _buildings(
    locked: Locked, proj: LocalProjection
) -> tuple[list[BuildingInfo], dict[int, Key | None]]:
    """Buildings in the envelope of the cells in play (or of none), in metres, with the
    cell each belongs to now."""
    rows = db.session.execute(
        select(
            Building.id,
            func.ST_AsBinary(Building.geom),
            Building.households,
            Building.residents,
            Building.cell_id,
        ).where(
            Building.subdistrict_id == locked.community.subdistrict_id,
            func.ST_Intersects(Building.geom, from_shape(locked.envelope, srid=4326)),
            # only buildings of the cells in play (or of none): a building of a neighbouring
            # community inside the envelope is not this save's business
            or_(Building.cell_id.is_(None), Building.cell_id.in_(list(locked.cells))),
        )
    ).all()
    buildings = [
        BuildingInfo(r[0], proj.to_metric(shapely.from_wkb(r[1])), r[2], r[3]) for r in rows
    ]
    return buildings, {r[0]: r[4] for r in rows}
