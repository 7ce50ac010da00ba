"""The service points nearest a cell by walking (步行距离) on the street network, not as
the crow flies: a river, a compound wall or a railway can make the point across the street
a long walk away.

Uses the work-coverage journey's cached walking graph (``services.coverage.network``): one
Dijkstra from the cell's representative point (``ST_PointOnSurface``: always inside the
cell), stopped at ``LIMIT_M``. Service points are public inside the subdistrict
(docs/SCOPE.md), so every point of the cell's subdistrict the user may read is a candidate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from flask import current_app
from sqlalchemy import func, select

from gridapp.core.coverage import MAX_SNAP_M
from gridapp.core.errors import BadRequest
from gridapp.core.vocab import SERVICE_KIND_LABELS, ServiceKind
from gridapp.extensions import db
from gridapp.models import Community, GridCell, ServicePoint, User
from gridapp.services import scope
from gridapp.services.coverage.network import network

NEAREST = 5
LIMIT_M = 3000.0  # 45 minutes at 4 km/h: farther points are no use from the cell


def nearest_service_points(user: User, cell_id: int) -> list[dict[str, Any]]:
    """The ``NEAREST`` service points closest to the cell by walking, nearest first, each
    with ``walk_m`` (metres) and ``walk_min`` (whole minutes at WALK_SPEED_KMH, rounded
    up); none when the subdistrict has no walking network."""
    sub_id, source_wkb = db.session.execute(
        select(Community.subdistrict_id, func.ST_AsBinary(func.ST_PointOnSurface(GridCell.geom)))
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id == cell_id)
    ).one()
    points = db.session.execute(
        select(
            ServicePoint.id,
            ServicePoint.name,
            ServicePoint.kind,
            ServicePoint.hours,
            ServicePoint.address,
            func.ST_AsBinary(ServicePoint.geom),
        )
        .where(
            ServicePoint.subdistrict_id == sub_id,
            ServicePoint.id.in_(scope.visible_service_point_ids(user)),
        )
        .order_by(ServicePoint.id)
    ).all()
    if not points:
        return []
    try:
        net = network(sub_id)
    except BadRequest:  # no walking network in this subdistrict: no walking distances
        return []
    source = net.proj.to_metric(shapely.from_wkb(bytes(source_wkb)))
    targets = net.proj.to_metric(
        shapely.from_wkb(np.array([bytes(p[5]) for p in points], dtype=object))
    )
    walk = net.graph.walk_between(source, list(targets), limit=LIMIT_M, max_snap=MAX_SNAP_M)
    metres_per_minute = float(current_app.config["WALK_SPEED_KMH"]) * 1000.0 / 60.0
    order = [i for i in np.argsort(walk, kind="stable").tolist() if np.isfinite(walk[i])]
    return [
        {
            "id": points[i].id,
            "name": points[i].name,
            "kind": points[i].kind,
            "kind_label": SERVICE_KIND_LABELS[ServiceKind(points[i].kind)],
            "hours": points[i].hours,
            "address": points[i].address,
            "walk_m": round(float(walk[i])),
            "walk_min": max(1, math.ceil(float(walk[i]) / metres_per_minute)),
        }
        for i in order[:NEAREST]
    ]
