"""The checks of an import of communities (数据导入): the subdistricts as partitions of
communities (``core.partition_check``, the subdistrict in the role of the community), the
cells of each updated community against its new outline, and the communities ``replace``
would delete that something still hangs on (``import_communities`` has the policy)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import func, select

from gridapp.core.community_import import IncomingCommunity
from gridapp.core.partition import BuildingInfo
from gridapp.core.partition_check import (
    CommunityShape,
    ProblemKind,
    check_partition,
)
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellChange,
    Community,
    GridCell,
    MemberRegistration,
    Subdistrict,
    UserScope,
    ZonePart,
)
from gridapp.services.data.import_common import check_item, partition_items, result_shapes
from gridapp.services.quality.check import load_buildings, thresholds

SEVERITY = {
    ProblemKind.INVALID: "error",
    ProblemKind.OVERLAP: "error",
    ProblemKind.OUTSIDE: "warning",
    ProblemKind.GAP: "warning",
    ProblemKind.SLIVER: "warning",
    ProblemKind.BUILDING_CUT: "warning",
}
CELLS_OUTSIDE = ("cells_outside", "网格超出新边界")
IN_USE = ("in_use", "不能删除")


def checks(
    subdistricts: list[Subdistrict],
    existing: dict[str, Community],
    incoming: list[IncomingCommunity],
    deleted: list[Community],
) -> list[dict[str, Any]]:
    """The subdistricts as communities the import would leave, the cells of the updated
    communities against their new outlines, and the deletions nothing may hang on."""
    if not subdistricts:
        return []
    proj = LocalProjection.around(shapely.union_all([to_shape(s.geom) for s in subdistricts]))
    by_code = {s.code: s for s in subdistricts}
    replaced = {c.code for c in incoming} | {c.code for c in deleted}
    shapes = result_shapes(
        proj,
        (
            (c.id, c.code, c.name, c.subdistrict_id, to_shape(c.geom))
            for c in existing.values()
            if c.code not in replaced
        ),
        (
            (c.code, c.name, by_code[c.subdistrict_code].id, c.geom)
            for c in incoming
            if c.geom is not None
        ),
    )
    area = shapely.union_all([s.geom for s in shapes]) if shapes else None
    buildings: list[BuildingInfo] = []
    labels: dict[int, str] = {}
    if area is not None and not area.is_empty:
        buildings, labels = load_buildings(
            Building.subdistrict_id.in_([s.id for s in subdistricts])
            & func.ST_Intersects(
                Building.geom, func.ST_GeomFromText(proj.to_lonlat(area).envelope.wkt, 4326)
            ),
            proj,
        )
    parents = ((s.id, s.name, to_shape(s.geom)) for s in subdistricts)
    out = partition_items(proj, parents, shapes, buildings, labels, SEVERITY)
    out += _cells_outside(existing, incoming, proj)
    out += _in_use(deleted)
    return out


def _cells_outside(
    existing: dict[str, Community], incoming: list[IncomingCommunity], proj: LocalProjection
) -> list[dict[str, Any]]:
    """Cells of an updated community that its new outline would leave outside."""
    updated = {c.code: c for c in incoming if c.code in existing and c.geom is not None}
    if not updated:
        return []
    ids = {existing[code].id: code for code in updated}
    cells = db.session.scalars(
        select(GridCell).where(GridCell.community_id.in_(list(ids))).order_by(GridCell.code)
    ).all()
    outlines = [
        CommunityShape(cid, existing[code].name, proj.to_metric(updated[code].geom))
        for cid, code in ids.items()
    ]
    shapes = result_shapes(
        proj, ((c.id, c.code, c.name, c.community_id, to_shape(c.geom)) for c in cells), ()
    )
    result = check_partition(outlines, shapes, (), thresholds())
    return [
        check_item(
            *CELLS_OUTSIDE,
            "error",
            p.message.replace("超出所属社区边界", "超出所属社区的新边界")
            + "；请先在编辑页把网格移入新边界，或同时调整社区边界",
            p.cells,
            (),
            p.area_m2,
            proj.geojson(p.shape),
        )
        for p in result.problems
        if p.kind is ProblemKind.OUTSIDE
    ]


def _in_use(deleted: list[Community]) -> list[dict[str, Any]]:
    """A deletion is refused when anything people entered hangs on the community."""
    if not deleted:
        return []
    ids = [c.id for c in deleted]
    counts: dict[int, list[str]] = defaultdict(list)
    for model, what in (
        (GridCell, "个网格"),
        (UserScope, "个账号的管辖范围"),
        (MemberRegistration, "条党员报到记录"),
        (ZonePart, "个责任区组成部分"),
        (CellChange, "条网格修改记录"),
    ):
        rows = db.session.execute(
            select(model.community_id, func.count())
            .where(model.community_id.in_(ids))
            .group_by(model.community_id)
        ).all()
        for community_id, n in rows:
            if community_id is not None:
                counts[community_id].append(f"{n} {what}")
    return [
        check_item(
            *IN_USE,
            "error",
            f"文件中没有社区 {c.name}（{c.code}），但它还有{'、'.join(counts[c.id])}，"
            "不能通过导入删除；请改用“更新与新增”，或先处理这些数据",
            (c.code,),
            (),
            0.0,
            mapping(to_shape(c.geom)),
        )
        for c in deleted
        if counts.get(c.id)
    ]
