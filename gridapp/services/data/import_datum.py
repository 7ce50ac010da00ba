"""The datum guess for layers that claim no place (数据导入: buildings, service points):
does the file meet the buildings already there far better read in another datum
(``core.datums.match_hint``)? Cells and communities claim their community or subdistrict
by code and are guessed against it (``import_preview.hint``, ``import_communities``)."""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from sqlalchemy import func, select

from gridapp.core.datums import Datum, match_hint
from gridapp.extensions import db
from gridapp.models import Building, User
from gridapp.services import scope
from gridapp.services.data.frames import from_wkb

AROUND_DEG = 0.01  # the buildings looked at: the layer's bounds widened by ~1 km
POINT_REACH_DEG = 0.00005  # a point within ~5 m of a building is on it
MAX_REFERENCE = 50_000  # buildings enough to compare with


def buildings_hint(
    user: User,
    geoms: Sequence[shapely.Geometry | None],
    chosen: Datum,
    noun: str,
) -> str | None:
    """The warning when ``geoms`` (WGS-84, as read in ``chosen``) look like another datum's,
    judged against the buildings around them in the user's subdistricts; None when they fit
    or nothing is there to compare with."""
    shapes = [g for g in geoms if g is not None and not g.is_empty]
    if not shapes:
        return None
    west, south, east, north = shapely.total_bounds(shapes)
    around = func.ST_MakeEnvelope(
        west - AROUND_DEG, south - AROUND_DEG, east + AROUND_DEG, north + AROUND_DEG, 4326
    )
    wkbs = db.session.scalars(
        select(func.ST_AsBinary(Building.geom))
        .where(
            # the subdistricts' buildings, not only those the user may open: the guess
            # shows a share, nothing of any building
            Building.subdistrict_id.in_(scope.visible_subdistrict_ids(user)),
            func.ST_Intersects(Building.geom, around),
        )
        .limit(MAX_REFERENCE)
    ).all()
    if not wkbs:
        return None
    reference = shapely.union_all(from_wkb(wkbs))
    layer = shapely.union_all(shapes)
    points = layer.area == 0
    if points:
        reference = reference.buffer(POINT_REACH_DEG)
    shapely.prepare(reference)
    hint = match_hint(layer, reference, chosen)
    if hint is None:
        return None
    return hint.message(noun, "落在现有楼栋上" if points else "与现有楼栋重合")
