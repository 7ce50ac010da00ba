"""Saving cell edits: one transaction per save, validated by the partition core.

A save (``apply_change``) names the cells it changes, each with the version it edited.
In one transaction it takes an advisory lock on the community (shared for edits that
only move area between the cells they name, exclusive for edits that may take free
space), locks the changed cells and their neighbours ``FOR UPDATE`` in id order, checks
versions, validates the new partition locally, and writes cells (conditional
``UPDATE … WHERE version = :v``), buildings, assignments and history. A dry run does
everything but the writes and returns the change-impact preview.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import CursorResult, func, or_, select, text, update

from gridapp.core import codes
from gridapp.core.errors import BadRequest, DomainError, Forbidden, NotFound, StaleVersion
from gridapp.core.partition import BuildingInfo, Key, Tolerances, validate_change
from gridapp.core.projection import LocalProjection
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellChange,
    Community,
    GridCell,
    User,
)
from gridapp.services import edit_records as records
from gridapp.services import scope

EDIT_ROLES = {Role.ADMIN.value, Role.GRID_MANAGER.value}
LOCK_NAMESPACE = 7001  # pg advisory lock key space for "community edits"
T = TypeVar("T")
PAD_DEG = 2e-5  # ~2 m: neighbours are cells within this of the changed area


@dataclass
class CellInput:
    """One cell of a save: an existing cell (``id`` + ``version``) or a new one (``key``)."""

    id: int | None = None
    version: int | None = None
    key: str | None = None
    name: str | None = None
    geometry: BaseGeometry | None = None  # EPSG:4326; None = keep (or delete if ``delete``)
    delete: bool = False
    code: str | None = None  # a new cell taking back its old code (revert of a delete)

    @property
    def ref(self) -> Key:
        return self.id if self.id is not None else str(self.key)


@dataclass
class ChangeRequest:
    op: str
    community_id: int
    cells: list[CellInput]
    override_reason: str = ""
    dry_run: bool = False
    reverts_change_id: int | None = None
    summary: str = ""
    # assignments of cells that are split or deleted go here (cell id → new owner key/id)
    assignments_to: dict[int, Key] = field(default_factory=dict)
    takes_free_space: bool = False  # create / revert / proposal


@dataclass
class ChangeResult:
    change_id: int | None
    cells: list[dict[str, Any]]
    impact: dict[str, Any]


def tolerances() -> Tolerances:
    from flask import current_app

    return Tolerances(
        inside_m=float(current_app.config.get("EDIT_INSIDE_TOLERANCE_M", 0.5)),
        snap_m=float(current_app.config.get("EDIT_SNAP_TOLERANCE_M", 0.5)),
    )


def require_editor(user: User) -> None:
    if user.role not in EDIT_ROLES:
        raise Forbidden("只有网格管理员和系统管理员可以编辑网格")


def editable_cells(user: User, ids: list[int]) -> None:
    """Cells a save names: 404 for unknown ids, then 403 for cells outside the scope
    (checked before anything reads their geometry or versions)."""
    require_editor(user)
    if not ids:
        return
    known = set(db.session.scalars(select(GridCell.id).where(GridCell.id.in_(ids))))
    unknown = sorted(set(ids) - known)
    if unknown:
        raise NotFound(f"未找到编号为 {unknown} 的网格")
    if user.role == Role.ADMIN.value:
        return
    visible = set(db.session.scalars(scope.visible_cell_ids(user).where(GridCell.id.in_(ids))))
    outside = sorted(set(ids) - visible)
    if outside:
        raise Forbidden(f"网格 {outside} 不在您的管辖范围内，不能编辑")


def editable_community(user: User, community_id: int, *, whole: bool) -> Community:
    """The community of a save: 404 unknown, 403 outside the scope. ``whole``: the save
    may take free space (new cells, revert, proposal), which needs oversight of the whole
    community, not only of some of its cells."""
    require_editor(user)
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound(f"未找到编号为 {community_id} 的社区")
    if user.role == Role.ADMIN.value:
        return community
    ids = scope.overseen_community_ids(user) if whole else scope.visible_community_ids(user)
    if db.session.scalar(ids.where(Community.id == community_id)) is None:
        if whole:
            raise Forbidden("该社区不在您的管辖范围内，不能新建或整体调整网格")
        raise Forbidden("该社区不在您的管辖范围内")
    return community


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


def _label(cell: GridCell) -> str:
    return f"{cell.name}({cell.code})"


def apply_change(user: User, req: ChangeRequest) -> ChangeResult:
    session = db.session
    try:
        result = _apply(user, req)
    except BaseException:
        session.rollback()
        raise
    if req.dry_run:
        session.rollback()
    else:
        session.commit()
    return result


def _apply(user: User, req: ChangeRequest) -> ChangeResult:
    session = db.session
    whole = req.takes_free_space or any(c.id is None for c in req.cells)
    community = editable_community(user, req.community_id, whole=whole)
    ids = [c.id for c in req.cells if c.id is not None]
    editable_cells(user, ids)
    if len(set(ids)) != len(ids):
        raise BadRequest("同一网格在一次保存中出现了多次")
    for c in req.cells:
        if c.id is not None and c.version is None:
            raise BadRequest(f"网格 {c.id} 缺少版本号 version")
        if c.id is None and (c.geometry is None or c.delete):
            raise BadRequest("新建网格需要几何图形")

    # community-wide advisory lock: shared for edits among named cells, exclusive when
    # free space may be taken (two such saves could otherwise both fill the same gap)
    lock = "pg_advisory_xact_lock" if req.takes_free_space else "pg_advisory_xact_lock_shared"
    session.execute(text(f"SELECT {lock}(:ns, :c)"), {"ns": LOCK_NAMESPACE, "c": community.id})

    known = set(
        session.scalars(
            select(GridCell.id).where(GridCell.id.in_(ids), GridCell.community_id == community.id)
        )
    )
    if len(known) < len(ids):
        elsewhere = session.scalars(
            select(GridCell.code).where(GridCell.id.in_(set(ids) - known))
        ).all()
        if elsewhere:
            raise BadRequest(f"网格 {list(elsewhere)} 不属于社区 {community.name}")
        raise NotFound(f"未找到编号为 {sorted(set(ids) - known)} 的网格")
    submitted = [c.geometry for c in req.cells if c.geometry is not None]
    area_q = select(func.ST_Envelope(func.ST_Collect(GridCell.geom))).where(GridCell.id.in_(ids))
    envelope_parts = [shapely.box(*g.bounds) for g in submitted]
    if ids:
        env = session.scalar(area_q)
        if env is not None:
            envelope_parts.append(to_shape(env))
    if not envelope_parts:
        raise BadRequest("没有需要保存的修改")
    envelope = shapely.box(*shapely.union_all(envelope_parts).bounds).buffer(PAD_DEG)
    env_wkt = from_shape(envelope, srid=4326)

    locked = session.scalars(
        select(GridCell)
        .where(
            GridCell.community_id == community.id,
            (GridCell.id.in_(ids)) | func.ST_Intersects(GridCell.geom, env_wkt),
        )
        .order_by(GridCell.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    by_id = {c.id: c for c in locked}
    if any(i not in by_id for i in ids):  # deleted between the check and the lock
        raise StaleVersion("保存冲突：要修改的网格已被他人删除，请刷新后重试")
    stale = [c for c in req.cells if c.id is not None and by_id[c.id].version != c.version]
    if stale:
        raise StaleVersion(
            "保存冲突："
            + "、".join(_label(by_id[c.id]) for c in stale if c.id is not None)
            + " 已被他人修改，请查看对方的版本后重新编辑（您的修改仍保留在编辑器中）",
            cells=[
                conflict_entry(by_id[c.id], c.version, c.geometry)
                for c in stale
                if c.id is not None and c.version is not None
            ],
        )

    proj = LocalProjection.around(to_shape(community.geom))
    return in_lonlat(proj, _validate_and_write, user, req, community, by_id, envelope, proj)


def in_lonlat(proj: LocalProjection, func: Callable[..., T], *args: Any) -> T:
    """Call ``func``; a DomainError's metric ``shape`` becomes GeoJSON (EPSG:4326)."""
    try:
        return func(*args)
    except DomainError as err:
        if err.shape is not None and err.geometry is None:
            err.geometry = proj.geojson(err.shape)
        raise


def conflict_entry(cell: GridCell, your_version: int, yours: BaseGeometry | None) -> dict[str, Any]:
    """One cell of a 409: the version the editor had, and the other person's current one."""
    return {
        "id": cell.id,
        "your_version": your_version,
        "current_version": cell.version,
        "current": cell_feature(cell),
        "yours": None if yours is None else mapping(yours),
    }


def _validate_and_write(
    user: User,
    req: ChangeRequest,
    community: Community,
    by_id: Mapping[int, GridCell],
    envelope: BaseGeometry,
    proj: LocalProjection,
) -> ChangeResult:
    session = db.session
    tol = tolerances()
    changed = {c.ref: c for c in req.cells}
    metric: dict[int, BaseGeometry] = {
        i: proj.to_metric(to_shape(c.geom)) for i, c in by_id.items()
    }
    before: dict[Key, BaseGeometry | None] = {}
    after: dict[Key, BaseGeometry | None] = {}
    labels: dict[Key, str] = {i: _label(c) for i, c in by_id.items()}
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

    rows = session.execute(
        select(
            Building.id,
            func.ST_AsBinary(Building.geom),
            Building.households,
            Building.residents,
            Building.cell_id,
        ).where(
            Building.subdistrict_id == community.subdistrict_id,
            func.ST_Intersects(Building.geom, from_shape(envelope, srid=4326)),
            # only buildings of the cells in play (or of none): a building of a neighbouring
            # community inside the envelope is not this save's business
            or_(Building.cell_id.is_(None), Building.cell_id.in_(list(by_id))),
        )
    ).all()
    buildings = [
        BuildingInfo(r[0], proj.to_metric(shapely.from_wkb(r[1])), r[2], r[3]) for r in rows
    ]
    current_owner: dict[int, Key | None] = {r[0]: r[4] for r in rows}
    allow_cut = bool(req.override_reason.strip())
    community_metric = proj.to_metric(to_shape(community.geom))
    check = validate_change(
        community_metric,
        before,
        after,
        neighbours,
        buildings,
        current_owner,
        labels,
        tol,
        allow_building_cut=allow_cut,
    )

    info = {b.id: b for b in buildings}
    households: dict[Key, int] = defaultdict(int)
    residents: dict[Key, int] = defaultdict(int)
    for bid, key in check.owner.items():
        if key is not None:
            households[key] += info[bid].households
            residents[key] += info[bid].residents

    # assignments of deleted cells (merge) and of split cells follow the rules of the op
    assignment_moves = records.assignment_moves(req, by_id, check.after, households)
    impact = records.impact(req, by_id, labels, before, check, households, info, assignment_moves)
    after_lonlat = {k: MultiPolygon(proj.to_lonlat(g).geoms) for k, g in check.after.items()}
    if req.dry_run:
        preview_cells = [
            {
                "type": "Feature",
                "id": k if isinstance(k, int) else None,
                "geometry": mapping(g),
                "properties": {
                    "key": str(k),
                    "name": labels.get(k, str(k)),
                    "households": households[k],
                    "residents": residents[k],
                },
            }
            for k, g in after_lonlat.items()
        ]
        return ChangeResult(None, preview_cells, impact)

    change = CellChange(
        community_id=community.id,
        user_id=user.id,
        user_name=user.display_name,
        op=req.op,
        summary=req.summary or impact["summary"],
        override_reason=req.override_reason.strip() if check.cut_buildings else "",
        reverts_change_id=req.reverts_change_id,
    )
    session.add(change)
    session.flush()

    new_ids: dict[Key, int] = {}
    used = records.used_seqs(community)
    out_cells: list[dict[str, Any]] = []
    for ref, c in changed.items():
        if c.id is None:
            if c.code is not None and c.code.startswith(community.code):
                seq = int(c.code[12:])
            else:
                seq = codes.next_free_seq(used)
            used.add(seq)
            cell = GridCell(
                community_id=community.id,
                code=codes.cell_code(community.code, seq),
                seq=seq,
                name=c.name or f"{community.name.removesuffix('社区')}第{seq}网格",
                households=households[ref],
                residents=residents[ref],
                geom=from_shape(after_lonlat[ref], srid=4326),
            )
            session.add(cell)
            session.flush()
            new_ids[ref] = cell.id
            records.history(change, cell, None, after_lonlat[ref], None, check.after[ref], 0)
            out_cells.append(cell_feature(cell, after_lonlat[ref]))

    for ref, c in changed.items():
        if c.id is None or c.delete:
            continue
        cell = by_id[c.id]
        before_ll = to_shape(cell.geom)
        hh_before = cell.households
        name_before = cell.name
        result = session.execute(
            update(GridCell)
            .where(GridCell.id == cell.id, GridCell.version == c.version)
            .values(
                geom=from_shape(after_lonlat[ref], srid=4326),
                name=c.name if c.name else GridCell.name,
                households=households[ref],
                residents=residents[ref],
                version=GridCell.version + 1,
                updated_at=func.now(),
            )
            .execution_options(synchronize_session=False)
        )
        if (
            cast(CursorResult[Any], result).rowcount != 1
        ):  # belt and braces: the row lock makes this unreachable
            raise StaleVersion(f"保存冲突：{_label(cell)} 已被他人修改")
        session.refresh(cell)
        records.history(
            change,
            cell,
            before_ll,
            after_lonlat[ref],
            before[ref],
            check.after[ref],
            hh_before,
            name_before=name_before,
        )
        out_cells.append(cell_feature(cell, after_lonlat[ref]))

    def resolve(key: Key | None) -> int | None:
        if key is None:
            return None
        return new_ids.get(key, key if isinstance(key, int) else None)

    for move in check.moves:
        session.execute(
            update(Building)
            .where(Building.id == move.building_id)
            .values(cell_id=resolve(move.to_cell))
            .execution_options(synchronize_session=False)
        )
    for assignment_id, target in assignment_moves.items():
        records.move_assignment(assignment_id, resolve(target), user)

    for ref, c in changed.items():
        if c.delete and c.id is not None:
            cell = by_id[c.id]
            records.history(
                change, cell, to_shape(cell.geom), None, before[ref], None, cell.households
            )
            session.delete(cell)
    session.flush()
    records.refresh_blocks(community.id, envelope)
    return ChangeResult(change.id, out_cells, impact)
