"""Service circles (服务圈): the area within a walk of a station, as GeoJSON for the map.

A circle is the reached street pieces buffered by the distance one may walk off the street
(``core.coverage.service_circle``): tens of milliseconds of GEOS work each and hundreds of
vertices, far more detail than a map shows. So circles are

* cached in the process per fingerprint: the walking network's cache key (streets and
  buildings; cells do not shape a circle), the station's position, the walking distance and
  the off-street distance; an LRU keeps the latest ``MAX_CIRCLES``;
* simplified in metres (Douglas–Peucker keeping the topology) to a tolerance the caller
  chooses directly or through the map zoom (one screen pixel at that zoom), and written with
  6 decimals of longitude/latitude (~0.1 m), each simplified version cached as GeoJSON text
  (serialising the coordinates again would cost more than everything else of a request).

Only the stations the user may read are listed and drawn (``scope.visible_service_point_ids``).
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from gridapp.core.coverage import MAX_SNAP_M, service_circle
from gridapp.core.errors import BadRequest
from gridapp.models import User
from gridapp.services.coverage.network import Network, network
from gridapp.services.coverage.report import (
    Params,
    Station,
    require_readable,
    stations,
    subdistrict_for,
)

MAX_CIRCLES = 4000  # cached circles (all simplified versions of one count as one)
DEFAULT_TOLERANCE_M = 1.0  # without zoom or tolerance: finer than any map shows at zoom 17
MAX_TOLERANCE_M = 100.0
MIN_ZOOM, MAX_ZOOM = 0, 22
LONLAT_GRID = 1e-6  # degrees: ~0.1 m
EARTH_CIRCUMFERENCE_M = 40_075_016.686
TILE_PX = 256


@dataclass
class _Circle:
    area: BaseGeometry  # metric, as computed
    area_m2: float
    shown: dict[float, str] = field(default_factory=dict)  # GeoJSON text by tolerance


_cache: OrderedDict[tuple[Any, ...], _Circle] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def tolerance_m(net: Network, zoom: float | None, tolerance: float | None) -> float:
    """The simplification tolerance in metres: ``tolerance`` if given, else one pixel of a
    web map at ``zoom`` at the subdistrict's latitude, else ``DEFAULT_TOLERANCE_M``."""
    if tolerance is not None:
        if not 0 <= tolerance <= MAX_TOLERANCE_M:
            raise BadRequest(f"简化容差应在 0–{MAX_TOLERANCE_M:.0f} 米之间")
        return round(float(tolerance), 1)
    if zoom is not None:
        if not MIN_ZOOM <= zoom <= MAX_ZOOM:
            raise BadRequest(f"地图缩放级别应在 {MIN_ZOOM}–{MAX_ZOOM} 之间")
        pixel = EARTH_CIRCUMFERENCE_M * math.cos(math.radians(net.proj.lat0)) / (TILE_PX * 2**zoom)
        # two significant digits: nearby zooms of one subdistrict share a cache entry
        return min(float(f"{pixel:.2g}"), MAX_TOLERANCE_M)
    return DEFAULT_TOLERANCE_M


def _key(net: Network, s: Station, params: Params) -> tuple[Any, ...]:
    return (
        net.key,
        round(s.point.x, 2),
        round(s.point.y, 2),
        round(params.limit, 1),
        round(params.off_network_m, 1),
    )


def _circle(net: Network, s: Station, params: Params) -> _Circle:
    key = _key(net, s, params)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    extra = net.graph.with_points([s.point])
    dist = net.graph.distances(extra.nodes, limit=params.limit, matrix=extra.matrix)
    area = service_circle(net.graph, dist, params.limit, params.off_network_m)
    made = _Circle(area, float(area.area))
    with _lock:
        _cache[key] = made
        while len(_cache) > MAX_CIRCLES:
            _cache.popitem(last=False)
    return made


def _geometry_json(net: Network, c: _Circle, tolerance: float) -> str:
    """GeoJSON text of the circle simplified by ``tolerance`` metres, in lon/lat on a 1e-6°
    grid ("null" when it reaches nothing)."""
    hit = c.shown.get(tolerance)
    if hit is not None:
        return hit
    geom = c.area
    if not geom.is_empty and tolerance > 0:
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    geom = shapely.set_precision(net.proj.to_lonlat(geom), LONLAT_GRID)
    text = "null" if geom.is_empty else json.dumps(mapping(geom), separators=(",", ":"))
    c.shown[tolerance] = text
    return text


def _properties(s: Station, c: _Circle, params: Params) -> dict[str, Any]:
    return {
        "point_id": s.id, "name": s.name, "kind": s.kind,
        "area_m2": round(c.area_m2, 1), "distance_m": round(params.limit, 1),
    }  # fmt: skip


def circle_feature(
    net: Network, s: Station, params: Params, tolerance: float = DEFAULT_TOLERANCE_M
) -> dict[str, Any]:
    """One station's circle as a GeoJSON feature (geometry None when it reaches nothing)."""
    c = _circle(net, s, params)
    return {
        "type": "Feature",
        "id": s.id,
        "geometry": json.loads(_geometry_json(net, c, tolerance)),
        "properties": _properties(s, c, params),
    }


def _feature_json(net: Network, s: Station, params: Params, tolerance: float) -> str:
    c = _circle(net, s, params)
    head = json.dumps({"type": "Feature", "id": s.id}, separators=(",", ":"))[:-1]
    props = json.dumps(_properties(s, c, params), separators=(",", ":"))
    return f'{head},"geometry":{_geometry_json(net, c, tolerance)},"properties":{props}}}'


def circles_json(
    user: User,
    subdistrict_id: int | None,
    params: Params,
    point_ids: Sequence[int],
    zoom: float | None = None,
    tolerance: float | None = None,
) -> str:
    """The circles of the stations ``user`` may read: of ``point_ids`` (404 for an id not in
    the subdistrict, 403 for one the user may not read), or of every readable station of the
    chosen kinds. GeoJSON text: a FeatureCollection with the tolerance used, ``tolerance_m``."""
    params.check()
    sub_id = subdistrict_for(user, subdistrict_id)
    net = network(sub_id)
    tol = tolerance_m(net, zoom, tolerance)
    all_st = {s.id: s for s in stations(net, sub_id, [], user)}
    require_readable(point_ids, all_st)
    chosen = (
        [all_st[i] for i in point_ids]
        if point_ids
        else [
            s for s in all_st.values() if s.listed and (not params.kinds or s.kind in params.kinds)
        ]
    )
    # a station farther than MAX_SNAP_M from every street reaches no one: no circle
    snaps = net.graph.snap([s.point for s in chosen])
    on_network = [s for s, snap in zip(chosen, snaps, strict=True) if snap.offset <= MAX_SNAP_M]
    features = ",".join(_feature_json(net, s, params, tol) for s in on_network)
    return f'{{"type":"FeatureCollection","tolerance_m":{json.dumps(tol)},"features":[{features}]}}'
