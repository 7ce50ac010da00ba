"""Load a geodata/ folder into the database: one transaction, idempotent.

Loading the same folder twice changes nothing (the content fingerprint is stored on the
subdistrict); loading a changed folder replaces that subdistrict as a whole. The steps:
the places (``loading_places``), then the people and the grid work (``loading_people``),
then the household records (``loading_households``), then the past visits
(``loading_visits``, which also moves the folder's dated facts to the day of loading), then
the past events and field-log entries (``loading_field``, moved the same way).
A folder that breaks a rule raises :class:`gridapp.core.errors.LoadError`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from gridapp.core.errors import LoadError
from gridapp.extensions import db
from gridapp.models import Community, GridCell, Subdistrict
from gridapp.services.geodata.folders import (
    read_events,
    read_field_logs,
    read_households,
    read_layers,
    read_meta,
    read_organisation,
    read_visits,
)
from gridapp.services.geodata.loading_field import load_field_records
from gridapp.services.geodata.loading_households import load_households
from gridapp.services.geodata.loading_people import Ids, load_grid_work, load_people
from gridapp.services.geodata.loading_places import Progress, load_places
from gridapp.services.geodata.loading_visits import clock_shift, load_visits, shift_join_dates


def load_geodata(
    folder: Path,
    progress: Progress | None = None,
    today: date | None = None,
    keep_own_grid: bool = False,
) -> str:
    """Load ``folder``; its dated facts are moved to ``today`` (default: the local today).

    ``keep_own_grid``: refuse to replace a subdistrict that holds communities or cells the
    folder does not have (imported from the subdistrict's own files, or drawn by hand),
    which a replace would delete. The demo reloads without it; an OSM import uses it."""
    say = progress or (lambda _msg: None)
    folder = Path(folder)
    meta = read_meta(folder)
    session = db.session
    existing = session.scalars(select(Subdistrict).where(Subdistrict.code == meta["code"])).first()
    if existing is not None and existing.source_hash == meta["fingerprint"]:
        return f"{meta['name']} ({meta['code']}) 已是最新，无需重新导入"

    layers = read_layers(folder)
    if existing is not None and keep_own_grid:
        _refuse_losing_own_grid(existing, layers)
    organisation = read_organisation(folder)
    household_rows = read_households(folder)
    visit_rows = read_visits(folder)
    event_rows = read_events(folder)
    log_rows = read_field_logs(folder)
    shift = clock_shift(meta, today)
    shift_join_dates(organisation["members"], shift)
    try:
        if existing is not None:
            say(f"  替换已有的 {existing.name} ({existing.code})")
            session.execute(delete(Subdistrict).where(Subdistrict.id == existing.id))
            # The database cascaded the delete (communities, cells, the field workers'
            # scopes …); objects the session still holds would be deleted again on flush
            # ("DELETE … matched 0 rows"), depending on which the garbage collector kept.
            session.expire_all()
        places = load_places(meta, layers, say)
        say("  导入党组织、党员与志愿服务队")
        org_id, team_ids, member_ids = load_people(
            places.subdistrict, organisation, places.community, places.cell, places.building
        )
        load_grid_work(
            places.subdistrict,
            organisation,
            layers["units"],
            Ids(
                places.community,
                places.cell,
                places.building,
                org_id,
                team_ids,
                places.service_points,
            ),
        )
        say(f"  导入住户 ({len(household_rows)})")
        building_households = {
            str(r.source_ref): int(r.households) for r in layers["buildings"].itertuples()
        }
        load_households(household_rows, places.building, building_households)
        say(f"  导入走访记录 ({len(visit_rows)})")
        load_visits(visit_rows, places.cell, places.building, member_ids, shift)
        say(f"  导入事件 ({len(event_rows)}) 与民情日志 ({len(log_rows)})")
        load_field_records(meta["code"], event_rows, log_rows, places.cell, shift)
        session.commit()
    except Exception:
        session.rollback()
        raise
    stats = meta.get("stats", {})
    return (
        f"已导入 {meta['name']} ({meta['code']})：{stats.get('communities')} 个社区，"
        f"{stats.get('cells')} 个网格，{stats.get('buildings')} 栋建筑，"
        f"{stats.get('street_edges')} 条路段，{stats.get('service_points')} 个服务阵地，"
        f"{len(household_rows)} 条住户记录，{len(visit_rows)} 条走访记录，"
        f"{len(event_rows)} 条事件，{len(log_rows)} 条民情日志"
    )


def _refuse_losing_own_grid(existing: Subdistrict, layers: dict[str, Any]) -> None:
    folder_codes = {str(c) for c in layers["communities"].get("code", [])} | {
        str(c) for c in layers["cells"].get("code", [])
    }
    stored = set(
        db.session.scalars(select(Community.code).where(Community.subdistrict_id == existing.id))
    ) | set(
        db.session.scalars(
            select(GridCell.code)
            .join(Community, GridCell.community_id == Community.id)
            .where(Community.subdistrict_id == existing.id)
        )
    )
    own = sorted(stored - folder_codes)
    if own:
        shown = "、".join(own[:5]) + (" 等" if len(own) > 5 else "")
        raise LoadError(
            f"{existing.name} ({existing.code}) 已有不来自此数据的社区或网格（{shown}，共 "
            f"{len(own)} 个，来自导入或手工绘制）；重新导入会将其连同住户、走访等一并删除。"
            "如确需整体替换，请加 --replace"
        )
