"""网格: a web GIS for party-led community grid management."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory. ``config`` overrides settings read from the environment."""
    from gridapp import cli, errors
    from gridapp.config import load_config
    from gridapp.extensions import api, csrf, db, login_manager
    from gridapp.web.journeys import JOURNEYS

    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    from gridapp.core.reminders import visit_days

    visit_days(app.config.get("VISIT_DAYS"))  # a wrong GRIDAPP_VISIT_DAYS stops here (Chinese)
    from gridapp.services import basemap

    basemap.init_app(app)  # a wrong base-map combination stops here (Chinese and English)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable

    from gridapp.web.common import (
        IdConverter,
        SizedRequest,
        id_param_schema,
        reject_out_of_range_ids,
    )

    app.request_class = SizedRequest  # per-route body limits (uploads take more)
    app.url_map.converters["id"] = IdConverter
    app.url_value_preprocessor(reject_out_of_range_ids)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    api.init_app(app)
    api.register_converter(IdConverter, id_param_schema)
    # Document only the statuses a route really answers with: no catch-all "default" response,
    # so a response with an undocumented status fails the schema conformance test.
    api.DEFAULT_ERROR_RESPONSE_NAME = None

    for journey in JOURNEYS:
        journey.register(app, api)
    errors.register_handlers(app)
    cli.register(app)
    return app
