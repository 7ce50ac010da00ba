"""The ``auth`` journey: /login, POST /logout, the login loader, and the rule that every
other route requires a logged-in user."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from gridapp.extensions import login_manager
from gridapp.web.auth import pages


def register(app: Flask, api: Api) -> None:
    """The login pages and loader (no API routes)."""
    pages.init_login(login_manager)
    app.register_blueprint(pages.bp)
