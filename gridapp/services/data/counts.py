"""住户统计 as a layer: per visible cell, its buildings, households and residents, and the
household records counted by the field journey's ``household_counts`` (the figures of
/api/households/counts): records, households in difficulty, 党员中心户. Counts only, never
a person, for every role that sees the cell (docs/SCOPE.md, 住户统计)."""

from __future__ import annotations

import geopandas as gpd
from sqlalchemy import func, select

from gridapp.core.layer_write import Layer
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, User
from gridapp.services import field
from gridapp.services.data.frames import Selection, frame, from_wkb

HOUSEHOLD_COUNTS = Layer(
    "household_counts",
    "住户统计",
    {"code": "网格编码", "name": "网格名称", "comm_code": "社区编码", "comm_name": "社区名称",
     "buildings": "楼栋数", "households": "户数", "residents": "人口",
     "registered": "登记住户数", "difficulty": "困难群众户数", "hubs": "党员中心户数"},
    "MultiPolygon",
    table=True,
)  # fmt: skip


def household_counts(user: User, selection: Selection) -> gpd.GeoDataFrame:
    counts = {
        c["cell_id"]: c for c in field.household_counts(user, selection.community_id)["cells"]
    }
    places = db.session.execute(
        select(
            GridCell.id,
            GridCell.households,
            GridCell.residents,
            Community.code,
            Community.name,
            func.count(Building.id),
            func.ST_AsBinary(GridCell.geom),
        )
        .join(Community, Community.id == GridCell.community_id)
        .outerjoin(Building, Building.cell_id == GridCell.id)
        .where(GridCell.id.in_(list(counts)))
        .group_by(GridCell.id, Community.id)
        .order_by(GridCell.code)
    ).all()
    rows = []
    for cell_id, households, residents, comm_code, comm_name, buildings, _ in places:
        c = counts[cell_id]
        rows.append(
            {
                "code": c["code"], "name": c["name"], "comm_code": comm_code,
                "comm_name": comm_name, "buildings": buildings, "households": households,
                "residents": residents, "registered": c["households"],
                "difficulty": c["in_difficulty"], "hubs": c["by_tag"]["party_centre"],
            }
        )  # fmt: skip
    return frame(HOUSEHOLD_COUNTS, rows, from_wkb(p[-1] for p in places))
