"""Pages of the organisation side: the party-org tree and the organisation-coverage view.

Both pages are views of the organisations API (``gridapp.web.organisations``): the server
renders the frame (and, for coverage, the folium map frame); small ES modules
(static/js/org-*.js, coverage-*.js) read and write through the JSON routes named in the
page's ``data-api-urls``. Whether the write controls are shown follows the API's own role
rules (``MANAGE_ROLES``, ``ASSIGN_ROLES``); the API enforces them either way.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from gridapp.core.vocab import ORG_KIND_LABELS, ORG_LEVEL_LABELS, ORG_LEVEL_RANK
from gridapp.extensions import db
from gridapp.models import Subdistrict
from gridapp.services import organisations
from gridapp.web.mapframe import build_map

bp = Blueprint("org_pages", __name__)

# Layer groups of the coverage map, with their names in the layer control.
COVERAGE_OVERLAYS = (
    ("streets", "道路"),
    ("communities", "社区"),
    ("cells", "网格覆盖"),
    ("units", "驻区单位"),
    ("areas", "党员责任区"),
)
IMPORT_KINDS = (("members", "党员"), ("teams", "服务队"), ("assignments", "网格分配"))


def _url_template(endpoint: str, **ids: Any) -> str:
    """A route's URL with ``{id}`` in place of its id (filled in by the page's JavaScript)."""
    return url_for(endpoint, **ids).replace("/1/", "/{id}/", 1)


def _permissions() -> dict[str, bool]:
    return {
        "can_manage": current_user.role in organisations.MANAGE_ROLES,
        "can_assign": current_user.role in organisations.ASSIGN_ROLES,
    }


def _subdistricts() -> list[dict[str, Any]]:
    """The subdistricts the user sees (an import goes into one of them)."""
    rows = [
        db.session.get(Subdistrict, i) for i in organisations.visible_subdistricts(current_user)
    ]
    return sorted(
        ({"id": s.id, "name": s.name, "code": s.code} for s in rows if s is not None),
        key=lambda s: s["code"],
    )


@bp.get("/organisations")
def tree() -> str:
    """组织架构: the party-organisation tree, teams, zones and units based in the area."""
    api_urls = {
        "communities": url_for("api.Communities"),
        "coverage": url_for("organisations.organisation_coverage"),
        "tree": url_for("organisations.org_tree"),
        "create": url_for("organisations.create_org"),
        "rename": _url_template("organisations.rename_org", org_id=1),
        "move": _url_template("organisations.move_org", org_id=1),
        "dissolve": _url_template("organisations.dissolve_org", org_id=1),
        "teams": url_for("organisations.teams"),
        "zones": url_for("organisations.zones"),
        "units": url_for("organisations.units"),
    }
    vocab = {
        # in rank order: a child's level comes after its parent's
        "levels": [
            {"value": level.value, "label": ORG_LEVEL_LABELS[level]}
            for level in sorted(ORG_LEVEL_LABELS, key=ORG_LEVEL_RANK.__getitem__)
        ],
        "kinds": [{"value": k.value, "label": v} for k, v in ORG_KIND_LABELS.items()],
    }
    return render_template(
        "organisations/tree.html", api_urls=api_urls, vocab=vocab, **_permissions()
    )


@bp.get("/coverage")
def coverage() -> str:
    """组织覆盖: figures, charts, a map coloured by what is missing, the cell table,
    assignment from the map or the table, export and bulk import."""
    parts = build_map(
        lambda path: url_for("static", filename=path),
        tile_url=str(current_app.config.get("TILE_URL") or ""),
        tile_attribution=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
        overlays=COVERAGE_OVERLAYS,
    )
    api_urls = {
        "me": url_for("api.Me"),
        "communities": url_for("api.Communities"),
        "cells": url_for("api.Cells"),
        "streets": url_for("api.Streets"),
        "units": url_for("organisations.units"),
        "coverage": url_for("organisations.organisation_coverage"),
        "export": url_for("organisations.export_coverage"),
        "tree": url_for("organisations.org_tree"),
        "teams": url_for("organisations.teams"),
        "workers": url_for("organisations.workers"),
        "assignments": _url_template("organisations.cell_assignments", cell_id=1),
        "end": _url_template("organisations.end_assignment", assignment_id=1),
        "members": _url_template("organisations.cell_members", cell_id=1),
        "registrations": _url_template("organisations.cell_registrations", cell_id=1),
        "area": _url_template("organisations.responsibility_area", member_id=1),
        "template": url_for("organisations.import_template", kind="members").replace(
            "/members/", "/{kind}/", 1
        ),
        "import": url_for("organisations.import_file", kind="members").replace(
            "/members", "/{kind}", 1
        ),
    }
    return render_template(
        "organisations/coverage.html",
        map_parts=parts,
        api_urls=api_urls,
        import_kinds=IMPORT_KINDS,
        subdistricts=_subdistricts(),
        **_permissions(),
    )
