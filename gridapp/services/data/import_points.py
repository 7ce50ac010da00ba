"""Importing service points (服务阵地, 数据导入): the preview and the commit.

Each incoming point (``core.point_import``) must lie in a community the user oversees as a
whole; it updates the point of the same subdistrict, kind and name (its location and the
attributes the file has columns for), or is inserted. The preview writes nothing; it
checks the points as the import would leave them: two points within ``NEAR_M`` metres of
each other are probably one place twice (a warning). In "replace" mode the other points of
the communities the file's points lie in are deleted — unless a 驻区单位 names one as its
shared facility (a link people entered): that blocks the commit ("error").

The commit re-reads what the preview saw (a fingerprint of the points of the affected
communities and of the same kind and name in their subdistricts): anything changed since
is ``StaleVersion`` and nothing is written. Each written point gets its community, the
cell and the building it lies in. Work coverage reads the stations afresh on every request
(``services.coverage``), so it reflects the import at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPoint, Point, mapping, shape
from sqlalchemy import Select, and_, false, func, or_, select, tuple_

from gridapp.core.datums import Datum
from gridapp.core.errors import Forbidden, StaleVersion
from gridapp.core.layer_files import LayerSpec
from gridapp.core.layer_read import Layer, Problem, Shape
from gridapp.core.point_import import IncomingPoint, incoming_points, kind_label
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, ImportJob, ServicePoint, Unit, User
from gridapp.services import scope
from gridapp.services.data import jobs
from gridapp.services.data.import_common import (
    EPS,
    OUTSIDE_SCOPE,
    categories_by_feature,
    check_item,
    check_unchanged,
    collection,
    community_of,
    feature_json,
    fingerprint,
    outlines_json,
    overseen_communities,
    problem_json,
)
from gridapp.services.data.import_datum import buildings_hint

SPEC = LayerSpec(Shape.POINT)
NEAR_M = 5.0  # two points closer than this are probably one place twice
NEAR = ("near", "疑似重复")
LINKED = ("linked", "驻区单位引用")
WHAT = "服务阵地"


# --- preview --------------------------------------------------------------------------------


def preview(user: User, job: ImportJob, layer: Layer) -> dict[str, Any]:
    """The preview of a layer of service points (writes nothing)."""
    points, problems = incoming_points(layer)
    body = build(user, job.id, points, problems, job.mode)
    guess = buildings_hint(user, [p.geom for p in points], Datum(job.datum), "服务阵地")
    body["warnings"][:0] = [guess] if guess else []
    return body


def build(
    user: User, job_id: int, points: list[IncomingPoint], problems: list[Problem], mode: str
) -> dict[str, Any]:
    problems = list(problems)
    geoms = [p.geom for p in points]
    overseen = overseen_communities(user, geoms)
    home = community_of(overseen, geoms)
    for p, community in zip(points, home, strict=True):
        if p.geom is not None and community is None:
            label = f"第 {p.number} 个要素" + (f"“{p.name}”" if p.name else "")
            problems.append(
                Problem(p.number, "超出管辖范围", f"{label}{OUTSIDE_SCOPE}", _at(p.geom))
            )
    affected = sorted({c.id: c for c in home if c is not None}.values(), key=lambda c: c.code)
    jobs.progress(job_id, 60, "查找已有的服务阵地")
    seen = _seen(affected, points)
    overseen_ids = {c.id for c in overseen}
    by_key: dict[tuple[int, str, str], list[ServicePoint]] = defaultdict(list)
    for s in seen:
        by_key[(s.subdistrict_id, s.kind, s.name)].append(s)
    targets: dict[int, ServicePoint] = {}  # feature number → the point it updates
    for p, community in zip(points, home, strict=True):
        if community is None or not p.kind:
            continue
        same = by_key.get((community.subdistrict_id, p.kind, p.name), [])
        problem = None
        if len(same) > 1:
            problem = (
                f"街道中已有 {len(same)} 个{p.kind_label}名为“{p.name}”，"
                "无法确定要更新哪一个；请先在系统中合并或改名"
            )
        elif same and same[0].community_id not in overseen_ids:
            problem = (
                f"街道中已有{p.kind_label}“{p.name}”，它不在您管辖的社区内，不能由您更新；"
                "请改名或请其所在社区的管理员导入"
            )
        if problem is not None:
            problems.append(Problem(p.number, "同名阵地", problem, _at(p.geom)))
        elif same:
            targets[p.number] = same[0]
    problems.sort(key=lambda p: p.feature)
    categories = categories_by_feature(problems)
    affected_ids = {c.id for c in affected}
    existing = [s for s in seen if s.community_id in affected_ids]
    updated = {s.id for s in targets.values()}
    deleted = [s for s in existing if s.id not in updated] if mode == "replace" else []
    features = [
        feature_json(
            p.number,
            p.shown,
            "",
            p.name,
            "update" if p.number in targets else "insert",
            targets[p.number].id if p.number in targets else None,
            categories.get(p.number, []),
            kind=p.kind,
            kind_label=p.kind_label,
            address=p.address,
            hours=p.hours,
            contact=p.contact,
            services=list(p.services),
            given=sorted(p.given),
            community_id=None if c is None else c.id,
            community_name=None if c is None else c.name,
            subdistrict_id=None if c is None else c.subdistrict_id,
        )
        for p, c in zip(points, home, strict=True)
    ]
    jobs.progress(job_id, 80, "检查重复的服务阵地")
    valid = [p for p in points if p.geom is not None and p.number not in categories]
    gone = updated | {s.id for s in deleted}
    kept = [s for s in seen if s.id not in gone]
    partition = _near(valid, _neighbours(affected, kept, {s.id for s in seen})) + _linked(deleted)
    errors = [p for p in partition if p["severity"] == "error"]
    updates = len(targets)
    return {
        "features": collection(features),
        "problems": [problem_json(p, {}) for p in problems],
        "partition": partition,
        "communities": outlines_json(affected),
        "current": collection([_current_json(s) for s in existing]),
        "deleted": [
            {"id": s.id, "code": "", "name": s.name, "kind_label": kind_label(s.kind)}
            for s in deleted
        ],
        "versions": {"points": fingerprint(_rows(seen))},
        "summary": {
            "features": len(points),
            "inserts": len(points) - updates,
            "updates": updates,
            "deletes": len(deleted),
            "problems": len(problems),
            "partition_errors": len(errors),
            "cut_buildings": 0,
            "gaps": 0,
        },
        "can_commit": bool(points) and not problems and not errors,
        "needs_reason": False,
        "warnings": [],
    }


def _at(geom: Point | None) -> tuple[float, float] | None:
    return None if geom is None else (round(geom.x, 7), round(geom.y, 7))


def _seen_query(community_ids: Sequence[int], pairs: set[tuple[str, str]]) -> Select[Any]:
    """The points an import into these communities reads: theirs, and those of the same
    kind and name in their subdistricts (the ones it could update)."""
    subdistricts = select(Community.subdistrict_id).where(Community.id.in_(community_ids))
    same = tuple_(ServicePoint.kind, ServicePoint.name).in_(pairs) if pairs else false()
    return (
        select(ServicePoint)
        .where(
            ServicePoint.subdistrict_id.in_(subdistricts),
            or_(ServicePoint.community_id.in_(community_ids), same),
        )
        .order_by(ServicePoint.id)
    )


def _seen(communities: Sequence[Community], points: Sequence[IncomingPoint]) -> list[ServicePoint]:
    if not communities:
        return []
    pairs = {(p.kind, p.name) for p in points if p.kind and p.name}
    return list(db.session.scalars(_seen_query([c.id for c in communities], pairs)))


def _rows(points: Sequence[ServicePoint]) -> list[tuple[Any, ...]]:
    return [
        (
            s.id,
            s.subdistrict_id,
            s.community_id,
            s.kind,
            s.name,
            s.address,
            s.hours,
            s.contact,
            tuple(s.services or ()),
            to_shape(s.geom).wkb_hex,
        )
        for s in sorted(points, key=lambda s: s.id)
    ]


def _current_json(s: ServicePoint) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": s.id,
        "geometry": mapping(to_shape(s.geom)),
        "properties": {
            "id": s.id,
            "code": "",
            "name": s.name,
            "kind": s.kind,
            "kind_label": kind_label(s.kind),
        },
    }


def _neighbours(
    communities: Sequence[Community], kept: list[ServicePoint], seen: set[int]
) -> list[ServicePoint]:
    """The points staying in the affected subdistricts: ``kept`` of those already
    ``seen``, and every other one."""
    if not communities:
        return []
    subdistricts = {c.subdistrict_id for c in communities}
    others = db.session.scalars(
        select(ServicePoint).where(
            ServicePoint.subdistrict_id.in_(subdistricts), ServicePoint.id.not_in(seen or {0})
        )
    )
    return [*kept, *others]


def _near(incoming: list[IncomingPoint], kept: list[ServicePoint]) -> list[dict[str, Any]]:
    """Pairs of points (at least one of them incoming) within ``NEAR_M`` of each other."""
    if not incoming:
        return []
    labels = [f"{p.name}（{p.kind_label}，第 {p.number} 个要素）" for p in incoming]
    labels += [f"{s.name}（{kind_label(s.kind)}，已有）" for s in kept]
    lonlat = [p.geom for p in incoming] + [to_shape(s.geom) for s in kept]
    proj = LocalProjection.around(MultiPoint([g for g in lonlat if g is not None]))
    metric = np.asarray([proj.to_metric(g) for g in lonlat], dtype=object)
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric[: len(incoming)], predicate="dwithin", distance=NEAR_M)
    out = []
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if j <= i and j < len(incoming):
            continue  # each pair once; a point is not near itself
        distance = float(shapely.distance(metric[i], metric[j]))
        message = f"{labels[i]}与{labels[j]}相距 {distance:.1f} 米，可能是同一处阵地录入了两次"
        out.append(
            check_item(
                *NEAR,
                "warning",
                message,
                [labels[i], labels[j]],
                geometry=MultiPoint([lonlat[i], lonlat[j]]),
            )
        )
    return out


def _linked(deleted: list[ServicePoint]) -> list[dict[str, Any]]:
    """Deleting a point a 驻区单位 shares as its facility would lose that link: an error."""
    if not deleted:
        return []
    by_id = {s.id: s for s in deleted}
    units = db.session.execute(
        select(Unit.service_point_id, Unit.name)
        .where(Unit.service_point_id.in_(by_id))
        .order_by(Unit.service_point_id, Unit.name)
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for point_id, name in units:
        if point_id is not None:
            names[point_id].append(name)
    return [
        check_item(
            *LINKED,
            "error",
            f"要删除的{kind_label(by_id[i].kind)}“{by_id[i].name}”是驻区单位"
            f"{'、'.join(f'“{n}”' for n in unit_names)}的共享设施；"
            "请先在驻区单位中解除关联，或在文件中保留该阵地",
            [by_id[i].name],
            geometry=to_shape(by_id[i].geom),
        )
        for i, unit_names in names.items()
    ]


# --- commit ---------------------------------------------------------------------------------


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    """Write the ready import in the caller's transaction (no commit here)."""
    preview = job.preview or {}
    features = preview["features"]["features"]
    community_ids = [c["id"] for c in preview["communities"]]
    still = set(
        db.session.scalars(
            scope.overseen_community_ids(user).where(Community.id.in_(community_ids))
        )
    )
    if still != set(community_ids):
        raise Forbidden("预览之后，您的管辖范围已改变，数据没有写入；请重新上传文件")
    pairs = {(f["properties"]["kind"], f["properties"]["name"]) for f in features}
    seen = list(
        db.session.scalars(_seen_query(community_ids, pairs).with_for_update(of=ServicePoint))
    )
    check_unchanged(preview.get("versions", {}).get("points"), fingerprint(_rows(seen)), WHAT)
    deleted = {d["id"] for d in preview.get("deleted", [])}
    if deleted and db.session.scalar(
        select(func.count()).select_from(Unit).where(Unit.service_point_id.in_(deleted))
    ):
        raise StaleVersion(f"预览之后，要删除的{WHAT}已被驻区单位引用")
    jobs.progress(job.id, 30, "写入服务阵地")
    by_id = {s.id: s for s in seen}
    geoms = [shape(f["geometry"]) for f in features]
    cells, buildings = _containing(features, geoms)
    written: list[ServicePoint] = []
    for f, geom, cell_id, building_id in zip(features, geoms, cells, buildings, strict=True):
        p = f["properties"]
        point = by_id[p["target_id"]] if p["target_id"] is not None else ServicePoint()
        if p["target_id"] is None:
            db.session.add(point)
        point.subdistrict_id = p["subdistrict_id"]
        point.community_id = p["community_id"]
        point.cell_id = cell_id
        point.building_id = building_id
        point.kind = p["kind"]
        point.name = p["name"]
        point.geom = from_shape(geom, srid=4326)
        for key in ("address", "hours", "contact", "services"):
            if key in p["given"] or p["target_id"] is None:
                setattr(point, key, p[key])
        written.append(point)
    for gone in deleted:
        db.session.delete(by_id[gone])
    db.session.flush()
    jobs.progress(job.id, 90, "写入完成，正在保存")
    return {"service_point_ids": [s.id for s in written]}


def _containing(
    features: list[dict[str, Any]], geoms: list[Point]
) -> tuple[list[int | None], list[int | None]]:
    """The cell (of the point's community) and the building each point lies in, if any."""
    if not geoms:
        return [], []
    west, south, east, north = shapely.total_bounds(geoms)
    box = func.ST_MakeEnvelope(west - EPS, south - EPS, east + EPS, north + EPS, 4326)
    communities = {f["properties"]["community_id"] for f in features}
    subdistricts = {f["properties"]["subdistrict_id"] for f in features}
    cell_rows = db.session.execute(
        select(GridCell.id, GridCell.community_id, func.ST_AsBinary(GridCell.geom))
        .where(GridCell.community_id.in_(communities), func.ST_Intersects(GridCell.geom, box))
        .order_by(GridCell.id)
    ).all()
    building_rows = db.session.execute(
        select(Building.id, Building.subdistrict_id, func.ST_AsBinary(Building.geom))
        .where(
            and_(Building.subdistrict_id.in_(subdistricts), func.ST_Intersects(Building.geom, box))
        )
        .order_by(Building.id)
    ).all()
    owners = [f["properties"]["community_id"] for f in features]
    subs = [f["properties"]["subdistrict_id"] for f in features]
    return _first_covering(geoms, owners, cell_rows), _first_covering(geoms, subs, building_rows)


def _first_covering(geoms: list[Point], owners: list[int], rows: Sequence[Any]) -> list[int | None]:
    """Per point, the lowest id of the rows (id, owner, WKB) of its owner covering it."""
    out: list[int | None] = [None] * len(geoms)
    if not rows:
        return out
    shapes = shapely.from_wkb(np.array([bytes(r[2]) for r in rows], dtype=object))
    tree = shapely.STRtree(shapes)
    points, hits = tree.query(np.asarray(geoms, dtype=object), predicate="covered_by")
    for i, j in sorted(zip(points.tolist(), hits.tolist(), strict=True)):
        if out[i] is None and rows[j][1] == owners[i]:
            out[i] = rows[j][0]
    return out
