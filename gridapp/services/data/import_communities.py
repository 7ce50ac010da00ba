"""Importing communities (社区边界) from a file (数据导入).

Each feature's subdistrict is the first 9 digits of its code; it must be a subdistrict the
user oversees as a subdistrict (admins: any) — a community importer may reshape a whole
subdistrict, so only admins and grid managers with a subdistrict scope import this layer
(``may_import``). An existing code is an update (name, outline), any other an insert.

The subdistrict as the import would leave it is checked as a partition of communities
(``core.partition_check``, the subdistrict in the role of the community): overlapping or
invalid communities block the commit; gaps, slivers, parts outside the subdistrict's
outline and buildings cut by a community boundary are warnings (the subdistrict's outline
usually comes from another source). The cells of an updated community must stay inside
its new outline (an error otherwise: move the cells first). ``mode`` "replace" deletes the
subdistrict's other communities, but only those nothing hangs on: a community with cells,
accounts scoped to it, member registrations, zones or edit history is an error.

The commit locks the subdistricts' communities, checks that they and their cells are as
the preview saw them (a fingerprint), writes, and re-files the service points of the
subdistricts into the communities they now lie in.
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, shape
from sqlalchemy import delete, func, select, text

from gridapp.core.codes import COMMUNITY_CODE
from gridapp.core.community_import import CSV_CODE_HEADERS, IncomingCommunity, incoming_communities
from gridapp.core.datums import Datum, datum_hint
from gridapp.core.errors import Conflict
from gridapp.core.layer_files import LayerSpec
from gridapp.core.layer_read import Layer, Problem, Shape
from gridapp.core.partition_check import (
    ProblemKind,
)
from gridapp.extensions import db
from gridapp.models import (
    Community,
    GridCell,
    ImportJob,
    Subdistrict,
    User,
)
from gridapp.services import scope
from gridapp.services.data import jobs
from gridapp.services.data.import_common import (
    categories_by_feature,
    check_unchanged,
    collection,
    current_json,
    feature_json,
    fingerprint,
    outlines_json,
    problem_json,
)
from gridapp.services.data.import_community_checks import checks

SPEC = LayerSpec(Shape.POLYGON, CSV_CODE_HEADERS)


def may_import(user: User) -> bool:
    return scope.is_admin(user) or bool(scope.scoped_subdistrict_ids(user))


def _subdistricts(user: User, codes: set[str]) -> dict[str, Subdistrict]:
    """The subdistricts of ``codes`` the user oversees as subdistricts (admins: all)."""
    query = select(Subdistrict).where(Subdistrict.code.in_(codes))
    if not scope.is_admin(user):
        query = query.where(Subdistrict.id.in_(scope.scoped_subdistrict_ids(user)))
    return {s.code: s for s in db.session.scalars(query)}


def preview(user: User, job: ImportJob, layer: Layer) -> dict[str, Any]:
    items, problems = incoming_communities(layer)
    subdistricts = _subdistricts(
        user, {c.subdistrict_code for c in items if COMMUNITY_CODE.match(c.code)}
    )
    for c in items:
        if COMMUNITY_CODE.match(c.code) and c.subdistrict_code not in subdistricts:
            message = (
                f"社区 {c.code} 所属的街道（编码 {c.subdistrict_code}）不存在，"
                "或不在您的管辖范围内（导入社区需要街道级的管辖范围）"
            )
            problems.append(Problem(c.number, "街道未知", message))
    problems.sort(key=lambda p: p.feature)
    categories = categories_by_feature(problems)
    sub_ids = sorted(s.id for s in subdistricts.values())
    existing = _existing(sub_ids)
    jobs.progress(job.id, 60, "检查社区划分")
    features = [
        feature_json(
            c.number,
            c.shown,
            c.code,
            c.name,
            "update" if c.code in existing else "insert",
            existing[c.code].id if c.code in existing else None,
            categories.get(c.number, []),
            subdistrict_id=(
                subdistricts[c.subdistrict_code].id if c.subdistrict_code in subdistricts else None
            ),
        )
        for c in items
    ]
    incoming = [c for c in items if c.number not in categories and c.geom is not None]
    in_file = {c.code for c in items}
    deleted = (
        [c for c in existing.values() if c.code not in in_file] if job.mode == "replace" else []
    )
    partition = checks(list(subdistricts.values()), existing, incoming, deleted)
    errors = [p for p in partition if p["severity"] == "error"]
    updates = sum(1 for c in items if c.code in existing)
    codes = {c.number: c.code for c in items}
    body: dict[str, Any] = {
        "features": collection(features),
        "problems": [problem_json(p, codes) for p in problems],
        "partition": partition,
        "communities": [],
        "subdistricts": outlines_json(subdistricts.values()),
        "current": current_json(existing.values()),
        "deleted": [{"id": c.id, "code": c.code, "name": c.name} for c in deleted],
        "summary": {
            "features": len(items),
            "inserts": len(items) - updates,
            "updates": updates,
            "deletes": len(deleted),
            "problems": len(problems),
            "partition_errors": len(errors),
            "cut_buildings": 0,
            "gaps": sum(1 for p in partition if p["kind"] == ProblemKind.GAP.value),
        },
        "can_commit": bool(items) and not problems and not errors,
        "needs_reason": False,
        "warnings": [],
        "fingerprint": _fingerprint(sub_ids),
        "subdistrict_ids": sub_ids,
    }
    guess = _hint(incoming, list(subdistricts.values()), Datum(job.datum))
    if guess:
        body["warnings"].insert(0, guess)
    return body


def _existing(sub_ids: list[int]) -> dict[str, Community]:
    rows = db.session.scalars(
        select(Community).where(Community.subdistrict_id.in_(sub_ids)).order_by(Community.code)
    )
    return {c.code: c for c in rows}


def _hint(
    incoming: list[IncomingCommunity], subdistricts: list[Subdistrict], chosen: Datum
) -> str | None:
    shapes = [c.geom for c in incoming if c.geom is not None and c.geom.area > 0]
    if not shapes or not subdistricts:
        return None
    claimed = shapely.union_all([to_shape(s.geom) for s in subdistricts])
    guess = datum_hint(shapely.union_all(shapes), claimed, chosen)
    return None if guess is None else guess.message("街道")


def _fingerprint(sub_ids: list[int]) -> str:
    """The subdistricts' communities and their cells' versions, as the preview saw them."""
    communities = db.session.execute(
        select(
            Community.id, Community.code, Community.name, func.md5(func.ST_AsBinary(Community.geom))
        )
        .where(Community.subdistrict_id.in_(sub_ids))
        .order_by(Community.id)
    ).all()
    cells = db.session.execute(
        select(GridCell.id, GridCell.community_id, GridCell.version)
        .join(Community, Community.id == GridCell.community_id)
        .where(Community.subdistrict_id.in_(sub_ids))
        .order_by(GridCell.id)
    ).all()
    return fingerprint([*communities, ("cells",), *cells])


# --- commit -----------------------------------------------------------------------------------


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    preview = job.preview or {}
    sub_ids = [int(i) for i in preview.get("subdistrict_ids", [])]
    db.session.execute(
        select(Community.id)
        .where(Community.subdistrict_id.in_(sub_ids))
        .order_by(Community.id)
        .with_for_update()
    ).all()
    check_unchanged(preview.get("fingerprint"), _fingerprint(sub_ids), "这些街道的社区或网格")
    written: list[int] = []
    for f in preview["features"]["features"]:
        p = f["properties"]
        geom = from_shape(MultiPolygon([shape(f["geometry"])]), srid=4326)
        if p["target_id"] is not None:
            community = db.session.get(Community, p["target_id"])
            if community is None:
                raise Conflict("预览后，要更新的社区已被删除，请重新上传")
            community.name, community.geom = p["name"], geom
        else:
            community = Community(
                subdistrict_id=p["subdistrict_id"], code=p["code"], name=p["name"], geom=geom
            )
            db.session.add(community)
        db.session.flush()
        written.append(community.id)
    gone = [d["id"] for d in preview.get("deleted", [])]
    if gone:
        db.session.execute(delete(Community).where(Community.id.in_(gone)))
    jobs.progress(job.id, 80, "更新服务阵地所属社区")
    db.session.execute(
        text(
            "UPDATE service_points p SET community_id = ("
            " SELECT c.id FROM communities c WHERE c.subdistrict_id = p.subdistrict_id"
            " AND ST_Covers(c.geom, p.geom) ORDER BY c.id LIMIT 1)"
            " WHERE p.subdistrict_id = ANY(:ids)"
        ),
        {"ids": sub_ids},
    )
    return {"community_ids": written}
