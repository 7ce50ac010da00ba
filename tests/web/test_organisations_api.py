"""Organisations on the grid through the API: tree rules, assignments, coverage figures,
export, import all-or-nothing, and scope per role. Each test runs rolled back."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from gridapp.extensions import db
from gridapp.models import Building, CellAssignment, Member, PartyOrg, TeamMember, VolunteerTeam
from tests.conftest import login
from tests.world import World


@dataclass
class Orgs:
    root: int
    committee: int
    branch_n: int
    branch_s: int
    team: int
    hub: int


@pytest.fixture
def orgs(app: Flask, world: World, db_session: None) -> Orgs:
    """Subdistrict A: 党工委 → 甲一社区党委 → two branches. A1N has branch, worker (t_field),
    team and a 党员中心户; A1S has its branch only; A2 has nothing."""
    with app.app_context():
        s = db.session
        sub = world.subdistricts["A"]
        root = PartyOrg(subdistrict_id=sub, level="working_committee", name="测试甲街道党工委")
        s.add(root)
        s.flush()
        committee = PartyOrg(
            subdistrict_id=sub, parent_id=root.id, community_id=world.communities["A1"],
            level="committee", name="甲一社区党委",
        )  # fmt: skip
        s.add(committee)
        s.flush()
        branches = []
        for key in ("A1N", "A1S"):
            b = PartyOrg(
                subdistrict_id=sub, parent_id=committee.id, community_id=world.communities["A1"],
                level="branch", name=f"{key}党支部",
            )  # fmt: skip
            s.add(b)
            s.flush()
            branches.append(b.id)
            s.add(CellAssignment(cell_id=world.cells[key], kind="party_org", party_org_id=b.id))
        team = VolunteerTeam(
            subdistrict_id=sub, community_id=world.communities["A1"], kind="neighbourhood",
            name="甲一便民服务队",
        )  # fmt: skip
        team.members = [TeamMember(name="王队长", phone="13900000000", is_captain=True)]
        s.add(team)
        s.flush()
        s.add(CellAssignment(cell_id=world.cells["A1N"], kind="team", team_id=team.id))
        s.add(
            CellAssignment(
                cell_id=world.cells["A1N"], kind="worker", user_id=world.users["t_field"]
            )
        )
        hub = Member(
            subdistrict_id=sub, org_id=branches[0], name="李中心户", gender="女",
            phone="13811112222", status="retired", home_building_id=world.buildings["A1N"],
            is_hub=True, hub_households=12,
        )  # fmt: skip
        s.add(hub)
        s.commit()
        return Orgs(root.id, committee.id, branches[0], branches[1], team.id, hub.id)


def _names(tree: list[dict]) -> list[str]:  # type: ignore[type-arg]
    out = []
    for node in tree:
        out.append(node["name"])
        out.extend(_names(node["children"]))
    return out


def test_tree_shows_the_hierarchy_with_counts(as_coordinator: FlaskClient, orgs: Orgs) -> None:
    tree = as_coordinator.get("/api/party-orgs").json["tree"]
    [root] = [n for n in tree if n["id"] == orgs.root]
    [committee] = root["children"]
    assert committee["level_label"] == "党委"
    branches = {b["name"]: b for b in committee["children"]}
    assert branches["A1N党支部"]["cells"] == 1 and branches["A1N党支部"]["members"] == 1


def test_a_branch_cannot_sit_above_its_level(as_coordinator: FlaskClient, orgs: Orgs) -> None:
    response = as_coordinator.post(
        "/api/party-orgs", json={"parent_id": orgs.branch_n, "level": "committee", "name": "错误"}
    )
    assert response.status_code == 400 and "层级" in response.json["message"]
    ok = as_coordinator.post(
        "/api/party-orgs", json={"parent_id": orgs.branch_n, "level": "group", "name": "第一党小组"}
    )
    assert ok.status_code == 200 and ok.json["community_id"] is not None


def test_moving_an_org_below_itself_is_refused(as_coordinator: FlaskClient, orgs: Orgs) -> None:
    response = as_coordinator.post(
        f"/api/party-orgs/{orgs.committee}/move", json={"parent_id": orgs.branch_n}
    )
    assert response.status_code == 400 and "下级" in response.json["message"]


def test_dissolve_names_what_still_hangs_on_the_org(
    as_coordinator: FlaskClient, orgs: Orgs
) -> None:
    response = as_coordinator.post(f"/api/party-orgs/{orgs.branch_n}/dissolve")
    assert response.status_code == 409
    message = response.json["message"]
    assert "党员 1 名" in message and "负责网格 1 个" in message
    assert as_coordinator.post(f"/api/party-orgs/{orgs.committee}/dissolve").status_code == 409
    empty = as_coordinator.post(
        "/api/party-orgs", json={"parent_id": orgs.committee, "level": "branch", "name": "空支部"}
    ).json
    assert as_coordinator.post(f"/api/party-orgs/{empty['id']}/dissolve").json == {"ok": True}


def test_renaming_to_a_sibling_name_is_a_conflict(as_coordinator: FlaskClient, orgs: Orgs) -> None:
    response = as_coordinator.post(
        f"/api/party-orgs/{orgs.branch_s}/rename", json={"name": "A1N党支部"}
    )
    assert response.status_code == 409


def test_field_staff_cannot_change_the_tree(as_field: FlaskClient, orgs: Orgs) -> None:
    response = as_field.post(f"/api/party-orgs/{orgs.branch_n}/rename", json={"name": "x"})
    assert response.status_code == 403


def test_coverage_figures_match_the_hand_built_fixture(
    as_coordinator: FlaskClient, orgs: Orgs, world: World
) -> None:
    body = as_coordinator.get("/api/coverage/organisation").json
    total = body["total"]
    assert total["cells"] == 4 and total["blind_spots"] == 3
    assert total["items"]["party_org"]["cells"] == 2 and total["items"]["party_org"]["share"] == 0.5
    assert total["items"]["worker"]["cells"] == 1 and total["items"]["team"]["cells"] == 1
    assert total["items"]["hub"]["cells"] == 1
    assert total["items"]["party_org"]["households"] == 300
    a1 = next(c for c in body["communities"] if c["community_id"] == world.communities["A1"])
    assert a1["cells"] == 2 and a1["items"]["worker"]["share"] == 0.5 and a1["blind_spots"] == 1
    cells = {c["code"]: c for c in body["cells"]}
    assert cells["110199001001001"]["missing"] == [] and not cells["110199001001001"]["blind_spot"]
    assert cells["110199001001002"]["missing"] == ["worker", "team", "hub"]
    assert cells["110199001002001"]["missing"] == ["party_org", "worker", "team", "hub"]


def test_assigning_a_team_changes_the_figures(
    app: Flask, as_manager: FlaskClient, orgs: Orgs, world: World
) -> None:
    as_coordinator = login(app.test_client(), "t_coordinator")  # a client of its own
    response = as_manager.post(
        f"/api/cells/{world.cells['A1S']}/assignments",
        json={"kind": "team", "target_id": orgs.team},
    )
    assert response.status_code == 200, response.json
    again = as_manager.post(
        f"/api/cells/{world.cells['A1S']}/assignments",
        json={"kind": "team", "target_id": orgs.team},
    )
    assert again.status_code == 409
    cells = {c["code"]: c for c in as_coordinator.get("/api/coverage/organisation").json["cells"]}
    assert cells["110199001001002"]["teams"] == ["甲一便民服务队"]
    # ending it keeps it as history
    ended = as_manager.post(f"/api/assignments/{response.json['id']}/end")
    assert ended.status_code == 200 and ended.json["ended_at"]
    history = as_manager.get(f"/api/cells/{world.cells['A1S']}/assignments?history=true").json
    assert any(a["id"] == response.json["id"] and a["ended_at"] for a in history["assignments"])
    current = as_manager.get(f"/api/cells/{world.cells['A1S']}/assignments").json["assignments"]
    assert all(a["kind"] != "team" for a in current)


def test_only_field_staff_can_be_grid_workers(
    as_coordinator: FlaskClient, orgs: Orgs, world: World
) -> None:
    response = as_coordinator.post(
        f"/api/cells/{world.cells['A1S']}/assignments",
        json={"kind": "worker", "target_id": world.users["t_manager"]},
    )
    assert response.status_code == 400 and "不是网格员" in response.json["message"]


def test_field_staff_see_their_cells_members_but_not_others(
    as_field: FlaskClient, orgs: Orgs, world: World
) -> None:
    mine = as_field.get(f"/api/cells/{world.cells['A1N']}/members").json["members"]
    assert [m["phone"] for m in mine] == ["13811112222"]
    assert as_field.get(f"/api/cells/{world.cells['A1S']}/members").status_code == 403
    assert (
        as_field.post(
            f"/api/cells/{world.cells['A1N']}/assignments",
            json={"kind": "team", "target_id": orgs.team},
        ).status_code
        == 403
    )
    cells = as_field.get("/api/coverage/organisation").json["cells"]
    assert [c["code"] for c in cells] == ["110199001001001"]


def test_other_subdistricts_stay_invisible(
    as_coordinator: FlaskClient, world: World, orgs: Orgs
) -> None:
    assert (
        as_coordinator.get(f"/api/party-orgs?subdistrict_id={world.subdistricts['B']}").status_code
        == 403
    )
    assert as_coordinator.get(f"/api/cells/{world.cells['B1X']}/members").status_code == 403


def test_export_csv_and_xlsx_hold_the_table(as_coordinator: FlaskClient, orgs: Orgs) -> None:
    csv_response = as_coordinator.get("/api/coverage/organisation/export?format=csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    text = csv_response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("社区,网格编码,网格名称")
    assert "110199001001002" in text and "网格员、服务队、党员中心户" in text
    xlsx = as_coordinator.get("/api/coverage/organisation/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "网格编码" and len(rows) == 5


def _upload(client: FlaskClient, kind: str, text: str, **query: str) -> object:
    data = {"file": (io.BytesIO(text.encode("utf-8")), f"{kind}.csv")}
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(f"/api/imports/{kind}?{qs}", data=data, content_type="multipart/form-data")


MEMBERS_HEADER = "姓名,性别,手机,状态,所属党组织,住址网格编码,党员中心户,服务户数\n"


def test_import_with_any_bad_row_writes_nothing_and_lists_every_bad_row(
    app: Flask, as_coordinator: FlaskClient, orgs: Orgs
) -> None:
    text = MEMBERS_HEADER + "\n".join(
        [
            "赵一,男,13900001111,在职,A1N党支部,110199001001001,否,",
            "钱二,男,123,在职,A1N党支部,110199001001001,否,",  # bad phone
            "孙三,女,13900003333,在职,A1N党支部,110199009009009,否,",  # unknown cell
            "赵一,男,13900001111,在职,A1N党支部,110199001001001,否,",  # duplicate of line 2
            "李中心户,女,13811112222,离退休,A1N党支部,110199001001001,是,12",  # exists
            "周五,女,13900005555,退休,A1N党支部,110199001001001,否,",  # bad status
        ]
    )
    response = _upload(as_coordinator, "members", text)
    assert response.status_code == 422  # type: ignore[attr-defined]
    rows = response.json["errors"]["rows"]  # type: ignore[attr-defined]
    assert sorted({r["line"] for r in rows}) == [3, 4, 5, 6, 7]
    by_line = {r["line"]: r["message"] for r in rows}
    assert "格式不正确" in by_line[3] and "网格编码" in by_line[4] and "第 2 行重复" in by_line[5]
    assert "已存在" in by_line[6] and "状态" in by_line[7]
    with app.app_context():
        assert db.session.query(Member).filter_by(name="赵一").count() == 0


def test_a_good_import_writes_every_row(
    app: Flask, as_coordinator: FlaskClient, orgs: Orgs
) -> None:
    text = MEMBERS_HEADER + "赵一,男,13900001111,在职,A1N党支部,110199001001002,是,11\n"
    response = _upload(as_coordinator, "members", text)
    assert response.status_code == 200, response.json  # type: ignore[attr-defined]
    assert response.json == {"imported": 1, "rows": 1, "dry_run": False}  # type: ignore[attr-defined]
    with app.app_context():
        member = db.session.query(Member).filter_by(name="赵一").one()
        assert member.is_hub and member.hub_households == 11
        building = db.session.get(Building, member.home_building_id)
        assert building is not None and building.cell_id is not None


def test_assignment_import_and_templates(
    as_coordinator: FlaskClient, orgs: Orgs, world: World
) -> None:
    template = as_coordinator.get("/api/imports/assignments/template?format=csv")
    assert template.data.decode("utf-8-sig").splitlines()[0] == "网格编码,类型,名称"
    xlsx = as_coordinator.get("/api/imports/members/template?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).active["A1"].value == "姓名"  # type: ignore[index]
    text = (
        "网格编码,类型,名称\n110199001002001,服务队,甲一便民服务队\n110199001002002,网格员,nobody\n"
    )
    rejected = _upload(as_coordinator, "assignments", text)
    assert rejected.status_code == 422  # type: ignore[attr-defined]
    assert [r["line"] for r in rejected.json["errors"]["rows"]] == [3]  # type: ignore[attr-defined]
    good = _upload(
        as_coordinator, "assignments", text.splitlines()[0] + "\n" + text.splitlines()[1]
    )
    assert good.status_code == 200  # type: ignore[attr-defined]


def test_field_staff_cannot_import(as_field: FlaskClient, orgs: Orgs) -> None:
    response = _upload(as_field, "members", MEMBERS_HEADER)
    assert response.status_code == 403  # type: ignore[attr-defined]


def test_registrations_zones_and_units(
    app: Flask, as_coordinator: FlaskClient, orgs: Orgs, world: World
) -> None:
    as_field = login(app.test_client(), "t_field")  # a client of its own
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from gridapp.models import MemberRegistration, Unit, Zone, ZonePart

    with app.app_context():
        s = db.session
        member = Member(
            subdistrict_id=world.subdistricts["A"], name="在职甲", gender="男",
            phone="13700000001", status="in_post",
        )  # fmt: skip
        s.add(member)
        s.flush()
        s.add(
            MemberRegistration(
                member_id=member.id, community_id=world.communities["A1"],
                cell_id=world.cells["A1S"], team_id=orgs.team,
            )
        )  # fmt: skip
        zone = Zone(subdistrict_id=world.subdistricts["A"], name="楼居共建片区", committee="促进会")
        zone.parts = [ZonePart(community_id=world.communities["A1"])]
        s.add(zone)
        s.flush()
        s.add(
            Unit(
                subdistrict_id=world.subdistricts["A"], zone_id=zone.id, kind="school",
                name="甲一小学", resources=["操场"],
                geom=from_shape(Point(116.405, 39.908), srid=4326),
            )
        )  # fmt: skip
        s.add(
            Unit(
                subdistrict_id=world.subdistricts["B"], kind="company", name="乙公司",
                geom=from_shape(Point(116.505, 39.905), srid=4326),
            )
        )  # fmt: skip
        s.commit()
    regs = as_coordinator.get(f"/api/cells/{world.cells['A1S']}/registrations").json
    assert [(r["name"], r["team"]) for r in regs["registrations"]] == [("在职甲", "甲一便民服务队")]
    assert as_field.get(f"/api/cells/{world.cells['A1S']}/registrations").status_code == 403
    zones = as_coordinator.get("/api/zones").json["zones"]
    assert [z["name"] for z in zones] == ["楼居共建片区"]
    units = as_coordinator.get("/api/units").json["features"]
    assert [u["properties"]["name"] for u in units] == ["甲一小学"]  # 乙公司 is in B


def test_an_in_post_member_registers_in_a_cell_and_a_team(
    app: Flask, as_coordinator: FlaskClient, orgs: Orgs, world: World
) -> None:
    with app.app_context():
        member = Member(
            subdistrict_id=world.subdistricts["A"], name="报到甲", gender="女",
            phone="13700000002", status="in_post",
        )  # fmt: skip
        db.session.add(member)
        db.session.commit()
        member_id = member.id
    url = f"/api/cells/{world.cells['A1N']}/registrations"
    response = as_coordinator.post(url, json={"member_id": member_id, "team_id": orgs.team})
    assert response.status_code == 200, response.json
    assert [(r["name"], r["team"]) for r in response.json["registrations"]] == [
        ("报到甲", "甲一便民服务队")
    ]
    retired = as_coordinator.post(url, json={"member_id": orgs.hub})
    assert retired.status_code == 400 and "不是在职党员" in retired.json["message"]


def test_a_member_gets_a_responsibility_area_inside_their_cell(
    as_coordinator: FlaskClient, orgs: Orgs, world: World
) -> None:
    url = f"/api/members/{orgs.hub}/responsibility-area"
    inside = {"type": "Polygon", "coordinates": [[[116.404, 39.907], [116.406, 39.907],
              [116.406, 39.908], [116.404, 39.908], [116.404, 39.907]]]}  # fmt: skip
    response = as_coordinator.post(url, json={"geometry": inside})
    assert response.status_code == 200, response.json
    members = as_coordinator.get(f"/api/cells/{world.cells['A1N']}/members").json["members"]
    assert members[0]["responsibility_area"]["type"] == "Polygon"
    outside = {"type": "Polygon", "coordinates": [[[116.404, 39.903], [116.406, 39.903],
               [116.406, 39.908], [116.404, 39.908], [116.404, 39.903]]]}  # fmt: skip
    refused = as_coordinator.post(url, json={"geometry": outside})
    assert refused.status_code == 400 and "网格" in refused.json["message"]
    assert as_coordinator.post(url, json={}).status_code == 400
    cleared = as_coordinator.post(url, json={"clear": True})
    assert cleared.status_code == 200 and cleared.json["responsibility_area"] is None
