"""The ``editing`` journey: the boundary editor page (/edit) and its API (saves, split,
merge, draw, rename, revert, history)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.editing import api as api_routes
from gridapp.web.editing import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    api.register_blueprint(api_routes.bp)
