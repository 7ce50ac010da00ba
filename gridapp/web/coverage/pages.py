"""The 15分钟服务圈 page (/service, work coverage 工作覆盖): circles, coverage per cell and
community next to the organisation coverage, gaps, what-if stations and suggested sites;
every figure comes from the API."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from gridapp.core.coverage import MAX_MINUTES, MAX_SPEED, MIN_MINUTES, MIN_SPEED
from gridapp.core.vocab import BUILDING_KIND_LABELS, SITE_BUILDING_KINDS, service_kind_legend
from gridapp.services.places import subdistrict_choices
from gridapp.web.common import BASE_DATA
from gridapp.web.mapframe import page_map

bp = Blueprint("coverage", __name__)

# Layer groups of the page's map (key, name in the layer control), bottom to top as listed;
# the API routes its scripts read.
PAGE_OVERLAYS = (
    ("streets", "道路"),
    ("cells", "网格覆盖率"),
    ("buildings", "建筑"),
    ("communities", "社区"),
    ("circles", "服务圈"),
    ("gaps", "盲点（未覆盖住宅）"),
    ("stations", "服务阵地"),
    ("scenario", "假设站点"),
    ("suggestions", "建议新站点"),
)
PAGE_API = {
    **BASE_DATA,
    "coverage": "coverage_api.coverage",
    "gaps": "coverage_api.gaps",
    "circles": "coverage_api.circles",
    "what_if": "coverage_api.what_if",
    "suggest": "coverage_api.suggest",
    "export": "coverage_api.export",
    "organisation": "organisations_api.organisation_coverage",
}


@bp.get("/service")
def page() -> str:
    """15分钟服务圈: circles, coverage per cell and community next to the organisation
    coverage, gaps, what-if stations and suggested sites; every figure comes from the API."""
    return render_template(
        "coverage/index.html",
        map_parts=page_map(PAGE_OVERLAYS),
        api_urls={key: url_for(endpoint) for key, endpoint in PAGE_API.items()},
        service_kinds=service_kind_legend(),
        subdistricts=subdistrict_choices(current_user),
        building_kinds=[{"kind": k, "label": BUILDING_KIND_LABELS[k]} for k in SITE_BUILDING_KINDS],
        limits={"minutes": [MIN_MINUTES, MAX_MINUTES], "speed": [MIN_SPEED, MAX_SPEED]},
    )
