"""The journeys ``create_app`` registers, in order.

Every journey is a package ``gridapp/web/<journey>/`` holding ``pages.py`` (its page
blueprint, named after the journey), ``api.py`` (its flask-smorest blueprint, named
``<journey>_api``) and ``schemas.py``, and exposing ``register(app, api)``. A journey never
imports another (the ``journeys`` contract in pyproject.toml).
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask
from flask_smorest import Api

from gridapp.web import (
    auth,
    basemap,
    coverage,
    data,
    editing,
    field,
    organisations,
    quality,
    reports,
)
from gridapp.web import map as map_journey


class Journey(Protocol):
    def register(self, app: Flask, api: Api) -> None:
        """Register the journey's page blueprint and its API blueprint."""


# auth first: its app-wide hook (login required) is registered before any journey's own.
JOURNEYS: tuple[Journey, ...] = (
    auth,
    map_journey,
    editing,
    quality,
    organisations,
    coverage,
    field,
    data,
    basemap,
    reports,
)
