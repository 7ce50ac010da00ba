"""Bulk import of members, teams and cell assignments from CSV or XLSX.

Every row is checked first (``import_rows``); a file with any bad row writes nothing and the
answer lists every bad row with its line number and the reason in Chinese. A good file is
written in one transaction (``import_writes``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from gridapp.core.errors import BadRequest, Forbidden, ImportRejected, NotFound
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import Subdistrict, User, UserScope
from gridapp.services import scope
from gridapp.services.organisations.access import visible_subdistricts
from gridapp.services.organisations.import_rows import PLANNERS, Plan
from gridapp.services.tables import to_csv, to_xlsx

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
    subs = visible_subdistricts(user)
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
    PLANNERS[kind](user, subdistrict_id, records, plan)
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
