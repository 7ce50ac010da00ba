"""The report pages: the places a user may report on (``/reports/``) and the printable
report of a subdistrict or a community. Rendered whole on the server (map and charts as
inline SVG), so the page prints as it is shown, with no script and no tiles.

A refusal is a page with its status, like the field pages: 403 for a role that may not
report or a place outside the scope, 404 for an unknown id."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from gridapp.core.errors import DomainError
from gridapp.core.report_figures import band_legend
from gridapp.services.reports import access, content, figures

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.errorhandler(DomainError)
def refused(err: DomainError) -> tuple[str, int]:
    """A refusal, or an id beyond int32, as a page with its status (not the app's flash and
    redirect): the report pages are opened from links and bookmarks."""
    return render_template("error.html", message=err.message), err.status


@bp.get("/")
def index() -> str:
    """报告: the subdistricts and communities the user may report on."""
    return render_template("reports/index.html", places=access.places(current_user))


@bp.get("/subdistricts/<id:subdistrict_id>")
def subdistrict(subdistrict_id: int) -> str:
    """The report of a whole subdistrict (街道)."""
    return _render(content.subdistrict_place(current_user, subdistrict_id))


@bp.get("/communities/<id:community_id>")
def community(community_id: int) -> str:
    """The report of one community (社区)."""
    return _render(content.community_place(current_user, community_id))


def _render(place: content.Place) -> str:
    fig = content.figures(current_user, place)
    return render_template(
        "reports/report.html",
        fig=fig,
        map=figures.report_map(fig),
        charts=figures.charts(fig),
        bands=band_legend(),
    )
