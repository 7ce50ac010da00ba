"""``flask`` commands: migrate, generate-demo, import-osm, load-demo, demo-users,
check-partition."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from gridapp import ROOT

DEMO_SUBDISTRICT_CODE = "110105021"  # 朝晖示范街道, made by generate-demo


def migrate_database(url: str) -> None:
    """Run Alembic migrations to head on ``url``."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def register(app: Flask) -> None:
    @app.cli.command("migrate")
    def migrate() -> None:
        """Apply database migrations (Alembic upgrade head)."""
        from alembic.util.exc import CommandError

        try:
            migrate_database(str(current_app.config["DATABASE_URL"]))
        except CommandError as err:  # e.g. a database migrated by newer code
            raise click.ClickException(
                f"数据库迁移失败：{err}。若该数据库由更新版本的代码迁移过，"
                "请使用更新的代码，或换一个数据库（scripts/demo 的 GRIDAPP_DEMO_DB）"
            ) from None
        click.echo("数据库迁移完成 (alembic head)")

    @app.cli.command("generate-demo")
    @click.option("--out", type=click.Path(path_type=Path), default=ROOT / "geodata" / "demo")
    @click.option("--seed", type=int, default=20240601, show_default=True)
    def generate_demo(out: Path, seed: int) -> None:
        """Generate the Chinese-style demo subdistrict into geodata/."""
        from gridapp.core.geodemo.generated import generate_subdistrict
        from gridapp.core.geodemo.pipeline import build_subdistrict
        from gridapp.services.geodata.folders import write_geodata

        click.echo(f"生成示范街道 (seed={seed}) …")
        result = build_subdistrict(generate_subdistrict(seed), progress=click.echo)
        path = write_geodata(result, out)
        click.echo(f"已写入 {path}")

    @app.cli.command("import-osm")
    @click.argument("pbf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--out", type=click.Path(path_type=Path), default=None)
    @click.option("--name", default=None, help="街道名称 (默认取文件名)")
    @click.option("--district-code", default="110105", show_default=True)
    @click.option("--subdistrict-code", default="900", show_default=True)
    @click.option("--load/--no-load", default=True, show_default=True)
    @click.option(
        "--grid/--outline-only",
        default=True,
        show_default=True,
        help="--outline-only: 只导入街道范围、建筑与路网，社区与网格另行从本街道的文件导入",
    )
    @click.option("--replace", is_flag=True, help="街道已有导入或手绘的社区、网格时，仍整体替换")
    def import_osm(
        pbf: Path,
        out: Path | None,
        name: str | None,
        district_code: str,
        subdistrict_code: str,
        load: bool,
        grid: bool,
        replace: bool,
    ) -> None:
        """Build a subdistrict from an OSM .osm.pbf extract, write it to geodata/ and load it.

        With --outline-only it brings only the outline, buildings and walking network: a real
        subdistrict then imports its own communities and cells (docs/DATA.md)."""
        from gridapp.core.errors import LoadError
        from gridapp.core.geodemo.osm import read_osm
        from gridapp.core.geodemo.pipeline import build_outline, build_subdistrict
        from gridapp.services.geodata.folders import write_geodata
        from gridapp.services.geodata.loading import load_geodata

        click.echo(f"读取 OSM 数据 {pbf} …")
        raw = read_osm(
            pbf,
            name=name or pbf.name.split(".")[0],
            district_code=district_code,
            subdistrict_code=subdistrict_code,
        )
        build = build_subdistrict if grid else build_outline
        result = build(raw, progress=click.echo)
        path = write_geodata(result, out or ROOT / "geodata" / "osm" / pbf.name.split(".")[0])
        click.echo(f"已写入 {path}")
        if load:
            try:
                click.echo(load_geodata(path, progress=click.echo, keep_own_grid=not replace))
            except LoadError as err:
                raise click.ClickException(str(err)) from err
            if not grid:
                click.echo(
                    "下一步：以管理员登录，在“数据导入导出”页导入本街道的社区，再导入网格、"
                    "建筑户数与服务阵地（见 docs/DATA.md）"
                )

    @app.cli.command("load-demo")
    @click.argument("path", type=click.Path(path_type=Path), default=ROOT / "geodata" / "demo")
    def load_demo(path: Path) -> None:
        """Load a geodata folder (written by generate-demo or import-osm) into the database."""
        from gridapp.services.geodata.loading import load_geodata

        click.echo(load_geodata(path, progress=click.echo))

    @app.cli.command("demo-users")
    @click.option("--password", default="demo1234", show_default=True)
    @click.option(
        "--subdistrict",
        default=DEMO_SUBDISTRICT_CODE,
        show_default=True,
        help="街道编码 (9 位)；不存在时取第一个已导入的街道",
    )
    def demo_users(password: str, subdistrict: str) -> None:
        """Create or reset one demo user per role and print the logins."""
        from gridapp.services.auth import ensure_demo_users

        for line in ensure_demo_users(password, subdistrict):
            click.echo(line)

    @app.cli.command("check-partition")
    @click.option("--subdistrict", "subdistrict_code", default=None, help="街道编码 (9 位)")
    @click.option("--community", "community_code", default=None, help="社区编码 (12 位)")
    def check_partition(subdistrict_code: str | None, community_code: str | None) -> None:
        """List overlaps, gaps, slivers, cut buildings, cells outside their community and
        invalid geometries; exit 1 if there is any problem (default: every subdistrict)."""
        from gridapp.core.errors import NotFound
        from gridapp.services.quality.check import reports_by_code

        try:
            reports = reports_by_code(subdistrict_code, community_code)
        except NotFound as err:
            raise click.ClickException(err.message) from None
        if not reports:
            raise click.ClickException("数据库中没有街道，请先导入数据")
        problems = 0
        for report in reports:
            place = report["scope"]
            checked = report["checked"]
            click.echo(
                f"{place['name']}（{place['code']}）：检查 {checked['communities']} 个社区、"
                f"{checked['cells']} 个网格、{checked['buildings']} 栋建筑"
            )
            for p in report["problems"]:
                click.echo(f"  [{p['kind_label']}] {p['message']}")
            problems += len(report["problems"])
            if report["ok"]:
                click.echo("  未发现问题")
        if problems:
            click.echo(f"共发现 {problems} 个问题", err=True)
            raise SystemExit(1)
        click.echo("网格划分检查通过：没有重叠、空隙、碎片、被切开的建筑或超出社区的网格")
