"""The map page: a folium/Leaflet map whose layers are read from the JSON API."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("maps", __name__)


@bp.get("/")
def index() -> str:
    return render_template("maps/index.html")
