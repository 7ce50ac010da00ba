"""Organisation coverage of the cells a user may see, and its CSV/XLSX export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridapp.core.org_coverage import ITEM_LABELS, ITEMS, CellCoverage, by_community, summarise
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Community,
    GridCell,
    Member,
    PartyOrg,
    User,
    VolunteerTeam,
)
from gridapp.services import scope
from gridapp.services.scope import require_community, require_subdistrict

EXPORT_HEADER = [
    "社区",
    "网格编码",
    "网格名称",
    "户数",
    "党组织",
    "网格员",
    "服务队",
    "党员中心户",
    "缺少",
]


def cell_coverage(
    user: User, community_id: int | None = None, subdistrict_id: int | None = None
) -> list[CellCoverage]:
    """The visible cells (of one community or subdistrict when named: 404 unknown, 403
    outside the scope) with what answers for each."""
    session = db.session
    query = (
        select(GridCell, Community.name)
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)))
        .order_by(GridCell.code)
    )
    if community_id is not None:
        require_community(user, community_id)
        query = query.where(GridCell.community_id == community_id)
    if subdistrict_id is not None:
        require_subdistrict(user, subdistrict_id)
        query = query.where(Community.subdistrict_id == subdistrict_id)
    rows = session.execute(query).all()
    cells = {
        cell.id: CellCoverage(
            cell_id=cell.id,
            code=cell.code,
            name=cell.name,
            community_id=cell.community_id,
            community_name=community_name,
            households=cell.households,
        )
        for cell, community_name in rows
    }
    ids = list(cells)
    if not ids:
        return []
    # active assignments of each kind, by the name of what is assigned
    targets = (
        ("party_orgs", PartyOrg, CellAssignment.party_org_id, PartyOrg.name),
        ("workers", User, CellAssignment.user_id, User.display_name),
        ("teams", VolunteerTeam, CellAssignment.team_id, VolunteerTeam.name),
    )
    for attribute, model, column, label in targets:
        for cell_id, name in session.execute(
            select(CellAssignment.cell_id, label)
            .join(model, model.id == column)
            .where(CellAssignment.cell_id.in_(ids), CellAssignment.ended_at.is_(None))
            .order_by(model.id)
        ):
            getattr(cells[cell_id], attribute).append(name)
    for home_cell, name in session.execute(
        select(Building.cell_id, Member.name)
        .join(Member, Member.home_building_id == Building.id)
        .where(Building.cell_id.in_(ids), Member.is_hub.is_(True))
        .order_by(Member.id)
    ):
        if home_cell is not None:
            cells[home_cell].hubs.append(name)
    return list(cells.values())


def coverage_report(
    user: User, community_id: int | None = None, subdistrict_id: int | None = None
) -> dict[str, Any]:
    cells = cell_coverage(user, community_id, subdistrict_id)
    return {
        "items": [{"key": i, "label": ITEM_LABELS[i]} for i in ITEMS],
        "total": summarise("合计", cells).to_json(),
        "communities": [
            summary.to_json() | {"community_id": key} for key, summary in by_community(cells)
        ],
        "cells": [
            {
                "cell_id": c.cell_id,
                "code": c.code,
                "name": c.name,
                "community_id": c.community_id,
                "community_name": c.community_name,
                "households": c.households,
                "party_orgs": c.party_orgs,
                "workers": c.workers,
                "teams": c.teams,
                "hubs": len(c.hubs),
                "missing": c.missing,
                "blind_spot": c.blind_spot,
            }
            for c in cells
        ],
    }


def export_rows(user: User, community_id: int | None = None) -> list[list[Any]]:
    rows: list[list[Any]] = [EXPORT_HEADER]
    for c in cell_coverage(user, community_id):
        rows.append(
            [
                c.community_name,
                c.code,
                c.name,
                c.households,
                "、".join(c.party_orgs),
                "、".join(c.workers),
                "、".join(c.teams),
                len(c.hubs),
                "、".join(ITEM_LABELS[i] for i in c.missing),
            ]
        )
    return rows
