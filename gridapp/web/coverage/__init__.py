"""The ``coverage`` journey: work coverage (工作覆盖) of the 15-minute service circles, the
/service page and its API under /api/coverage/ (service, gaps, export, circles, what-if,
suggest). Organisation coverage (组织覆盖, /coverage) belongs to ``organisations``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.coverage import api as api_routes
from gridapp.web.coverage import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    api.register_blueprint(api_routes.bp)
