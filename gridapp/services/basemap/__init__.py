"""The ``basemap`` journey's use cases: the base-map settings the app started with
(``core.basemap``, checked in ``create_app``) and the 天地图 tile proxy (``tiles``)."""

from __future__ import annotations

from flask import Flask, current_app

from gridapp.core.basemap import BaseMap, base_map

EXTENSION = "gridapp.basemap"


def init_app(app: Flask) -> None:
    """Read and check the base-map settings once; a bad combination stops the app here
    with a Chinese and English message (core.basemap.BaseMapConfigError)."""
    app.extensions[EXTENSION] = base_map(app.config)


def settings() -> BaseMap:
    """The running app's base map."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, BaseMap)
    return found
