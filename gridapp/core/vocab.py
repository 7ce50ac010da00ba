"""The domain's controlled vocabularies: English keys in code and database, Chinese labels
in the UI (see docs/DOMAIN.md).

The one place for them: the models build their CHECK constraints from these, the demo
generator and the OSM reader produce these keys, and the schemas validate against them.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    GRID_MANAGER = "grid_manager"
    COORDINATOR = "coordinator"
    FIELD_STAFF = "field_staff"


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.GRID_MANAGER: "网格管理员",
    Role.COORDINATOR: "协调员",
    Role.FIELD_STAFF: "网格员",
}


class ServiceKind(StrEnum):
    PARTY_SERVICE_CENTRE = "party_service_centre"
    CONVENIENCE_STATION = "convenience_station"
    VOLUNTEER_STATION = "volunteer_station"
    PUBLIC_ORDER_STATION = "public_order_station"
    ACTIVITY_ROOM = "activity_room"
    TOWER_SERVICE_STATION = "tower_service_station"
    MEMBER_SERVICE_POINT = "member_service_point"
    LOVE_POST = "love_post"
    DEPUTIES_OFFICE = "deputies_office"


SERVICE_KIND_LABELS = {
    ServiceKind.PARTY_SERVICE_CENTRE: "党群服务中心",
    ServiceKind.CONVENIENCE_STATION: "便民服务站",
    ServiceKind.VOLUNTEER_STATION: "志愿者服务站",
    ServiceKind.PUBLIC_ORDER_STATION: "综治维稳工作站",
    ServiceKind.ACTIVITY_ROOM: "党群活动室",
    ServiceKind.TOWER_SERVICE_STATION: "楼宇综合服务站",
    ServiceKind.MEMBER_SERVICE_POINT: "党员服务点",
    ServiceKind.LOVE_POST: "爱心驿站",
    ServiceKind.DEPUTIES_OFFICE: "党代表工作室",
}
# One short glyph per kind of service point, drawn inside its round map icon (no icon font).
SERVICE_KIND_GLYPHS = {
    ServiceKind.PARTY_SERVICE_CENTRE: "党",
    ServiceKind.CONVENIENCE_STATION: "便",
    ServiceKind.VOLUNTEER_STATION: "志",
    ServiceKind.PUBLIC_ORDER_STATION: "综",
    ServiceKind.ACTIVITY_ROOM: "活",
    ServiceKind.TOWER_SERVICE_STATION: "楼",
    ServiceKind.MEMBER_SERVICE_POINT: "员",
    ServiceKind.LOVE_POST: "爱",
    ServiceKind.DEPUTIES_OFFICE: "代",
}


def service_kind_legend() -> list[dict[str, str]]:
    """Kinds of service point with their Chinese label and glyph, for a map's legend (the
    pages draw them with the CSS class ``sp-<kind>``)."""
    return [
        {"kind": kind.value, "label": SERVICE_KIND_LABELS[kind], "glyph": glyph}
        for kind, glyph in SERVICE_KIND_GLYPHS.items()
    ]


class OrgLevel(StrEnum):
    WORKING_COMMITTEE = "working_committee"
    COMMITTEE = "committee"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"
    GROUP = "group"


ORG_LEVEL_LABELS = {
    OrgLevel.WORKING_COMMITTEE: "党工委",
    OrgLevel.COMMITTEE: "党委",
    OrgLevel.GENERAL_BRANCH: "党总支",
    OrgLevel.BRANCH: "党支部",
    OrgLevel.GROUP: "党小组",
}

# A child's level must rank below its parent's.
ORG_LEVEL_RANK = {level: rank for rank, level in enumerate(OrgLevel)}


class OrgKind(StrEnum):
    REGULAR = "regular"  # 社区 / 网格
    TOWER = "tower"  # 楼宇党组织
    NEW_ECONOMY = "new_economy"  # 两新组织


ORG_KIND_LABELS = {OrgKind.REGULAR: "社区", OrgKind.TOWER: "楼宇", OrgKind.NEW_ECONOMY: "两新组织"}


class MemberStatus(StrEnum):
    IN_POST = "in_post"
    RETIRED = "retired"
    MIGRANT = "migrant"
    UNATTACHED = "unattached"


MEMBER_STATUS_LABELS = {
    MemberStatus.IN_POST: "在职",
    MemberStatus.RETIRED: "离退休",
    MemberStatus.MIGRANT: "流动",
    MemberStatus.UNATTACHED: "空挂户",
}


class TeamKind(StrEnum):
    PARTY_AFFAIRS = "party_affairs"
    INDUSTRY = "industry"
    AGRICULTURE = "agriculture"
    FAMILY_PLANNING = "family_planning"
    CIVIL_AFFAIRS = "civil_affairs"
    PUBLIC_ORDER = "public_order"
    EDUCATION = "education"
    HEALTH = "health"
    ENVIRONMENT = "environment"
    LAW = "law"
    NEIGHBOURHOOD = "neighbourhood"


TEAM_KIND_LABELS = {
    TeamKind.PARTY_AFFAIRS: "党务服务队",
    TeamKind.INDUSTRY: "产业服务队",
    TeamKind.AGRICULTURE: "农技服务队",
    TeamKind.FAMILY_PLANNING: "计生服务队",
    TeamKind.CIVIL_AFFAIRS: "民政服务队",
    TeamKind.PUBLIC_ORDER: "综治服务队",
    TeamKind.EDUCATION: "教育服务队",
    TeamKind.HEALTH: "卫生服务队",
    TeamKind.ENVIRONMENT: "环境服务队",
    TeamKind.LAW: "法律服务队",
    TeamKind.NEIGHBOURHOOD: "便民服务队",
}

# Buildings (楼栋). The order is part of the vocabulary: the database CHECK lists them so.
BUILDING_KIND_LABELS = {
    "residential": "住宅楼",  # in a compound
    "lowrise": "平房",  # 平房 / 老旧低层住宅
    "office": "商务楼宇",
    "school": "学校",
    "commercial": "商业",
    "public": "公共建筑",  # community centre, hospital, government office …
    "other": "其他",
}
BUILDING_KINDS = tuple(BUILDING_KIND_LABELS)
# Kinds of building a new service site may be suggested in (15分钟服务圈 siting).
SITE_BUILDING_KINDS = ("public", "school", "commercial", "office", "residential", "lowrise")

# Street classes (道路), from the most to the least important.
STREET_KIND_LABELS = {
    "arterial": "主干道",
    "secondary": "次干道",
    "residential": "支路",  # 支路 / 街巷
    "lane": "胡同",  # 胡同 / 里弄, old low-rise lanes
    "footway": "步行道",  # public footpath (park paths, pedestrian streets)
    "compound_path": "小区内部道路",  # inside a gated compound, joins streets only at gates
    "gate": "小区大门",  # short segment through a compound gate
}
STREET_KINDS = tuple(STREET_KIND_LABELS)
# ``MAJOR`` classes bound communities; ``BLOCK_BOUNDING`` classes (plus compound walls) bound
# blocks (街坊).
MAJOR_KINDS = frozenset({"arterial"})
BLOCK_BOUNDING_KINDS = frozenset({"arterial", "secondary", "residential"})

# Points of interest a source (OSM extract or generator) hands to the demo pipeline.
POI_KINDS = ("community_centre", "school", "hospital", "office", "shop", "park", "other")

# Units based in the area (驻区单位).
UNIT_KINDS = ("company", "school", "hospital", "agency", "social_org", "other")

# What a cell is assigned: its party organisation, a service team, a grid worker (网格员).
ASSIGNMENT_LABELS = {"party_org": "党组织", "team": "服务队", "worker": "网格员"}
ASSIGNMENT_KINDS = tuple(ASSIGNMENT_LABELS)

# What a recorded change did to the cells (history, 变更记录).
CHANGE_OPS = (
    "reshape",
    "split",
    "merge",
    "create",
    "delete",
    "revert",
    "attributes",
    "proposal",
    "import",
)

# Households (户): the tags a household record may carry. The households in difficulty
# (困难群众) first, then the party-member households. The order is part of the vocabulary:
# the database CHECK lists them so.
HOUSEHOLD_TAG_LABELS = {
    "dibao": "低保户",
    "dibao_edge": "低保边缘户",
    "disabled": "残疾人",
    "elderly_alone": "独居老人",
    "empty_nest": "空巢老人",
    "serious_illness": "重病",
    "unemployed": "失业",
    "party_member": "党员户",
    "party_centre": "党员中心户",
}
HOUSEHOLD_TAGS = tuple(HOUSEHOLD_TAG_LABELS)
# 困难群众: a household carrying any of these is a household in difficulty.
DIFFICULTY_TAGS = HOUSEHOLD_TAGS[:7]

# Field work (网格员的日常). How a visit was made (走访方式).
VISIT_METHOD_LABELS = {"home": "入户走访", "phone": "电话联系", "street": "路遇交谈"}
VISIT_METHODS = tuple(VISIT_METHOD_LABELS)

# "四访" reminders: who is due a visit, and the default number of days between visits
# (GRIDAPP_VISIT_DAYS overrides any of them). Members: the old (70 and over), members in
# difficulty, migrant members and new members (joined within two years); households: every
# tag of difficulty.
MEMBER_VISIT_REASON_LABELS = {
    "member_old": "老党员",
    "member_difficulty": "困难党员",
    "member_migrant": "流动党员",
    "member_new": "新党员",
}
VISIT_DAYS_DEFAULT = {
    "member_old": 30,
    "member_difficulty": 30,
    "member_migrant": 90,
    "member_new": 60,
    "dibao": 30,
    "dibao_edge": 60,
    "disabled": 30,
    "elderly_alone": 7,
    "empty_nest": 14,
    "serious_illness": 14,
    "unemployed": 60,
}
OLD_MEMBER_AGE = 70
NEW_MEMBER_YEARS = 2

# Events reported in a cell (事件上报) and their states.
EVENT_CATEGORY_LABELS = {
    "sanitation": "环境卫生",
    "safety": "安全隐患",
    "dispute": "邻里纠纷",
    "facility": "设施损坏",
    "order": "治安秩序",
    "other": "其他",
}
EVENT_CATEGORIES = tuple(EVENT_CATEGORY_LABELS)
EVENT_STATUS_LABELS = {"open": "待处理", "closed": "已办结"}
EVENT_STATUSES = tuple(EVENT_STATUS_LABELS)

# Photos: what an upload may be (checked by Pillow, not by the name or the header).
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# Imports of layers from files (数据导入): the layers a file may hold, and the states of an
# import (read in the background into a preview, then committed on request).
IMPORT_LAYER_LABELS = {
    "cells": "网格",
    "communities": "社区",
    "buildings": "楼栋",
    "service_points": "服务阵地",
}
IMPORT_LAYERS = tuple(IMPORT_LAYER_LABELS)
IMPORT_STATUS_LABELS = {
    "reading": "读取中",
    "ready": "待确认",
    "committing": "导入中",
    "committed": "已导入",
    "failed": "失败",
    "discarded": "已放弃",
}
IMPORT_STATUSES = tuple(IMPORT_STATUS_LABELS)
# merge: the file's features update or join the layer; replace: what the file's area holds
# and the file does not is deleted too (cells: of its communities; buildings and service
# points: of the communities they lie in; communities: of its subdistricts, when empty).
IMPORT_MODE_LABELS = {
    "merge": "更新与新增（文件中没有的要素保留）",
    "replace": "整体替换（删除所涉范围内文件中没有的要素）",
}
IMPORT_MODES = tuple(IMPORT_MODE_LABELS)
