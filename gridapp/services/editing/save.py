"""Saving cell edits: one transaction per save, validated by the partition core.

A save (``apply_change``) names the cells it changes, each with the version it edited. In
one transaction it runs four steps, each in its own module:

1. ``lock.load_and_lock``: who may do it, an advisory lock on the community, the changed
   cells and their neighbours locked ``FOR UPDATE``, their versions checked;
2. ``validate.check_change``: the new partition validated locally, households tallied;
3. ``records``: the assignments that move and the change-impact preview;
4. ``write.write_change``: cells, buildings, assignments, history and blocks written.

A dry run does everything but the writes and returns the change-impact preview.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import User
from gridapp.services.editing import records
from gridapp.services.editing.lock import Locked, load_and_lock
from gridapp.services.editing.request import ChangeRequest, ChangeResult
from gridapp.services.editing.validate import Checked, check_change, in_lonlat
from gridapp.services.editing.write import write_change


def apply_change(user: User, req: ChangeRequest) -> ChangeResult:
    session = db.session
    try:
        result = _apply(user, req)
    except BaseException:
        session.rollback()
        raise
    if req.dry_run:
        session.rollback()
    else:
        session.commit()
    return result


def apply_changes(
    user: User, reqs: list[ChangeRequest], each: Callable[[int], None] | None = None
) -> list[ChangeResult]:
    """Several saves (of several communities) in the caller's transaction, which the
    caller commits, or rolls back on an error: all or nothing. Communities are locked in
    id order, so two such calls never wait for each other in a cycle. ``each`` is told
    how many saves are done."""
    results = []
    for done, req in enumerate(sorted(reqs, key=lambda r: r.community_id), start=1):
        results.append(_apply(user, req))
        if each is not None:
            each(done)
    return results


def _apply(user: User, req: ChangeRequest) -> ChangeResult:
    locked = load_and_lock(user, req)
    proj = LocalProjection.around(to_shape(locked.community.geom))
    return in_lonlat(proj, _validate_and_write, user, req, locked, proj)


def _validate_and_write(
    user: User, req: ChangeRequest, locked: Locked, proj: LocalProjection
) -> ChangeResult:
    checked = check_change(req, locked, proj)
    # assignments of deleted cells (merge) and of split cells follow the rules of the op
    moves = records.assignment_moves(req, locked.cells, checked.check.after, checked.households)
    impact = records.impact(
        req,
        locked.cells,
        checked.labels,
        checked.before,
        checked.check,
        checked.households,
        checked.buildings,
        moves,
    )
    if req.dry_run:
        return ChangeResult(None, _preview(checked), impact)
    return write_change(user, req, locked, checked, moves, impact)


def _preview(checked: Checked) -> list[dict[str, Any]]:
    """The cells after the change, as a dry run shows them."""
    return [
        {
            "type": "Feature",
            "id": k if isinstance(k, int) else None,
            "geometry": mapping(g),
            "properties": {
                "key": str(k),
                "name": checked.labels.get(k, str(k)),
                "households": checked.households[k],
                "residents": checked.residents[k],
            },
        }
        for k, g in checked.after_lonlat.items()
    ]
