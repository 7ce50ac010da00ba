"""Organisation coverage (组织覆盖): which of {party organisation, grid worker, team,
党员中心户} each cell has, and the shares per community and overall."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ITEMS = ("party_org", "worker", "team", "hub")
ITEM_LABELS = {"party_org": "党组织", "worker": "网格员", "team": "服务队", "hub": "党员中心户"}


@dataclass
class CellCoverage:
    cell_id: int
    code: str
    name: str
    community_id: int
    community_name: str
    households: int
    party_orgs: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)

    def has(self, item: str) -> bool:
        return bool({"party_org": self.party_orgs, "worker": self.workers, "team": self.teams,
                     "hub": self.hubs}[item])  # fmt: skip

    @property
    def missing(self) -> list[str]:
        return [i for i in ITEMS if not self.has(i)]

    @property
    def blind_spot(self) -> bool:
        """盲点: no party organisation, no grid worker or no team answers for the cell."""
        return any(not self.has(i) for i in ("party_org", "worker", "team"))


@dataclass
class Summary:
    label: str
    cells: int
    households: int
    with_item: dict[str, int]
    households_with_item: dict[str, int]
    blind_spots: int

    def share(self, item: str) -> float:
        return 0.0 if self.cells == 0 else self.with_item[item] / self.cells

    def to_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "cells": self.cells,
            "households": self.households,
            "blind_spots": self.blind_spots,
            "items": {
                item: {
                    "label": ITEM_LABELS[item],
                    "cells": self.with_item[item],
                    "share": round(self.share(item), 4),
                    "households": self.households_with_item[item],
                }
                for item in ITEMS
            },
        }


def summarise(label: str, cells: Iterable[CellCoverage]) -> Summary:
    rows = list(cells)
    return Summary(
        label=label,
        cells=len(rows),
        households=sum(c.households for c in rows),
        with_item={i: sum(1 for c in rows if c.has(i)) for i in ITEMS},
        households_with_item={i: sum(c.households for c in rows if c.has(i)) for i in ITEMS},
        blind_spots=sum(1 for c in rows if c.blind_spot),
    )


def by_community(cells: Sequence[CellCoverage]) -> list[tuple[int, Summary]]:
    """(community id, summary) per community, in the order the cells come (by code)."""
    groups: dict[int, list[CellCoverage]] = {}
    for c in cells:
        groups.setdefault(c.community_id, []).append(c)
    return [(k, summarise(rows[0].community_name, rows)) for k, rows in groups.items()]
