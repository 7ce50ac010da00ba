"""What a save is asked to do and what it answers: the request, its cells, the result.

Every boundary operation (a save from the editor, split, merge, draw, rename, revert, an
accepted proposal) builds a ``ChangeRequest`` for ``save.apply_change``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from gridapp.core.partition import Key


@dataclass
class CellInput:
    """One cell of a save: an existing cell (``id`` + ``version``) or a new one (``key``)."""

    id: int | None = None
    version: int | None = None
    key: str | None = None
    name: str | None = None
    geometry: BaseGeometry | None = None  # EPSG:4326; None = keep (or delete if ``delete``)
    delete: bool = False
    code: str | None = None  # a new cell taking back its old code (revert of a delete)

    @property
    def ref(self) -> Key:
        return self.id if self.id is not None else str(self.key)


@dataclass
class ChangeRequest:
    op: str
    community_id: int
    cells: list[CellInput]
    override_reason: str = ""
    dry_run: bool = False
    reverts_change_id: int | None = None
    summary: str = ""
    # assignments of cells that are split or deleted go here (cell id → new owner key/id)
    assignments_to: dict[int, Key] = field(default_factory=dict)
    takes_free_space: bool = False  # create / revert / proposal / import
    allow_gaps: bool = False  # import: area the change frees may stay uncovered

    def by_ref(self) -> dict[Key, CellInput]:
        """The cells by reference: the id of an existing cell, the key of a new one."""
        return {c.ref: c for c in self.cells}

    @property
    def existing_ids(self) -> list[int]:
        """Ids of the existing cells the save names (new cells have none)."""
        return [c.id for c in self.cells if c.id is not None]


@dataclass
class ChangeResult:
    change_id: int | None
    cells: list[dict[str, Any]]
    impact: dict[str, Any]
