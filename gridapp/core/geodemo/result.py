"""What the demo pipeline hands to the loader (``services.geodata``): the subdistrict and
everything in it, in the source's metric CRS (the writer reprojects to EPSG:4326)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPolygon

from gridapp.core.geodemo import people, places
from gridapp.core.geodemo.events import EventOut
from gridapp.core.geodemo.field_logs import LogOut
from gridapp.core.geodemo.grid_work import GridWork
from gridapp.core.geodemo.households import HouseholdOut
from gridapp.core.geodemo.raw import RawBuilding
from gridapp.core.geodemo.visits import VisitOut
from gridapp.core.network import Edge


@dataclass
class CommunityOut:
    code: str
    name: str
    geom: MultiPolygon


@dataclass
class CellOut:
    code: str
    seq: int
    name: str
    community_code: str
    geom: MultiPolygon
    households: int
    residents: int


@dataclass
class BlockOut:
    geom: MultiPolygon
    kind: str
    name: str
    households: int
    community_code: str
    cell_code: str


@dataclass
class BuildingOut:
    raw: RawBuilding
    residents: int
    cell_code: str  # "" when outside every cell


@dataclass
class SubdistrictResult:
    crs: str
    code: str
    name: str
    district_name: str
    source: str
    geom: MultiPolygon
    communities: list[CommunityOut]
    cells: list[CellOut]
    blocks: list[BlockOut]
    buildings: list[BuildingOut]
    edges: list[Edge]
    service_points: list[places.ServicePointOut]
    orgs: list[people.OrgOut] = field(default_factory=list)
    members: list[people.MemberOut] = field(default_factory=list)
    teams: list[people.TeamOut] = field(default_factory=list)
    work: GridWork = field(default_factory=GridWork)
    households: list[HouseholdOut] = field(default_factory=list)
    visits: list[VisitOut] = field(default_factory=list)
    events: list[EventOut] = field(default_factory=list)
    logs: list[LogOut] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A content hash: equal results give equal hashes (used to make loading idempotent)."""
        h = hashlib.sha256()
        for code, geom in [(c.code, c.geom) for c in self.communities] + [
            (c.code, c.geom) for c in self.cells
        ]:
            h.update(code.encode())
            h.update(shapely.to_wkb(geom, output_dimension=2))
        for b in self.buildings:
            h.update(f"{b.raw.source_ref}|{b.raw.households}|{b.cell_code}".encode())
        for e in self.edges:
            h.update(f"{e.u}|{e.v}|{e.kind}".encode())
        for s in self.service_points:
            h.update(f"{s.kind}|{s.name}|{s.geom.wkt}".encode())
        for o in self.orgs:
            h.update(f"{o.key}|{o.parent_key}|{o.name}".encode())
        for m in self.members:
            h.update(f"{m.name}|{m.org_key}|{m.status}|{m.is_hub}|{m.registered_cell}".encode())
            h.update(f"{m.born_year}|{m.joined_on}|{m.in_difficulty}".encode())
        for t in self.teams:
            h.update(f"{t.name}|{[p[0] for p in t.people]}".encode())
        for a in self.work.assignments:
            h.update(f"{a.cell_code}|{a.kind}|{a.target}".encode())
        h.update(f"{sum(m.is_hub for m in self.members)}|{len(self.work.units)}".encode())
        for r in self.households:
            h.update(
                f"{r.building_ref}|{r.unit}|{r.room}|{r.head_name}|{r.size}|{r.phone}|".encode()
            )
            h.update(",".join(r.tags).encode())
        for v in self.visits:
            h.update(
                f"{v.key}|{v.cell_code}|{v.worker}|{v.building_ref}|{v.unit}|{v.room}|"
                f"{v.member}|{v.method}|{v.visited_at}|{v.note}".encode()
            )
        for ev in self.events:
            h.update(
                f"{ev.key}|{ev.cell_code}|{ev.worker}|{ev.category}|{ev.description}|"
                f"{ev.geom.wkt}|{ev.reported_at}|{ev.closed_at}|{ev.close_note}".encode()
            )
        for g in self.logs:
            h.update(f"{g.key}|{g.cell_code}|{g.worker}|{g.day}|{g.seen}|{g.problems}".encode())
        return h.hexdigest()
