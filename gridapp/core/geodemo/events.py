"""The demo's events (事件上报): a few problems per community over the last month, each
reported by a grid worker of one of the community's cells at a point inside that cell,
about 40 % closed (办结) a few days later. Deterministic (fixed seed), dated as of
``DEMO_TODAY`` like the visits (``core/geodemo/visits``); loading moves them to the day of
loading (``services/geodata/loading_field``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from gridapp.core.clock import LOCAL_TZ
from gridapp.core.geodemo.visits import DEMO_TODAY
from gridapp.core.vocab import EVENT_CATEGORIES

if TYPE_CHECKING:
    from gridapp.core.geodemo.grid_work import WorkerOut
    from gridapp.core.geodemo.result import BuildingOut, CellOut, CommunityOut

EVENTS_PER_COMMUNITY = (1, 3)  # inclusive
DAYS_BACK = 30  # reported within the 30 days before DEMO_TODAY
SHARE_CLOSED = 0.4
CLOSE_AFTER_DAYS = (1, 5)  # inclusive, and always before DEMO_TODAY
NEAR_BUILDING_M = 12.0  # "next to a building": this far from its footprint at most
# How often each category is reported (one weight for each of EVENT_CATEGORIES).
CATEGORY_WEIGHTS = {
    "sanitation": 0.3,
    "safety": 0.2,
    "dispute": 0.12,
    "facility": 0.22,
    "order": 0.08,
    "other": 0.08,
}
DESCRIPTIONS = {
    "sanitation": (
        "楼旁垃圾桶满溢，周边有散落垃圾，需及时清运",
        "绿化带内堆放建筑垃圾，影响环境",
        "路边有积水和淤泥，行人通行不便",
        "楼道内堆放杂物和废纸箱，气味较大",
        "小区门口有居民随意丢弃大件家具",
    ),
    "safety": (
        "楼道内电动自行车充电，飞线私拉电线，存在火灾隐患",
        "消防通道被私家车占用",
        "楼前井盖松动，夜间行人易绊倒",
        "外墙空调支架锈蚀严重，有坠落风险",
        "楼道灭火器过期，需要更换",
    ),
    "dispute": (
        "楼上楼下因漏水问题发生争执，需协调",
        "邻里因楼道堆物产生矛盾",
        "居民反映楼上夜间噪音扰民，双方沟通未果",
        "两户因停车位问题发生口角",
    ),
    "facility": (
        "路灯不亮，夜间路段较暗",
        "单元门禁损坏，门无法关闭",
        "健身器材螺丝松动，存在安全隐患",
        "人行道地砖破损翘起",
        "楼道声控灯损坏",
    ),
    "order": (
        "发现流动摊贩占道经营",
        "有不明人员在楼道张贴小广告",
        "夜间有人在路边聚集喧哗",
        "车辆乱停乱放，堵塞小区出入口",
    ),
    "other": (
        "居民反映快递柜不够用，希望增设",
        "有居民咨询养老服务补贴办理流程",
        "流浪猫较多，居民希望协调处置",
        "居民建议在楼前增设休息座椅",
    ),
}
CLOSE_NOTES = {
    "sanitation": ("已联系物业清理完毕", "已通知环卫清运，现场已恢复整洁", "已协调清理并提醒居民"),
    "safety": ("已现场劝导整改，隐患已消除", "已联系物业维修，复查无问题", "已上报街道并完成整改"),
    "dispute": ("经调解双方达成一致", "已协调双方沟通，矛盾化解", "已调解，约定后续回访"),
    "facility": ("已报修，维修完毕", "已联系物业更换，恢复正常", "维修人员已处理完毕"),
    "order": ("已联系城管处置", "已劝离并加强巡查", "已清理，并在楼道张贴提示"),
    "other": ("已答复居民并留存记录", "已转相关部门办理", "已向社区反映，居民表示满意"),
}


@dataclass
class EventOut:
    key: str  # the event's client_key: demo-event-<subdistrict code>-<n>
    cell_code: str
    worker: str  # the reporting grid worker's username
    category: str
    description: str
    geom: Point  # metric CRS, inside the cell
    reported_at: str  # ISO 8601 with the UTC offset of LOCAL_TZ
    closed_at: str  # "" while open
    close_note: str


def event_history(
    communities: Sequence[CommunityOut],
    cells: Sequence[CellOut],
    buildings: Sequence[BuildingOut],
    workers: Sequence[WorkerOut],
    subdistrict_code: str,
    seed: int,
) -> list[EventOut]:
    """One to three events per community with a grid worker, oldest first per community;
    a closed event is closed by its reporter before DEMO_TODAY."""
    rng = np.random.default_rng(seed + 47)
    worker_of = {cell: w.username for w in workers for cell in w.cells}
    geom_of = {c.code: c.geom for c in cells}
    buildings_of: dict[str, list[BaseGeometry]] = {}
    for b in buildings:
        if b.cell_code:
            buildings_of.setdefault(b.cell_code, []).append(b.raw.geom)
    kinds = list(EVENT_CATEGORIES)
    weights = np.array([CATEGORY_WEIGHTS[k] for k in kinds])
    drafts: list[tuple[str, str, str, Point]] = []
    for community in communities:
        staffed = [
            c.code for c in cells if c.community_code == community.code and c.code in worker_of
        ]
        if not staffed:
            continue
        for _ in range(int(rng.integers(EVENTS_PER_COMMUNITY[0], EVENTS_PER_COMMUNITY[1] + 1))):
            cell = staffed[int(rng.integers(len(staffed)))]
            category = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
            text = DESCRIPTIONS[category][int(rng.integers(len(DESCRIPTIONS[category])))]
            point = _point(rng, geom_of[cell], buildings_of.get(cell, []))
            drafts.append((cell, category, text, point))
    closed = set(rng.permutation(len(drafts))[: round(SHARE_CLOSED * len(drafts))].tolist())
    out: list[EventOut] = []
    for n, (cell, category, text, point) in enumerate(drafts, start=1):
        is_closed = n - 1 in closed
        ago = int(rng.integers(CLOSE_AFTER_DAYS[0] + 1 if is_closed else 1, DAYS_BACK + 1))
        reported = _at(rng, ago)
        closed_at, note = "", ""
        if is_closed:
            after = int(rng.integers(CLOSE_AFTER_DAYS[0], min(CLOSE_AFTER_DAYS[1], ago - 1) + 1))
            closed_at = _at(rng, ago - after).isoformat()
            note = CLOSE_NOTES[category][int(rng.integers(len(CLOSE_NOTES[category])))]
        out.append(
            EventOut(
                key=f"demo-event-{subdistrict_code}-{n}",
                cell_code=cell,
                worker=worker_of[cell],
                category=category,
                description=text,
                geom=point,
                reported_at=reported.isoformat(),
                closed_at=closed_at,
                close_note=note,
            )
        )
    return out


def _at(rng: np.random.Generator, days_ago: int) -> datetime:
    """A working-hours time ``days_ago`` days before DEMO_TODAY, in LOCAL_TZ."""
    minutes = int(rng.integers(8 * 60 + 30, 18 * 60))
    day = DEMO_TODAY - timedelta(days=days_ago)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LOCAL_TZ)


def _point(rng: np.random.Generator, cell: BaseGeometry, footprints: list[BaseGeometry]) -> Point:
    """A point inside ``cell``: next to one of its buildings when one can be found, else
    the cell's representative point (always inside)."""
    if footprints:
        footprint = footprints[int(rng.integers(len(footprints)))]
        ring = footprint.buffer(NEAR_BUILDING_M * float(rng.uniform(0.3, 1.0))).boundary
        for _ in range(8):
            on = ring.interpolate(float(rng.uniform(0, 1)), normalized=True)
            candidate = Point(round(on.x, 2), round(on.y, 2))
            if cell.contains(candidate):
                return candidate
    point = cell.representative_point()
    return Point(point.x, point.y)
