"""Boundary editing: the JSON API of saves, split, merge, draw, rename, revert and history.

Write routes check the CSRF token (header ``X-CSRFToken``, from the page's meta tag).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from gridapp.services import editing
from gridapp.web.common import (
    ID,
    Target,
    check_writes_first,
    doc_errors,
    json_body,
    lonlat_geometry,
)
from gridapp.web.editing import schemas as s

bp = Blueprint("editing_api", __name__, url_prefix="/api", description="网格边界编辑")

WRITE_ERRORS = (400, 403, 404, 409, 422)


@bp.before_request
def editors_only() -> None:
    """Only grid managers and admins may write: refused before the body is even read."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and current_user.is_authenticated:
        editing.require_editor(current_user)


def _change_targets(user: Any, t: Target) -> None:
    new_cells = any(isinstance(c, dict) and c.get("id") is None for c in t.body.get("cells") or [])
    community_id = t.number("community_id")
    if community_id is not None:
        editing.editable_community(user, community_id, whole=new_cells)
    editing.editable_cells(user, t.numbers("cells", "id"))


# Each write's permission check, run before its body is validated (see check_writes_first):
# a user without rights on a community or cell gets 403 before any geometry is looked at.
check_writes_first(
    bp,
    {
        "editing_api.save_change": _change_targets,
        "editing_api.split_cell": lambda user, t: editing.editable_cell(user, t.path["cell_id"]),
        "editing_api.merge_cells": lambda user, t: editing.editable_cells(
            user, t.numbers("cells", "id")
        ),
        "editing_api.draw_cell": lambda user, t: (
            None
            if (community_id := t.number("community_id")) is None
            else editing.editable_community(user, community_id, whole=True)
        ),
        "editing_api.rename_cell": lambda user, t: editing.editable_cell(user, t.path["cell_id"]),
        "editing_api.revert_change": lambda user, t: editing.revertible_change(
            user, t.path["change_id"]
        ),
    },
)


def _result(result: editing.ChangeResult, **extra: Any) -> Response:
    return jsonify(
        {"change_id": result.change_id, "cells": result.cells, "impact": result.impact, **extra}
    )


@bp.post("/changes")
@json_body(bp, s.ChangeBody)
@bp.response(200, s.ChangeResult)
@doc_errors(bp, *WRITE_ERRORS)
def save_change(body: dict[str, Any]) -> Response:
    """保存对若干网格的修改（调整边界、共用边、删除），或 dry_run 预览影响"""
    cells = [
        editing.CellInput(
            id=c.get("id"),
            version=c.get("version"),
            key=c.get("key"),
            name=c.get("name"),
            geometry=None
            if c.get("geometry") is None
            else lonlat_geometry(c["geometry"], "网格几何", ("Polygon", "MultiPolygon")),
            delete=c.get("delete", False),
        )
        for c in body["cells"]
    ]
    ops = {"delete" if c.delete else "create" if c.id is None else "reshape" for c in cells}
    op = ops.pop() if len(ops) == 1 else "reshape"
    result = editing.apply_change(
        current_user,
        editing.ChangeRequest(
            op=op,
            community_id=body["community_id"],
            cells=cells,
            override_reason=body["override_reason"],
            dry_run=body["dry_run"],
            takes_free_space=any(c.id is None for c in cells),
        ),
    )
    return _result(result)


@bp.post(f"/cells/<{ID}:cell_id>/split")
@json_body(bp, s.SplitBody)
@bp.response(200, s.ChangeResult)
@doc_errors(bp, *WRITE_ERRORS)
def split_cell(body: dict[str, Any], cell_id: int) -> Response:
    """用一条线把网格分成两个或多个网格"""
    line = lonlat_geometry(body["line"], "分割线", ("LineString",))
    result = editing.split(
        current_user,
        cell_id,
        body["version"],
        line,
        names=body["names"],
        assignments_to=body.get("assignments_to"),
        override_reason=body["override_reason"],
        dry_run=body["dry_run"],
    )
    return _result(result)


@bp.post("/cells/merge")
@json_body(bp, s.MergeBody)
@bp.response(200, s.ChangeResult)
@doc_errors(bp, *WRITE_ERRORS)
def merge_cells(body: dict[str, Any]) -> Response:
    """合并同一社区内相邻的网格"""
    result = editing.merge(
        current_user,
        [(c["id"], c["version"]) for c in body["cells"]],
        keep=body.get("keep"),
        name=body.get("name"),
        dry_run=body["dry_run"],
    )
    return _result(result)


@bp.post("/cells/draw")
@json_body(bp, s.DrawBody)
@bp.response(200, s.ChangeResult)
@doc_errors(bp, *WRITE_ERRORS)
def draw_cell(body: dict[str, Any]) -> Response:
    """在社区内画一个新网格（自动裁剪到未被覆盖的区域）"""
    geometry = lonlat_geometry(body["geometry"], "新网格", ("Polygon", "MultiPolygon"))
    result, overlapped = editing.draw(
        current_user,
        body["community_id"],
        body["name"],
        geometry,
        carve=body["carve"],
        override_reason=body["override_reason"],
        dry_run=body["dry_run"],
    )
    return _result(result, overlapped=overlapped)


@bp.post(f"/cells/<{ID}:cell_id>/rename")
@json_body(bp, s.RenameBody)
@bp.response(200, s.ChangeResult)
@doc_errors(bp, *WRITE_ERRORS)
def rename_cell(body: dict[str, Any], cell_id: int) -> Response:
    """修改网格名称"""
    return _result(editing.rename(current_user, cell_id, body["version"], body["name"]))


@bp.post(f"/changes/<{ID}:change_id>/revert")
@json_body(bp, s.DryRunBody)
@bp.response(200, s.ChangeResult)
@doc_errors(bp, *WRITE_ERRORS)
def revert_change(body: dict[str, Any], change_id: int) -> Response:
    """撤销一次修改（撤销本身也按保存规则校验）"""
    return _result(editing.revert(current_user, change_id, dry_run=body["dry_run"]))


@bp.get(f"/cells/<{ID}:cell_id>/history")
@bp.response(200, s.History)
@doc_errors(bp, 403, 404)
def cell_history(cell_id: int) -> Response:
    """网格的修改记录（谁、何时、改了什么、面积变化）"""
    return jsonify({"entries": editing.cell_history(current_user, cell_id)})
