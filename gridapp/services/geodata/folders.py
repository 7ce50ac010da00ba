"""geodata/ folders: a subdistrict as a GeoPackage (EPSG:4326) plus JSON for people.

Layout of a folder::

    subdistrict.gpkg   layers subdistrict, communities, cells, blocks, buildings,
                       streets, service_points
    organisation.json  party organisations, members, volunteer teams
    households.json    household records (户), one row each under a header of columns
    visits.json        past visits (走访), the same way (absent in older folders: none)
    events.json        past events (事件上报), the same way, at lon/lat in EPSG:4326
    field_logs.json    past field-log entries (民情日志), the same way
    meta.json          codes, names, source, fingerprint, counts, and ``as_of``: the day
                       the dated facts (visits, events, field log, join dates) are generated as of
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.core.geodemo.visits import DEMO_TODAY

GPKG = "subdistrict.gpkg"
HOUSEHOLDS = "households.json"
HOUSEHOLD_COLUMNS = ("building_ref", "unit", "room", "head_name", "size", "phone", "tags")
VISITS = "visits.json"
VISIT_COLUMNS = (
    "key",
    "cell_code",
    "worker",
    "building_ref",
    "unit",
    "room",
    "member",
    "method",
    "visited_at",
    "note",
)
EVENTS = "events.json"
EVENT_COLUMNS = (
    "key",
    "cell_code",
    "worker",
    "category",
    "description",
    "lon",
    "lat",
    "reported_at",
    "closed_at",
    "close_note",
)
FIELD_LOGS = "field_logs.json"
FIELD_LOG_COLUMNS = ("key", "cell_code", "worker", "day", "seen", "problems")
LAYERS = (
    "subdistrict",
    "communities",
    "cells",
    "blocks",
    "buildings",
    "streets",
    "service_points",
    "units",
)


def _frame(rows: list[dict[str, Any]], crs: str) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)
    return frame.to_crs("EPSG:4326")


def write_geodata(result: SubdistrictResult, folder: Path) -> Path:
    """Write ``result`` into ``folder`` (replaced as a whole, never left half-written)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        layers = {
            "subdistrict": [{"code": result.code, "name": result.name, "geometry": result.geom}],
            "communities": [
                {"code": c.code, "name": c.name, "geometry": c.geom} for c in result.communities
            ],
            "cells": [
                {
                    "code": c.code,
                    "seq": c.seq,
                    "name": c.name,
                    "community_code": c.community_code,
                    "households": c.households,
                    "residents": c.residents,
                    "geometry": c.geom,
                }
                for c in result.cells
            ],
            "blocks": [
                {
                    "kind": b.kind,
                    "name": b.name,
                    "households": b.households,
                    "community_code": b.community_code,
                    "cell_code": b.cell_code,
                    "geometry": b.geom,
                }
                for b in result.blocks
            ],
            "buildings": [
                {
                    "source_ref": b.raw.source_ref,
                    "kind": b.raw.kind,
                    "name": b.raw.name,
                    "levels": b.raw.levels,
                    "households": b.raw.households,
                    "residents": b.residents,
                    "cell_code": b.cell_code,
                    "geometry": b.raw.geom,
                }
                for b in result.buildings
            ],
            "streets": [
                {
                    "u": e.u,
                    "v": e.v,
                    "kind": e.kind,
                    "name": e.name,
                    "length_m": e.length_m,
                    "walkable": e.walkable,
                    "geometry": e.geom,
                }
                for e in result.edges
            ],
            "service_points": [
                {
                    "kind": s.kind,
                    "name": s.name,
                    "address": s.address,
                    "hours": s.hours,
                    "contact": s.contact,
                    "services": json.dumps(s.services, ensure_ascii=False),
                    "building_ref": s.building_ref,
                    "community_code": s.community_code,
                    "cell_code": s.cell_code,
                    "geometry": s.geom,
                }
                for s in result.service_points
            ],
            "units": [
                {
                    "kind": u.kind,
                    "name": u.name,
                    "building_ref": u.building_ref,
                    "resources": json.dumps(u.resources, ensure_ascii=False),
                    "zone": u.zone,
                    "org_key": u.org_key,
                    "service_point": u.service_point,
                    "geometry": u.geom,
                }
                for u in result.work.units
            ],
        }
        for name in LAYERS:
            if not layers[name]:
                continue  # an empty layer is simply absent (read back as empty)
            _frame(layers[name], result.crs).to_file(
                tmp / GPKG, layer=name, driver="GPKG", engine="pyogrio"
            )
        organisation = {
            "orgs": [asdict(o) for o in result.orgs],
            "members": [asdict(m) for m in result.members],
            "teams": [asdict(t) for t in result.teams],
            "assignments": [asdict(a) for a in result.work.assignments],
            "workers": [asdict(w) for w in result.work.workers],
            "zones": [asdict(z) for z in result.work.zones],
        }
        (tmp / "organisation.json").write_text(
            json.dumps(organisation, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _write_rows(tmp / HOUSEHOLDS, HOUSEHOLD_COLUMNS, result.households)
        _write_rows(tmp / VISITS, VISIT_COLUMNS, result.visits)
        _write_rows(tmp / EVENTS, EVENT_COLUMNS, _events_in_degrees(result))
        _write_rows(tmp / FIELD_LOGS, FIELD_LOG_COLUMNS, result.logs)
        meta = {
            "code": result.code,
            "name": result.name,
            "district_name": result.district_name,
            "source": result.source,
            "crs": result.crs,
            "fingerprint": result.fingerprint(),
            "as_of": DEMO_TODAY.isoformat(),
            "stats": result.stats,
        }
        (tmp / "meta.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return folder


def _write_rows(path: Path, columns: tuple[str, ...], records: Sequence[Any]) -> None:
    rows = [[r[c] if isinstance(r, dict) else getattr(r, c) for c in columns] for r in records]
    body = {"columns": list(columns), "rows": rows}
    path.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _events_in_degrees(result: SubdistrictResult) -> list[dict[str, Any]]:
    """The events as dicts by ``EVENT_COLUMNS``, their points as lon/lat (EPSG:4326)."""
    points = gpd.GeoSeries([e.geom for e in result.events], crs=result.crs).to_crs("EPSG:4326")
    return [
        {**vars(e), "lon": round(p.x, 7), "lat": round(p.y, 7)}
        for e, p in zip(result.events, points, strict=True)
    ]


def read_households(folder: Path) -> list[dict[str, Any]]:
    """The household records of a folder, as dicts by ``HOUSEHOLD_COLUMNS``."""
    path = Path(folder) / HOUSEHOLDS
    if not path.exists():
        raise FileNotFoundError(f"{folder} 不是有效的数据目录（缺少 {HOUSEHOLDS}）")
    return _read_rows(path)


def read_visits(folder: Path) -> list[dict[str, Any]]:
    """The past visits of a folder, as dicts by ``VISIT_COLUMNS`` (none in a folder
    written before visits were generated)."""
    path = Path(folder) / VISITS
    return _read_rows(path) if path.exists() else []


def read_events(folder: Path) -> list[dict[str, Any]]:
    """The past events of a folder, as dicts by ``EVENT_COLUMNS`` (none in an older one)."""
    path = Path(folder) / EVENTS
    return _read_rows(path) if path.exists() else []


def read_field_logs(folder: Path) -> list[dict[str, Any]]:
    """The past field-log entries of a folder, by ``FIELD_LOG_COLUMNS`` (none in an older
    one)."""
    path = Path(folder) / FIELD_LOGS
    return _read_rows(path) if path.exists() else []


def _read_rows(path: Path) -> list[dict[str, Any]]:
    body = json.loads(path.read_text(encoding="utf-8"))
    columns = body["columns"]
    return [dict(zip(columns, row, strict=True)) for row in body["rows"]]


def read_meta(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "meta.json"
    if not path.exists():
        raise FileNotFoundError(f"{folder} 不是有效的数据目录（缺少 meta.json）")
    meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return meta


def read_layers(folder: Path) -> dict[str, gpd.GeoDataFrame]:
    path = Path(folder) / GPKG
    present = {str(name) for name, _type in pyogrio.list_layers(path)}
    frames = {}
    for name in LAYERS:
        if name not in present:
            frames[name] = gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
            continue
        frame = gpd.read_file(path, layer=name, engine="pyogrio")
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            raise ValueError(f"{path} 图层 {name} 的坐标系应为 EPSG:4326，实际为 {frame.crs}")
        frames[name] = frame
    return frames


def read_organisation(folder: Path) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(
        (Path(folder) / "organisation.json").read_text(encoding="utf-8")
    )
    return data
