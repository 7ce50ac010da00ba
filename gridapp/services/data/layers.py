"""The map's layers as files: 网格, 社区, 楼栋, 服务阵地 — the rows the user sees
(docs/SCOPE.md): visible cells, communities and buildings; service points of the user's
subdistricts, with their contact only in the user's own communities. The fields are named
as the import reads them (``core.point_import`` …), so an export imported again updates
in place."""

from __future__ import annotations

import geopandas as gpd
from sqlalchemy import case, func, select

from gridapp.core.layer_write import Layer
from gridapp.core.vocab import BUILDING_KIND_LABELS, SERVICE_KIND_LABELS
from gridapp.models import Building, Community, GridCell, ServicePoint, User
from gridapp.services import scope
from gridapp.services.data.frames import Selection, frame_of, in_community

CELLS = Layer(
    "cells",
    "网格",
    {"code": "网格编码", "name": "网格名称", "comm_code": "社区编码", "households": "户数",
     "residents": "人口"},
    "MultiPolygon",
)  # fmt: skip
COMMUNITIES = Layer("communities", "社区", {"code": "社区编码", "name": "社区名称"}, "MultiPolygon")
BUILDINGS = Layer(
    "buildings",
    "楼栋",
    {"code": "楼栋编码", "bldg_id": "楼栋ID", "name": "楼栋名称", "kind": "类型",
     "cell_code": "网格编码", "levels": "层数", "households": "户数", "residents": "人口"},
    "MultiPolygon",
)  # fmt: skip
SERVICE_POINTS = Layer(
    "service_points",
    "服务阵地",
    {"name": "名称", "kind": "类型", "address": "地址", "hours": "开放时间",
     "contact": "联系方式", "services": "服务项目"},
    "Point",
)  # fmt: skip


def cells(user: User, selection: Selection) -> gpd.GeoDataFrame:
    return frame_of(
        CELLS,
        select(
            GridCell.code,
            GridCell.name,
            Community.code.label("comm_code"),
            GridCell.households,
            GridCell.residents,
            func.ST_AsBinary(GridCell.geom).label("wkb"),
        )
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)), in_community(selection, Community.id))
        .order_by(GridCell.code),
    )


def communities(user: User, selection: Selection) -> gpd.GeoDataFrame:
    return frame_of(
        COMMUNITIES,
        select(Community.code, Community.name, func.ST_AsBinary(Community.geom).label("wkb"))
        .where(
            Community.id.in_(scope.visible_community_ids(user)),
            in_community(selection, Community.id),
        )
        .order_by(Community.code),
    )


def buildings(user: User, selection: Selection) -> gpd.GeoDataFrame:
    kind = case(BUILDING_KIND_LABELS, value=Building.kind, else_=Building.kind)
    return frame_of(
        BUILDINGS,
        select(
            # the building's own code, or "#<id>": what an import of this file updates
            func.coalesce(
                func.nullif(Building.source_ref, ""), func.concat("#", Building.id)
            ).label("code"),
            Building.id.label("bldg_id"),  # DBF names: 10 characters at most
            Building.name,
            kind.label("kind"),
            GridCell.code.label("cell_code"),
            Building.levels,
            Building.households,
            Building.residents,
            func.ST_AsBinary(Building.geom).label("wkb"),
        )
        .join(GridCell, GridCell.id == Building.cell_id)
        .where(Building.id.in_(scope.visible_building_ids(user)))
        .where(in_community(selection, GridCell.community_id))
        .order_by(GridCell.code, Building.id),
    )


def service_points(user: User, selection: Selection) -> gpd.GeoDataFrame:
    kind = case(
        {k.value: v for k, v in SERVICE_KIND_LABELS.items()},
        value=ServicePoint.kind,
        else_=ServicePoint.kind,
    )
    return frame_of(
        SERVICE_POINTS,
        select(
            ServicePoint.name,
            kind.label("kind"),
            ServicePoint.address,
            ServicePoint.hours,
            scope.service_point_contact(user).label("contact"),
            func.array_to_string(ServicePoint.services, "、").label("services"),
            func.ST_AsBinary(ServicePoint.geom).label("wkb"),
        )
        .where(ServicePoint.id.in_(scope.visible_service_point_ids(user)))
        .where(in_community(selection, ServicePoint.community_id))
        .order_by(ServicePoint.kind, ServicePoint.name),
    )
