"""A small hand-built world for API, scope and browser tests.

Subdistrict A (110199001) has communities A1 (west) and A2 (east), each split into a north
and a south cell; subdistrict B (110199002) has one community with one cell. Users: admin;
coordinator of A; grid manager of A1; field worker of cell A1-north.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, MultiPolygon, Point, box
from sqlalchemy import delete
from sqlalchemy.orm import Session

from gridapp.core.vocab import Role, ServiceKind
from gridapp.models import (
    Building,
    Community,
    GridCell,
    ServicePoint,
    StreetEdge,
    Subdistrict,
    User,
    UserScope,
)


@dataclass
class World:
    subdistricts: dict[str, int] = field(default_factory=dict)
    communities: dict[str, int] = field(default_factory=dict)
    cells: dict[str, int] = field(default_factory=dict)
    service_points: dict[str, int] = field(default_factory=dict)
    buildings: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def _mp(minx: float, miny: float, maxx: float, maxy: float):  # type: ignore[no-untyped-def]
    return from_shape(MultiPolygon([box(minx, miny, maxx, maxy)]), srid=4326)


def build_world(session: Session, password: str) -> World:
    w = World()
    specs = {
        "A": ("110199001", "测试甲街道", (116.40, 39.90, 116.42, 39.91)),
        "B": ("110199002", "测试乙街道", (116.50, 39.90, 116.51, 39.91)),
    }
    for key, (code, name, bounds) in specs.items():
        sub = Subdistrict(code=code, name=name, district_name="测试区", geom=_mp(*bounds))
        session.add(sub)
        session.flush()
        w.subdistricts[key] = sub.id

    communities = {
        "A1": ("A", "110199001001", "甲一社区", (116.40, 39.90, 116.41, 39.91)),
        "A2": ("A", "110199001002", "甲二社区", (116.41, 39.90, 116.42, 39.91)),
        "B1": ("B", "110199002001", "乙一社区", (116.50, 39.90, 116.51, 39.91)),
    }
    for key, (sub_key, code, name, (x0, y0, x1, y1)) in communities.items():
        community = Community(
            subdistrict_id=w.subdistricts[sub_key], code=code, name=name, geom=_mp(x0, y0, x1, y1)
        )
        session.add(community)
        session.flush()
        w.communities[key] = community.id
        halves = (
            [("N", 1, (x0, (y0 + y1) / 2, x1, y1)), ("S", 2, (x0, y0, x1, (y0 + y1) / 2))]
            if sub_key == "A"
            else [("X", 1, (x0, y0, x1, y1))]
        )
        for suffix, seq, bounds in halves:
            cell = GridCell(
                community_id=community.id,
                code=f"{code}{seq:03d}",
                seq=seq,
                name=f"{name}第{seq}网格",
                households=100 * seq,
                residents=250 * seq,
                geom=_mp(*bounds),
            )
            session.add(cell)
            session.flush()
            w.cells[key + suffix] = cell.id
            cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
            building = Building(
                subdistrict_id=w.subdistricts[sub_key],
                cell_id=cell.id,
                kind="residential",
                name=f"{name}{seq}号楼",
                levels=6,
                households=100 * seq,
                residents=250 * seq,
                geom=_mp(cx - 0.0002, cy - 0.0001, cx + 0.0002, cy + 0.0001),
            )
            session.add(building)
            session.flush()
            w.buildings[key + suffix] = building.id
        point = ServicePoint(
            subdistrict_id=w.subdistricts[sub_key],
            community_id=community.id,
            cell_id=w.cells[key + ("N" if sub_key == "A" else "X")],
            kind=ServiceKind.PARTY_SERVICE_CENTRE.value,
            name=f"{name}党群服务中心<script>alert(1)</script>",
            address="测试路1号",
            hours="周一至周五 9:00-17:00",
            contact="010-12345678",
            services=["党员活动", "便民服务"],
            geom=from_shape(Point((x0 + x1) / 2, y1 - 0.001), srid=4326),
        )
        session.add(point)
        session.flush()
        w.service_points[key] = point.id
        session.add(
            StreetEdge(
                subdistrict_id=w.subdistricts[sub_key],
                u=1,
                v=2,
                kind="residential",
                name="测试路",
                length_m=850.0,
                geom=from_shape(LineString([(x0, y0), (x1, y0)]), srid=4326),
            )
        )

    users = {
        "t_admin": (Role.ADMIN, []),
        "t_coordinator": (Role.COORDINATOR, [UserScope(subdistrict_id=w.subdistricts["A"])]),
        "t_manager": (Role.GRID_MANAGER, [UserScope(community_id=w.communities["A1"])]),
        "t_field": (Role.FIELD_STAFF, [UserScope(cell_id=w.cells["A1N"])]),
    }
    for username, (role, scopes) in users.items():
        user = User(username=username, display_name=username, role=role.value, scopes=scopes)
        user.set_password(password)
        session.add(user)
        session.flush()
        w.users[username] = user.id
    session.commit()
    return w


def drop_world(session: Session, w: World) -> None:
    session.execute(delete(User).where(User.id.in_(w.users.values())))
    session.execute(delete(Subdistrict).where(Subdistrict.id.in_(w.subdistricts.values())))
    session.commit()
