"""The ``editing`` journey's use cases: saving cell boundaries and the operations built on it.

``save.apply_change`` is the one save (steps in ``lock``, ``validate``, ``records``,
``write``); ``ops`` builds split, merge, draw, rename and revert on it; ``access`` says who
may edit what; ``history`` reads a cell's past.
"""

from gridapp.services.editing.access import (
    EDIT_ROLES,
    editable_cell,
    editable_cells,
    editable_community,
    require_editor,
    revertible_change,
)
from gridapp.services.editing.history import cell_history
from gridapp.services.editing.ops import draw, merge, rename, revert, split
from gridapp.services.editing.request import CellInput, ChangeRequest, ChangeResult
from gridapp.services.editing.save import apply_change, apply_changes
from gridapp.services.editing.validate import tolerances

__all__ = [
    "EDIT_ROLES",
    "CellInput",
    "ChangeRequest",
    "ChangeResult",
    "apply_change",
    "apply_changes",
    "cell_history",
    "draw",
    "editable_cell",
    "editable_cells",
    "editable_community",
    "merge",
    "rename",
    "require_editor",
    "revert",
    "revertible_change",
    "split",
    "tolerances",
]
