"""Importing a layer from a file (数据导入): upload, preview, commit — the same for every
layer (cells, communities, buildings, service points: ``import_kinds``).

1. ``start``: the upload is written to a private temporary folder and an import row is
   made; the file is read at once when small (``IMPORT_SYNC_BYTES``: a bad file is
   answered with its 4xx), in the background (``jobs``) when larger; the folder is removed
   afterwards, whatever happens.
2. ``read_job``: ``core.layer_files`` reads the layer (formats, coordinate systems, datum,
   archives), then the layer's kind its fields, finds the places they name in the user's
   scope and checks the result (for cells: ``import_preview``, the partition check). The
   preview lists every problem.
3. ``commit``: only a preview without blocking problems; one transaction for the whole
   file (for cells: each community a save like any edit, ``import_changes``). What the
   preview saw is checked again: a feature changed since is a conflict, and nothing is
   written.

Policies (docs/DATA.md): a feature's problem, an overlap, a cell outside its community and
an invalid cell block the commit; gaps and slivers are warnings; buildings cut by the new
boundaries need a reason, as in the editor. ``mode`` "replace" also deletes what the
file's area holds and the file does not.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import func, select

from gridapp.core.archives import ArchiveLimits
from gridapp.core.datums import Datum
from gridapp.core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    StaleVersion,
)
from gridapp.core.layer_files import read_upload
from gridapp.core.layer_read import LayerRejected
from gridapp.core.vocab import IMPORT_LAYER_LABELS, IMPORT_MODE_LABELS, IMPORT_STATUS_LABELS, Role
from gridapp.extensions import db
from gridapp.models import ImportJob, User
from gridapp.services.data import jobs
from gridapp.services.data.import_kinds import KINDS
from gridapp.services.editing import EDIT_ROLES

MODES = IMPORT_MODE_LABELS
STALE = "预览之后，文件涉及的数据已被他人修改，数据没有写入；请重新上传文件，看过新的预览后再导入"
SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
CHUNK = 1024 * 1024
# What a preview keeps for its commit only (versions and fingerprints of what it saw).
INTERNAL_PREVIEW_KEYS = frozenset({"versions", "fingerprint", "subdistrict_ids", "scope"})


@dataclass(frozen=True)
class Upload:
    stream: IO[bytes]
    filename: str


IMPORT_HINTS = {
    "cells": "网格需有 15 位网格编码（code / 网格编码）和名称（name / 网格名称）；"
    "编码已存在的网格会被更新，其余新建。",
    "communities": "社区需有 12 位社区编码（code / 社区编码）和名称（name / 社区名称）；"
    "所属街道须已建立且由您管辖。社区的新边界不能把已有网格留在外面。",
    "buildings": "楼栋为面，可带楼栋编码（code / 楼栋编码，再次导入时按它更新）、名称、类型、"
    "层数、户数、人口；须位于您管辖的社区内。",
    "service_points": "服务阵地为点，需有类型（如 党群服务中心）和名称，可带地址、开放时间、"
    "联系电话、服务项目；CSV 每行一个点，用 经度、纬度 两列。",
}


def can_import(user: User) -> bool:
    return user.role in EDIT_ROLES


def importable_layers(user: User) -> dict[str, str]:
    """The layers the user may import (key → label), in the vocabulary's order."""
    if not can_import(user):
        return {}
    return {k: v for k, v in IMPORT_LAYER_LABELS.items() if KINDS[k].may_import(user)}


def require_importer(user: User) -> None:
    if not can_import(user):
        raise Forbidden("只有网格管理员和系统管理员可以导入数据")


# --- starting and reading ------------------------------------------------------------------


def start(user: User, layer: str, datum: Datum, mode: str, upload: Upload) -> dict[str, Any]:
    """Save the upload privately, record the import and read it in the background."""
    require_importer(user)
    kind = KINDS[layer]
    if not kind.may_import(user):
        raise Forbidden(f"您不能导入{IMPORT_LAYER_LABELS[layer]}：{kind.refusal}")
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
            mode=mode,
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
        kind = KINDS[job.layer]
        jobs.progress(job_id, 5, "读取文件")
        (path,) = Path(folder).glob("upload*")
        layer = read_upload(path, Datum(job.datum), _archive_limits(), kind.spec)
        limit = int(current_app.config.get("IMPORT_MAX_FEATURES", 20000))
        if len(layer.features) > limit:
            raise LayerRejected(
                f"文件中有 {len(layer.features)} 个要素，超过一次导入的上限 {limit} 个"
            )
        jobs.progress(job_id, 40, "检查编码与所属范围")
        preview = kind.preview(user, job, layer)
        preview.update(
            mode=job.mode,
            source_crs=layer.source_crs,
            warnings=[*layer.warnings, *preview["warnings"]],
        )
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
        "mode": job.mode,
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
        body["preview"] = {
            k: v for k, v in (job.preview or {}).items() if k not in INTERNAL_PREVIEW_KEYS
        }
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
        jobs.progress(job_id, 5, "写入")
        result = KINDS[job.layer].commit(user, job)
        job = _reload(job_id)
        summary = (job.preview or {}).get("summary", {})
        job.result = {
            "inserts": summary.get("inserts", 0),
            "updates": summary.get("updates", 0),
            "deletes": summary.get("deletes", 0),
            **result,
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
