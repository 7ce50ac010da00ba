"""The tile proxy: a logged-in user's browser asks us for a 天地图 tile; we answer it from
the disk cache or fetch it upstream with the server-side key (services/basemap/tiles.py).

Only the image bytes go back, with our own headers: nothing of the upstream answer (its
URL, headers or error text) reaches the browser. Errors are small plain-text bodies.
"""

from __future__ import annotations

from flask import Blueprint, Response

from gridapp.services import basemap
from gridapp.services.basemap import tiles

bp = Blueprint("basemap", __name__)

# The browser may keep a tile a day (private: the route needs a login).
TILE_CACHE_CONTROL = "private, max-age=86400"
MESSAGES = {
    404: "没有这张瓦片",
    502: "天地图瓦片暂时无法获取",
    504: "天地图响应超时",
}


@bp.get("/tiles/tianditu/<layer>/<z>/<x>/<y>")
def tianditu(layer: str, z: str, x: str, y: str) -> Response:
    try:
        tile = tiles.tianditu_tile(basemap.settings(), layer, z, x, y)
    except tiles.TileNotFound:
        return _refusal(404)
    except tiles.TileUnavailable as err:
        return _refusal(err.status)
    response = Response(tile.body, mimetype=tile.media_type)
    response.headers["Cache-Control"] = TILE_CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _refusal(status: int) -> Response:
    response = Response(MESSAGES[status], status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
