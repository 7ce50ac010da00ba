"""The ``data`` journey (数据导入导出): today its API, the export of layers as files
(``api.py``); the import page and its preview come with the next slices of issue 11."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.data import api as api_routes


def register(app: Flask, api: Api) -> None:
    api.register_blueprint(api_routes.bp)
