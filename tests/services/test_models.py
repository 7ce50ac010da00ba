"""Constraints the database itself enforces, on real PostGIS; every test is rolled back.

Each refusal is matched on the constraint's name, so a test cannot pass because some other
rule happened to refuse the row. A valid twin of each row is accepted first where that shows
the refusal is about the one thing under test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gridapp.extensions import db
from gridapp.models import Community, GridCell, StreetEdge, Subdistrict, UserScope
from tests.world import World

# Inside community A1 (116.40–116.41, 39.90–39.91) but clear of the world's cells' codes.
SQUARE = box(116.401, 39.901, 116.402, 39.902)
# Edges (0,0)-(1,1) and (1,0)-(0,1) cross: a self-intersecting ring, invalid for ST_IsValid.
BOW_TIE = Polygon([(116.401, 39.901), (116.402, 39.902), (116.402, 39.901), (116.401, 39.902)])


def _mp(polygon: Polygon) -> WKBElement:
    return from_shape(MultiPolygon([polygon]), srid=4326)


@pytest.fixture
def session(app: Flask, db_session: None) -> Iterator[Session]:
    """The app's session inside an app context, bound to the rolled-back test transaction."""
    with app.app_context():
        yield db.session


def _cell(world: World, code: str = "110199001001901", geom: Polygon = SQUARE) -> GridCell:
    return GridCell(
        community_id=world.communities["A1"],
        code=code,
        seq=int(code[-3:]) or 1,
        name="测试网格",
        geom=_mp(geom),
    )


def _community(world: World, code: str = "110199001901", geom: Polygon = SQUARE) -> Community:
    return Community(
        subdistrict_id=world.subdistricts["A"], code=code, name="测试社区", geom=_mp(geom)
    )


def _refused(session: Session, row: object, constraint: str) -> None:
    """Adding ``row`` fails in the database with the named constraint."""
    with pytest.raises(IntegrityError, match=constraint), session.begin_nested():
        session.add(row)
        session.flush()


# --- geometry validity ----------------------------------------------------------------------


def test_bow_tie_polygon_is_invalid_in_postgis(session: Session) -> None:
    valid = session.scalar(select(func.ST_IsValid(_mp(BOW_TIE))))
    assert valid is False


def test_valid_cell_is_accepted(session: Session, world: World) -> None:
    cell = _cell(world)
    session.add(cell)
    session.flush()
    assert cell.id is not None


def test_self_intersecting_cell_is_refused_by_the_database(session: Session, world: World) -> None:
    _refused(session, _cell(world, geom=BOW_TIE), "ck_grid_cells_geom_valid")


def test_valid_community_is_accepted(session: Session, world: World) -> None:
    community = _community(world)
    session.add(community)
    session.flush()
    assert community.id is not None


def test_self_intersecting_community_is_refused_by_the_database(
    session: Session, world: World
) -> None:
    _refused(session, _community(world, geom=BOW_TIE), "ck_communities_geom_valid")


# --- cell codes -----------------------------------------------------------------------------


def test_duplicate_cell_code_is_refused(session: Session, world: World) -> None:
    existing = session.get(GridCell, world.cells["A1N"])
    assert existing is not None
    _refused(session, _cell(world, code=existing.code), "uq_grid_cells_code")


@pytest.mark.parametrize(
    "code",
    [
        "11019900100190",  # 14 digits
        "1101990010019A1",  # a letter
        "11019900100190 ",  # a trailing space
        "１１０１９９００１００１９０１",  # full-width digits
    ],
)
def test_malformed_cell_code_is_refused(session: Session, world: World, code: str) -> None:
    cell = _cell(world)
    cell.code = code
    _refused(session, cell, "ck_grid_cells_code_pattern")


# --- user scopes ----------------------------------------------------------------------------


def test_user_scope_with_exactly_one_place_is_accepted(session: Session, world: World) -> None:
    scope = UserScope(user_id=world.users["t_admin"], cell_id=world.cells["A2S"])
    session.add(scope)
    session.flush()
    assert scope.id is not None


def test_user_scope_with_two_places_is_refused(session: Session, world: World) -> None:
    scope = UserScope(
        user_id=world.users["t_admin"],
        subdistrict_id=world.subdistricts["A"],
        community_id=world.communities["A1"],
    )
    _refused(session, scope, "ck_user_scopes_exactly_one_place")


def test_user_scope_with_no_place_is_refused(session: Session, world: World) -> None:
    _refused(session, UserScope(user_id=world.users["t_admin"]), "ck_user_scopes_exactly_one_place")


# --- street edges ---------------------------------------------------------------------------


def _edge(world: World, kind: str) -> StreetEdge:
    return StreetEdge(
        subdistrict_id=world.subdistricts["A"],
        u=101,
        v=102,
        kind=kind,
        length_m=85.0,
        geom=from_shape(LineString([(116.401, 39.901), (116.402, 39.901)]), srid=4326),
    )


def test_street_edge_of_known_kind_is_accepted(session: Session, world: World) -> None:
    edge = _edge(world, "footway")
    session.add(edge)
    session.flush()
    assert edge.id is not None


def test_street_edge_of_unknown_kind_is_refused(session: Session, world: World) -> None:
    _refused(session, _edge(world, "motorway"), "ck_street_edges_kind_known")


# --- optimistic concurrency -----------------------------------------------------------------


def test_cell_version_increments_on_each_update(session: Session, world: World) -> None:
    cell = session.get(GridCell, world.cells["A1S"])
    assert cell is not None
    before = cell.version
    cell.name = "改名后的网格"
    session.flush()
    assert cell.version == before + 1
    cell.households += 1
    session.flush()
    assert cell.version == before + 2
    stored = session.execute(
        text("SELECT version FROM grid_cells WHERE id = :id"), {"id": cell.id}
    ).scalar_one()
    assert stored == before + 2


def test_stale_cell_update_raises_stale_data_error(session: Session, world: World) -> None:
    cell = session.get(GridCell, world.cells["A2N"])
    assert cell is not None
    # Someone else saves the cell after we loaded it (same transaction, behind the ORM's back).
    session.execute(
        text("UPDATE grid_cells SET version = version + 1 WHERE id = :id"), {"id": cell.id}
    )
    cell.name = "过期的修改"
    with pytest.raises(StaleDataError):
        session.flush()


# --- cascades -------------------------------------------------------------------------------


def test_deleting_a_subdistrict_deletes_its_communities_and_cells(session: Session) -> None:
    sub = Subdistrict(
        code="110199909", name="待删街道", geom=_mp(box(116.60, 39.90, 116.62, 39.91))
    )
    session.add(sub)
    session.flush()
    community = Community(
        subdistrict_id=sub.id,
        code="110199909001",
        name="待删社区",
        geom=_mp(box(116.60, 39.90, 116.61, 39.91)),
    )
    session.add(community)
    session.flush()
    cells = [
        GridCell(
            community_id=community.id,
            code=f"110199909001{seq:03d}",
            seq=seq,
            name=f"待删网格{seq}",
            geom=_mp(box(116.60, 39.90 + (seq - 1) * 0.005, 116.61, 39.905 + (seq - 1) * 0.005)),
        )
        for seq in (1, 2)
    ]
    session.add_all(cells)
    session.flush()
    community_id, cell_ids = community.id, [c.id for c in cells]
    session.expunge_all()  # nothing loaded: the database, not the ORM, must cascade

    session.execute(text("DELETE FROM subdistricts WHERE id = :id"), {"id": sub.id})

    assert (
        session.scalar(
            select(func.count()).select_from(Community).where(Community.id == community_id)
        )
        == 0
    )
    assert (
        session.scalar(select(func.count()).select_from(GridCell).where(GridCell.id.in_(cell_ids)))
        == 0
    )


def test_deleting_a_subdistrict_leaves_other_subdistricts_alone(
    session: Session, world: World
) -> None:
    session.execute(
        text("DELETE FROM subdistricts WHERE id = :id"), {"id": world.subdistricts["B"]}
    )
    remaining = set(
        session.scalars(select(GridCell.id).where(GridCell.id.in_(world.cells.values())))
    )
    assert remaining == {world.cells[k] for k in ("A1N", "A1S", "A2N", "A2S")}
