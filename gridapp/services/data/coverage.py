"""The coverage tables the app shows, as layers of places (docs/SCOPE.md):

- 组织覆盖 (``org_coverage``): per visible cell, its party organisations, grid workers,
  teams and 党员中心户, what it lacks and whether it is a 盲点 — the rows of
  ``services.organisations.coverage`` (/coverage, /api/coverage/organisation);
- 工作覆盖 (``service_coverage``): per visible cell, households and residents within the
  walk of a station — the cells of ``services.coverage.report`` (/service,
  /api/coverage/service);
- 服务盲点 (``service_gaps``): the homes of visible cells outside every circle, as points —
  ``report.gaps`` (/api/coverage/service/gaps).

The headers of the sheets are those of the app's CSV/XLSX downloads of the same tables.
Work coverage is computed per subdistrict, as on /service: the selected community's, or
each of the user's subdistricts in turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
from shapely.geometry import shape
from sqlalchemy import func, select

from gridapp.core.layer_write import Layer
from gridapp.core.org_coverage import ITEM_LABELS
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, User
from gridapp.services import scope
from gridapp.services.coverage import report as sc
from gridapp.services.data.frames import Selection, frame, from_wkb
from gridapp.services.organisations import coverage as oc

ORG_COVERAGE = Layer(
    "org_coverage",
    "组织覆盖",
    dict(
        zip(
            ["comm_name", "code", "name", "households", "party_orgs", "workers", "teams",
             "hubs", "missing"],
            oc.EXPORT_HEADER,
            strict=True,
        ),
        blind_spot="盲点",
    ),
    "MultiPolygon",
    table=True,
)  # fmt: skip
SERVICE_COVERAGE = Layer(
    "service_coverage",
    "工作覆盖",
    dict(
        zip(
            ["comm_name", "code", "name", "households", "hh_covered", "hh_share", "residents",
             "res_cov", "res_share", "gap_bldgs"],
            sc.EXPORT_HEADER,
            strict=True,
        )
    ),
    "MultiPolygon",
    table=True,
)  # fmt: skip
SERVICE_GAPS = Layer(
    "service_gaps",
    "服务盲点",
    {"bldg_id": "楼栋编号", "name": "楼栋名称", "cell_code": "网格编码",
     "cell_name": "网格名称", "comm_name": "社区", "households": "户数", "residents": "人口",
     "distance_m": "到最近服务阵地的步行距离（米）"},
    "Point",
    table=True,
)  # fmt: skip


def org_coverage(user: User, selection: Selection) -> gpd.GeoDataFrame:
    cells = oc.cell_coverage(user, selection.community_id)
    rows = [
        {
            "comm_name": c.community_name, "code": c.code, "name": c.name,
            "households": c.households, "party_orgs": "、".join(c.party_orgs),
            "workers": "、".join(c.workers), "teams": "、".join(c.teams), "hubs": len(c.hubs),
            "missing": "、".join(ITEM_LABELS[i] for i in c.missing),
            "blind_spot": "是" if c.blind_spot else "否",
        }
        for c in cells
    ]  # fmt: skip
    return frame(ORG_COVERAGE, rows, _cell_shapes([c.cell_id for c in cells]))


def service_coverage(user: User, selection: Selection) -> gpd.GeoDataFrame:
    cells = [
        c
        for net, cov in _coverages(user, selection)
        for c in sc.report(user, net, cov)["cells"]
        if selection.community_id in (None, c["community_id"])
    ]
    rows = [
        {
            "comm_name": c["community_name"], "code": c["code"], "name": c["name"],
            "households": c["households"], "hh_covered": c["households_covered"],
            "hh_share": c["share_households"], "residents": c["residents"],
            "res_cov": c["residents_covered"], "res_share": c["share_residents"],
            "gap_bldgs": c["uncovered_buildings"],
        }
        for c in cells
    ]  # fmt: skip
    return frame(SERVICE_COVERAGE, rows, _cell_shapes([c["cell_id"] for c in cells]))


def service_gaps(user: User, selection: Selection) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    points = []
    for net, cov in _coverages(user, selection):
        cells = sc.visible_cells(user, cov.subdistrict_id)
        for gap in sc.gaps(user, net, cov)["features"]:
            p = gap["properties"]
            code, name, community_id, community_name = cells[p["cell_id"]]
            if selection.community_id in (None, community_id):
                rows.append(
                    {
                        "bldg_id": p["building_id"], "cell_code": code, "cell_name": name,
                        "comm_name": community_name, "households": p["households"],
                        "residents": p["residents"], "distance_m": p["distance_m"],
                    }
                )  # fmt: skip
                points.append(shape(gap["geometry"]))
    names = dict(
        db.session.execute(
            select(Building.id, Building.name).where(Building.id.in_([r["bldg_id"] for r in rows]))
        ).all()
    )
    return frame(SERVICE_GAPS, [r | {"name": names[r["bldg_id"]]} for r in rows], points)


def _coverages(user: User, selection: Selection) -> Iterator[tuple[sc.Network, sc.Coverage]]:
    """Work coverage of the selected community's subdistrict, or of each of the user's."""
    if selection.community_id is not None:
        subdistricts = [db.session.get_one(Community, selection.community_id).subdistrict_id]
    else:
        subdistricts = sorted(db.session.scalars(scope.visible_subdistrict_ids(user).distinct()))
    for subdistrict_id in subdistricts:
        yield sc.compute(user, subdistrict_id, selection.walk)


def _cell_shapes(ids: list[int]) -> list[Any]:
    """The outlines of these cells, in this order."""
    shapes: dict[int, bytes] = dict(
        db.session.execute(
            select(GridCell.id, func.ST_AsBinary(GridCell.geom)).where(GridCell.id.in_(ids))
        ).all()
    )
    return from_wkb(shapes[i] for i in ids)
