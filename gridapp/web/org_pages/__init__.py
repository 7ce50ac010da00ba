"""Pages of the organisation side: the party-org tree and the organisation-coverage view."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("org_pages", __name__)
