"""The partition check of a community or a whole subdistrict (API, page and CLI).

Loads the stored cells, communities and buildings, projects them to metres around the place
checked, and lists every problem the core finds (``core.partition_check``), each with its
geometry in GeoJSON (EPSG:4326).

Who may run it: coordinators, grid managers and admins, on a community reached through a
community or subdistrict scope, or on a subdistrict all of whose communities they oversee.
Field staff (scoped to single cells) may not: the check shows every cell of the community.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from gridapp.core.errors import Forbidden, NotFound
from gridapp.core.partition import BuildingInfo
from gridapp.core.partition_check import (
    KIND_LABELS,
    CellShape,
    CheckResult,
    CheckThresholds,
    CommunityShape,
    ProblemKind,
    check_partition,
)
from gridapp.core.projection import LocalProjection
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, Subdistrict, User
from gridapp.services import scope
from gridapp.services.editing import tolerances
from gridapp.services.places import whole_places

CHECK_ROLES = {Role.ADMIN.value, Role.GRID_MANAGER.value, Role.COORDINATOR.value}
CONTEXT_PAD_DEG = 1e-4  # ~10 m: neighbouring communities' cells taken as context


@dataclass(frozen=True)
class Place:
    kind: str  # "community" | "subdistrict"
    id: int
    code: str
    name: str


def thresholds() -> CheckThresholds:
    from flask import current_app

    return CheckThresholds.from_tolerances(
        tolerances(),
        sliver_area_m2=float(current_app.config.get("CHECK_SLIVER_AREA_M2", 50.0)),
        sliver_width_m=float(current_app.config.get("CHECK_SLIVER_WIDTH_M", 3.0)),
    )


# --- permissions -----------------------------------------------------------------------


def require_checker(user: User) -> None:
    if user.role not in CHECK_ROLES:
        raise Forbidden("只有协调员、网格管理员和系统管理员可以运行网格划分检查")


def require_whole_community(user: User, community: Community, action: str) -> None:
    if not scope.includes(scope.overseen_community_ids(user), community.id):
        raise Forbidden(f"编号为 {community.id} 的社区不在您的管辖范围内，不能{action}")


# --- loading -----------------------------------------------------------------------------


def _community_shape(c: Community, proj: LocalProjection) -> CommunityShape:
    return CommunityShape(c.id, c.name, proj.to_metric(to_shape(c.geom)))


def _cells(query: Any, proj: LocalProjection) -> list[CellShape]:
    rows = db.session.execute(
        query.with_only_columns(
            GridCell.id,
            GridCell.code,
            GridCell.name,
            GridCell.community_id,
            func.ST_AsBinary(GridCell.geom),
        ).order_by(GridCell.code)
    ).all()
    return [
        CellShape(r[0], r[1], f"{r[2]}({r[1]})", r[3], proj.to_metric(shapely.from_wkb(r[4])))
        for r in rows
    ]


def load_buildings(
    condition: Any, proj: LocalProjection
) -> tuple[list[BuildingInfo], dict[int, str]]:
    rows = db.session.execute(
        select(
            Building.id,
            Building.name,
            func.ST_AsBinary(Building.geom),
            Building.households,
            Building.residents,
        )
        .where(condition)
        .order_by(Building.id)
    ).all()
    infos = [BuildingInfo(r[0], proj.to_metric(shapely.from_wkb(r[2])), r[3], r[4]) for r in rows]
    return infos, {r[0]: r[1] for r in rows if r[1]}


def _run(
    communities: list[Community], cells_query: Any, building_condition: Any, around: Any
) -> tuple[CheckResult, LocalProjection, dict[int, Community]]:
    proj = LocalProjection.around(around)
    shapes = [_community_shape(c, proj) for c in communities]
    cells = _cells(cells_query, proj)
    buildings, labels = load_buildings(building_condition, proj)
    result = check_partition(shapes, cells, buildings, thresholds(), labels)
    return result, proj, {c.id: c for c in communities}


def check_community(user: User, community_id: int) -> dict[str, Any]:
    require_checker(user)
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound(f"未找到编号为 {community_id} 的社区")
    require_whole_community(user, community, "检查其网格划分")
    return community_report(community)


def community_report(community: Community) -> dict[str, Any]:
    """Problems of one community's cells; cells of neighbouring communities near it are
    context (overlaps with them and buildings cut between them are reported too)."""
    near = func.ST_Intersects(GridCell.geom, func.ST_Expand(community.geom, CONTEXT_PAD_DEG))
    same_subdistrict = GridCell.community_id.in_(
        select(Community.id).where(Community.subdistrict_id == community.subdistrict_id)
    )
    cells_query = select(GridCell).where(
        (GridCell.community_id == community.id) | (near & same_subdistrict)
    )
    buildings = (Building.subdistrict_id == community.subdistrict_id) & func.ST_Intersects(
        Building.geom, community.geom
    )
    result, proj, by_id = _run([community], cells_query, buildings, to_shape(community.geom))
    place = Place("community", community.id, community.code, community.name)
    return _report(place, result, proj, by_id)


def check_subdistrict(user: User, subdistrict_id: int) -> dict[str, Any]:
    require_checker(user)
    subdistrict = scope.require_subdistrict(
        user,
        subdistrict_id,
        whole=True,
        refusal=f"编号为 {subdistrict_id} 的街道不全在您的管辖范围内，请按社区分别检查",
    )
    return subdistrict_report(subdistrict)


def subdistrict_report(subdistrict: Subdistrict) -> dict[str, Any]:
    communities = list(
        db.session.scalars(
            select(Community)
            .where(Community.subdistrict_id == subdistrict.id)
            .order_by(Community.code)
        )
    )
    cells_query = select(GridCell).where(
        GridCell.community_id.in_([c.id for c in communities] or [0])
    )
    result, proj, by_id = _run(
        communities,
        cells_query,
        Building.subdistrict_id == subdistrict.id,
        to_shape(subdistrict.geom),
    )
    place = Place("subdistrict", subdistrict.id, subdistrict.code, subdistrict.name)
    return _report(place, result, proj, by_id)


def _report(
    place: Place, result: CheckResult, proj: LocalProjection, communities: dict[int, Community]
) -> dict[str, Any]:
    problems = []
    for p in result.problems:
        community = communities.get(p.community) if isinstance(p.community, int) else None
        problems.append(
            {
                "kind": p.kind.value,
                "kind_label": KIND_LABELS[p.kind],
                "message": p.message,
                "community_id": None if community is None else community.id,
                "community_name": None if community is None else community.name,
                "cells": list(p.cells),
                "buildings": list(p.buildings),
                "area_m2": p.area_m2,
                "geometry": proj.geojson(p.shape),
            }
        )
    t = thresholds()
    return {
        "ok": result.ok,
        "scope": {"kind": place.kind, "id": place.id, "code": place.code, "name": place.name},
        "counts": result.counts(),
        "kind_labels": {k.value: KIND_LABELS[k] for k in ProblemKind},
        "checked": {
            "communities": result.communities,
            "cells": result.cells,
            "buildings": result.buildings,
        },
        "thresholds": {
            "inside_m": t.inside_m,
            "overlap_m2": t.overlap_m2,
            "gap_m2": t.gap_m2,
            "building_m2": t.building_m2,
            "sliver_area_m2": t.sliver_area_m2,
            "sliver_width_m": t.sliver_width_m,
        },
        "problems": problems,
    }


def reports_by_code(
    subdistrict_code: str | None = None, community_code: str | None = None
) -> list[dict[str, Any]]:
    """Reports for the command line (no user: the operator runs it on the server).

    A community code checks that community; a subdistrict code the whole subdistrict;
    neither checks every subdistrict."""
    if community_code:
        community = db.session.scalar(select(Community).where(Community.code == community_code))
        if community is None:
            raise NotFound(f"未找到编码为 {community_code} 的社区")
        if subdistrict_code and community.subdistrict.code != subdistrict_code:
            raise NotFound(f"社区 {community_code} 不属于街道 {subdistrict_code}")
        return [community_report(community)]
    query = select(Subdistrict).order_by(Subdistrict.code)
    if subdistrict_code:
        query = query.where(Subdistrict.code == subdistrict_code)
    subdistricts = list(db.session.scalars(query))
    if subdistrict_code and not subdistricts:
        raise NotFound(f"未找到编码为 {subdistrict_code} 的街道")
    return [subdistrict_report(s) for s in subdistricts]


def choices(user: User) -> dict[str, list[dict[str, Any]]]:
    """What the user may check: whole subdistricts and communities (for the page's picker)."""
    require_checker(user)
    return whole_places(user)
