"""Partition quality: the partition check and partition proposals (API + pages)."""

from __future__ import annotations

from flask import Blueprint as PageBlueprint
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

api_bp = ApiBlueprint("quality", __name__, url_prefix="/api", description="网格划分检查与方案")
pages = PageBlueprint("quality_pages", __name__)


def register(api: Api) -> None:
    api.register_blueprint(api_bp)
