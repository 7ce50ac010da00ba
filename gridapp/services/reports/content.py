"""The figures of a report, taken from the coverage services as they answer the API.

Service coverage (工作覆盖) is ``services.coverage.report`` on the subdistrict's walking
network at the configured walk (WALK_MINUTES at WALK_SPEED_KMH); organisation coverage
(组织覆盖) is ``services.organisations.coverage``. A report joins their rows per cell and
keeps counts only: the names of the party organisations, workers, teams and 党员中心户 the
coverage rows carry are dropped here, and no household is ever read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app

from gridapp.core.clock import local_today
from gridapp.core.org_coverage import ITEM_LABELS, ITEMS
from gridapp.core.vocab import ROLE_LABELS, Role
from gridapp.models import User
from gridapp.services.coverage import report as sc
from gridapp.services.organisations.coverage import coverage_report
from gridapp.services.reports import access


@dataclass(frozen=True)
class Place:
    kind: str  # "subdistrict" | "community"
    id: int
    code: str
    name: str
    subdistrict_id: int
    subdistrict_name: str

    @property
    def title(self) -> str:
        return self.name if self.kind == "subdistrict" else f"{self.subdistrict_name}{self.name}"


def subdistrict_place(user: User, subdistrict_id: int) -> Place:
    sub = access.subdistrict(user, subdistrict_id)
    return Place("subdistrict", sub.id, sub.code, sub.name, sub.id, sub.name)


def community_place(user: User, community_id: int) -> Place:
    c = access.community(user, community_id)
    sub = c.subdistrict
    return Place("community", c.id, c.code, c.name, sub.id, sub.name)


def walk_params() -> sc.Params:
    config = current_app.config
    return sc.Params(
        minutes=float(config["WALK_MINUTES"]), speed_kmh=float(config["WALK_SPEED_KMH"])
    )


@dataclass
class Figures:
    """Everything a report prints, and what its map needs from the coverage run."""

    place: Place
    day: date
    author: str
    params: dict[str, Any]
    cells: list[dict[str, Any]]
    communities: list[dict[str, Any]]
    organisation: dict[str, Any]
    service: dict[str, Any]
    org_blind_spots: list[dict[str, Any]]
    service_blind_spots: list[dict[str, Any]]
    stations: list[dict[str, Any]]  # the listed stations of the subdistrict (GeoJSON points)
    gaps: list[dict[str, Any]]  # homes outside every circle in the report's cells (GeoJSON)


def figures(user: User, place: Place, today: date | None = None) -> Figures:
    net, cov = sc.compute(user, place.subdistrict_id, walk_params())
    service = sc.report(user, net, cov)
    if place.kind == "subdistrict":
        org = coverage_report(user, subdistrict_id=place.id)
        shown = service["cells"]
    else:
        org = coverage_report(user, community_id=place.id)
        shown = [c for c in service["cells"] if c["community_id"] == place.id]
    org_cells = {c["cell_id"]: c for c in org["cells"]}
    cells = [_cell_row(n, c, org_cells[c["cell_id"]]) for n, c in enumerate(shown, start=1)]
    ids = {c["cell_id"] for c in cells}
    gaps = [f for f in sc.gaps(user, net, cov)["features"] if f["properties"]["cell_id"] in ids]
    return Figures(
        place=place,
        day=today or local_today(),
        author=f"{user.display_name}（{ROLE_LABELS[Role(user.role)]}）",
        params=service["params"],
        cells=cells,
        communities=_community_rows(service["communities"], org["communities"]),
        organisation=org["total"],
        service=sc.cells_summary(net, cov, sorted(ids)),
        org_blind_spots=[c for c in cells if c["blind_spot"]],
        service_blind_spots=[c for c in cells if c["uncovered_buildings"]],
        stations=service["stations"],
        gaps=gaps,
    )


def _cell_row(n: int, service: dict[str, Any], org: dict[str, Any]) -> dict[str, Any]:
    """One cell: the service figures, and what answers for it as counts (never names)."""
    return {
        "n": n,
        "cell_id": service["cell_id"],
        "code": service["code"],
        "name": service["name"],
        "community_id": service["community_id"],
        "community_name": service["community_name"],
        "households": service["households"],
        "residents": service["residents"],
        "households_covered": service["households_covered"],
        "residents_covered": service["residents_covered"],
        "households_outside": service["households"] - service["households_covered"],
        "residents_outside": service["residents"] - service["residents_covered"],
        "share_households": service["share_households"],
        "uncovered_buildings": service["uncovered_buildings"],
        "party_orgs": len(org["party_orgs"]),
        "workers": len(org["workers"]),
        "teams": len(org["teams"]),
        "hubs": org["hubs"],
        "missing": [ITEM_LABELS[i] for i in org["missing"]],
        "blind_spot": org["blind_spot"],
    }


def _community_rows(
    service: list[dict[str, Any]], org: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per community: its service figures and its organisation summary, in cell-code order."""
    by_id = {c["community_id"]: c for c in service}
    return [
        {
            "community_id": o["community_id"],
            "name": o["label"],
            "cells": o["cells"],
            "blind_spots": o["blind_spots"],
            "with_item": {i: o["items"][i]["cells"] for i in ITEMS},
            **{k: by_id[o["community_id"]][k] for k in _SERVICE_KEYS},
        }
        for o in org
    ]


_SERVICE_KEYS = ("households", "residents", "households_covered", "residents_covered",
                 "share_households", "share_residents")  # fmt: skip
