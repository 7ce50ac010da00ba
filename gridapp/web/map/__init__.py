"""The ``map`` journey: the map page (/) and the base-data API it reads (/api/me,
/api/communities, /api/cells, /api/service-points, /api/buildings, /api/streets)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.extensions import csrf
from gridapp.web.map import api as api_routes
from gridapp.web.map import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    csrf.exempt(api_routes.bp)  # read-only; write routes check the X-CSRFToken header
    api.register_blueprint(api_routes.bp)
