"""The preview of an import of cells (数据导入): each incoming cell finds its community
(by the first 12 digits of its code, among the communities the user oversees as a whole)
and the cell of the same code (an update; otherwise an insert); the partition the import
would leave is checked (``core.partition_check``), and the datum guessed when the cells
sit off the communities they claim. Writes nothing.

Severity of the partition's problems: overlaps, cells outside their community and invalid
cells block the commit ("error"); buildings cut by the new boundaries need a reason, as in
the editor ("reason"); gaps and slivers are warnings.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from gridapp.core.cell_import import IncomingCell, incoming_cells
from gridapp.core.codes import CELL_CODE
from gridapp.core.datums import Datum, datum_hint
from gridapp.core.layer_read import Layer, Problem
from gridapp.core.partition_check import (
    ProblemKind,
)
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, ImportJob, User
from gridapp.services import scope
from gridapp.services.data import jobs
from gridapp.services.data.import_common import (
    current_json,
    outlines_json,
    partition_items,
    problem_json,
    result_shapes,
)
from gridapp.services.quality.check import load_buildings

SEVERITY = {
    ProblemKind.INVALID: "error",
    ProblemKind.OUTSIDE: "error",
    ProblemKind.OVERLAP: "error",
    ProblemKind.BUILDING_CUT: "reason",
    ProblemKind.GAP: "warning",
    ProblemKind.SLIVER: "warning",
}


def preview(user: User, job: ImportJob, layer: Layer) -> dict[str, Any]:
    """The preview of a layer of cells, with the datum guessed when they sit off."""
    body = build(user, job.id, *incoming_cells(layer), job.mode)
    guess = hint(body, Datum(job.datum))
    if guess:
        body["warnings"].insert(0, guess)
    return body


def build(
    user: User, job_id: int, cells: list[IncomingCell], problems: list[Problem], mode: str
) -> dict[str, Any]:
    problems = list(problems)
    communities = _communities(user, cells)
    for cell in cells:
        if CELL_CODE.match(cell.code) and cell.community_code not in communities:
            problems.append(
                Problem(
                    cell.number,
                    "社区未知",
                    f"网格 {cell.code} 所属的社区（编码 {cell.community_code}）不存在，"
                    "或不在您的管辖范围内",
                )
            )
    categories: dict[int, list[str]] = defaultdict(list)  # by feature number
    for p in problems:
        categories[p.feature].append(p.category)
    affected = list(communities.values())  # only communities the cells name were loaded
    existing = _existing_cells(affected)
    jobs.progress(job_id, 60, "检查网格划分")
    codes = {c.number: c.code for c in cells}
    features = []
    for cell in cells:
        community = communities.get(cell.community_code)
        current = existing.get(cell.code)
        features.append(
            {
                "type": "Feature",
                "id": cell.number,
                "geometry": None if cell.shown is None else mapping(cell.shown),
                "properties": {
                    "number": cell.number,
                    "code": cell.code,
                    "name": cell.name,
                    "label": f"{cell.name}（{cell.code}）",
                    "community_id": None if community is None else community.id,
                    "community_name": None if community is None else community.name,
                    "action": "update" if current is not None else "insert",
                    "cell_id": None if current is None else current.id,
                    "problems": categories.get(cell.number, []),
                },
            }
        )
    incoming = [c for c in cells if c.number not in categories and c.geom is not None]
    codes_in_file = {c.code for c in cells}
    deleted = (
        [c for c in existing.values() if c.code not in codes_in_file] if mode == "replace" else []
    )
    partition = _partition(affected, existing, incoming, deleted)
    errors = [p for p in partition if p["severity"] == "error"]
    cut = [p for p in partition if p["severity"] == "reason"]
    updates = sum(1 for c in cells if c.code in existing)
    summary = {
        "features": len(cells),
        "inserts": len(cells) - updates,
        "updates": updates,
        "deletes": len(deleted),
        "problems": len(problems),
        "partition_errors": len(errors),
        "cut_buildings": sum(len(p["buildings"]) for p in cut),
        "gaps": sum(1 for p in partition if p["kind"] == ProblemKind.GAP.value),
    }
    return {
        "features": {"type": "FeatureCollection", "features": features},
        "problems": [problem_json(p, codes) for p in problems],
        "partition": partition,
        "communities": outlines_json(affected),
        "current": current_json(existing.values()),
        "deleted": [{"id": c.id, "code": c.code, "name": c.name} for c in deleted],
        "versions": {str(c.id): c.version for c in existing.values()},
        "summary": summary,
        "can_commit": bool(cells) and not problems and not errors,
        "needs_reason": bool(cut),
        "warnings": [],
    }


def _communities(user: User, cells: list[IncomingCell]) -> dict[str, Community]:
    """The communities the cells name (by code) that the user oversees as a whole."""
    codes = {c.community_code for c in cells if CELL_CODE.match(c.code)}
    rows = db.session.scalars(
        select(Community).where(
            Community.code.in_(codes), Community.id.in_(scope.overseen_community_ids(user))
        )
    )
    return {c.code: c for c in rows}


def _existing_cells(communities: list[Community]) -> dict[str, GridCell]:
    rows = db.session.scalars(
        select(GridCell)
        .where(GridCell.community_id.in_([c.id for c in communities] or [0]))
        .order_by(GridCell.code)
    )
    return {c.code: c for c in rows}


def _partition(
    communities: list[Community],
    existing: dict[str, GridCell],
    incoming: list[IncomingCell],
    deleted: list[GridCell],
) -> list[dict[str, Any]]:
    """The partition check of the communities as the import would leave them."""
    if not communities:
        return []
    area = shapely.union_all([to_shape(c.geom) for c in communities])
    proj = LocalProjection.around(area)
    by_code = {c.code: c for c in communities}
    replaced = {c.code for c in incoming} | {c.code for c in deleted}
    shapes = result_shapes(
        proj,
        (
            (c.id, c.code, c.name, c.community_id, to_shape(c.geom))
            for c in existing.values()
            if c.code not in replaced
        ),
        (
            (c.code, c.name, by_code[c.community_code].id, c.geom)
            for c in incoming
            if c.geom is not None
        ),
    )
    subdistricts = {c.subdistrict_id for c in communities}
    buildings, labels = load_buildings(
        Building.subdistrict_id.in_(subdistricts)
        & func.ST_Intersects(Building.geom, func.ST_GeomFromText(area.wkt, 4326)),
        proj,
    )
    parents = ((c.id, c.name, to_shape(c.geom)) for c in communities)
    return partition_items(proj, parents, shapes, buildings, labels, SEVERITY)


def hint(preview: dict[str, Any], chosen: Datum) -> str | None:
    """A guess at the datum when the cells sit off the communities they claim."""
    shapes = [
        g
        for g in (shape(f["geometry"]) for f in preview["features"]["features"] if f["geometry"])
        if g.is_valid and g.area > 0
    ]
    claimed = [shape(c["geometry"]) for c in preview["communities"]]
    if not shapes or not claimed:
        return None
    hint = datum_hint(shapely.union_all(shapes), shapely.union_all(claimed), chosen)
    return None if hint is None else hint.message()
