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
    from gridapp.web import api as api_bp
    from gridapp.web import (
        auth,
        editing,
        editor,
        maps,
        org_pages,
        organisations,
        quality,
        service,
    )

    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
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
    auth.init_login(login_manager)
    api.init_app(app)
    api.register_converter(IdConverter, id_param_schema)

    app.register_blueprint(auth.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(quality.pages)
    app.register_blueprint(org_pages.bp)
    app.register_blueprint(service.pages)
    api_bp.register(api)
    editing.register(api)
    quality.register(api)
    organisations.register(api)
    service.register(api)
    errors.register_handlers(app)
    cli.register(app)
    return app
