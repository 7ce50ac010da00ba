"""Who may do what with organisations, and the places named in a request.

Coordinators and admins manage organisations and assignments within their scope; grid
managers may assign within their communities; field staff read the organisations of their
own cells. An unknown id is a 404, a place outside the user's scope a 403.
"""

from __future__ import annotations

from gridapp.core.errors import Forbidden, NotFound
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import PartyOrg, Subdistrict, User
from gridapp.services import scope

MANAGE_ROLES = {Role.ADMIN.value, Role.COORDINATOR.value}
ASSIGN_ROLES = {Role.ADMIN.value, Role.COORDINATOR.value, Role.GRID_MANAGER.value}


def require_role(user: User, roles: set[str], what: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"您的角色不能{what}")


def visible_subdistricts(user: User) -> list[int]:
    return list(db.session.scalars(scope.visible_subdistrict_ids(user).distinct()))


def require_subdistrict(user: User, subdistrict_id: int) -> int:
    """404 for an unknown subdistrict, 403 for one outside the user's scope."""
    visible = scope.visible_subdistrict_ids(user)
    scope.require_visible(Subdistrict, subdistrict_id, visible, "街道", "该街道不在您的管辖范围内")
    return subdistrict_id


def find_org(org_id: int) -> PartyOrg:
    org = db.session.get(PartyOrg, org_id)
    if org is None:
        raise NotFound(f"未找到编号为 {org_id} 的党组织")
    return org
