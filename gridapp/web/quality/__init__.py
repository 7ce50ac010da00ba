"""The ``quality`` journey: the partition check (/check) and partition proposals
(/proposal), pages and API."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.quality import api as api_routes
from gridapp.web.quality import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    api.register_blueprint(api_routes.bp)
