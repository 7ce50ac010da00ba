"""The saves an import of cells makes (数据导入): per community, the cells of the file as
updates (by code, with the versions the preview saw) and inserts, and in "replace" mode
the community's other cells as deletions whose assignments go to the new cell covering
most of them. ``editing.apply_changes`` runs them in one transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from gridapp.core.errors import Conflict
from gridapp.core.partition import Key
from gridapp.extensions import db
from gridapp.models import GridCell, ImportJob, User
from gridapp.services.data import jobs
from gridapp.services.editing import CellInput, ChangeRequest, apply_changes


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    """Every community's save, in the caller's transaction; the changes made."""
    requests = change_requests(job)
    total = len(requests)
    job_id = job.id

    def done(n: int) -> None:
        jobs.progress(job_id, 5 + 90 * n // max(total, 1), f"写入社区 {n}/{total}")

    results = apply_changes(user, requests, done)
    return {"change_ids": [r.change_id for r in results]}


def change_requests(job: ImportJob) -> list[ChangeRequest]:
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
