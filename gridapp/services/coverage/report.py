"""Work coverage (工作覆盖) on the walking network: who lies within a walk of a station.

The walking graph of a subdistrict (street edges + every building snapped onto its
nearest edge) is built once and cached in the process; the cache key changes when the
streets or buildings are re-imported, so the graph is rebuilt then. Which cell each
building is in changes with boundary edits, which bump the versions of the cells they
touch: then only the buildings' cell ids are re-read, the graph stays. Service points are
joined to it per request (they are few and may change), exactly on their split edge.

Every station counts for coverage, but only the stations the user may read
(``scope.visible_service_point_ids``, the rule of /api/service-points) are listed: a home in
the user's cells is covered by a station across the border of their scope all the same.
Circles are in ``circles``, what-if and site suggestions in ``planning``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, mapping
from sqlalchemy import func, select

from gridapp.core.coverage import MAX_SNAP_M, point_coverage, walk_limit
from gridapp.core.errors import BadRequest, Forbidden, NotFound
from gridapp.core.vocab import SERVICE_KIND_LABELS, ServiceKind
from gridapp.extensions import db
from gridapp.models import (
    Community,
    GridCell,
    ServicePoint,
    Subdistrict,
    User,
)
from gridapp.services import scope
from gridapp.services.coverage.network import Network, network

OFF_NETWORK_M = 50.0
EXPORT_HEADER = ["社区", "网格编码", "网格名称", "户数", "覆盖户数", "户数覆盖率", "人口",
                 "覆盖人口", "人口覆盖率", "未覆盖楼栋"]  # fmt: skip


@dataclass
class Params:
    minutes: float = 15
    speed_kmh: float = 4.0
    kinds: list[str] = field(default_factory=list)  # empty = every kind
    off_network_m: float = OFF_NETWORK_M

    @property
    def limit(self) -> float:
        return walk_limit(self.minutes, self.speed_kmh)

    def check(self) -> None:
        _ = self.limit
        unknown = [k for k in self.kinds if k not in {s.value for s in ServiceKind}]
        if unknown:
            raise BadRequest(f"未知的服务阵地类型：{'、'.join(unknown)}")
        if not 0 <= self.off_network_m <= 200:
            raise BadRequest("离开道路的步行距离应在 0–200 米之间")


@dataclass
class Station:
    id: int | None  # None for a hypothetical station
    kind: str
    name: str
    point: Point  # metric
    listed: bool = True  # False: counts for coverage, but the user may not read it


def require_readable(
    named: Sequence[int], known: dict[int | None, Station], place: str = "该街道"
) -> None:
    """The stations a request names: 404 for ids not among ``known`` (the stations of
    ``place``), then 403 for those the user may not read (as at /api/service-points/<id>)."""
    unknown = [i for i in named if i not in known]
    if unknown:
        raise NotFound(f"{place}没有编号为 {unknown} 的服务阵地")
    hidden = [i for i in named if not known[i].listed]
    if hidden:
        raise Forbidden(f"您无权查看编号为 {'、'.join(map(str, hidden))} 的服务阵地")


def subdistrict_for(user: User, subdistrict_id: int | None) -> int:
    subs = list(db.session.scalars(scope.visible_subdistrict_ids(user).distinct()))
    if subdistrict_id is not None:
        if subdistrict_id not in subs:
            if db.session.get(Subdistrict, subdistrict_id) is None:
                raise NotFound(f"未找到编号为 {subdistrict_id} 的街道")
            raise Forbidden("该街道不在您的管辖范围内")
        return subdistrict_id
    if not subs:
        raise Forbidden("您没有可查看的街道")
    return min(subs)


def stations(net: Network, subdistrict_id: int, kinds: Sequence[str], user: User) -> list[Station]:
    """Every station of the subdistrict (of ``kinds``; none = all), each marked whether
    ``user`` may read it."""
    query = select(
        ServicePoint.id,
        ServicePoint.kind,
        ServicePoint.name,
        func.ST_AsBinary(ServicePoint.geom),
        ServicePoint.id.in_(scope.visible_service_point_ids(user)),
    ).where(ServicePoint.subdistrict_id == subdistrict_id)
    if kinds:
        query = query.where(ServicePoint.kind.in_(list(kinds)))
    rows = db.session.execute(query.order_by(ServicePoint.id)).all()
    points = net.proj.to_metric(shapely.from_wkb(np.array([r[3] for r in rows], dtype=object)))
    return [
        Station(i, k, n, p, bool(listed))
        for (i, k, n, _, listed), p in zip(rows, points, strict=True)
    ]


def _distances(net: Network, points: Sequence[Point], limit: float) -> tuple[np.ndarray, list[int]]:
    """Distance of every building point to the nearest of ``points``; and the indices of
    points too far from every street to use."""
    if not points:
        return np.full(len(net.building_ids), np.inf), []
    snaps = net.graph.snap(points)
    usable = [i for i, s in enumerate(snaps) if s.offset <= MAX_SNAP_M]
    off = [i for i in range(len(points)) if i not in usable]
    if not usable:
        return np.full(len(net.building_ids), np.inf), off
    extra = net.graph.with_points([points[i] for i in usable], [snaps[i] for i in usable])
    dist = net.graph.distances(extra.nodes, limit=limit, matrix=extra.matrix)
    return point_coverage(net.graph, dist, limit).distance, off


@dataclass
class Coverage:
    params: Params
    subdistrict_id: int
    distance: np.ndarray  # per building (inf = unreached within the limit)
    covered: np.ndarray
    stations: list[Station]
    off_network: list[Station]


def compute(
    user: User, subdistrict_id: int | None, params: Params, scenario: Any = None
) -> tuple[Network, Coverage]:
    params.check()
    sub_id = subdistrict_for(user, subdistrict_id)
    net = network(sub_id)
    st = stations(net, sub_id, params.kinds, user)
    if scenario is not None:
        st = scenario.apply(st, net)
    return net, coverage_of(net, sub_id, params, st)


def coverage_of(net: Network, sub_id: int, params: Params, st: list[Station]) -> Coverage:
    distance, off = _distances(net, [s.point for s in st], params.limit)
    covered = distance <= params.limit
    return Coverage(
        params,
        sub_id,
        distance,
        covered,
        [s for i, s in enumerate(st) if i not in off],
        [st[i] for i in off],
    )


def visible_cells(user: User, subdistrict_id: int) -> dict[int, tuple[str, str, int, str]]:
    rows = db.session.execute(
        select(GridCell.id, GridCell.code, GridCell.name, Community.id, Community.name)
        .join(Community, Community.id == GridCell.community_id)
        .where(
            Community.subdistrict_id == subdistrict_id,
            GridCell.id.in_(scope.visible_cell_ids(user)),
        )
        .order_by(GridCell.code)
    ).all()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def report(user: User, net: Network, cov: Coverage) -> dict[str, Any]:
    """Per cell, per community and overall: households and residents within reach; the
    stations counted that the user may read (the others only as a number)."""
    cells = visible_cells(user, cov.subdistrict_id)
    visible = np.isin(net.cell_ids, list(cells))
    ids = np.array(list(cells), dtype=np.int64)
    order = np.argsort(ids)
    row = np.full(len(net.cell_ids), len(ids))  # index into ``ids``; len(ids) = not visible
    hit = visible & (net.cell_ids >= 0)
    row[hit] = order[np.searchsorted(ids, net.cell_ids[hit], sorter=order)]
    homes_gap = ~cov.covered & (net.households > 0)

    def per(values: np.ndarray) -> np.ndarray:
        return np.bincount(row, weights=values, minlength=len(ids) + 1)[: len(ids)]

    sums = np.column_stack(
        [
            per(net.households),
            per(net.residents),
            per(np.where(cov.covered, net.households, 0.0)),
            per(np.where(cov.covered, net.residents, 0.0)),
            per(homes_gap.astype(float)),
        ]
    )
    per_cell = {int(c): sums[i].tolist() for i, c in enumerate(ids)}
    cell_rows = []
    communities: dict[int, dict[str, Any]] = {}
    for cid, (code, name, comm_id, comm_name) in cells.items():
        hh, res, hh_c, res_c, gaps = per_cell[cid]
        cell_rows.append(
            {
                "cell_id": cid, "code": code, "name": name, "community_id": comm_id,
                "community_name": comm_name, "households": int(hh), "residents": int(res),
                "households_covered": int(hh_c), "residents_covered": int(res_c),
                "share_households": share(hh_c, hh), "share_residents": share(res_c, res),
                "uncovered_buildings": int(gaps),
            }
        )  # fmt: skip
        c = communities.setdefault(
            comm_id, {"community_id": comm_id, "name": comm_name, "households": 0, "residents": 0,
                      "households_covered": 0, "residents_covered": 0}
        )  # fmt: skip
        c["households"] += int(hh)
        c["residents"] += int(res)
        c["households_covered"] += int(hh_c)
        c["residents_covered"] += int(res_c)
    for c in communities.values():
        c["share_households"] = share(c["households_covered"], c["households"])
        c["share_residents"] = share(c["residents_covered"], c["residents"])
    return {
        "params": {
            "minutes": cov.params.minutes,
            "speed_kmh": cov.params.speed_kmh,
            "distance_m": round(cov.params.limit, 1),
            "kinds": cov.params.kinds,
            "subdistrict_id": cov.subdistrict_id,
        },
        "summary": _summary(net, cov, visible),
        "communities": list(communities.values()),
        "cells": cell_rows,
        "stations": [_station_json(net, s) for s in cov.stations if s.listed],
        "off_network": [_station_json(net, s) for s in cov.off_network if s.listed],
        "stations_outside_scope": sum(not s.listed for s in cov.stations),
    }


def export_rows(user: User, net: Network, cov: Coverage) -> list[list[Any]]:
    """The cells of ``report`` as a table (header first), for the CSV/XLSX export."""
    rows: list[list[Any]] = [EXPORT_HEADER]
    for c in report(user, net, cov)["cells"]:
        rows.append(
            [c["community_name"], c["code"], c["name"], c["households"], c["households_covered"],
             c["share_households"], c["residents"], c["residents_covered"], c["share_residents"],
             c["uncovered_buildings"]]
        )  # fmt: skip
    return rows


def cells_summary(net: Network, cov: Coverage, cell_ids: Sequence[int]) -> dict[str, Any]:
    """The figures of ``report``'s summary for some of its cells (e.g. one community's)."""
    return _summary(net, cov, np.isin(net.cell_ids, list(cell_ids)))


def _summary(net: Network, cov: Coverage, visible: np.ndarray) -> dict[str, Any]:
    hh = float(net.households[visible].sum())
    res = float(net.residents[visible].sum())
    hh_c = float(net.households[visible & cov.covered].sum())
    res_c = float(net.residents[visible & cov.covered].sum())
    homes = visible & (net.households > 0)
    return {
        "households": int(hh), "residents": int(res),
        "households_covered": int(hh_c), "residents_covered": int(res_c),
        "share_households": share(hh_c, hh), "share_residents": share(res_c, res),
        "buildings": int(homes.sum()), "buildings_uncovered": int((homes & ~cov.covered).sum()),
    }  # fmt: skip


def _station_json(net: Network, s: Station) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": s.kind,
        "kind_label": SERVICE_KIND_LABELS.get(ServiceKind(s.kind), s.kind)
        if s.kind in {k.value for k in ServiceKind}
        else s.kind,
        "name": s.name,
        "geometry": mapping(net.proj.to_lonlat(s.point)),
    }


def gaps(user: User, net: Network, cov: Coverage) -> dict[str, Any]:
    """Homes outside every circle (盲点), as GeoJSON points with their distance."""
    cells = visible_cells(user, cov.subdistrict_id)
    mask = np.isin(net.cell_ids, list(cells)) & ~cov.covered & (net.households > 0)
    index = np.flatnonzero(mask)
    # one vectorised projection for all of them (not one call per point)
    where = net.proj.to_lonlat(np.array(net.building_points, dtype=object)[index])
    features = []
    for i, point in zip(index, where, strict=True):
        d = cov.distance[i]
        features.append(
            {
                "type": "Feature",
                "id": int(net.building_ids[i]),
                "geometry": mapping(point),
                "properties": {
                    "building_id": int(net.building_ids[i]),
                    "cell_id": int(net.cell_ids[i]),
                    "households": int(net.households[i]),
                    "residents": int(net.residents[i]),
                    "distance_m": None if not np.isfinite(d) else round(float(d), 1),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
