"""The ``field`` journey (网格员 on a phone): its pages (``pages.py``: 我的网格, the cell
sheet, the field log, events, visits, the manifest and the service worker) and its API
(``api.py``: household records, counts and the access log)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.field import api as api_routes
from gridapp.web.field import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    api.register_blueprint(api_routes.bp)
