"""Organisations on the grid: the party-org tree, teams, cell assignments, organisation
coverage (with CSV/XLSX export) and bulk import."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from gridapp.core.errors import BadRequest
from gridapp.services.organisations import assignments, coverage, imports, members, tree
from gridapp.web.common import (
    ID,
    WriteCheck,
    binary_doc,
    check_writes_first,
    doc_errors,
    download,
    json_body,
    lonlat_geometry,
    query_args,
    table_download,
    upload_body,
)
from gridapp.web.organisations import schemas as s

bp = Blueprint(
    "organisations_api", __name__, url_prefix="/api", description="党组织、服务队与组织覆盖"
)

IMPORT_KINDS = "any(members, teams, assignments)"

# Each write's permission check, run before its body is validated (see check_writes_first).
WRITE_CHECKS: dict[str, WriteCheck] = {
    "organisations_api.create_org": lambda user, t: tree.authorize_create(
        user, t.number("parent_id"), t.number("community_id")
    ),
    "organisations_api.rename_org": lambda user, t: tree.writable_org(user, t.path["org_id"]),
    "organisations_api.move_org": lambda user, t: tree.authorize_move(
        user, t.path["org_id"], t.number("parent_id")
    ),
    "organisations_api.dissolve_org": lambda user, t: tree.writable_org(user, t.path["org_id"]),
    "organisations_api.assign": lambda user, t: assignments.authorize_assign(
        user, t.path["cell_id"], t.body.get("kind"), t.number("target_id")
    ),
    "organisations_api.end_assignment": lambda user, t: assignments.writable_assignment(
        user, t.path["assignment_id"]
    ),
    "organisations_api.register_member": lambda user, t: members.authorize_register(
        user, t.path["cell_id"], t.number("member_id"), t.number("team_id")
    ),
    "organisations_api.responsibility_area": lambda user, t: members.writable_member(
        user, t.path["member_id"]
    ),
    "organisations_api.import_file": lambda user, t: imports.authorize_import(
        user, t.number("subdistrict_id")
    ),
}
check_writes_first(bp, WRITE_CHECKS)


@bp.get("/party-orgs")
@query_args(bp, s.TreeArgs)
@bp.response(200, s.OrgTree)
@doc_errors(bp, 400, 403, 404)
def org_tree(subdistrict_id: int | None = None) -> Response:
    """党组织树（街道党工委 → 社区党委/党总支 → 党支部 → 党小组）"""
    return jsonify({"tree": tree.org_tree(current_user, subdistrict_id)})


@bp.post("/party-orgs")
@json_body(bp, s.OrgCreate)
@bp.response(200, s.OrgNode)
@doc_errors(bp, 400, 403, 404, 409)
def create_org(body: dict[str, Any]) -> Response:
    """新建党组织"""
    return jsonify(tree.create_org(current_user, **body))


@bp.post(f"/party-orgs/<{ID}:org_id>/rename")
@json_body(bp, s.OrgRename)
@bp.response(200, s.OrgNode)
@doc_errors(bp, 400, 403, 404, 409)
def rename_org(body: dict[str, Any], org_id: int) -> Response:
    """更名（及书记）"""
    return jsonify(tree.rename_org(current_user, org_id, body["name"], body.get("secretary")))


@bp.post(f"/party-orgs/<{ID}:org_id>/move")
@json_body(bp, s.OrgMove)
@bp.response(200, s.OrgNode)
@doc_errors(bp, 400, 403, 404, 409)
def move_org(body: dict[str, Any], org_id: int) -> Response:
    """调整隶属关系"""
    return jsonify(tree.move_org(current_user, org_id, body["parent_id"]))


@bp.post(f"/party-orgs/<{ID}:org_id>/dissolve")
@bp.response(200, s.Done)
@doc_errors(bp, 403, 404, 409)
def dissolve_org(org_id: int) -> Response:
    """撤销党组织（仍有下级、党员、网格或单位时拒绝并说明）"""
    tree.dissolve_org(current_user, org_id)
    return jsonify({"ok": True})


@bp.get("/teams")
@query_args(bp, s.CommunityArgs)
@bp.response(200, s.Teams)
@doc_errors(bp, 400, 403, 404)
def teams(community_id: int | None = None) -> Response:
    """志愿服务队、专业服务队、便民服务队"""
    return jsonify({"teams": tree.teams(current_user, community_id)})


@bp.get("/workers")
@bp.response(200, s.Workers)
@doc_errors(bp)
def workers() -> Response:
    """网格员：负责您管辖范围内网格的（只列出您能看到的网格），以及尚未分配的"""
    return jsonify({"workers": tree.workers(current_user)})


@bp.get(f"/cells/<{ID}:cell_id>/assignments")
@query_args(bp, s.HistoryArgs)
@bp.response(200, s.Assignments)
@doc_errors(bp, 400, 403, 404)
def cell_assignments(cell_id: int, history: bool = False) -> Response:
    """网格的党组织、服务队、网格员（可含历史）"""
    return jsonify({"assignments": assignments.assignments(current_user, cell_id, history)})


@bp.post(f"/cells/<{ID}:cell_id>/assignments")
@json_body(bp, s.AssignBody)
@bp.response(200, s.Assignment)
@doc_errors(bp, 400, 403, 404, 409)
def assign(body: dict[str, Any], cell_id: int) -> Response:
    """为网格分配党组织、服务队或网格员"""
    return jsonify(assignments.assign(current_user, cell_id, body["kind"], body["target_id"]))


@bp.post(f"/assignments/<{ID}:assignment_id>/end")
@bp.response(200, s.Assignment)
@doc_errors(bp, 403, 404, 409)
def end_assignment(assignment_id: int) -> Response:
    """解除一项分配（保留为历史）"""
    return jsonify(assignments.end_assignment(current_user, assignment_id))


@bp.get(f"/cells/<{ID}:cell_id>/members")
@bp.response(200, s.CellMembers)
@doc_errors(bp, 403, 404)
def cell_members(cell_id: int) -> Response:
    """住在网格内的党员（含联系方式，仅限管辖该网格的人员）"""
    return jsonify({"members": members.members_of_cell(current_user, cell_id)})


@bp.get(f"/cells/<{ID}:cell_id>/registrations")
@bp.response(200, s.Registrations)
@doc_errors(bp, 403, 404)
def cell_registrations(cell_id: int) -> Response:
    """在职党员到社区报到：在该网格报到的党员及所在服务队"""
    return jsonify({"registrations": members.registrations(current_user, cell_id)})


@bp.post(f"/cells/<{ID}:cell_id>/registrations")
@json_body(bp, s.RegisterBody)
@bp.response(200, s.Registrations)
@doc_errors(bp, 400, 403, 404)
def register_member(body: dict[str, Any], cell_id: int) -> Response:
    """在职党员到社区报到：登记到住地网格（可同时加入本社区服务队）"""
    result = members.register_member(current_user, cell_id, body["member_id"], body.get("team_id"))
    return jsonify({"registrations": result})


@bp.post(f"/members/<{ID}:member_id>/responsibility-area")
@json_body(bp, s.AreaBody)
@bp.response(200, s.AreaResult)
@doc_errors(bp, 400, 403, 404)
def responsibility_area(body: dict[str, Any], member_id: int) -> Response:
    """划定（或撤销）党员责任区"""
    if ("geometry" in body) == body["clear"]:
        raise BadRequest("请给出责任区多边形 geometry，或用 clear 撤销责任区（二选一）")
    data = body.get("geometry")
    geometry = None if data is None else lonlat_geometry(data, "责任区", ("Polygon",))
    return jsonify(members.set_responsibility_area(current_user, member_id, geometry))


@bp.get("/zones")
@bp.response(200, s.Zones)
@doc_errors(bp)
def zones() -> Response:
    """片区（区域化党建）及其社区、网格、楼宇"""
    return jsonify({"zones": members.zones(current_user)})


@bp.get("/units")
@bp.response(200, s.Units)
@doc_errors(bp)
def units() -> Response:
    """驻区单位及其共享资源 (GeoJSON)"""
    return jsonify(members.units(current_user))


@bp.get("/coverage/organisation")
@query_args(bp, s.CommunityArgs)
@bp.response(200, s.Coverage)
@doc_errors(bp, 400, 403, 404)
def organisation_coverage(community_id: int | None = None) -> Response:
    """组织覆盖：每个网格有无党组织、网格员、服务队、党员中心户"""
    return jsonify(coverage.coverage_report(current_user, community_id))


@bp.get("/coverage/organisation/export")
@query_args(bp, s.ExportArgs)
@binary_doc(bp, "组织覆盖表 (CSV 或 XLSX)")
@doc_errors(bp, 400, 403, 404)
def export_coverage(format: str = "csv", community_id: int | None = None) -> FlaskResponse:
    """导出组织覆盖表"""
    rows = coverage.export_rows(current_user, community_id)
    return table_download(rows, format, "组织覆盖", "organisation-coverage")


@bp.get(f"/imports/<{IMPORT_KINDS}:kind>/template")
@query_args(bp, s.TemplateArgs)
@binary_doc(bp, "导入模板 (CSV 或 XLSX)")
@doc_errors(bp, 400, 404)
def import_template(kind: str, format: str = "csv") -> FlaskResponse:
    """下载导入模板"""
    data, mimetype, name = imports.template(kind, format)
    return download(data, mimetype, name)


@bp.post(f"/imports/<{IMPORT_KINDS}:kind>")
@upload_body(bp, s.ImportFile)
@query_args(bp, s.ImportArgs)
@bp.response(200, s.ImportResult)
@doc_errors(bp, 400, 403, 404, 422)
def import_file(
    files: dict[str, FileStorage],
    kind: str,
    subdistrict_id: int | None = None,
    dry_run: bool = False,
) -> Response:
    """批量导入党员、服务队或网格分配（有任何一行出错则全部不导入，并逐行说明原因）"""
    upload = files["file"]
    sub = subdistrict_id or imports.only_subdistrict(current_user)
    result = imports.import_file(
        current_user, kind, upload.filename or "", upload.read(), sub, dry_run
    )
    return jsonify(result)
