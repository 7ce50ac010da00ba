"""Read-only GeoJSON views of the map layers, filtered by scope and bounding box."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, null, select

from gridapp.core.errors import BadRequest
from gridapp.core.vocab import BUILDING_KIND_LABELS, SERVICE_KIND_LABELS, STREET_KIND_LABELS
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, ServicePoint, StreetEdge, User
from gridapp.services import scope
from gridapp.services.queries import AnySelect

GEOJSON_DIGITS = 7  # ~1 cm at these latitudes


_NUMBER = r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"
BBOX_PATTERN = rf"{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}"


@dataclass(frozen=True)
class BBox:
    minx: float
    miny: float
    maxx: float
    maxy: float

    @classmethod
    def parse(cls, text: str | None) -> BBox | None:
        """Parse "minLon,minLat,maxLon,maxLat" (EPSG:4326); None when absent."""
        if text is None or text == "":
            return None
        if re.fullmatch(BBOX_PATTERN, text, flags=re.ASCII) is None:
            raise BadRequest("bbox 参数格式错误：应为 4 个数字 最小经度,最小纬度,最大经度,最大纬度")
        minx, miny, maxx, maxy = (float(p) for p in text.split(","))
        if not (
            -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
        ):
            raise BadRequest("bbox 超出经纬度范围 (EPSG:4326)")
        if minx >= maxx or miny >= maxy:
            raise BadRequest("bbox 无效：最小值必须小于最大值")
        return cls(minx, miny, maxx, maxy)

    def intersects(self, geom: Any) -> ColumnElement[bool]:
        envelope = func.ST_MakeEnvelope(self.minx, self.miny, self.maxx, self.maxy, 4326)
        return geom.ST_Intersects(envelope)


def feature_collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _features(query: AnySelect, geom: Any, props: Sequence[str]) -> list[dict[str, Any]]:
    rows = db.session.execute(query.add_columns(func.ST_AsGeoJSON(geom, GEOJSON_DIGITS))).all()
    out = []
    for row in rows:
        *values, geometry = row
        properties = dict(zip(props, values, strict=True))
        out.append(
            {
                "type": "Feature",
                "id": properties["id"],
                "geometry": json.loads(geometry),
                "properties": properties,
            }
        )
    return out


def _bbox_filter(query: AnySelect, geom: Any, bbox: BBox | None) -> AnySelect:
    return query if bbox is None else query.where(bbox.intersects(geom))


# --- communities -------------------------------------------------------------------------

_COMMUNITY_PROPS = ("id", "code", "name", "subdistrict_id", "cell_count", "households", "residents")


def _community_query(user: User) -> AnySelect:
    cells = (
        select(
            GridCell.community_id,
            func.count().label("n"),
            func.sum(GridCell.households).label("hh"),
            func.sum(GridCell.residents).label("res"),
        )
        .where(GridCell.id.in_(scope.visible_cell_ids(user)))
        .group_by(GridCell.community_id)
        .subquery()
    )
    return (
        select(
            Community.id,
            Community.code,
            Community.name,
            Community.subdistrict_id,
            func.coalesce(cells.c.n, 0),
            func.coalesce(cells.c.hh, 0),
            func.coalesce(cells.c.res, 0),
        )
        .outerjoin(cells, cells.c.community_id == Community.id)
        .where(Community.id.in_(scope.visible_community_ids(user)))
        .order_by(Community.code)
    )


def communities(user: User, bbox: BBox | None) -> dict[str, Any]:
    query = _bbox_filter(_community_query(user), Community.geom, bbox)
    return feature_collection(_features(query, Community.geom, _COMMUNITY_PROPS))


def community(user: User, community_id: int) -> dict[str, Any]:
    _require_visible(user, Community, community_id, scope.visible_community_ids(user))
    query = _community_query(user).where(Community.id == community_id)
    return _features(query, Community.geom, _COMMUNITY_PROPS)[0]


# --- cells -------------------------------------------------------------------------------

_CELL_PROPS = (
    "id",
    "code",
    "name",
    "community_id",
    "community_name",
    "households",
    "residents",
    "version",
)


def _cell_query(user: User) -> AnySelect:
    return (
        select(
            GridCell.id,
            GridCell.code,
            GridCell.name,
            GridCell.community_id,
            Community.name,
            GridCell.households,
            GridCell.residents,
            GridCell.version,
        )
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)))
        .order_by(GridCell.code)
    )


def cells(user: User, bbox: BBox | None, community_id: int | None = None) -> dict[str, Any]:
    query = _bbox_filter(_cell_query(user), GridCell.geom, bbox)
    if community_id is not None:
        _require_visible(user, Community, community_id, scope.visible_community_ids(user))
        query = query.where(GridCell.community_id == community_id)
    return feature_collection(_features(query, GridCell.geom, _CELL_PROPS))


def cell(user: User, cell_id: int) -> dict[str, Any]:
    _require_visible(user, GridCell, cell_id, scope.visible_cell_ids(user))
    query = _cell_query(user).where(GridCell.id == cell_id)
    return _features(query, GridCell.geom, _CELL_PROPS)[0]


# --- service points ----------------------------------------------------------------------

_SERVICE_PROPS = (
    "id",
    "kind",
    "name",
    "address",
    "hours",
    "contact",
    "services",
    "community_id",
    "cell_id",
)


def _service_query(user: User) -> AnySelect:
    """Service points are public places: every point of the user's subdistricts, with its
    contact and community only when it lies in one of the user's communities, its cell
    only when the user sees that cell."""
    own = ServicePoint.community_id.in_(scope.visible_community_ids(user))
    return (
        select(
            ServicePoint.id,
            ServicePoint.kind,
            ServicePoint.name,
            ServicePoint.address,
            ServicePoint.hours,
            scope.service_point_contact(user),
            ServicePoint.services,
            case((own, ServicePoint.community_id), else_=null()),
            case(
                (ServicePoint.cell_id.in_(scope.visible_cell_ids(user)), ServicePoint.cell_id),
                else_=null(),
            ),
        )
        .where(ServicePoint.id.in_(scope.visible_service_point_ids(user)))
        .order_by(ServicePoint.id)
    )


def _with_kind_label(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for f in features:
        f["properties"]["kind_label"] = SERVICE_KIND_LABELS.get(f["properties"]["kind"], "")
    return features


def service_points(user: User, bbox: BBox | None, kinds: Sequence[str] = ()) -> dict[str, Any]:
    query = _bbox_filter(_service_query(user), ServicePoint.geom, bbox)
    if kinds:
        query = query.where(ServicePoint.kind.in_(list(kinds)))
    features = _features(query, ServicePoint.geom, _SERVICE_PROPS)
    return feature_collection(_with_kind_label(features))


def service_point(user: User, point_id: int) -> dict[str, Any]:
    visible = scope.visible_service_point_ids(user)
    _require_visible(user, ServicePoint, point_id, visible)
    query = _service_query(user).where(ServicePoint.id == point_id)
    return _with_kind_label(_features(query, ServicePoint.geom, _SERVICE_PROPS))[0]


# --- buildings and streets (base layer) ------------------------------------------------

_BUILDING_PROPS = ("id", "kind", "name", "levels", "households", "residents", "cell_id")


def buildings(user: User, bbox: BBox | None) -> dict[str, Any]:
    query = select(
        Building.id,
        Building.kind,
        Building.name,
        Building.levels,
        Building.households,
        Building.residents,
        Building.cell_id,
    ).where(Building.cell_id.in_(scope.visible_cell_ids(user)))
    query = _bbox_filter(query.order_by(Building.id), Building.geom, bbox)
    features = _features(query, Building.geom, _BUILDING_PROPS)
    for f in features:
        f["properties"]["kind_label"] = BUILDING_KIND_LABELS.get(f["properties"]["kind"], "")
    return feature_collection(features)


_STREET_PROPS = ("id", "kind", "name", "length_m")


def streets(user: User, bbox: BBox | None) -> dict[str, Any]:
    extent = (
        select(func.ST_Extent(Community.geom))
        .where(Community.id.in_(scope.visible_community_ids(user)))
        .scalar_subquery()
    )
    query = (
        select(StreetEdge.id, StreetEdge.kind, StreetEdge.name, StreetEdge.length_m)
        .where(StreetEdge.subdistrict_id.in_(scope.visible_subdistrict_ids(user)))
        .where(StreetEdge.geom.ST_Intersects(func.ST_SetSRID(extent, 4326)))
        .order_by(StreetEdge.id)
    )
    query = _bbox_filter(query, StreetEdge.geom, bbox)
    features = _features(query, StreetEdge.geom, _STREET_PROPS)
    for f in features:
        f["properties"]["kind_label"] = STREET_KIND_LABELS.get(f["properties"]["kind"], "")
    return feature_collection(features)


def extent(user: User) -> list[float] | None:
    """[minLon, minLat, maxLon, maxLat] of the user's visible cells, or None."""
    box = db.session.execute(
        select(
            func.ST_XMin(func.ST_Extent(GridCell.geom)),
            func.ST_YMin(func.ST_Extent(GridCell.geom)),
            func.ST_XMax(func.ST_Extent(GridCell.geom)),
            func.ST_YMax(func.ST_Extent(GridCell.geom)),
        ).where(GridCell.id.in_(scope.visible_cell_ids(user)))
    ).one()
    return None if box[0] is None else [float(v) for v in box]


def _require_visible(user: User, model: Any, row_id: int, visible: Select[int]) -> None:
    scope.require_visible(model, row_id, visible, _LABELS.get(model, "记录"))


_LABELS = {Community: "社区", GridCell: "网格", ServicePoint: "服务阵地"}
