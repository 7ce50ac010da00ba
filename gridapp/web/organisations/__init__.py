"""The ``organisations`` journey: the party-organisation tree (/organisations) and the
organisation coverage page (组织覆盖, /coverage), and their API (party orgs, teams, workers,
zones, units, cell assignments, members and registrations, organisation coverage, bulk
import)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.organisations import api as api_routes
from gridapp.web.organisations import pages


def register(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    api.register_blueprint(api_routes.bp)
