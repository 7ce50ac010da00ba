"""Step 1 of a save: check the request and who makes it, lock, load the cells in play.

In this order: the community and the named cells (role, 404, scope), the request's own
consistency, an advisory lock on the community (shared for edits that only move area
between the cells they name, exclusive for edits that may take free space: two such saves
could otherwise both fill the same gap), the named cells' membership of the community, then
the named cells and their neighbours ``FOR UPDATE`` in id order, and their versions.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text

from gridapp.core.errors import BadRequest, NotFound, StaleVersion
from gridapp.extensions import db
from gridapp.models import Community, GridCell, User
from gridapp.services.editing.access import editable_cells, editable_community
from gridapp.services.editing.cells import conflict_entry, label
from gridapp.services.editing.request import ChangeRequest

LOCK_NAMESPACE = 7001  # pg advisory lock key space for "community edits"
PAD_DEG = 2e-5  # ~2 m: neighbours are cells within this of the changed area


@dataclass
class Locked:
    """What a save works on, locked until its transaction ends."""

    community: Community
    cells: dict[int, GridCell]  # the named cells and their neighbours, by id
    envelope: BaseGeometry  # EPSG:4326: the changed area's box, padded by PAD_DEG


def load_and_lock(user: User, req: ChangeRequest) -> Locked:
    whole = req.takes_free_space or any(c.id is None for c in req.cells)
    community = editable_community(user, req.community_id, whole=whole)
    ids = req.existing_ids
    editable_cells(user, ids)
    _check_request(req, ids)
    lock = "pg_advisory_xact_lock" if req.takes_free_space else "pg_advisory_xact_lock_shared"
    db.session.execute(text(f"SELECT {lock}(:ns, :c)"), {"ns": LOCK_NAMESPACE, "c": community.id})
    _check_membership(community, ids)
    envelope = _envelope(req, ids)
    cells = _lock_cells(community, ids, envelope)
    _check_versions(req, cells)
    return Locked(community, cells, envelope)


def _check_request(req: ChangeRequest, ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise BadRequest("同一网格在一次保存中出现了多次")
    for c in req.cells:
        if c.id is not None and c.version is None:
            raise BadRequest(f"网格 {c.id} 缺少版本号 version")
        if c.id is None and (c.geometry is None or c.delete):
            raise BadRequest("新建网格需要几何图形")


def _check_membership(community: Community, ids: list[int]) -> None:
    """Every named cell belongs to the save's community (400 if elsewhere, 404 if gone)."""
    known = set(
        db.session.scalars(
            select(GridCell.id).where(GridCell.id.in_(ids), GridCell.community_id == community.id)
        )
    )
    if len(known) < len(ids):
        elsewhere = db.session.scalars(
            select(GridCell.code).where(GridCell.id.in_(set(ids) - known))
        ).all()
        if elsewhere:
            raise BadRequest(f"网格 {list(elsewhere)} 不属于社区 {community.name}")
        raise NotFound(f"未找到编号为 {sorted(set(ids) - known)} 的网格")


def _envelope(req: ChangeRequest, ids: list[int]) -> BaseGeometry:
    """The box around the submitted geometries and the named cells, padded by PAD_DEG."""
    submitted = [c.geometry for c in req.cells if c.geometry is not None]
    area_q = select(func.ST_Envelope(func.ST_Collect(GridCell.geom))).where(GridCell.id.in_(ids))
    envelope_parts = [shapely.box(*g.bounds) for g in submitted]
    if ids:
        env = db.session.scalar(area_q)
        if env is not None:
            envelope_parts.append(to_shape(env))
    if not envelope_parts:
        raise BadRequest("没有需要保存的修改")
    return shapely.box(*shapely.union_all(envelope_parts).bounds).buffer(PAD_DEG)


def _lock_cells(
    community: Community, ids: list[int], envelope: BaseGeometry
) -> dict[int, GridCell]:
    """The named cells and every cell of the community near them, locked in id order."""
    locked = db.session.scalars(
        select(GridCell)
        .where(
            GridCell.community_id == community.id,
            (GridCell.id.in_(ids))
            | func.ST_Intersects(GridCell.geom, from_shape(envelope, srid=4326)),
        )
        .order_by(GridCell.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    by_id = {c.id: c for c in locked}
    if any(i not in by_id for i in ids):  # deleted between the check and the lock
        raise StaleVersion("保存冲突：要修改的网格已被他人删除，请刷新后重试")
    return by_id


def _check_versions(req: ChangeRequest, by_id: dict[int, GridCell]) -> None:
    stale = [c for c in req.cells if c.id is not None and by_id[c.id].version != c.version]
    if stale:
        raise StaleVersion(
            "保存冲突："
            + "、".join(label(by_id[c.id]) for c in stale if c.id is not None)
            + " 已被他人修改，请查看对方的版本后重新编辑（您的修改仍保留在编辑器中）",
            cells=[
                conflict_entry(by_id[c.id], c.version, c.geometry)
                for c in stale
                if c.id is not None and c.version is not None
            ],
        )
