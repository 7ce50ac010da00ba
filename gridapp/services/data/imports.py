"""Importing cells from a file (数据导入): upload, preview, commit.

1. ``start``: the upload is written to a private temporary folder and an import row is
   made; the file is read at once when small (``IMPORT_SYNC_BYTES``: a bad file is
   answered with its 4xx), in the background (``jobs``) when larger; the folder is removed
   afterwards, whatever happens.
2. ``read_job``: ``core.layer_files`` reads the layer (formats, coordinate systems, datum,
   archives), ``core.cell_import`` its fields and codes; here each cell finds its community
   (by the first 12 digits of its code, among the communities the user oversees as a
   whole) and the cell of the same code (an update; otherwise an insert), and the partition
   of the result is checked (``core.partition_check``). The preview lists every problem.
3. ``commit``: only a preview without blocking problems; one transaction for all the
   communities of the file, each a save like any edit (``editing.apply_changes``: history
   rows, buildings and assignments follow). The versions seen by the preview are checked:
   a cell edited since is a conflict, and nothing is written.

Policies (docs/DATA.md): a feature's problem, an overlap, a cell outside its community and
an invalid cell block the commit; gaps and slivers are warnings; buildings cut by the new
boundaries need a reason, as in the editor. ``mode`` "replace" also deletes the cells of
the file's communities that the file does not hold (their assignments go to the new cell
covering most of them).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import shapely
from flask import current_app
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from gridapp.core.archives import ArchiveLimits
from gridapp.core.cell_import import IncomingCell, incoming_cells
from gridapp.core.codes import CELL_CODE
from gridapp.core.datums import Datum, datum_hint
from gridapp.core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    StaleVersion,
)
from gridapp.core.layer_files import read_upload
from gridapp.core.layer_read import LayerRejected, Problem
from gridapp.core.partition import Key
from gridapp.core.partition_check import (
    KIND_LABELS,
    CellShape,
    CommunityShape,
    ProblemKind,
    check_partition,
)
from gridapp.core.projection import LocalProjection
from gridapp.core.vocab import IMPORT_LAYER_LABELS, IMPORT_STATUS_LABELS, Role
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, ImportJob, User
from gridapp.services import scope
from gridapp.services.data import jobs
from gridapp.services.editing import EDIT_ROLES, CellInput, ChangeRequest, apply_changes
from gridapp.services.quality.check import load_buildings, thresholds

MODES = {
    "merge": "更新与新增（文件中没有的网格保留）",
    "replace": "整体替换（删除文件中没有的网格）",
}
SEVERITY = {
    ProblemKind.INVALID: "error",
    ProblemKind.OUTSIDE: "error",
    ProblemKind.OVERLAP: "error",
    ProblemKind.BUILDING_CUT: "reason",
    ProblemKind.GAP: "warning",
    ProblemKind.SLIVER: "warning",
}
STALE = "预览之后，文件中的网格已被他人修改，数据没有写入；请重新上传文件，看过新的预览后再导入"
SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    stream: IO[bytes]
    filename: str


def require_importer(user: User) -> None:
    if user.role not in EDIT_ROLES:
        raise Forbidden("只有网格管理员和系统管理员可以导入数据")


# --- starting and reading ------------------------------------------------------------------


def start(user: User, layer: str, datum: Datum, mode: str, upload: Upload) -> dict[str, Any]:
    """Save the upload privately, record the import and read it in the background."""
    require_importer(user)
    root = current_app.config.get("IMPORT_TMP_DIR") or None
    folder = Path(tempfile.mkdtemp(prefix="gridapp-import-", dir=root))
    try:
        suffix = Path(upload.filename).suffix.lower()
        path = folder / f"upload{suffix if SUFFIX.match(suffix) else ''}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.stream, out, CHUNK)
        job = ImportJob(
            user_id=user.id,
            user_name=user.display_name,
            layer=layer,
            filename=Path(upload.filename).name[:255],
            datum=datum.value,
            status="reading",
            progress=0,
            stage="排队等待",
            reason="",
            preview={"mode": mode},
        )
        db.session.add(job)
        db.session.commit()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    small = path.stat().st_size <= int(current_app.config.get("IMPORT_SYNC_BYTES", 5 * 1024**2))
    jobs.run(read_job, job.id, str(folder), background=not small)
    job = _reload(job.id)
    if job.status == "failed" and job.error:
        raise _refusal(job.error)
    return job_json(job)


def _refusal(error: dict[str, Any]) -> DomainError:
    """A file read during the request and refused: its error, as the answer."""
    refusal = DomainError(str(error.get("message", "")))
    refusal.status = int(error.get("code", 422))
    refusal.code = str(error.get("status", "layer_rejected"))
    return refusal


def read_job(job_id: int, folder: str) -> None:
    """Read the upload in ``folder`` into the import's preview (or its error)."""
    try:
        job = _reload(job_id)
        user = _job_user(job)
        jobs.progress(job_id, 5, "读取文件")
        (path,) = Path(folder).glob("upload*")
        layer = read_upload(path, Datum(job.datum), _archive_limits())
        limit = int(current_app.config.get("IMPORT_MAX_FEATURES", 20000))
        if len(layer.features) > limit:
            raise LayerRejected(
                f"文件中有 {len(layer.features)} 个要素，超过一次导入的上限 {limit} 个"
            )
        jobs.progress(job_id, 40, "检查编码与所属社区")
        mode = str((job.preview or {}).get("mode", "merge"))
        preview = _preview(user, job_id, *incoming_cells(layer), mode)
        preview.update(
            mode=mode,
            source_crs=layer.source_crs,
            warnings=[*layer.warnings, *preview["warnings"]],
        )
        hint = _datum_hint(preview, Datum(job.datum))
        if hint:
            preview["warnings"].insert(0, hint)
        job = _reload(job_id)
        job.preview = preview
        job.status, job.progress, job.stage = "ready", 100, "待确认"
        job.updated_at = func.now()
        db.session.commit()
    except DomainError as err:
        _fail(job_id, err.to_json())
    except Exception:
        current_app.logger.exception("reading import %s failed", job_id)
        _fail(job_id, _internal_error())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _archive_limits() -> ArchiveLimits:
    config = current_app.config
    return ArchiveLimits(
        max_members=int(config.get("IMPORT_MAX_MEMBERS", 200)),
        max_total_bytes=int(config.get("IMPORT_MAX_UNPACKED", 500 * 1024 * 1024)),
        max_ratio=int(config.get("IMPORT_MAX_RATIO", 200)),
    )


def _preview(
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
    by_community: dict[int, list[IncomingCell]] = defaultdict(list)
    blocked = {p.feature for p in problems}
    for cell in cells:
        community = communities.get(cell.community_code)
        if community is not None:
            by_community[community.id].append(cell)
    affected = [c for c in communities.values() if c.id in by_community]
    existing = _existing_cells(affected)
    jobs.progress(job_id, 60, "检查网格划分")
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
                    "community_id": None if community is None else community.id,
                    "community_name": None if community is None else community.name,
                    "action": "update" if current is not None else "insert",
                    "cell_id": None if current is None else current.id,
                    "problems": [p.category for p in problems if p.feature == cell.number],
                },
            }
        )
    incoming = [c for c in cells if c.number not in blocked and c.geom is not None]
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
        "problems": [_problem_json(p, cells) for p in problems],
        "partition": partition,
        "communities": [
            {"id": c.id, "code": c.code, "name": c.name, "geometry": mapping(to_shape(c.geom))}
            for c in affected
        ],
        "current": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": c.id,
                    "geometry": mapping(to_shape(c.geom)),
                    "properties": {"id": c.id, "code": c.code, "name": c.name},
                }
                for c in existing.values()
            ],
        },
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
    shapes = [
        CellShape(
            c.id, c.code, f"{c.name}({c.code})", c.community_id, proj.to_metric(to_shape(c.geom))
        )
        for c in existing.values()
        if c.code not in replaced
    ]
    shapes += [
        CellShape(
            f"new:{c.code}",
            c.code,
            f"{c.name}({c.code})",
            by_code[c.community_code].id,
            proj.to_metric(c.geom),
        )
        for c in incoming
        if c.geom is not None
    ]
    community_shapes = [
        CommunityShape(c.id, c.name, proj.to_metric(to_shape(c.geom))) for c in communities
    ]
    subdistricts = {c.subdistrict_id for c in communities}
    buildings, labels = load_buildings(
        Building.subdistrict_id.in_(subdistricts)
        & func.ST_Intersects(Building.geom, func.ST_GeomFromText(area.wkt, 4326)),
        proj,
    )
    result = check_partition(community_shapes, shapes, buildings, thresholds(), labels)
    return [
        {
            "kind": p.kind.value,
            "kind_label": KIND_LABELS[p.kind],
            "severity": SEVERITY[p.kind],
            "message": p.message,
            "cells": list(p.cells),
            "buildings": list(p.buildings),
            "area_m2": round(p.area_m2, 1),
            "geometry": proj.geojson(p.shape),
        }
        for p in result.problems
    ]


def _problem_json(p: Problem, cells: list[IncomingCell]) -> dict[str, Any]:
    code = next((c.code for c in cells if c.number == p.feature), "")
    return {
        "feature": p.feature,
        "code": code,
        "category": p.category,
        "message": p.message,
        "where": None if p.where is None else list(p.where),
    }


def _datum_hint(preview: dict[str, Any], chosen: Datum) -> str | None:
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


# --- reading the import back ----------------------------------------------------------------


def _reload(job_id: int) -> ImportJob:
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"未找到编号为 {job_id} 的导入")
    return job


def _job_user(job: ImportJob) -> User:
    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    if user is None:
        raise Forbidden("发起导入的账号已不存在")
    return user


def own_import(user: User, job_id: int) -> ImportJob:
    """The user's own import (an admin's: any); anyone else's is unknown (404)."""
    require_importer(user)
    job = db.session.get(ImportJob, job_id)
    if job is None or (job.user_id != user.id and user.role != Role.ADMIN.value):
        raise NotFound(f"未找到编号为 {job_id} 的导入")
    return job


def get(user: User, job_id: int) -> dict[str, Any]:
    job = own_import(user, job_id)
    jobs.mark_stale(job)
    return job_json(job)


def recent(user: User, limit: int = 20) -> list[dict[str, Any]]:
    """The user's latest imports (an admin's: everyone's), newest first, without previews."""
    require_importer(user)
    query = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
    if user.role != Role.ADMIN.value:
        query = query.where(ImportJob.user_id == user.id)
    return [job_json(j, with_preview=False) for j in db.session.scalars(query)]


def job_json(job: ImportJob, with_preview: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job.id,
        "layer": job.layer,
        "layer_label": IMPORT_LAYER_LABELS[job.layer],
        "filename": job.filename,
        "datum": job.datum,
        "user_name": job.user_name,
        "status": job.status,
        "status_label": IMPORT_STATUS_LABELS[job.status],
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "result": job.result,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "committed_at": job.committed_at.isoformat() if job.committed_at else None,
    }
    if with_preview and job.status in ("ready", "committing", "committed"):
        body["preview"] = {k: v for k, v in (job.preview or {}).items() if k != "versions"}
    return body


# --- committing -------------------------------------------------------------------------------


def commit(user: User, job_id: int, reason: str = "") -> dict[str, Any]:
    """Write a ready import (in the background); the preview's problems must allow it."""
    job = own_import(user, job_id)
    if job.status != "ready":
        raise Conflict(f"该导入的状态是“{IMPORT_STATUS_LABELS[job.status]}”，不能再写入")
    preview = job.preview or {}
    if not preview.get("can_commit"):
        raise BadRequest("预览中还有必须先改正的问题，不能导入；请改正文件后重新上传")
    reason = reason.strip()
    if preview.get("needs_reason") and not reason:
        cut = preview.get("summary", {}).get("cut_buildings", 0)
        raise BadRequest(f"新的网格边界穿过 {cut} 栋建筑，请填写理由后再导入")
    job.status, job.progress, job.stage, job.reason = "committing", 0, "排队等待", reason
    job.updated_at = func.now()
    db.session.commit()
    jobs.run(commit_job, job.id)
    return job_json(_reload(job.id))


def commit_job(job_id: int) -> None:
    """Write the import: every community's save in one transaction, then the result."""
    try:
        job = _reload(job_id)
        user = _job_user(job)
        requests = _change_requests(job)
        total = len(requests)

        def done(n: int) -> None:
            jobs.progress(job_id, 5 + 90 * n // max(total, 1), f"写入社区 {n}/{total}")

        jobs.progress(job_id, 5, "写入")
        results = apply_changes(user, requests, done)
        job = _reload(job_id)
        summary = (job.preview or {}).get("summary", {})
        job.result = {
            "change_ids": [r.change_id for r in results],
            "inserts": summary.get("inserts", 0),
            "updates": summary.get("updates", 0),
            "deletes": summary.get("deletes", 0),
        }
        job.status, job.progress, job.stage = "committed", 100, "已导入"
        job.committed_at = job.updated_at = func.now()
        db.session.commit()
    except StaleVersion as err:
        _fail(job_id, {**err.to_json(), "message": STALE})
    except DomainError as err:
        _fail(job_id, err.to_json())
    except Exception:
        current_app.logger.exception("committing import %s failed", job_id)
        _fail(job_id, _internal_error())


def _change_requests(job: ImportJob) -> list[ChangeRequest]:
    preview = job.preview or {}
    versions = {int(k): v for k, v in preview.get("versions", {}).items()}
    inputs: dict[int, list[CellInput]] = defaultdict(list)
    geoms: dict[int, dict[Key, BaseGeometry]] = defaultdict(dict)
    for f in preview["features"]["features"]:
        p = f["properties"]
        geom = MultiPolygon([shape(f["geometry"])])
        if p["cell_id"] is not None:
            cell = CellInput(
                id=p["cell_id"], version=versions[p["cell_id"]], name=p["name"], geometry=geom
            )
        else:
            cell = CellInput(key=p["code"], code=p["code"], name=p["name"], geometry=geom)
        inputs[p["community_id"]].append(cell)
        geoms[p["community_id"]][cell.ref] = geom
    deleted = {d["id"] for d in preview.get("deleted", [])}
    heirs: dict[int, dict[int, Key]] = defaultdict(dict)
    if deleted:
        for gone in db.session.scalars(select(GridCell).where(GridCell.id.in_(deleted))):
            old = to_shape(gone.geom)
            candidates = geoms.get(gone.community_id, {})
            if candidates:
                heirs[gone.community_id][gone.id] = max(
                    candidates, key=lambda k: shapely.intersection(old, candidates[k]).area
                )
            inputs[gone.community_id].append(
                CellInput(id=gone.id, version=versions.get(gone.id), delete=True)
            )
        missing = deleted - {c.id for cs in inputs.values() for c in cs if c.delete}
        if missing:
            raise Conflict("预览后，要撤销的网格已被他人删除，请重新上传")
    n = len(preview["features"]["features"])
    return [
        ChangeRequest(
            op="import",
            community_id=community_id,
            cells=cells,
            override_reason=job.reason,
            takes_free_space=True,
            allow_gaps=True,
            assignments_to=heirs.get(community_id, {}),
            summary=f"从文件“{job.filename}”导入网格（本次共 {n} 个）",
        )
        for community_id, cells in inputs.items()
    ]


def discard(user: User, job_id: int) -> dict[str, Any]:
    job = own_import(user, job_id)
    if job.status != "ready":
        raise Conflict(f"该导入的状态是“{IMPORT_STATUS_LABELS[job.status]}”，不能放弃")
    job.status, job.stage = "discarded", "已放弃"
    job.updated_at = func.now()
    db.session.commit()
    return job_json(job)


def _fail(job_id: int, error: dict[str, Any]) -> None:
    db.session.rollback()
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    job.status, job.stage, job.error = "failed", "失败", error
    job.updated_at = func.now()
    db.session.commit()


def _internal_error() -> dict[str, Any]:
    return {
        "code": 500,
        "status": "internal_error",
        "message": "导入时发生内部错误，数据没有写入；请联系管理员",
    }
