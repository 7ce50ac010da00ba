"""Service points (党群服务中心, 便民服务站 …) placed on the source's POIs and buildings.

Only places the source really has become service points: a community without a community
centre gets none, so the coverage gaps in the data are real ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import Point

from gridapp.core.codes import reading_order
from gridapp.core.geodemo.raw import RawGeography
from gridapp.core.vocab import SERVICE_KIND_LABELS, ServiceKind

if TYPE_CHECKING:
    from gridapp.core.geodemo.result import BuildingOut, CellOut, CommunityOut

SECONDARY_KINDS = (
    ServiceKind.CONVENIENCE_STATION,
    ServiceKind.LOVE_POST,
    ServiceKind.VOLUNTEER_STATION,
    ServiceKind.PUBLIC_ORDER_STATION,
    ServiceKind.MEMBER_SERVICE_POINT,
    ServiceKind.ACTIVITY_ROOM,
    ServiceKind.DEPUTIES_OFFICE,
)

SERVICES = {
    ServiceKind.PARTY_SERVICE_CENTRE: ["党员教育", "政务代办", "社保咨询", "老年餐桌", "议事协商"],
    ServiceKind.CONVENIENCE_STATION: ["代收代缴", "家电维修", "理发", "缝补"],
    ServiceKind.LOVE_POST: ["饮水", "休息", "充电", "应急药箱"],
    ServiceKind.VOLUNTEER_STATION: ["志愿者招募", "结对帮扶", "微心愿认领"],
    ServiceKind.PUBLIC_ORDER_STATION: ["矛盾调解", "治安巡逻", "法律咨询"],
    ServiceKind.MEMBER_SERVICE_POINT: ["党员报到", "组织关系转接", "党费收缴"],
    ServiceKind.ACTIVITY_ROOM: ["党员活动", "文体活动", "阅览"],
    ServiceKind.DEPUTIES_OFFICE: ["接待选民", "收集意见建议"],
    ServiceKind.TOWER_SERVICE_STATION: ["两新组织党建", "职工服务", "政策咨询"],
}

HOURS = {
    ServiceKind.PARTY_SERVICE_CENTRE: "周一至周日 8:30-20:00",
    ServiceKind.LOVE_POST: "全天",
    ServiceKind.TOWER_SERVICE_STATION: "周一至周五 9:00-18:00",
}
DEFAULT_HOURS = "周一至周五 9:00-17:30"


@dataclass
class ServicePointOut:
    kind: str
    name: str
    address: str
    hours: str
    contact: str
    services: list[str]
    geom: Point  # metric CRS
    building_ref: str
    community_code: str
    cell_code: str


def _locator(polygons: Sequence[object]) -> shapely.STRtree:
    return shapely.STRtree(np.asarray(polygons, dtype=object))


def service_points(
    raw: RawGeography,
    buildings: Sequence[BuildingOut],
    cells: Sequence[CellOut],
    communities: Sequence[CommunityOut],
    seed: int,
) -> list[ServicePointOut]:
    rng = np.random.default_rng(seed + 7)
    cell_tree = _locator([c.geom for c in cells])
    comm_tree = _locator([c.geom for c in communities])
    building_tree = _locator([b.raw.geom for b in buildings])
    named = [s for s in raw.streets if s.name]
    street_tree = _locator([s.geom for s in named]) if named else None

    def where(p: Point) -> tuple[str, str]:
        cell = cell_tree.query(p, predicate="intersects")
        comm = comm_tree.query(p, predicate="intersects")
        return (
            communities[int(min(comm))].code if len(comm) else "",
            cells[int(min(cell))].code if len(cell) else "",
        )

    def address(p: Point) -> str:
        if street_tree is None:
            return ""
        street = named[int(street_tree.nearest(p))]
        return f"{street.name}{int(rng.integers(1, 200))}号"

    def building_at(p: Point) -> str:
        hit = building_tree.query(p, predicate="dwithin", distance=5.0)
        return buildings[int(min(hit))].raw.source_ref if len(hit) else ""

    centres = [p for p in raw.pois if p.kind == "community_centre"]
    order = reading_order([p.geom for p in centres])
    out: list[ServicePointOut] = []
    seen_centre: set[str] = set()
    secondary = 0
    comm_name = {c.code: c.name for c in communities}
    for i in order:
        poi = centres[i]
        comm_code, cell_code = where(poi.geom)
        if not comm_code:
            continue
        if comm_code not in seen_centre:
            kind = ServiceKind.PARTY_SERVICE_CENTRE
            seen_centre.add(comm_code)
            name = f"{comm_name[comm_code]}党群服务中心"
        else:
            kind = SECONDARY_KINDS[secondary % len(SECONDARY_KINDS)]
            secondary += 1
            label = SERVICE_KIND_LABELS[kind]
            name = (
                poi.name + label
                if poi.name and not poi.name.endswith(label)
                else f"{comm_name[comm_code]}{label}"
            )
        out.append(
            _point(
                kind,
                name,
                poi.geom,
                address(poi.geom),
                building_at(poi.geom),
                comm_code,
                cell_code,
                rng,
            )
        )

    towers = [b for b in buildings if b.raw.kind == "office" and b.cell_code]
    for n, tower in enumerate(towers):
        if n % 2:
            continue  # every other tower hosts a station
        p = tower.raw.geom.representative_point()
        comm_code, cell_code = where(p)
        name = f"{tower.raw.name or comm_name.get(comm_code, '')}楼宇综合服务站"
        out.append(
            _point(
                ServiceKind.TOWER_SERVICE_STATION,
                name,
                p,
                address(p),
                tower.raw.source_ref,
                comm_code,
                cell_code,
                rng,
            )
        )
    return out


def _point(
    kind: ServiceKind,
    name: str,
    geom: Point,
    address: str,
    building_ref: str,
    community_code: str,
    cell_code: str,
    rng: np.random.Generator,
) -> ServicePointOut:
    return ServicePointOut(
        kind=kind.value,
        name=name,
        address=address,
        hours=HOURS.get(kind, DEFAULT_HOURS),
        contact=f"010-{int(rng.integers(6000_0000, 8999_9999))}",
        services=list(SERVICES[kind]),
        geom=geom,
        building_ref=building_ref,
        community_code=community_code,
        cell_code=cell_code,
    )


def shared_facilities(
    units: Sequence[Any], cells: Sequence[CellOut], communities: Sequence[CommunityOut]
) -> list[ServicePointOut]:
    """A unit that shares a room with residents is a service point too (共驻共建): one
    党群活动室 per sharing unit, in the order of ``units`` (sets ``unit.service_point``)."""
    cell_tree = _locator([c.geom for c in cells])
    out: list[ServicePointOut] = []
    for unit in units:
        if not unit.shares_facility:
            continue
        hit = cell_tree.query(unit.geom, predicate="intersects")
        cell = cells[int(min(hit))] if len(hit) else None
        unit.service_point = len(out)
        out.append(
            ServicePointOut(
                kind=ServiceKind.ACTIVITY_ROOM.value,
                name=f"{unit.name}共享活动室",
                address="",
                hours="周一至周五 18:00-21:00，周末全天",
                contact="",
                services=["场地共享", *unit.resources],
                geom=unit.geom,
                building_ref=unit.building_ref,
                community_code="" if cell is None else cell.community_code,
                cell_code="" if cell is None else cell.code,
            )
        )
    return out
