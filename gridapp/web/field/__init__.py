"""The ``field`` journey (网格员 on a phone). Today its API only: the household records of
a cell, one household, household counts, and the access log (``api.py``); its pages
(我的网格, the cell sheet) come with the next slices of issue 10."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.field import api as api_routes


def register(app: Flask, api: Api) -> None:
    api.register_blueprint(api_routes.bp)
