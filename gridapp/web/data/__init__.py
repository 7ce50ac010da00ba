"""The ``data`` journey (数据导入导出): the data page (``/data/``) and its API — layers
exported as files another GIS opens, and cells imported from a subdistrict's own files
(upload → preview → commit)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.data import api as api_routes
from gridapp.web.data import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    api.register_blueprint(api_routes.bp)
