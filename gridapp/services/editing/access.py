"""Who may edit what: the role, then unknown ids (404), then the scope (403), checked before
anything reads a cell's geometry or version."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.core.errors import Forbidden, NotFound
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import CellChange, Community, GridCell, User
from gridapp.services import scope

EDIT_ROLES = {Role.ADMIN.value, Role.GRID_MANAGER.value}


def require_editor(user: User) -> None:
    if user.role not in EDIT_ROLES:
        raise Forbidden("只有网格管理员和系统管理员可以编辑网格")


def editable_cells(user: User, ids: list[int]) -> None:
    """Cells a save names: 404 for unknown ids, then 403 for cells outside the scope
    (checked before anything reads their geometry or versions)."""
    require_editor(user)
    if not ids:
        return
    known = set(db.session.scalars(select(GridCell.id).where(GridCell.id.in_(ids))))
    unknown = sorted(set(ids) - known)
    if unknown:
        raise NotFound(f"未找到编号为 {unknown} 的网格")
    if user.role == Role.ADMIN.value:
        return
    visible = set(db.session.scalars(scope.visible_cell_ids(user).where(GridCell.id.in_(ids))))
    outside = sorted(set(ids) - visible)
    if outside:
        raise Forbidden(f"网格 {outside} 不在您的管辖范围内，不能编辑")


def editable_community(user: User, community_id: int, *, whole: bool) -> Community:
    """The community of a save: 404 unknown, 403 outside the scope. ``whole``: the save
    may take free space (new cells, revert, proposal), which needs oversight of the whole
    community, not only of some of its cells."""
    require_editor(user)
    refusal = "该社区不在您的管辖范围内" + ("，不能新建或整体调整网格" if whole else "")
    return scope.require_community(user, community_id, whole=whole, refusal=refusal)


def find_cell(cell_id: int) -> GridCell:
    cell = db.session.get(GridCell, cell_id)
    if cell is None:
        raise NotFound(f"未找到编号为 {cell_id} 的网格")
    return cell


def editable_cell(user: User, cell_id: int) -> GridCell:
    """Role, then 404, then scope (403): before the version or the geometry is looked at."""
    editable_cells(user, [cell_id])
    return find_cell(cell_id)


def revertible_change(user: User, change_id: int) -> CellChange:
    """A revert may take free space: it needs oversight of the change's whole community."""
    require_editor(user)
    change = db.session.get(CellChange, change_id)
    if change is None:
        raise NotFound(f"未找到编号为 {change_id} 的修改记录")
    editable_community(user, change.community_id, whole=True)
    return change
