"""Grid work on top of the test world, for the scope matrix (tests/web/test_scope_matrix.py).

Every row carries a marker naming the place it belongs to, in 〔〕 brackets, so that an
answer can be searched for rows outside a user's scope:

- per cell K (A1N, A1S, A2N, A2S, B1X): branch 支部〔K〕 (secretary 书记〔K〕) answering for
  K, with a group 小组〔K〕 below it; team 队〔K〕 (member 队员〔K〕) and worker 网格员〔K〕
  assigned to K (网格员〔A1N〕 also to A2S); member 党员〔K〕 (in post) living in K's
  building and registered in K; zone 片区〔K〕 holding K; unit 单位〔K〕 in K's building;
  household 户主〔K〕 (phone 住户电话〔K〕) in K's building, read by name only by
  ``READS_HOUSEHOLDS[K]``, visited 40 days ago by 网格员〔K〕 (note 走访记录〔K〕, read
  only by the household's readers; the household is due again); an open event 事件〔K〕
  with a photo, a field-log entry 日志〔K〕, and a visit's (private) photo, by 网格员〔K〕
  (photo files under PHOTO_DIR);
- per community C (A1, A2, B1): committee 党委〔C〕 (书记〔C〕); a team 队〔C〕 of the whole
  community, assigned to no cell; zone 片区〔C〕 holding C; the service point's contact 联系〔C〕;
  one saved change (a rename) of its first cell, to revert;
- per subdistrict S (A, B): working committee 党工委〔S〕 (书记〔S〕); a subdistrict-wide
  team 队〔S〕.

Who may see each marker (the policy in docs/SCOPE.md) is in ``markers()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import delete, update

from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    CellChange,
    CellEvent,
    CellHistory,
    Community,
    FieldLog,
    GridCell,
    Household,
    Member,
    MemberRegistration,
    PartyOrg,
    Photo,
    ServicePoint,
    TeamMember,
    Unit,
    User,
    UserScope,
    Visit,
    VolunteerTeam,
    Zone,
    ZonePart,
)
from gridapp.services.field import photos
from tests.field_photos import image_bytes
from tests.world import World

ROLES = ("t_admin", "t_coordinator", "t_manager", "t_field")
EVERYONE = frozenset(ROLES)
# The places each role sees (tests/world.py: coordinator of A, manager of A1, field of A1N).
SEES_CELL = {
    "A1N": EVERYONE,
    "A1S": frozenset({"t_admin", "t_coordinator", "t_manager"}),
    "A2N": frozenset({"t_admin", "t_coordinator"}),
    "A2S": frozenset({"t_admin", "t_coordinator"}),
    "B1X": frozenset({"t_admin"}),
}
SEES_COMMUNITY = {
    "A1": EVERYONE,  # the field worker's cell lies in A1
    "A2": frozenset({"t_admin", "t_coordinator"}),
    "B1": frozenset({"t_admin"}),
}
OVERSEES_COMMUNITY = {
    "A1": frozenset({"t_admin", "t_coordinator", "t_manager"}),
    "A2": frozenset({"t_admin", "t_coordinator"}),
    "B1": frozenset({"t_admin"}),
}
SEES_SUBDISTRICT = {"A": EVERYONE, "B": frozenset({"t_admin"})}
# Who reads a cell's households by name: its grid worker, the community's grid manager,
# admins — never the coordinator, though they see every cell of A (docs/SCOPE.md, 住户).
READS_HOUSEHOLDS = {
    "A1N": frozenset({"t_admin", "t_manager", "t_field"}),
    "A1S": frozenset({"t_admin", "t_manager"}),
    "A2N": frozenset({"t_admin"}),
    "A2S": frozenset({"t_admin"}),
    "B1X": frozenset({"t_admin"}),
}
CELLS = tuple(SEES_CELL)
COMMUNITIES = tuple(SEES_COMMUNITY)
COMMUNITY_OF = {cell: cell[:2] for cell in CELLS}
SUBDISTRICT_OF = {place: place[0] for place in (*CELLS, *COMMUNITIES)}


@dataclass(frozen=True)
class Marker:
    kind: str  # what sort of row: "cell", "branch", "team", "worker", …
    place: str  # the cell, community or subdistrict key it belongs to
    text: str
    seen_by: frozenset[str]


@dataclass
class GridWork:
    world: World
    branch: dict[str, int] = field(default_factory=dict)
    group: dict[str, int] = field(default_factory=dict)
    committee: dict[str, int] = field(default_factory=dict)
    root: dict[str, int] = field(default_factory=dict)
    team: dict[str, int] = field(default_factory=dict)  # per cell, community and subdistrict
    worker: dict[str, int] = field(default_factory=dict)
    member: dict[str, int] = field(default_factory=dict)
    zone: dict[str, int] = field(default_factory=dict)  # per cell and community
    unit: dict[str, int] = field(default_factory=dict)
    household: dict[str, int] = field(default_factory=dict)  # per cell
    visit: dict[str, int] = field(default_factory=dict)  # per cell
    event: dict[str, int] = field(default_factory=dict)  # per cell
    field_log: dict[str, int] = field(default_factory=dict)  # per cell
    private_photo: dict[str, int] = field(default_factory=dict)  # per cell: a visit's photo
    event_photo: dict[str, int] = field(default_factory=dict)  # per cell
    branch_assignment: dict[str, int] = field(default_factory=dict)
    change: dict[str, int] = field(default_factory=dict)  # per community
    version: dict[str, int] = field(default_factory=dict)  # per cell, after the changes
    bounds: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # per cell
    buildings: dict[str, str] = field(default_factory=dict)  # building names per cell
    codes: dict[str, str] = field(default_factory=dict)  # per cell and community
    contacts: dict[str, str] = field(default_factory=dict)  # service points' contacts before


@contextmanager
def committed(app: Flask, world: World, photo_dir: Path) -> Iterator[GridWork]:
    """The grid work committed (its photo files under ``photo_dir``, which stays PHOTO_DIR
    meanwhile, so the photos can be read), and removed again afterwards."""
    saved = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = str(photo_dir)
    try:
        with app.app_context():
            work = build(world)
        try:
            yield work
        finally:
            with app.app_context():
                remove(work)
    finally:
        app.config["PHOTO_DIR"] = saved


def build(world: World) -> GridWork:
    """Add the grid work and commit it (``remove`` deletes it again)."""
    s = db.session
    g = GridWork(world)
    for sub in ("A", "B"):
        root = PartyOrg(
            subdistrict_id=world.subdistricts[sub], level="working_committee",
            name=f"党工委〔{sub}〕", secretary=f"书记〔{sub}〕",
        )  # fmt: skip
        team = VolunteerTeam(
            subdistrict_id=world.subdistricts[sub], kind="law", name=f"队〔{sub}〕"
        )
        s.add_all([root, team])
        s.flush()
        g.root[sub], g.team[sub] = root.id, team.id
    for c in COMMUNITIES:
        sub_id, community_id = world.subdistricts[c[0]], world.communities[c]
        committee = PartyOrg(
            subdistrict_id=sub_id, parent_id=g.root[c[0]], community_id=community_id,
            level="committee", name=f"党委〔{c}〕", secretary=f"书记〔{c}〕",
        )  # fmt: skip
        team = VolunteerTeam(
            subdistrict_id=sub_id, community_id=community_id, kind="neighbourhood",
            name=f"队〔{c}〕",
        )  # fmt: skip
        zone = Zone(subdistrict_id=sub_id, name=f"片区〔{c}〕", committee="促进会")
        zone.parts = [ZonePart(community_id=community_id)]
        s.add_all([committee, team, zone])
        s.flush()
        g.committee[c], g.team[c], g.zone[c] = committee.id, team.id, zone.id
        g.contacts[c] = s.get_one(ServicePoint, world.service_points[c]).contact
        s.execute(
            update(ServicePoint)
            .where(ServicePoint.id == world.service_points[c])
            .values(contact=f"联系〔{c}〕")
        )
        g.codes[c] = s.get_one(Community, community_id).code
    for n, k in enumerate(CELLS):
        _cell_work(g, k, n)
    # 网格员〔A1N〕 answers for A2S too: who sees only A1N must not learn of A2S through them
    far = world.cells["A2S"]
    s.add(UserScope(user_id=g.worker["A1N"], cell_id=far))
    s.add(CellAssignment(cell_id=far, kind="worker", user_id=g.worker["A1N"]))
    for k in CELLS:
        cell = s.get_one(GridCell, world.cells[k])
        g.version[k], g.names[k], g.codes[k] = cell.version, cell.name, cell.code
        g.bounds[k] = to_shape(cell.geom).bounds
        g.buildings[k] = s.get_one(Building, world.buildings[k]).name
    for c in COMMUNITIES:  # one saved change per community: its first cell renamed to itself
        g.change[c] = _change(g, next(k for k in CELLS if k.startswith(c)))
    s.commit()
    return g


def _change(g: GridWork, k: str) -> int:
    cell = db.session.get_one(GridCell, g.world.cells[k])
    change = CellChange(
        community_id=cell.community_id, user_id=g.world.users["t_admin"], user_name="t_admin",
        op="attributes", summary=f"{cell.name} 更名为 {cell.name}",
    )  # fmt: skip
    change.cells = [
        CellHistory(
            cell_id=cell.id, cell_code=cell.code, name_before=cell.name, name_after=cell.name,
            version_before=cell.version, version_after=cell.version,
            households_before=cell.households, households_after=cell.households,
            geom_before=cell.geom, geom_after=cell.geom,
        )
    ]  # fmt: skip
    db.session.add(change)
    db.session.flush()
    return change.id


def remove(g: GridWork) -> None:
    """Delete the grid work again (committed for the module, see test_scope_matrix.py)."""
    s = db.session
    orgs = [*g.group.values(), *g.branch.values(), *g.committee.values(), *g.root.values()]
    s.execute(delete(Unit).where(Unit.id.in_(g.unit.values())))
    s.execute(delete(Household).where(Household.id.in_(g.household.values())))
    s.execute(delete(CellEvent).where(CellEvent.id.in_(g.event.values())))
    s.execute(delete(FieldLog).where(FieldLog.id.in_(g.field_log.values())))
    photo_ids = [*g.private_photo.values(), *g.event_photo.values()]
    s.execute(delete(Photo).where(Photo.id.in_(photo_ids)))
    s.execute(delete(Zone).where(Zone.id.in_(g.zone.values())))
    s.execute(delete(Member).where(Member.id.in_(g.member.values())))
    s.execute(delete(VolunteerTeam).where(VolunteerTeam.id.in_(g.team.values())))
    s.execute(delete(User).where(User.id.in_(g.worker.values())))
    s.execute(delete(CellAssignment).where(CellAssignment.party_org_id.in_(orgs)))
    s.execute(update(PartyOrg).where(PartyOrg.id.in_(orgs)).values(parent_id=None))
    s.execute(delete(PartyOrg).where(PartyOrg.id.in_(orgs)))
    s.execute(delete(CellChange).where(CellChange.id.in_(g.change.values())))
    for c, contact in g.contacts.items():
        point = g.world.service_points[c]
        s.execute(update(ServicePoint).where(ServicePoint.id == point).values(contact=contact))
    s.commit()


def _cell_work(g: GridWork, k: str, n: int) -> None:
    s, world = db.session, g.world
    c = COMMUNITY_OF[k]
    sub_id, community_id, cell_id = world.subdistricts[c[0]], world.communities[c], world.cells[k]
    branch = PartyOrg(
        subdistrict_id=sub_id, parent_id=g.committee[c], community_id=community_id,
        level="branch", name=f"支部〔{k}〕", secretary=f"书记〔{k}〕",
    )  # fmt: skip
    team = VolunteerTeam(
        subdistrict_id=sub_id, community_id=community_id, kind="neighbourhood", name=f"队〔{k}〕"
    )
    team.members = [TeamMember(name=f"队员〔{k}〕", phone=f"1390000000{n}", is_captain=True)]
    worker = User(
        username=f"w_{k.lower()}", display_name=f"网格员〔{k}〕", role="field_staff",
        password_hash="-", scopes=[UserScope(cell_id=cell_id)],
    )  # fmt: skip
    s.add_all([branch, team, worker])
    s.flush()
    group = PartyOrg(
        subdistrict_id=sub_id, parent_id=branch.id, community_id=community_id,
        level="group", name=f"小组〔{k}〕",
    )  # fmt: skip
    building = s.get_one(Building, world.buildings[k])
    member = Member(
        subdistrict_id=sub_id, org_id=branch.id, name=f"党员〔{k}〕", gender="女",
        phone=f"1380000000{n}", status="in_post", home_building_id=building.id,
        home=building.geom.ST_PointOnSurface(), is_hub=True, hub_households=12,
    )  # fmt: skip
    zone = Zone(subdistrict_id=sub_id, name=f"片区〔{k}〕")
    zone.parts = [ZonePart(cell_id=cell_id)]
    s.add_all([group, member, zone])
    s.flush()
    centre = to_shape(building.geom).centroid
    unit = Unit(
        subdistrict_id=sub_id, zone_id=zone.id, building_id=building.id, party_org_id=branch.id,
        kind="company", name=f"单位〔{k}〕", resources=["会议室"],
        geom=from_shape(Point(centre.x, centre.y), srid=4326),
    )  # fmt: skip
    assignment = CellAssignment(cell_id=cell_id, kind="party_org", party_org_id=branch.id)
    household = Household(
        building_id=building.id, unit="1单元", room="101", head_name=f"户主〔{k}〕", size=2,
        phone=f"住户电话〔{k}〕", tags=["dibao", "party_member"],
    )  # fmt: skip
    s.add_all([unit, assignment, household])
    s.add(CellAssignment(cell_id=cell_id, kind="team", team_id=team.id))
    s.add(CellAssignment(cell_id=cell_id, kind="worker", user_id=worker.id))
    s.add(
        MemberRegistration(
            member_id=member.id, community_id=community_id, cell_id=cell_id, team_id=team.id
        )
    )
    s.flush()
    visit = Visit(
        client_key=f"scope-visit-{k}", cell_id=cell_id, household_id=household.id,
        user_id=worker.id, user_name=f"网格员〔{k}〕", method="home",
        visited_at=datetime.now(UTC) - timedelta(days=40), note=f"走访记录〔{k}〕",
    )  # fmt: skip
    s.add(visit)
    s.flush()
    g.visit[k] = visit.id
    g.branch[k], g.group[k], g.team[k], g.worker[k] = branch.id, group.id, team.id, worker.id
    g.member[k], g.zone[k], g.unit[k] = member.id, zone.id, unit.id
    g.branch_assignment[k] = assignment.id
    g.household[k] = household.id
    _field_records(g, k, worker)


def _field_records(g: GridWork, k: str, worker: User) -> None:
    """An open event with a photo, a field-log entry and a visit's photo, by the cell's
    worker (the photo files go to PHOTO_DIR, which the caller points at a temporary folder)."""
    s, cell_id = db.session, g.world.cells[k]
    x0, y0, x1, y1 = to_shape(s.get_one(GridCell, cell_id).geom).bounds
    with photos.stored(image_bytes(), cell_id, worker, private=False) as shown:
        assert shown is not None
        event = CellEvent(
            client_key=f"matrix-event-{k}", cell_id=cell_id, category="safety",
            description=f"事件〔{k}〕", geom=from_shape(Point((x0 + x1) / 2, (y0 + y1) / 2), 4326),
            photo_id=shown.id, reported_by=worker.id, reporter_name=worker.display_name,
        )  # fmt: skip
        log = FieldLog(
            client_key=f"matrix-log-{k}", cell_id=cell_id, user_id=worker.id,
            user_name=worker.display_name, day=date.today(), seen=f"日志〔{k}〕",
        )  # fmt: skip
        s.add_all([event, log])
        s.flush()
    with photos.stored(image_bytes("PNG"), cell_id, worker, private=True) as private:
        assert private is not None
    g.event[k], g.field_log[k], g.event_photo[k] = event.id, log.id, shown.id
    g.private_photo[k] = private.id


def markers(g: GridWork) -> list[Marker]:
    """Every marked row, with the roles that may see it (docs/SCOPE.md)."""
    out: list[Marker] = []
    for k in CELLS:
        seen = SEES_CELL[k]
        for kind, text in (
            ("cell", g.names[k]), ("cell_code", g.codes[k]), ("building", g.buildings[k]),
            ("branch", f"支部〔{k}〕"), ("secretary", f"书记〔{k}〕"), ("group", f"小组〔{k}〕"),
            ("team", f"队〔{k}〕"), ("team_member", f"队员〔{k}〕"),
            ("worker", f"网格员〔{k}〕"), ("member", f"党员〔{k}〕"),
            ("zone", f"片区〔{k}〕"), ("unit", f"单位〔{k}〕"),
            ("event", f"事件〔{k}〕"), ("field_log", f"日志〔{k}〕"),
        ):  # fmt: skip
            out.append(Marker(kind, k, text, seen))
        for kind, text in (
            ("household", f"户主〔{k}〕"), ("household_phone", f"住户电话〔{k}〕"),
            ("visit_note", f"走访记录〔{k}〕"),
        ):  # fmt: skip
            out.append(Marker(kind, k, text, READS_HOUSEHOLDS[k]))
    for c in COMMUNITIES:
        seen = SEES_COMMUNITY[c]
        out += [
            Marker("community", c, g.codes[c], seen),
            Marker("committee", c, f"党委〔{c}〕", seen),  # an ancestor of the visible branches
            Marker("committee_secretary", c, f"书记〔{c}〕", seen),
            Marker("community_team", c, f"队〔{c}〕", OVERSEES_COMMUNITY[c]),  # on no cell
            Marker("community_zone", c, f"片区〔{c}〕", seen),
            Marker("contact", c, f"联系〔{c}〕", seen),
        ]
    for sub, name in (("A", "测试甲街道"), ("B", "测试乙街道")):
        seen = SEES_SUBDISTRICT[sub]
        out += [
            Marker("root", sub, f"党工委〔{sub}〕", seen),
            Marker("root_secretary", sub, f"书记〔{sub}〕", seen),
            Marker("subdistrict_team", sub, f"队〔{sub}〕", seen),  # public inside it
            Marker("subdistrict", sub, name, seen),
        ]
    out.append(Marker("point", "B1", "乙一社区党群服务中心", SEES_SUBDISTRICT["B"]))
    return out


def visible_ids(g: GridWork, role: str) -> dict[str, set[int]]:
    """Ids a role may meet, by the JSON key that carries them (others must not appear)."""
    w = g.world
    cells = {w.cells[k] for k in CELLS if role in SEES_CELL[k]}
    communities = {w.communities[c] for c in COMMUNITIES if role in SEES_COMMUNITY[c]}
    subs = {w.subdistricts[s] for s in ("A", "B") if role in SEES_SUBDISTRICT[s]}
    zones = {g.zone[p] for p in g.zone if role in {**SEES_CELL, **SEES_COMMUNITY}[p]}
    points = {w.service_points[c] for c in COMMUNITIES if role in SEES_SUBDISTRICT[c[0]]}
    return {
        "cell_id": cells,
        "cells": cells,
        "community_id": communities,
        "communities": communities,
        "building_id": {w.buildings[k] for k in CELLS if role in SEES_CELL[k]},
        "buildings": {w.buildings[k] for k in CELLS if role in SEES_CELL[k]},
        "subdistrict_id": subs,
        "zone_id": zones,
        "member_id": {g.member[k] for k in CELLS if role in SEES_CELL[k]},
        "household_id": {g.household[k] for k in CELLS if role in READS_HOUSEHOLDS[k]},
        "point_id": points,
        "service_point_id": points,
    }
