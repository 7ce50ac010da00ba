"""Who may report on which place (docs/SCOPE.md, 报告): admins, coordinators and grid
managers, on a community they oversee, or on a subdistrict they oversee whole (a
subdistrict scope, or community scopes covering all its communities). Field staff may not:
a report shows every cell of its place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridapp.core.errors import Forbidden
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import Community, Subdistrict, User
from gridapp.services import scope
from gridapp.services.places import whole_places

REPORT_ROLES = frozenset({Role.ADMIN.value, Role.COORDINATOR.value, Role.GRID_MANAGER.value})


def may_report(user: User) -> bool:
    return user.role in REPORT_ROLES


def require_reporter(user: User) -> None:
    if not may_report(user):
        raise Forbidden("只有协调员、网格管理员和系统管理员可以查看报告")


def subdistrict(user: User, subdistrict_id: int) -> Subdistrict:
    """The subdistrict to report on: 403 for another role, 404 unknown, 403 unless overseen
    whole."""
    require_reporter(user)
    return scope.require_subdistrict(
        user,
        subdistrict_id,
        whole=True,
        refusal=f"编号为 {subdistrict_id} 的街道不全在您的管辖范围内，请查看各社区的报告",
    )


def community(user: User, community_id: int) -> Community:
    """The community to report on: 403 for another role, 404 unknown, 403 unless overseen."""
    require_reporter(user)
    return scope.require_community(user, community_id, whole=True)


def places(user: User) -> list[dict[str, Any]]:
    """The places ``user`` may report on, per subdistrict: ``{id, code, name, whole,
    communities}`` — ``whole`` when the subdistrict's own report is open to them."""
    require_reporter(user)
    mine = whole_places(user)
    whole = {s["id"] for s in mine["subdistricts"]}
    by_sub: dict[int, list[dict[str, Any]]] = {}
    for c in mine["communities"]:
        by_sub.setdefault(c["subdistrict_id"], []).append(c)
    names = {s["id"]: s for s in mine["subdistricts"]}
    missing = sorted(set(by_sub) - set(names))
    if missing:
        names |= {
            s.id: {"id": s.id, "code": s.code, "name": s.name}
            for s in db.session.scalars(select(Subdistrict).where(Subdistrict.id.in_(missing)))
        }
    out = [
        {**names[i], "whole": i in whole, "communities": by_sub.get(i, [])}
        for i in set(names) | set(by_sub)
    ]
    return sorted(out, key=lambda s: s["code"])
