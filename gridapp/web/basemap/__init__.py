"""The ``basemap`` journey: the 天地图 tile proxy (/tiles/tianditu/<layer>/<z>/<x>/<y>), so
the server-side key never reaches the browser. Base-map settings: gridapp/core/basemap.py;
the map frame that shows the base map: gridapp/web/mapframe.py."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.basemap import pages


def register(app: Flask, api: Api) -> None:
    """The tile proxy (a page route: image bytes, no API routes)."""
    app.register_blueprint(pages.bp)
