"""The map and charts of a report: geometries from the database, laid out by
``core.report_figures``; every number drawn is one of ``content.Figures``."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from gridapp.core.org_coverage import ITEMS
from gridapp.core.report_figures import (
    AreaInput,
    BarChart,
    MapFigure,
    MarkInput,
    map_figure,
    share_band,
    share_chart,
)
from gridapp.extensions import db
from gridapp.models import Community, GridCell
from gridapp.services.reports.content import Figures


def report_map(fig: Figures) -> MapFigure | None:
    """Cells coloured by the share of their households within reach, numbered as in the
    cells table and hatched when an organisation blind spot; community boundaries; stations
    and the homes outside every circle. None when the report has no cell."""
    if not fig.cells:
        return None
    geoms = _geometries(GridCell, [c["cell_id"] for c in fig.cells])
    areas = [
        AreaInput(
            c["cell_id"],
            geoms[c["cell_id"]],
            str(c["n"]),
            _cell_css(c),
        )
        for c in fig.cells
    ]
    community_ids = sorted({c["community_id"] for c in fig.cells})
    outlines = list(_geometries(Community, community_ids).values())
    marks = [
        MarkInput(shape(s["geometry"]), "station", f"{s['kind_label']}：{s['name']}")
        for s in fig.stations
    ] + [
        MarkInput(shape(g["geometry"]), "gap", f"服务圈外住宅：{g['properties']['households']} 户")
        for g in fig.gaps
    ]
    return map_figure(areas, outlines, marks)


def _cell_css(cell: dict[str, Any]) -> str:
    band = share_band(cell["share_households"] if cell["households"] else None)
    return f"band-{band}" + (" blind" if cell["blind_spot"] else "")


def _geometries(model: Any, ids: list[int]) -> dict[int, Any]:
    rows = db.session.execute(
        select(model.id, func.ST_AsBinary(model.geom)).where(model.id.in_(ids))
    ).all()
    return {i: shapely.from_wkb(wkb) for i, wkb in rows}


def charts(fig: Figures) -> list[BarChart]:
    """Organisation coverage per item; service coverage per community (a subdistrict) or
    per cell (a community)."""
    org = fig.organisation
    org_rows = [
        (
            org["items"][i]["label"],
            org["items"][i]["share"] if org["cells"] else None,
            f"{org['items'][i]['cells']}/{org['cells']} 个网格",
        )
        for i in ITEMS
    ]
    if fig.place.kind == "subdistrict":
        places = [(c["name"], c) for c in fig.communities]
        title = "各社区服务圈内户数占比"
    else:
        places = [(f"{c['n']}. {c['name']}", c) for c in fig.cells]
        title = "各网格服务圈内户数占比"
    service_rows = [
        (
            label,
            row["share_households"] if row["households"] else None,
            f"{row['households_covered']}/{row['households']} 户",
        )
        for label, row in places
    ]
    return [
        share_chart("组织覆盖：有该项的网格占比", org_rows),
        share_chart(title, service_rows),
    ]
