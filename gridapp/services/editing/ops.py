"""Split, merge, draw, rename and revert: each builds a ChangeRequest for
``save.apply_change`` (so every operation is validated and written the same way)."""

from __future__ import annotations

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from gridapp.core.errors import BadRequest, Conflict, PartitionError, StaleVersion
from gridapp.core.partition import BuildingInfo, Key, check_polygon, polygonal
from gridapp.core.partition_ops import clip_to_free_space, merge_cells, split_cell
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, User
from gridapp.services.editing.access import (
    editable_cell,
    editable_cells,
    editable_community,
    find_cell,
    revertible_change,
)
from gridapp.services.editing.cells import conflict_entry, label
from gridapp.services.editing.request import CellInput, ChangeRequest, ChangeResult
from gridapp.services.editing.save import apply_change
from gridapp.services.editing.validate import in_lonlat, tolerances


def _check_version(cell: GridCell, version: int) -> None:
    if cell.version != version:
        raise StaleVersion(
            f"保存冲突：{label(cell)} 已被他人修改，请查看对方的版本后重新编辑",
            cells=[conflict_entry(cell, version, None)],
        )


def split(
    user: User,
    cell_id: int,
    version: int,
    line: BaseGeometry,
    *,
    names: list[str] | None = None,
    assignments_to: int | None = None,
    override_reason: str = "",
    dry_run: bool = False,
) -> ChangeResult:
    """Cut a cell along a line. The part holding the most households keeps the cell (its
    code and assignments); the others become new cells with the next free codes."""
    cell = editable_cell(user, cell_id)
    _check_version(cell, version)
    if not isinstance(line, LineString):
        raise BadRequest("分割线应为 GeoJSON LineString")
    community = db.session.get(Community, cell.community_id)
    assert community is not None
    proj = LocalProjection.around(to_shape(community.geom))
    rows = db.session.execute(
        select(Building.id, func.ST_AsBinary(Building.geom), Building.households).where(
            Building.cell_id == cell.id
        )
    ).all()
    buildings = [BuildingInfo(r[0], proj.to_metric(shapely.from_wkb(r[1])), r[2]) for r in rows]
    parts = in_lonlat(
        proj,
        split_cell,
        proj.to_metric(to_shape(cell.geom)),
        proj.to_metric(line),
        buildings,
    )

    def households(part: BaseGeometry) -> int:
        return sum(b.households for b in buildings if part.contains(b.geom.representative_point()))

    order = sorted(range(len(parts)), key=lambda i: (-households(parts[i]), -parts[i].area))
    names = names or []
    inputs = [CellInput(id=cell.id, version=version, geometry=proj.to_lonlat(parts[order[0]]))]
    for n, i in enumerate(order[1:], start=1):
        name = names[n] if n < len(names) and names[n] else f"{cell.name}-{n + 1}"
        inputs.append(CellInput(key=f"new-{n}", name=name, geometry=proj.to_lonlat(parts[i])))
    if names and names[0]:
        inputs[0].name = names[0]
    target: dict[int, Key] = {}
    if assignments_to is not None:
        if not 0 <= assignments_to < len(inputs):
            raise BadRequest("“党组织等随之转入的部分”应为分割后部分的序号（0 为保留原编码的部分）")
        target[cell.id] = inputs[assignments_to].ref
    return apply_change(
        user,
        ChangeRequest(
            op="split",
            community_id=cell.community_id,
            cells=inputs,
            override_reason=override_reason,
            dry_run=dry_run,
            assignments_to=target,
            summary=f"分割 {cell.name}({cell.code}) 为 {len(parts)} 个网格",
        ),
    )


def merge(
    user: User,
    cells: list[tuple[int, int]],
    *,
    keep: int | None = None,
    name: str | None = None,
    dry_run: bool = False,
) -> ChangeResult:
    """Merge adjacent cells of one community. The cell with the most households (or
    ``keep``) survives with its code; the others are deleted, their assignments move to it."""
    editable_cells(user, [cell_id for cell_id, _ in cells])
    if len(cells) < 2:
        raise BadRequest("合并至少需要两个网格")
    rows = [find_cell(cell_id) for cell_id, _ in cells]
    if len({c.id for c in rows}) != len(rows):
        raise BadRequest("同一网格在合并中出现了多次")
    for cell, (_, version) in zip(rows, cells, strict=True):
        _check_version(cell, version)
    if len({c.community_id for c in rows}) != 1:
        raise BadRequest("只能合并同一社区内的网格")
    community = db.session.get(Community, rows[0].community_id)
    assert community is not None
    proj = LocalProjection.around(to_shape(community.geom))
    labels = {c.id: label(c) for c in rows}
    merged = in_lonlat(
        proj,
        merge_cells,
        {c.id: proj.to_metric(to_shape(c.geom)) for c in rows},
        labels,
        tolerances(),
    )
    survivor = keep if keep is not None else max(rows, key=lambda c: (c.households, -c.id)).id
    if survivor not in labels:
        raise BadRequest("“保留的网格”必须是参与合并的网格之一")
    versions = dict(cells)
    inputs = [
        CellInput(
            id=c.id,
            version=versions[c.id],
            geometry=proj.to_lonlat(merged) if c.id == survivor else None,
            delete=c.id != survivor,
            name=name if c.id == survivor else None,
        )
        for c in rows
    ]
    return apply_change(
        user,
        ChangeRequest(
            op="merge",
            community_id=community.id,
            cells=inputs,
            dry_run=dry_run,
            summary="合并 " + "、".join(labels.values()),
        ),
    )


def draw(
    user: User,
    community_id: int,
    name: str,
    geometry: BaseGeometry,
    *,
    carve: bool = False,
    override_reason: str = "",
    dry_run: bool = False,
) -> tuple[ChangeResult, list[int]]:
    """Draw a new cell. By default it is clipped to the community's free space and the
    cells it overlapped keep their area; with ``carve`` it takes the drawn area out of
    those cells instead (a cell left empty is deleted). Returns the result and the ids of
    the overlapped cells."""
    community = editable_community(user, community_id, whole=True)
    proj = LocalProjection.around(to_shape(community.geom))
    drawn = proj.to_metric(geometry)
    rows = db.session.scalars(
        select(GridCell).where(
            GridCell.community_id == community.id,
            func.ST_Intersects(
                GridCell.geom, func.ST_GeomFromText(shapely.box(*geometry.bounds).wkt, 4326)
            ),
        )
    ).all()
    cells = {c.id: proj.to_metric(to_shape(c.geom)) for c in rows}
    community_m = proj.to_metric(to_shape(community.geom))
    tol = tolerances()
    inputs: list[CellInput] = []
    if carve:
        new = in_lonlat(proj, check_polygon, drawn, "新网格")
        new = polygonal(shapely.intersection(new, community_m))
        overlapped: list[Key] = [
            k for k, g in cells.items() if polygonal(g.intersection(new)).area > tol.overlap_m2
        ]
        if new.area <= tol.gap_m2:
            raise PartitionError("所画范围不在社区内", geometry=proj.geojson(drawn))
        for c in rows:
            if c.id not in overlapped:
                continue
            rest = polygonal(shapely.difference(cells[c.id], new))
            inputs.append(
                CellInput(id=c.id, version=c.version, delete=True)
                if rest.area <= tol.gap_m2
                else CellInput(id=c.id, version=c.version, geometry=proj.to_lonlat(rest))
            )
        clipped = new
    else:
        clipped, overlapped = in_lonlat(proj, clip_to_free_space, drawn, community_m, cells, tol)
    inputs.append(CellInput(key="new-1", name=name, geometry=proj.to_lonlat(clipped)))
    result = apply_change(
        user,
        ChangeRequest(
            op="create",
            community_id=community.id,
            cells=inputs,
            override_reason=override_reason,
            dry_run=dry_run,
            takes_free_space=True,
            summary=f"新建网格 {name}" + ("（从相邻网格中划出）" if carve and overlapped else ""),
        ),
    )
    return result, [k for k in overlapped if isinstance(k, int)]


def rename(user: User, cell_id: int, version: int, name: str) -> ChangeResult:
    cell = editable_cell(user, cell_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise BadRequest("网格名称不能为空，且不超过 100 个字")
    return apply_change(
        user,
        ChangeRequest(
            op="attributes",
            community_id=cell.community_id,
            cells=[CellInput(id=cell.id, version=version, name=name)],
            summary=f"{cell.name} 更名为 {name}",
        ),
    )


def revert(user: User, change_id: int, *, dry_run: bool = False) -> ChangeResult:
    """Undo a change: every cell it touched goes back to its geometry before the change.
    Refused (409) when a cell was changed again afterwards."""
    change = revertible_change(user, change_id)
    inputs: list[CellInput] = []
    later: list[str] = []
    for h in change.cells:
        if h.geom_after is not None:  # the cell exists after the change: restore or delete it
            cell = db.session.get(GridCell, h.cell_id) if h.cell_id is not None else None
            if cell is None or cell.version != h.version_after:
                later.append(h.cell_code)
                continue
            if h.geom_before is None:
                inputs.append(CellInput(id=cell.id, version=cell.version, delete=True))
            else:
                inputs.append(
                    CellInput(
                        id=cell.id,
                        version=cell.version,
                        geometry=to_shape(h.geom_before),
                        name=h.name_before or None,
                    )
                )
        else:  # the change deleted it: bring it back under its old code
            assert h.geom_before is not None  # CHECK: a history row has before or after
            taken = db.session.scalar(select(GridCell.id).where(GridCell.code == h.cell_code))
            if taken is not None:
                later.append(h.cell_code)
                continue
            inputs.append(
                CellInput(
                    key=f"restore-{h.cell_code}",
                    code=h.cell_code,
                    name=h.name_before,
                    geometry=to_shape(h.geom_before),
                )
            )
    if later:
        raise Conflict(
            f"不能撤销：网格 {'、'.join(later)} 在这次修改之后又被修改过，请先撤销之后的修改",
            cells=later,
        )
    return apply_change(
        user,
        ChangeRequest(
            op="revert",
            community_id=change.community_id,
            cells=inputs,
            dry_run=dry_run,
            takes_free_space=True,
            reverts_change_id=change.id,
            summary=f"撤销修改 #{change.id}（{change.summary}）",
        ),
    )
