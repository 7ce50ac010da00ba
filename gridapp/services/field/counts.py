"""Household counts per cell and community, by tag (困难群众 and 党员户): for every role,
within the cells they see — never a name, so coordinators and everyone else can plan with
them (docs/SCOPE.md, 住户). A community's figures count only the user's visible cells."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from gridapp.core.vocab import DIFFICULTY_TAGS, HOUSEHOLD_TAG_LABELS, HOUSEHOLD_TAGS
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, Household, Subdistrict, User
from gridapp.services import scope


def household_counts(
    user: User, community_id: int | None = None, subdistrict_id: int | None = None
) -> dict[str, Any]:
    """Counts of the visible cells (of one community or subdistrict when named)."""
    cells = select(GridCell.id).where(GridCell.id.in_(scope.visible_cell_ids(user)))
    if community_id is not None:
        scope.require_visible(Community, community_id, scope.visible_community_ids(user), "社区")
        cells = cells.where(GridCell.community_id == community_id)
    if subdistrict_id is not None:
        scope.require_visible(
            Subdistrict, subdistrict_id, scope.visible_subdistrict_ids(user), "街道"
        )
        cells = cells.where(
            GridCell.community_id.in_(
                select(Community.id).where(Community.subdistrict_id == subdistrict_id)
            )
        )
    difficulty = or_(*(Household.tags.contains([t]) for t in DIFFICULTY_TAGS))
    rows = db.session.execute(
        select(
            GridCell.id,
            GridCell.code,
            GridCell.name,
            GridCell.community_id,
            func.count(Household.id),
            _count_where(difficulty),
            *(_count_where(Household.tags.contains([t])) for t in HOUSEHOLD_TAGS),
        )
        .outerjoin(Building, Building.cell_id == GridCell.id)
        .outerjoin(Household, Household.building_id == Building.id)
        .where(GridCell.id.in_(cells))
        .group_by(GridCell.id)
        .order_by(GridCell.code)
    ).all()
    out_cells = [
        {
            "cell_id": cell_id,
            "code": code,
            "name": name,
            "community_id": community,
            **_figures(total, hard, by_tag),
        }
        for cell_id, code, name, community, total, hard, *by_tag in rows
    ]
    return {
        "tags": [
            {"key": t, "label": HOUSEHOLD_TAG_LABELS[t], "difficulty": t in DIFFICULTY_TAGS}
            for t in HOUSEHOLD_TAGS
        ],
        "cells": out_cells,
        "communities": _communities(out_cells),
    }


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.count(Household.id).filter(condition)


def _figures(total: int, hard: int, by_tag: list[int]) -> dict[str, Any]:
    return {
        "households": int(total),
        "in_difficulty": int(hard),
        "by_tag": {t: int(n) for t, n in zip(HOUSEHOLD_TAGS, by_tag, strict=True)},
    }


def _communities(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cells' figures summed per community (only the cells listed)."""
    ids = sorted({c["community_id"] for c in cells})
    names = {
        cid: (code, name)
        for cid, code, name in db.session.execute(
            select(Community.id, Community.code, Community.name).where(Community.id.in_(ids))
        )
    }
    out = []
    for cid in sorted(ids, key=lambda i: names[i][0]):
        mine = [c for c in cells if c["community_id"] == cid]
        out.append(
            {
                "community_id": cid,
                "code": names[cid][0],
                "name": names[cid][1],
                "cells": len(mine),
                **_figures(
                    sum(c["households"] for c in mine),
                    sum(c["in_difficulty"] for c in mine),
                    [sum(c["by_tag"][t] for c in mine) for t in HOUSEHOLD_TAGS],
                ),
            }
        )
    return out
