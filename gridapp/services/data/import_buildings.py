"""Importing buildings (楼栋, with their household counts) from a file (数据导入).

Preview (writes nothing): each incoming building (``core.building_import``) lies in the
community holding its representative point, which the user must oversee as a whole (else
``OUTSIDE_SCOPE``, the same words whether the place exists or not). A code equal to the
``source_ref`` of a building of that subdistrict (or ``#<id>``, our export's code of a
building without one) updates that building, which must lie in a community the user
oversees too; anything else is an insert. The affected communities are those holding an
incoming or an updated building; their existing buildings are the preview's ``current``,
and their fingerprint is kept (``versions``) for the commit. In "replace" mode the
affected communities' buildings the file does not update are deleted: the records that
name a deleted building (households, service points, units, members' homes, zone parts)
move to the incoming building covering most of it; a deleted building with household
records and no incoming building over it blocks the import.

``partition`` (warnings unless said): an incoming building cut by a cell boundary (it
goes to the cell holding most of it; an import of buildings does not move boundaries); an
incoming building overlapping another (kept or incoming) by more than half of the smaller
(a probable duplicate); household records with nowhere to go ("error").

Commit (the caller's transaction): the fingerprint is checked again (``StaleVersion``),
the rows are written, each written building goes to the cell holding most of it, and the
household and resident counts of the cells concerned are the sums of their buildings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import select

from gridapp.core.building_import import IncomingBuilding, incoming_buildings
from gridapp.core.datums import Datum
from gridapp.core.import_fields import where
from gridapp.core.layer_files import LayerSpec
from gridapp.core.layer_read import Layer, Problem, Shape
from gridapp.core.vocab import BUILDING_KIND_LABELS
from gridapp.extensions import db
from gridapp.models import Building, Community, ImportJob, User
from gridapp.services.data import import_building_writes, jobs
from gridapp.services.data.import_building_checks import (
    Existing,
    current_json,
    cut_buildings,
    duplicates,
    existing_buildings,
    fingerprint_of,
    heirs_of,
    household_counts,
    orphans,
    projection,
)
from gridapp.services.data.import_common import (
    OUTSIDE_SCOPE,
    categories_by_feature,
    collection,
    community_of,
    feature_json,
    outlines_json,
    overseen_communities,
    problem_json,
)
from gridapp.services.data.import_datum import buildings_hint

SPEC = LayerSpec(Shape.AREA, ("code", "楼栋编码", "楼栋编号", "编码", "ref"))


def preview(user: User, job: ImportJob, layer: Layer) -> dict[str, Any]:
    incoming, problems = incoming_buildings(layer)
    jobs.progress(job.id, 50, "检查所属社区")
    geoms = [b.geom for b in incoming]
    home = community_of(overseen_communities(user, geoms), geoms)
    for b, community in zip(incoming, home, strict=True):
        if b.geom is not None and community is None:
            message = f"第 {b.number} 个要素{OUTSIDE_SCOPE}"
            problems.append(Problem(b.number, "超出范围", message, where(b.geom)))
    targets = _targets(user, incoming, home, problems)
    affected_by_id = {c.id: c for c in home if c is not None}
    affected_by_id.update({t.community.id: t.community for t in targets.values()})
    affected = sorted(affected_by_id.values(), key=lambda c: c.code)
    existing = existing_buildings(affected)
    jobs.progress(job.id, 70, "检查楼栋与网格")
    categories = categories_by_feature(problems)
    valid = [b for b in incoming if b.geom is not None and b.number not in categories]
    updated = {t.row.id for t in targets.values()}
    deleted = [e for e in existing if e.row.id not in updated] if job.mode == "replace" else []
    gone = {e.row.id for e in deleted}
    kept = [e for e in existing if e.row.id not in updated and e.row.id not in gone]
    proj = projection([b.geom for b in valid] + [e.geom for e in existing])
    heirs = heirs_of(deleted, valid, proj)
    households = household_counts([e.row.id for e in deleted])
    partition = [
        *orphans(deleted, heirs, households, proj),
        *cut_buildings(valid, affected, proj),
        *duplicates(valid, kept, proj),
    ]
    errors = [p for p in partition if p["severity"] == "error"]
    features = []
    for b, community in zip(incoming, home, strict=True):
        target = targets.get(b.number)
        features.append(
            feature_json(
                b.number,
                b.shown,
                b.code,
                b.name,
                "update" if target else "insert",
                target.row.id if target else None,
                categories.get(b.number, []),
                community_id=None if community is None else community.id,
                community_name=None if community is None else community.name,
                kind=b.kind,
                kind_label=BUILDING_KIND_LABELS[b.kind],
                levels=b.levels,
                households=b.households,
                residents=b.residents,
                fields=sorted(b.given),
            )
        )
    codes = {b.number: b.code for b in incoming}
    guess = buildings_hint(user, geoms, Datum(job.datum), "楼栋")
    summary = {
        "features": len(incoming),
        "inserts": len(incoming) - len(targets),
        "updates": len(targets),
        "deletes": len(deleted),
        "problems": len(problems),
        "partition_errors": len(errors),
        "cut_buildings": sum(1 for p in partition if p["kind"] == "building_cut"),
        "gaps": 0,
    }
    return {
        "features": collection(features),
        "problems": [problem_json(p, codes) for p in problems],
        "partition": partition,
        "communities": outlines_json(affected),
        "current": collection([current_json(e) for e in existing]),
        "deleted": [
            {
                "id": e.row.id,
                "code": e.row.source_ref,
                "name": e.row.name,
                "households": households.get(e.row.id, 0),
                "heir": heirs.get(e.row.id),
            }
            for e in deleted
        ],
        "versions": {"buildings": fingerprint_of(existing)},
        "summary": summary,
        "can_commit": bool(incoming) and not problems and not errors,
        "needs_reason": False,
        "warnings": [guess] if guess else [],
    }


def _targets(
    user: User,
    incoming: list[IncomingBuilding],
    home: Sequence[Community | None],
    problems: list[Problem],
) -> dict[int, Existing]:
    """The existing building each incoming one updates (by feature number)."""
    wanted = [(b, c) for b, c in zip(incoming, home, strict=True) if c is not None and b.code]
    if not wanted:
        return {}
    subdistricts = {c.subdistrict_id for _, c in wanted}
    refs = {b.source_ref for b, _ in wanted if b.source_ref}
    ids = {b.own_id for b, _ in wanted if b.own_id is not None}
    rows = db.session.scalars(
        select(Building).where(
            Building.subdistrict_id.in_(subdistricts),
            Building.source_ref.in_(refs) | Building.id.in_(ids),
        )
    ).all()
    by_ref: dict[tuple[int, str], list[Building]] = defaultdict(list)
    by_id: dict[int, Building] = {}
    for row in rows:
        if row.source_ref:
            by_ref[(row.subdistrict_id, row.source_ref)].append(row)
        by_id[row.id] = row
    shapes = {row.id: to_shape(row.geom) for row in rows}
    overseen = overseen_communities(user, list(shapes.values()))
    where_now = dict(zip(shapes, community_of(overseen, list(shapes.values())), strict=True))
    out: dict[int, Existing] = {}
    first_of: dict[int, int] = {}
    for b, community in wanted:
        label = f"第 {b.number} 个要素（{b.code}）"
        if b.own_id is not None:
            named = by_id.get(b.own_id)
            same = named is not None and named.subdistrict_id == community.subdistrict_id
            found = [named] if named is not None and same else []
        else:
            found = by_ref.get((community.subdistrict_id, b.source_ref), [])
        if not found:
            if b.own_id is not None:
                message = f"{label}：编码 {b.code} 所指的楼栋不存在，或{OUTSIDE_SCOPE}"
                problems.append(Problem(b.number, "楼栋未知", message, where(b.geom)))
            continue
        if len(found) > 1:
            message = (
                f"{label}：本街道现有 {len(found)} 栋楼的编码都是 {b.code}，无法确定更新哪一栋"
            )
            problems.append(Problem(b.number, "编码不唯一", message, where(b.geom)))
            continue
        (row,) = found
        now = where_now[row.id]
        if now is None:
            message = f"{label}：编码 {b.code} 所指的现有楼栋{OUTSIDE_SCOPE}"
            problems.append(Problem(b.number, "超出范围", message, where(b.geom)))
            continue
        if row.id in first_of:
            message = f"第 {first_of[row.id]} 个和第 {b.number} 个要素指向同一栋楼（{b.code}）"
            problems.append(Problem(b.number, "编码重复", message, where(b.geom)))
            continue
        first_of[row.id] = b.number
        out[b.number] = Existing(row, shapes[row.id], now)
    return out


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    """Write the preview's buildings in the caller's transaction (nothing is committed)."""
    return import_building_writes.commit(user, job)
