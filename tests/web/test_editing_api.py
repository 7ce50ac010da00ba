"""Boundary editing through the API on real PostGIS: every save rule, 409, revert, rights.

World cells (tests/world.py): community A1 = 116.40–116.41 × 39.90–39.91 with A1N (north
half) and A1S (south half), one building in the middle of each; A2 likewise. Every test
runs in a rolled-back transaction (``db_session``).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from shapely.geometry import box, mapping, shape

from tests.world import World

MID = 39.905  # the A1N/A1S boundary
W, E = 116.40, 116.41


def _cell(client: FlaskClient, cell_id: int) -> dict[str, Any]:
    body = client.get(f"/api/cells/{cell_id}").json
    assert body is not None
    return body


def _poly(minx: float, miny: float, maxx: float, maxy: float) -> dict[str, Any]:
    return dict(mapping(box(minx, miny, maxx, maxy)))


def _save(client: FlaskClient, world: World, cells: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post(
        "/api/changes", json={"community_id": world.communities["A1"], "cells": cells, **extra}
    )


def _move_boundary(
    client: FlaskClient, world: World, lat: float, versions: tuple[int, int] = (1, 1), **extra: Any
) -> Any:
    return _save(
        client,
        world,
        [
            {
                "id": world.cells["A1N"],
                "version": versions[0],
                "geometry": _poly(W, lat, E, 39.91),
            },
            {
                "id": world.cells["A1S"],
                "version": versions[1],
                "geometry": _poly(W, 39.90, E, lat),
            },
        ],
        **extra,
    )


def test_moving_a_shared_boundary_saves_both_cells(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    before = _cell(as_manager, world.cells["A1N"])
    response = _move_boundary(as_manager, world, 39.906)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["change_id"] is not None
    after = _cell(as_manager, world.cells["A1N"])
    assert after["properties"]["version"] == before["properties"]["version"] + 1
    assert shape(after["geometry"]).bounds[1] == pytest.approx(39.906, abs=1e-9)
    assert body["impact"]["transfers"] == []  # no building crossed
    history = as_manager.get(f"/api/cells/{world.cells['A1N']}/history").json
    entry = history["entries"][0]
    assert entry["op"] == "reshape" and entry["user"] == "t_manager"
    assert entry["area_after_m2"] < entry["area_before_m2"]


def test_preview_lists_moving_buildings_and_writes_nothing(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    # the A1S building sits at 39.9025 ± 0.0001: moving the boundary south of it moves it north
    response = _move_boundary(as_manager, world, 39.902, dry_run=True)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["change_id"] is None
    [transfer] = body["impact"]["transfers"]
    assert transfer["from_cell"] == str(world.cells["A1S"])
    assert transfer["to_cell"] == str(world.cells["A1N"])
    assert transfer["buildings"] == [world.buildings["A1S"]] and transfer["households"] == 200
    assert "200 户" in body["impact"]["summary"]
    assert _cell(as_manager, world.cells["A1N"])["properties"]["version"] == 1
    # saving it for real moves the households with the building
    assert _move_boundary(as_manager, world, 39.902).status_code == 200
    assert _cell(as_manager, world.cells["A1N"])["properties"]["households"] == 300
    assert _cell(as_manager, world.cells["A1S"])["properties"]["households"] == 0


def test_shrinking_one_cell_leaves_a_gap_and_names_the_neighbour(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    n = _cell(as_manager, world.cells["A1N"])
    response = _save(
        as_manager,
        world,
        [{"id": n["id"], "version": 1, "geometry": _poly(W, 39.906, E, 39.91)}],
    )
    assert response.status_code == 422
    body = response.json
    assert body["status"] == "gap" and "空隙" in body["message"]
    assert body["errors"]["suggested_cell"] == str(world.cells["A1S"])
    assert shape(body["geometry"]).bounds == pytest.approx((W, MID, E, 39.906), abs=1e-7)
    assert _cell(as_manager, world.cells["A1N"])["properties"]["version"] == 1


def test_growing_into_a_neighbour_alone_is_an_overlap(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    response = _save(
        as_manager,
        world,
        [{"id": world.cells["A1N"], "version": 1, "geometry": _poly(W, 39.903, E, 39.91)}],
    )
    assert response.status_code == 422
    assert response.json["status"] == "overlap" and "重叠" in response.json["message"]
    assert shape(response.json["geometry"]).area > 0


def test_bow_tie_is_refused_with_its_location(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[W, MID], [E, 39.91], [E, MID], [W, 39.91], [W, MID]]],
    }
    response = _save(
        as_manager, world, [{"id": world.cells["A1N"], "version": 1, "geometry": bow_tie}]
    )
    assert response.status_code == 422
    assert response.json["status"] == "invalid_geometry"
    assert "自相交" in response.json["message"]
    assert response.json["geometry"]["type"] == "Point"


def test_projected_coordinates_are_a_clear_400(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    response = _save(
        as_manager,
        world,
        [
            {
                "id": world.cells["A1N"],
                "version": 1,
                "geometry": _poly(453000, 4417000, 453500, 4417500),
            }
        ],
    )
    assert response.status_code == 400
    assert "EPSG:4326" in response.json["message"]


def test_malformed_geojson_is_a_clear_400(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    bad = {"type": "Polygon", "coordinates": [[1, 2]]}
    response = _save(as_manager, world, [{"id": world.cells["A1N"], "version": 1, "geometry": bad}])
    assert response.status_code == 400 and "GeoJSON" in response.json["message"]


def test_cell_outside_its_community_is_refused(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    response = _save(
        as_manager,
        world,
        [
            {"id": world.cells["A1N"], "version": 1, "geometry": _poly(W, MID, E, 39.92)},
        ],
    )
    assert response.status_code == 422 and response.json["status"] == "outside_community"


def test_stale_version_is_409_with_both_versions(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    assert _move_boundary(as_manager, world, 39.906).status_code == 200
    response = _save(
        as_manager,
        world,
        [
            {"id": world.cells["A1N"], "version": 1, "geometry": _poly(W, 39.904, E, 39.91)},
            {"id": world.cells["A1S"], "version": 1, "geometry": _poly(W, 39.90, E, 39.904)},
        ],
    )
    assert response.status_code == 409
    body = response.json
    assert body["status"] == "stale_version"
    conflict = {c["id"]: c for c in body["errors"]["cells"]}
    mine = conflict[world.cells["A1N"]]
    assert mine["your_version"] == 1 and mine["current_version"] == 2
    assert shape(mine["current"]["geometry"]).bounds[1] == pytest.approx(39.906, abs=1e-9)
    assert shape(mine["yours"]).bounds[1] == pytest.approx(39.904, abs=1e-9)


def test_boundary_through_a_building_needs_a_reason(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    # the A1S building spans 39.9024–39.9026
    response = _move_boundary(as_manager, world, 39.9025)
    assert response.status_code == 422 and response.json["status"] == "building_cut"
    assert response.json["errors"]["buildings"] == [world.buildings["A1S"]]
    forced = _move_boundary(
        as_manager, world, 39.9025, override_reason="楼栋跨两个小区，按门牌划分"
    )
    assert forced.status_code == 200
    assert forced.json["impact"]["cut_buildings"] == [world.buildings["A1S"]]
    entry = as_manager.get(f"/api/cells/{world.cells['A1N']}/history").json["entries"][0]
    assert entry["override_reason"] == "楼栋跨两个小区，按门牌划分"


def test_split_gives_the_new_part_the_next_free_code(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    line = {"type": "LineString", "coordinates": [[116.405, 39.904], [116.405, 39.911]]}
    preview = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/split", json={"version": 1, "line": line, "dry_run": True}
    )
    assert preview.status_code == 200, preview.json
    assert len(preview.json["cells"]) == 2 and preview.json["change_id"] is None
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/split", json={"version": 1, "line": line}
    )
    assert response.status_code == 200, response.json
    codes = sorted(f["properties"]["code"] for f in response.json["cells"])
    assert codes == ["110199001001001", "110199001001003"]
    cells = as_manager.get(f"/api/cells?community_id={world.communities['A1']}").json["features"]
    assert len(cells) == 3
    total = sum(shape(f["geometry"]).area for f in cells)
    assert total == pytest.approx((E - W) * 0.01, rel=1e-9)


def test_split_line_must_cross_the_cell(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    line = {"type": "LineString", "coordinates": [[116.402, 39.907], [116.403, 39.908]]}
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/split", json={"version": 1, "line": line}
    )
    assert response.status_code == 422 and "穿过" in response.json["message"]


def test_merge_keeps_the_larger_cells_code_and_deletes_the_other(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    body = {
        "cells": [
            {"id": world.cells["A1N"], "version": 1},
            {"id": world.cells["A1S"], "version": 1},
        ]
    }
    response = as_manager.post("/api/cells/merge", json=body)
    assert response.status_code == 200, response.json
    [merged] = response.json["cells"]
    assert merged["properties"]["code"] == "110199001001002"  # A1S has 200 households
    assert merged["properties"]["households"] == 300
    assert as_manager.get(f"/api/cells/{world.cells['A1N']}").status_code == 404


def test_merge_across_communities_is_refused(
    as_admin: FlaskClient, world: World, db_session: None
) -> None:
    body = {
        "cells": [
            {"id": world.cells["A1N"], "version": 1},
            {"id": world.cells["A2N"], "version": 1},
        ]
    }
    response = as_admin.post("/api/cells/merge", json=body)
    assert response.status_code == 400 and "同一社区" in response.json["message"]


def test_revert_restores_the_geometry_and_is_itself_recorded(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    change_id = _move_boundary(as_manager, world, 39.906).json["change_id"]
    response = as_manager.post(f"/api/changes/{change_id}/revert", json={})
    assert response.status_code == 200, response.json
    n = _cell(as_manager, world.cells["A1N"])
    assert shape(n["geometry"]).bounds[1] == pytest.approx(MID, abs=1e-9)
    assert n["properties"]["version"] == 3
    entry = as_manager.get(f"/api/cells/{world.cells['A1N']}/history").json["entries"][0]
    assert entry["op"] == "revert" and entry["reverts_change_id"] == change_id
    # the same change cannot be reverted twice: the cells have moved on
    again = as_manager.post(f"/api/changes/{change_id}/revert", json={})
    assert again.status_code == 409


def test_revert_of_a_merge_brings_the_deleted_cell_back_with_its_code(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    body = {
        "cells": [
            {"id": world.cells["A1N"], "version": 1},
            {"id": world.cells["A1S"], "version": 1},
        ]
    }
    change_id = as_manager.post("/api/cells/merge", json=body).json["change_id"]
    response = as_manager.post(f"/api/changes/{change_id}/revert", json={})
    assert response.status_code == 200, response.json
    cells = as_manager.get(f"/api/cells?community_id={world.communities['A1']}").json["features"]
    assert sorted(f["properties"]["code"] for f in cells) == ["110199001001001", "110199001001002"]
    by_code = {f["properties"]["code"]: f for f in cells}
    assert by_code["110199001001001"]["properties"]["households"] == 100


def test_rename_records_the_change(as_manager: FlaskClient, world: World, db_session: None) -> None:
    response = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/rename", json={"version": 1, "name": "幸福里网格"}
    )
    assert response.status_code == 200, response.json
    assert _cell(as_manager, world.cells["A1N"])["properties"]["name"] == "幸福里网格"
    stale = as_manager.post(
        f"/api/cells/{world.cells['A1N']}/rename", json={"version": 1, "name": "又改"}
    )
    assert stale.status_code == 409


@pytest.mark.parametrize("role", ["as_coordinator", "as_field"])
def test_coordinators_and_field_staff_cannot_edit(
    role: str, request: pytest.FixtureRequest, world: World, db_session: None
) -> None:
    client: FlaskClient = request.getfixturevalue(role)
    response = _move_boundary(client, world, 39.906)
    assert response.status_code == 403 and "网格管理员" in response.json["message"]


def test_manager_cannot_edit_outside_their_community(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    response = as_manager.post(
        "/api/changes",
        json={
            "community_id": world.communities["A2"],
            "cells": [
                {
                    "id": world.cells["A2N"],
                    "version": 1,
                    "geometry": _poly(116.41, MID, 116.42, 39.91),
                }
            ],
        },
    )
    assert response.status_code == 403


def test_unknown_cell_is_404(as_admin: FlaskClient, world: World, db_session: None) -> None:
    response = as_admin.post(
        "/api/changes",
        json={"community_id": world.communities["A1"], "cells": [{"id": 999999, "version": 1}]},
    )
    assert response.status_code == 404


def test_new_cell_is_clipped_to_free_space(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    # make room: shrink A1S by hand (legacy data with a gap in the south)
    from gridapp.extensions import db
    from gridapp.models import GridCell

    with as_manager.application.app_context():
        cell = db.session.get(GridCell, world.cells["A1S"])
        assert cell is not None
        from geoalchemy2.shape import from_shape
        from shapely.geometry import MultiPolygon

        cell.geom = from_shape(MultiPolygon([box(W, 39.902, E, MID)]), srid=4326)
        db.session.commit()
    drawn = _poly(W, 39.90, E, 39.903)  # overlaps A1S by 0.001°
    response = as_manager.post(
        "/api/cells/draw",
        json={"community_id": world.communities["A1"], "name": "新建网格", "geometry": drawn},
    )
    assert response.status_code == 200, response.json
    [cell_f] = response.json["cells"]
    assert cell_f["properties"]["code"] == "110199001001003"
    assert shape(cell_f["geometry"]).bounds == pytest.approx((W, 39.90, E, 39.902), abs=1e-7)
    assert response.json["overlapped"] == [world.cells["A1S"]]


def test_drawing_in_a_fully_covered_community_is_refused(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    response = as_manager.post(
        "/api/cells/draw",
        json={
            "community_id": world.communities["A1"],
            "name": "x",
            "geometry": _poly(W, 39.901, E, 39.902),
        },
    )
    assert response.status_code == 422 and "没有空闲区域" in response.json["message"]


def _assign_branch(world: World, client: FlaskClient, cell_key: str) -> int:
    from gridapp.extensions import db
    from gridapp.models import CellAssignment, PartyOrg

    with client.application.app_context():
        org = PartyOrg(
            subdistrict_id=world.subdistricts["A"], level="branch", name=f"{cell_key}党支部"
        )
        db.session.add(org)
        db.session.flush()
        db.session.add(
            CellAssignment(cell_id=world.cells[cell_key], kind="party_org", party_org_id=org.id)
        )
        db.session.commit()
        return org.id


def _active_assignments(client: FlaskClient, org_id: int) -> list[int]:
    from sqlalchemy import select

    from gridapp.extensions import db
    from gridapp.models import CellAssignment

    with client.application.app_context():
        return list(
            db.session.scalars(
                select(CellAssignment.cell_id).where(
                    CellAssignment.party_org_id == org_id, CellAssignment.ended_at.is_(None)
                )
            )
        )


def test_merge_moves_the_deleted_cells_assignments_to_the_survivor(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    org = _assign_branch(world, as_manager, "A1N")
    body = {
        "cells": [
            {"id": world.cells["A1N"], "version": 1},
            {"id": world.cells["A1S"], "version": 1},
        ],
        "dry_run": True,
    }
    preview = as_manager.post("/api/cells/merge", json=body).json
    [moved] = preview["impact"]["assignments"]
    assert moved["kind"] == "party_org" and moved["to_cell"] == str(world.cells["A1S"])
    assert _active_assignments(as_manager, org) == [world.cells["A1N"]]  # preview wrote nothing
    body["dry_run"] = False
    assert as_manager.post("/api/cells/merge", json=body).status_code == 200
    assert _active_assignments(as_manager, org) == [world.cells["A1S"]]


def test_split_assignments_stay_with_the_larger_part_unless_the_manager_moves_them(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    org = _assign_branch(world, as_manager, "A1N")
    line = {"type": "LineString", "coordinates": [[116.403, 39.904], [116.403, 39.911]]}
    url = f"/api/cells/{world.cells['A1N']}/split"
    default = as_manager.post(url, json={"version": 1, "line": line, "dry_run": True}).json
    assert default["impact"]["assignments"] == []  # stays on the part with the building
    moved = as_manager.post(url, json={"version": 1, "line": line, "assignments_to": 1})
    assert moved.status_code == 200, moved.json
    new_cell = next(f["id"] for f in moved.json["cells"] if f["id"] != world.cells["A1N"])
    assert _active_assignments(as_manager, org) == [new_cell]


def test_a_save_leaves_buildings_of_the_neighbouring_community_alone(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiPolygon

    from gridapp.extensions import db
    from gridapp.models import Building

    with as_manager.application.app_context():
        # in A2S, 1 m east of the A1/A2 border: inside the save's envelope, not its business
        house = Building(
            subdistrict_id=world.subdistricts["A"], cell_id=world.cells["A2S"], kind="residential",
            households=9, residents=20,
            geom=from_shape(MultiPolygon([box(E + 1e-5, 39.9040, E + 1e-4, 39.9045)]), srid=4326),
        )  # fmt: skip
        db.session.add(house)
        db.session.commit()
        house_id = house.id
    response = _move_boundary(as_manager, world, 39.906)
    assert response.status_code == 200, response.json
    assert response.json["impact"]["transfers"] == []
    with as_manager.application.app_context():
        assert db.session.get(Building, house_id).cell_id == world.cells["A2S"]  # type: ignore[union-attr]


def test_drawing_with_carve_takes_the_area_out_of_the_overlapped_cells(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    drawn = _poly(116.401, 39.904, 116.403, 39.909)  # across the A1N/A1S boundary, no building
    body = {"community_id": world.communities["A1"], "name": "新小区网格", "geometry": drawn}
    preview = as_manager.post("/api/cells/draw", json={**body, "carve": True, "dry_run": True})
    assert preview.status_code == 200, preview.json
    assert sorted(preview.json["overlapped"]) == sorted([world.cells["A1N"], world.cells["A1S"]])
    response = as_manager.post("/api/cells/draw", json={**body, "carve": True})
    assert response.status_code == 200, response.json
    cells = as_manager.get(f"/api/cells?community_id={world.communities['A1']}").json["features"]
    by_code = {f["properties"]["code"]: shape(f["geometry"]) for f in cells}
    new = by_code["110199001001003"]
    assert new.bounds == pytest.approx((116.401, 39.904, 116.403, 39.909), abs=1e-7)
    assert by_code["110199001001001"].intersection(new).area == pytest.approx(0, abs=1e-12)
    total = sum(g.area for g in by_code.values())
    assert total == pytest.approx((E - W) * 0.01, rel=1e-9)  # still no gap, no overlap


def test_carving_through_a_building_needs_a_reason(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    drawn = _poly(116.401, 39.9074, 116.405, 39.909)  # cuts the A1N building (x 116.4048–.4052)
    body = {"community_id": world.communities["A1"], "name": "x", "geometry": drawn, "carve": True}
    refused = as_manager.post("/api/cells/draw", json=body)
    assert refused.status_code == 422 and refused.json["status"] == "building_cut"
    forced = as_manager.post("/api/cells/draw", json={**body, "override_reason": "临时划分"})
    assert forced.status_code == 200, forced.json
