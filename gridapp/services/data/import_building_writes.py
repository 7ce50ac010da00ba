"""Writing an import of buildings (数据导入), in the caller's transaction: the preview's
fingerprint of the affected communities' buildings is checked again (``StaleVersion``),
the rows are written, the records naming a deleted building follow it to its heir, each
written building goes to the cell holding most of it, and the household and resident
counts of the cells concerned become the sums of their buildings (a count, not an edit:
the cells' versions stay)."""

from __future__ import annotations

from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, shape
from sqlalchemy import delete, select, text

from gridapp.core.errors import Forbidden, StaleVersion
from gridapp.extensions import db
from gridapp.models import Building, Community, ImportJob, User
from gridapp.services import scope
from gridapp.services.data import jobs
from gridapp.services.data.import_building_checks import (
    existing_buildings,
    fingerprint_of,
    household_counts,
)
from gridapp.services.data.import_common import check_unchanged

WHAT = "所涉社区的楼栋"
# The records naming a building that follow it to the incoming building replacing it
# (households must: they cascade; the others would only lose their building).
HEIR_MOVES = (
    "UPDATE households SET building_id = :heir WHERE building_id = :old",
    "UPDATE service_points SET building_id = :heir WHERE building_id = :old",
    "UPDATE units SET building_id = :heir WHERE building_id = :old",
    "UPDATE members SET home_building_id = :heir WHERE home_building_id = :old",
    "UPDATE zone_parts p SET building_id = :heir WHERE building_id = :old AND NOT EXISTS"
    " (SELECT 1 FROM zone_parts q WHERE q.zone_id = p.zone_id AND q.building_id = :heir)",
)


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    """Write the preview's buildings in the caller's transaction (nothing is committed)."""
    preview = job.preview or {}
    ids = [c["id"] for c in preview.get("communities", [])]
    overseen = set(db.session.scalars(scope.overseen_community_ids(user)))
    if not set(ids) <= overseen:
        raise Forbidden("您已不再管辖本次导入涉及的全部社区，数据没有写入")
    communities = {
        c.id: c
        for c in db.session.scalars(
            select(Community).where(Community.id.in_(ids)).order_by(Community.code)
        )
    }
    existing = existing_buildings(list(communities.values()), lock=True)
    check_unchanged(preview.get("versions", {}).get("buildings"), fingerprint_of(existing), WHAT)
    by_id = {e.row.id: e.row for e in existing}
    jobs.progress(job.id, 20, "写入楼栋")
    touched_cells: set[int] = set()
    written: dict[int, Building] = {}
    for f in preview["features"]["features"]:
        p = f["properties"]
        given = set(p["fields"])
        target = p["target_id"]
        if target is not None:
            row = by_id.get(target)
            if row is None:
                raise StaleVersion(f"预览之后，{WHAT}已被他人修改")
            if row.cell_id is not None:
                touched_cells.add(row.cell_id)
        else:  # an insert: its code is its own (a "#<id>" code is always an update)
            row = Building(
                subdistrict_id=communities[p["community_id"]].subdistrict_id,
                source_ref=p["code"],
            )
            db.session.add(row)
            given = {"name", "kind", "levels", "households", "residents"}
        geom = shape(f["geometry"])
        geom = geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
        row.geom = from_shape(geom, srid=4326)
        for key in ("name", "kind", "levels", "households", "residents"):
            if key in given:
                setattr(row, key, p[key])
        written[p["number"]] = row
    db.session.flush()
    for d in preview.get("deleted", []):
        row = by_id.get(d["id"])
        if row is None:
            raise StaleVersion(f"预览之后，{WHAT}已被他人修改")
        if row.cell_id is not None:
            touched_cells.add(row.cell_id)
        heir = written[d["heir"]].id if d.get("heir") is not None else None
        if heir is not None:
            for statement in HEIR_MOVES:
                db.session.execute(text(statement), {"heir": heir, "old": row.id})
        elif household_counts([row.id]):
            raise StaleVersion(f"预览之后，{WHAT}的住户记录已被他人修改")
    gone = [d["id"] for d in preview.get("deleted", [])]
    if gone:
        db.session.execute(delete(Building).where(Building.id.in_(gone)))
    jobs.progress(job.id, 70, "更新网格的户数与人口")
    building_ids = [row.id for row in written.values()]
    touched_cells |= _assign_cells(building_ids)
    _recount(touched_cells)
    db.session.expire_all()
    return {"building_ids": building_ids}


def _assign_cells(building_ids: list[int]) -> set[int]:
    """Each building to the cell of its subdistrict holding most of it; the cells given."""
    if not building_ids:
        return set()
    rows = db.session.execute(
        text(
            "UPDATE buildings b SET cell_id = ("
            " SELECT c.id FROM grid_cells c JOIN communities m ON m.id = c.community_id"
            " WHERE m.subdistrict_id = b.subdistrict_id AND ST_Intersects(c.geom, b.geom)"
            " ORDER BY ST_Area(ST_Intersection(c.geom, b.geom)) DESC, c.id LIMIT 1)"
            " WHERE b.id = ANY(:ids) RETURNING b.cell_id"
        ),
        {"ids": building_ids},
    ).all()
    return {int(r[0]) for r in rows if r[0] is not None}


def _recount(cell_ids: set[int]) -> None:
    """Households and residents of the cells as sums of their buildings (a count, not an
    edit of the cell: its version stays)."""
    if not cell_ids:
        return
    db.session.execute(
        text(
            "UPDATE grid_cells c SET"
            " households = COALESCE((SELECT sum(b.households) FROM buildings b"
            " WHERE b.cell_id = c.id), 0),"
            " residents = COALESCE((SELECT sum(b.residents) FROM buildings b"
            " WHERE b.cell_id = c.id), 0)"
            " WHERE c.id = ANY(:ids)"
        ),
        {"ids": sorted(cell_ids)},
    )
