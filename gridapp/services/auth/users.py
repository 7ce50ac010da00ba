"""User accounts: demo users for each role."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.core.vocab import ROLE_LABELS, Role
from gridapp.extensions import db
from gridapp.models import CellAssignment, Community, GridCell, Subdistrict, User, UserScope


def upsert_user(
    username: str, display_name: str, role: Role, password: str, scopes: list[UserScope]
) -> User:
    """Create the user or reset password, role and scopes of an existing one."""
    session = db.session
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        user = User(username=username)
        session.add(user)
    user.display_name = display_name
    user.role = role.value
    user.active = True
    user.set_password(password)
    user.scopes = scopes
    return user


def ensure_demo_users(password: str, subdistrict_code: str) -> list[str]:
    """One demo user per role, scoped to the given subdistrict (else the first loaded one).

    Returns the login lines to print."""
    session = db.session
    sub = (
        session.scalars(select(Subdistrict).where(Subdistrict.code == subdistrict_code)).first()
        or session.scalars(select(Subdistrict).order_by(Subdistrict.id)).first()
    )
    if sub is None:
        raise RuntimeError("数据库中还没有街道数据，请先运行 flask load-demo")
    community = session.scalars(
        select(Community).where(Community.subdistrict_id == sub.id).order_by(Community.code)
    ).first()
    cells = (
        session.scalars(
            select(GridCell).where(GridCell.community_id == community.id).order_by(GridCell.code)
        ).all()[:2]
        if community is not None
        else []
    )
    # a subdistrict loaded outline-only has no community yet: its manager oversees the
    # subdistrict (and may import its communities); its grid worker has no cell yet
    manager_scope = (
        UserScope(community_id=community.id)
        if community is not None
        else UserScope(subdistrict_id=sub.id)
    )
    plan = [
        ("admin", "系统管理员", Role.ADMIN, []),
        ("manager", "王网格管理员", Role.GRID_MANAGER, [manager_scope]),
        ("coordinator", "李协调员", Role.COORDINATOR, [UserScope(subdistrict_id=sub.id)]),
        ("field", "张网格员", Role.FIELD_STAFF, [UserScope(cell_id=c.id) for c in cells]),
    ]
    lines = []
    users = {username: upsert_user(username, name, role, password, scopes)
             for username, name, role, scopes in plan}  # fmt: skip
    session.flush()
    # the demo grid worker answers for the cells of their scope
    for cell in cells:
        already = session.scalar(
            select(CellAssignment.id).where(
                CellAssignment.cell_id == cell.id,
                CellAssignment.user_id == users["field"].id,
                CellAssignment.ended_at.is_(None),
            )
        )
        if already is None:
            session.add(CellAssignment(cell_id=cell.id, kind="worker", user_id=users["field"].id))
    session.commit()
    scope_text = {
        Role.ADMIN: "全部",
        Role.GRID_MANAGER: community.name if community is not None else sub.name,
        Role.COORDINATOR: sub.name,
        Role.FIELD_STAFF: "、".join(f"{c.name}({c.code})" for c in cells) or "暂无网格",
    }
    for username, _name, role, _scopes in plan:
        lines.append(
            f"  {ROLE_LABELS[role]:<6} 用户名 {username:<12} 密码 {password}"
            f"  范围：{scope_text[role]}"
        )
    return lines
