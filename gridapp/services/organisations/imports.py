"""Bulk import of members, teams and cell assignments from CSV or XLSX.

Every row is checked first; a file with any bad row writes nothing and the answer lists
every bad row with its line number and the reason in Chinese. A good file is written in
one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from gridapp.core.errors import BadRequest, DomainError, Forbidden, NotFound
from gridapp.core.vocab import MEMBER_STATUS_LABELS, TEAM_KIND_LABELS, Role
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Community,
    GridCell,
    Member,
    PartyOrg,
    Subdistrict,
    TeamMember,
    User,
    UserScope,
    VolunteerTeam,
)
from gridapp.services import scope
from gridapp.services.tables import to_csv, to_xlsx

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
YES = {"是", "Y", "y", "yes", "1", "true", "TRUE"}
NO = {"否", "N", "n", "no", "0", "false", "FALSE", ""}
MAX_ROWS = 5000

COLUMNS = {
    "members": [
        "姓名",
        "性别",
        "手机",
        "状态",
        "所属党组织",
        "住址网格编码",
        "党员中心户",
        "服务户数",
    ],
    "teams": ["服务队名称", "类型", "所属社区编码", "队长姓名", "队长手机", "队员"],
    "assignments": ["网格编码", "类型", "名称"],
}
EXAMPLES = {
    "members": [
        "张秀英", "女", "13812345678", "离退休", "光华里第1网格党支部", "110105021001001",
        "是", "12",
    ],
    "teams": [
        "光华里便民服务队", "便民服务队", "110105021001", "王建国", "13912345678",
        "李强:13512345678;赵敏:13612345678",
    ],
    "assignments": ["110105021001001", "服务队", "光华里便民服务队"],
}  # fmt: skip
KIND_LABELS = {"members": "党员", "teams": "服务队", "assignments": "网格分配"}
ASSIGNMENT_KIND = {"党组织": "party_org", "服务队": "team", "网格员": "worker"}
STATUS_BY_LABEL = {label: key.value for key, label in MEMBER_STATUS_LABELS.items()}
TEAM_KIND_BY_LABEL = {label: key.value for key, label in TEAM_KIND_LABELS.items()}


class ImportRejected(DomainError):
    status = 422
    code = "import_rejected"


@dataclass
class Plan:
    """What a valid file will write, and the problems of an invalid one."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    writes: list[Callable[[], None]] = field(default_factory=list)
    rows: int = 0

    def bad(self, line: int, message: str) -> None:
        self.errors.append({"line": line, "message": message})


def template(kind: str, fmt: str) -> tuple[bytes, str, str]:
    if kind not in COLUMNS:
        raise BadRequest(f"未知的导入类型：{kind}")
    rows = [COLUMNS[kind], EXAMPLES[kind]]
    name = f"{KIND_LABELS[kind]}导入模板"
    if fmt == "xlsx":
        return (
            to_xlsx(rows, name),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{kind}-template.xlsx",
        )
    return to_csv(rows), "text/csv; charset=utf-8", f"{kind}-template.csv"


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file, as text."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a broken file
            raise BadRequest("无法读取该 XLSX 文件，请确认文件未损坏") from None
        sheet = book.worksheets[0]
        return [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    if not filename.lower().endswith(".csv"):
        raise BadRequest("只支持 .csv 或 .xlsx 文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadRequest("无法识别 CSV 文件的编码，请保存为 UTF-8")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def authorize_import(user: User, subdistrict_id: int | None) -> None:
    """Role first, then the subdistrict: 404 unknown, 403 outside the scope."""
    if user.role not in (Role.ADMIN.value, Role.COORDINATOR.value):
        raise Forbidden("只有协调员和系统管理员可以批量导入")
    if subdistrict_id is not None:
        if db.session.get(Subdistrict, subdistrict_id) is None:
            raise NotFound(f"未找到编号为 {subdistrict_id} 的街道")
        subs = set(db.session.scalars(scope.visible_subdistrict_ids(user)))
        if subdistrict_id not in subs:
            raise Forbidden("该街道不在您的管辖范围内")


def only_subdistrict(user: User) -> int:
    """The subdistrict an import goes into when the request names none: the user's only
    one (400 when there are several)."""
    subs = list(db.session.scalars(scope.visible_subdistrict_ids(user).distinct()))
    scoped = [sc.subdistrict_id for sc in user.scopes if isinstance(sc, UserScope)]
    candidates = [x for x in scoped if x is not None] or subs
    if len(candidates) != 1:
        raise BadRequest("请用 subdistrict_id 指定导入到哪个街道")
    return candidates[0]


def import_file(
    user: User, kind: str, filename: str, data: bytes, subdistrict_id: int, dry_run: bool
) -> dict[str, Any]:
    authorize_import(user, subdistrict_id)
    if kind not in COLUMNS:
        raise BadRequest(f"未知的导入类型：{kind}")
    table = [r for r in read_table(filename, data) if any(r)]
    if not table:
        raise BadRequest("文件是空的：没有表头，也没有数据行（请使用下载的模板填写）")
    header = table[0]
    missing = [c for c in COLUMNS[kind] if c not in header]
    if missing:
        raise BadRequest(f"缺少列：{'、'.join(missing)}（请使用下载的模板）")
    if len(table) == 1:
        raise ImportRejected(
            f"文件中没有数据行：只有表头，请在表头下面逐行填写要导入的{KIND_LABELS[kind]}数据"
        )
    if len(table) - 1 > MAX_ROWS:
        raise BadRequest(f"一次最多导入 {MAX_ROWS} 行")
    index = {name: header.index(name) for name in COLUMNS[kind]}
    records = [
        (line, {name: (row[i] if i < len(row) else "") for name, i in index.items()})
        for line, row in enumerate(table[1:], start=2)
    ]
    plan = Plan(rows=len(records))
    {"members": _plan_members, "teams": _plan_teams, "assignments": _plan_assignments}[kind](
        user, subdistrict_id, records, plan
    )
    if plan.errors:
        db.session.rollback()
        bad_lines = len({e["line"] for e in plan.errors})
        raise ImportRejected(
            f"文件中有 {bad_lines} 行有误（共 {len(plan.errors)} 处问题），未导入任何数据，"
            "请修改后重新上传",
            rows=plan.errors,
        )
    if dry_run:
        db.session.rollback()
        return {"imported": 0, "rows": plan.rows, "dry_run": True}
    try:
        for write in plan.writes:
            write()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"imported": plan.rows, "rows": plan.rows, "dry_run": False}


def _visible_cells(user: User, subdistrict_id: int) -> dict[str, GridCell]:
    rows = db.session.scalars(
        select(GridCell)
        .join(Community)
        .where(Community.subdistrict_id == subdistrict_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)))
    ).all()
    return {c.code: c for c in rows}


def _visible_orgs(user: User, subdistrict_id: int) -> dict[str, PartyOrg]:
    rows = db.session.scalars(
        select(PartyOrg).where(
            PartyOrg.subdistrict_id == subdistrict_id,
            PartyOrg.id.in_(scope.visible_org_ids(user)),
        )
    )
    return {o.name: o for o in rows}


def _phone(value: str, what: str, line: int, plan: Plan, required: bool = True) -> bool:
    if not value:
        if required:
            plan.bad(line, f"{what}为空")
        return not required
    if not (MOBILE.match(value) or LANDLINE.match(value)):
        plan.bad(line, f"{what}“{value}”格式不正确（应为 11 位手机号或区号-座机号）")
        return False
    return True


def _plan_members(
    user: User, subdistrict_id: int, records: list[tuple[int, dict[str, str]]], plan: Plan
) -> None:
    cells = _visible_cells(user, subdistrict_id)
    orgs = _visible_orgs(user, subdistrict_id)
    existing = {
        (name, phone)
        for name, phone in db.session.execute(
            select(Member.name, Member.phone).where(Member.subdistrict_id == subdistrict_id)
        )
    }
    seen: dict[tuple[str, str], int] = {}
    for line, r in records:
        ok = True
        name = r["姓名"]
        if not name or len(name) > 50:
            plan.bad(line, "姓名为空或超过 50 个字")
            ok = False
        if r["性别"] not in ("男", "女"):
            plan.bad(line, f"性别“{r['性别']}”应为 男 或 女")
            ok = False
        ok = _phone(r["手机"], "手机", line, plan) and ok
        status = STATUS_BY_LABEL.get(r["状态"])
        if status is None:
            plan.bad(line, f"状态“{r['状态']}”应为 {'、'.join(STATUS_BY_LABEL)} 之一")
            ok = False
        org = orgs.get(r["所属党组织"])
        if org is None:
            plan.bad(line, f"党组织“{r['所属党组织']}”不存在或不在您的管辖范围内")
            ok = False
        cell = cells.get(r["住址网格编码"])
        if cell is None:
            plan.bad(line, f"网格编码“{r['住址网格编码']}”不存在或不在您的管辖范围内")
            ok = False
        hub = r["党员中心户"]
        if hub not in YES | NO:
            plan.bad(line, f"党员中心户“{hub}”应为 是 或 否")
            ok = False
        households = 0
        if hub in YES:
            try:
                households = int(r["服务户数"])
            except ValueError:
                households = -1
            if not 1 <= households <= 100:
                plan.bad(
                    line,
                    f"服务户数“{r['服务户数']}”应为 1–100 的整数（党员中心户一般联系 10–15 户）",
                )
                ok = False
        key = (name, r["手机"])
        if key in existing:
            plan.bad(line, f"党员“{name}”（{r['手机']}）已存在")
            ok = False
        elif key in seen:
            plan.bad(line, f"与第 {seen[key]} 行重复")
            ok = False
        seen.setdefault(key, line)
        if ok:
            assert org is not None and cell is not None and status is not None
            plan.writes.append(
                _member_writer(subdistrict_id, r, status, org.id, cell.id, hub in YES, households)
            )


def _member_writer(
    subdistrict_id: int,
    r: dict[str, str],
    status: str,
    org_id: int,
    cell_id: int,
    is_hub: bool,
    households: int,
) -> Callable[[], None]:
    def write() -> None:
        home = db.session.execute(
            select(Building.id, Building.geom.ST_PointOnSurface())
            .where(Building.cell_id == cell_id, Building.households > 0)
            .order_by(Building.id)
            .limit(1)
        ).first()
        db.session.add(
            Member(
                subdistrict_id=subdistrict_id,
                org_id=org_id,
                name=r["姓名"],
                gender=r["性别"],
                phone=r["手机"],
                status=status,
                home_building_id=None if home is None else home[0],
                home=None if home is None else home[1],
                is_hub=is_hub,
                hub_households=households,
            )
        )

    return write


def _plan_teams(
    user: User, subdistrict_id: int, records: list[tuple[int, dict[str, str]]], plan: Plan
) -> None:
    communities = {
        c.code: c
        for c in db.session.scalars(
            select(Community).where(Community.id.in_(scope.overseen_community_ids(user)))
        )
        if c.subdistrict_id == subdistrict_id
    }
    existing = set(
        db.session.scalars(
            select(VolunteerTeam.name).where(VolunteerTeam.subdistrict_id == subdistrict_id)
        )
    )
    seen: dict[str, int] = {}
    for line, r in records:
        ok = True
        name = r["服务队名称"]
        if not name:
            plan.bad(line, "服务队名称为空")
            ok = False
        elif name in existing:
            plan.bad(line, f"服务队“{name}”已存在")
            ok = False
        elif name in seen:
            plan.bad(line, f"与第 {seen[name]} 行重复")
            ok = False
        seen.setdefault(name, line)
        kind = TEAM_KIND_BY_LABEL.get(r["类型"])
        if kind is None:
            plan.bad(line, f"类型“{r['类型']}”应为 {'、'.join(TEAM_KIND_BY_LABEL)} 之一")
            ok = False
        community = communities.get(r["所属社区编码"])
        if community is None:
            plan.bad(line, f"社区编码“{r['所属社区编码']}”不存在或不在您的管辖范围内")
            ok = False
        if not r["队长姓名"]:
            plan.bad(line, "队长姓名为空")
            ok = False
        ok = _phone(r["队长手机"], "队长手机", line, plan) and ok
        people: list[tuple[str, str]] = []
        for part in [p for p in re.split(r"[;；]", r["队员"]) if p.strip()]:
            pieces = re.split(r"[:：]", part.strip())
            if len(pieces) != 2 or not pieces[0]:
                plan.bad(line, f"队员“{part}”应写成 姓名:手机")
                ok = False
                continue
            ok = _phone(pieces[1], f"队员 {pieces[0]} 的手机", line, plan) and ok
            people.append((pieces[0], pieces[1]))
        if ok:
            assert kind is not None and community is not None
            plan.writes.append(_team_writer(subdistrict_id, community.id, name, kind, r, people))


def _team_writer(
    subdistrict_id: int,
    community_id: int,
    name: str,
    kind: str,
    r: dict[str, str],
    people: list[tuple[str, str]],
) -> Callable[[], None]:
    def write() -> None:
        team = VolunteerTeam(
            subdistrict_id=subdistrict_id, community_id=community_id, kind=kind, name=name
        )
        team.members = [TeamMember(name=r["队长姓名"], phone=r["队长手机"], is_captain=True)] + [
            TeamMember(name=n, phone=p) for n, p in people
        ]
        db.session.add(team)

    return write


def _plan_assignments(
    user: User, subdistrict_id: int, records: list[tuple[int, dict[str, str]]], plan: Plan
) -> None:
    cells = _visible_cells(user, subdistrict_id)
    orgs = _visible_orgs(user, subdistrict_id)
    teams = {
        t.name: t
        for t in db.session.scalars(
            select(VolunteerTeam).where(
                VolunteerTeam.subdistrict_id == subdistrict_id,
                VolunteerTeam.id.in_(scope.visible_team_ids(user)),
            )
        )
    }
    workers = {
        key: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(scope.visible_worker_ids(user, unplaced=True)))
        )
        for key in (u.username, u.display_name)
    }
    active = {
        (cell_id, kind, target)
        for cell_id, kind, target in db.session.execute(
            select(
                CellAssignment.cell_id,
                CellAssignment.kind,
                func.coalesce(
                    CellAssignment.party_org_id, CellAssignment.team_id, CellAssignment.user_id
                ),
            ).where(CellAssignment.ended_at.is_(None))
        )
    }
    seen: dict[tuple[int, str, int], int] = {}
    for line, r in records:
        cell = cells.get(r["网格编码"])
        kind = ASSIGNMENT_KIND.get(r["类型"])
        if cell is None:
            plan.bad(line, f"网格编码“{r['网格编码']}”不存在或不在您的管辖范围内")
        if kind is None:
            plan.bad(line, f"类型“{r['类型']}”应为 党组织、服务队 或 网格员")
        target: int | None = None
        if kind == "party_org":
            org = orgs.get(r["名称"])
            target = None if org is None else org.id
        elif kind == "team":
            team = teams.get(r["名称"])
            target = None if team is None else team.id
        elif kind == "worker":
            worker = workers.get(r["名称"])
            target = None if worker is None else worker.id
        if kind is not None and target is None:
            plan.bad(line, f"{r['类型']}“{r['名称']}”不存在或不在您的管辖范围内")
        if cell is None or kind is None or target is None:
            continue
        key = (cell.id, kind, target)
        if key in active:
            plan.bad(line, f"网格 {cell.code} 已有这项分配")
        elif key in seen:
            plan.bad(line, f"与第 {seen[key]} 行重复")
        else:
            seen[key] = line
            plan.writes.append(_assignment_writer(user, cell.id, kind, target))


def _assignment_writer(user: User, cell_id: int, kind: str, target: int) -> Callable[[], None]:
    def write() -> None:
        column = {"party_org": "party_org_id", "team": "team_id", "worker": "user_id"}[kind]
        db.session.add(
            CellAssignment(cell_id=cell_id, kind=kind, assigned_by=user.id, **{column: target})
        )
        if kind == "worker":
            worker = db.session.get(User, target)
            if worker is not None and not any(s.cell_id == cell_id for s in worker.scopes):
                worker.scopes.append(UserScope(cell_id=cell_id))

    return write
