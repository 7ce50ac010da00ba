"""``flask check-partition``: Chinese report, exit 0 when clean and 1 with problems."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from gridapp.extensions import db
from tests.world import World


def test_check_partition_passes_on_a_clean_subdistrict(app: Flask, world: World) -> None:
    result = app.test_cli_runner().invoke(args=["check-partition", "--subdistrict", "110199001"])
    assert result.exit_code == 0, result.output
    assert "测试甲街道（110199001）：检查 2 个社区、4 个网格、4 栋建筑" in result.output
    assert "网格划分检查通过" in result.output


def test_check_partition_lists_problems_and_exits_1(
    app: Flask, world: World, db_session: None
) -> None:
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE grid_cells SET geom = "
                "ST_Multi(ST_MakeEnvelope(116.40, 39.9045, 116.41, 39.91, 4326)) WHERE id = :id"
            ),
            {"id": world.cells["A1N"]},
        )
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check-partition", "--community", "110199001001"])
    assert result.exit_code == 1, result.output
    assert "[网格重叠]" in result.output
    assert "110199001001001" in result.output and "110199001001002" in result.output
    assert "共发现 1 个问题" in result.output
    other = runner.invoke(args=["check-partition", "--community", "110199001002"])
    assert other.exit_code == 0, other.output


def test_check_partition_unknown_code_is_a_clear_error(app: Flask, world: World) -> None:
    result = app.test_cli_runner().invoke(args=["check-partition", "--subdistrict", "999999999"])
    assert result.exit_code != 0
    assert "未找到编码为 999999999 的街道" in result.output
