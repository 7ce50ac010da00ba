"""The boundary editor page (grid managers and admins)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from gridapp.services.editing import require_editor

bp = Blueprint("editor", __name__)


@bp.get("/edit")
def index() -> str:
    require_editor(current_user)
    return render_template("editor/index.html")
