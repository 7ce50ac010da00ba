"""The ``reports`` journey (报告): printable reports of a subdistrict or a community for
reporting upward (``pages.py``), drawn on the server — map and charts as inline SVG, print
CSS for A4 — from the coverage services' figures. No API of its own: the figures are those
of /api/coverage/service and /api/coverage/organisation."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.web.reports import pages


def register(app: Flask, api: Api) -> None:
    """The report pages (no API routes)."""
    app.register_blueprint(pages.bp)
