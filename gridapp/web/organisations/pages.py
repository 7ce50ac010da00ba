"""Pages of the organisation side: the party-org tree and the organisation-coverage view.

Both pages are views of the organisations API (``gridapp.web.organisations.api``): the server
renders the frame (and, for coverage, the folium map frame); small ES modules
(static/js/organisations/tree-*.js, coverage-*.js) read and write through the JSON routes
named in the page's ``data-api-urls``. Whether the write controls are shown follows the
API's own role rules (``MANAGE_ROLES``, ``ASSIGN_ROLES``); the API enforces them either way.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from gridapp.core.vocab import ORG_KIND_LABELS, ORG_LEVEL_LABELS, ORG_LEVEL_RANK
from gridapp.services.organisations.access import ASSIGN_ROLES, MANAGE_ROLES
from gridapp.services.places import subdistrict_choices
from gridapp.web.common import base_data_urls, url_template
from gridapp.web.mapframe import page_map

bp = Blueprint("organisations", __name__)

# Layer groups of the coverage map, with their names in the layer control.
COVERAGE_OVERLAYS = (
    ("streets", "道路"),
    ("communities", "社区"),
    ("cells", "网格覆盖"),
    ("units", "驻区单位"),
    ("areas", "党员责任区"),
)
IMPORT_KINDS = (("members", "党员"), ("teams", "服务队"), ("assignments", "网格分配"))


def _permissions() -> dict[str, bool]:
    return {
        "can_manage": current_user.role in MANAGE_ROLES,
        "can_assign": current_user.role in ASSIGN_ROLES,
    }


@bp.get("/organisations")
def tree() -> str:
    """组织架构: the party-organisation tree, teams, zones and units based in the area."""
    api_urls = {
        **base_data_urls("communities"),
        "coverage": url_for("organisations_api.organisation_coverage"),
        "tree": url_for("organisations_api.org_tree"),
        "create": url_for("organisations_api.create_org"),
        "rename": url_template("organisations_api.rename_org", org_id=1),
        "move": url_template("organisations_api.move_org", org_id=1),
        "dissolve": url_template("organisations_api.dissolve_org", org_id=1),
        "teams": url_for("organisations_api.teams"),
        "zones": url_for("organisations_api.zones"),
        "units": url_for("organisations_api.units"),
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
    api_urls = {
        **base_data_urls("me", "communities", "cells", "streets"),
        "units": url_for("organisations_api.units"),
        "coverage": url_for("organisations_api.organisation_coverage"),
        "export": url_for("organisations_api.export_coverage"),
        "tree": url_for("organisations_api.org_tree"),
        "teams": url_for("organisations_api.teams"),
        "workers": url_for("organisations_api.workers"),
        "assignments": url_template("organisations_api.cell_assignments", cell_id=1),
        "end": url_template("organisations_api.end_assignment", assignment_id=1),
        "members": url_template("organisations_api.cell_members", cell_id=1),
        "registrations": url_template("organisations_api.cell_registrations", cell_id=1),
        "area": url_template("organisations_api.responsibility_area", member_id=1),
        "template": url_for("organisations_api.import_template", kind="members").replace(
            "/members/", "/{kind}/", 1
        ),
        "import": url_for("organisations_api.import_file", kind="members").replace(
            "/members", "/{kind}", 1
        ),
    }
    return render_template(
        "organisations/coverage.html",
        map_parts=page_map(COVERAGE_OVERLAYS),
        api_urls=api_urls,
        import_kinds=IMPORT_KINDS,
        subdistricts=subdistrict_choices(current_user),  # an import goes into one of them
        **_permissions(),
    )
