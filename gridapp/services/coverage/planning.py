"""Planning on the walking network: what-if scenarios (add, move or remove stations without
saving) and suggested sites for new stations (greedy + swap over candidate places).

Both answer for the user's cells only; a scenario may move or remove only stations the user
may read, and its circles are those of the added and moved stations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from shapely.geometry import Point, mapping

from gridapp.core.coverage import MAX_SNAP_M, coverage_sets, suggest_sites
from gridapp.core.errors import BadRequest
from gridapp.core.walk import WalkGraph
from gridapp.models import User
from gridapp.services.coverage.circles import circle_feature
from gridapp.services.coverage.network import Network, network
from gridapp.services.coverage.report import (
    Params,
    Station,
    compute,
    coverage_of,
    gaps,
    report,
    require_readable,
    share,
    stations,
    subdistrict_for,
    visible_cells,
)


@dataclass
class Scenario:
    """Unsaved changes to the stations: add, move or remove (what-if)."""

    add: list[Point] = field(default_factory=list)  # lon/lat
    move: dict[int, Point] = field(default_factory=dict)  # id → lon/lat
    remove: list[int] = field(default_factory=list)

    def apply(self, current: list[Station], net: Network) -> list[Station]:
        """The stations under the scenario; only stations the user may read can be moved or
        removed (403 for others, as at /api/service-points/<id>)."""
        known = {s.id: s for s in current}
        named = [*self.move, *self.remove]
        require_readable(named, known, "该街道（所选类型）")
        out = []
        for s in current:
            if s.id in self.remove:
                continue
            if s.id in self.move:
                s = replace(s, point=net.proj.to_metric(self.move[s.id]))
            out.append(s)
        for n, p in enumerate(self.add, start=1):
            out.append(Station(None, "hypothetical", f"假设站点{n}", net.proj.to_metric(p)))
        return out


def what_if(
    user: User, subdistrict_id: int | None, params: Params, scenario: Scenario
) -> dict[str, Any]:
    """Coverage now and under ``scenario``; the cells whose coverage changes, the homes left
    outside every circle and the circles of the added and moved stations."""
    params.check()
    sub_id = subdistrict_for(user, subdistrict_id)
    net = network(sub_id)
    st = stations(net, sub_id, params.kinds, user)
    before = coverage_of(net, sub_id, params, st)
    after = coverage_of(net, sub_id, params, scenario.apply(st, net))
    far = [s for s in after.off_network if s.id is None or s.id in scenario.move]
    if far:
        raise BadRequest(
            f"假设站点距离道路超过 {MAX_SNAP_M:.0f} 米，不在步行路网上",
            points=[s.name for s in far],
        )
    b = report(user, net, before)
    a = report(user, net, after)
    changed = [
        {**ca, "share_residents_before": cb["share_residents"]}
        for cb, ca in zip(b["cells"], a["cells"], strict=True)
        if cb["residents_covered"] != ca["residents_covered"]
    ]
    # added or moved: stations the user may read (``Scenario.apply``)
    hypothetical = [s for s in after.stations if s.id is None or s.id in scenario.move]
    return {
        "params": a["params"],
        "before": b["summary"],
        "after": a["summary"],
        "cells": changed,
        "gaps_after": gaps(user, net, after),
        "circles": {
            "type": "FeatureCollection",
            "features": [circle_feature(net, s, params) for s in hypothetical],
        },
    }


def suggest(
    user: User,
    subdistrict_id: int | None,
    params: Params,
    k: int,
    candidates: str,
    building_kinds: Sequence[str],
    max_candidates: int = 2000,
) -> dict[str, Any]:
    """Best ``k`` new sites for the people no station reaches (greedy + swap)."""
    if not 1 <= k <= 20:
        raise BadRequest("建议站点数应在 1–20 之间")
    net, cov = compute(user, subdistrict_id, params)
    cells = visible_cells(user, cov.subdistrict_id)
    targets_mask = np.isin(net.cell_ids, list(cells)) & ~cov.covered & (net.residents > 0)
    targets = np.flatnonzero(targets_mask)
    g = net.graph
    if candidates == "buildings":
        kinds = set(building_kinds) or {
            "public",
            "school",
            "commercial",
            "residential",
            "office",
            "lowrise",
        }
        pool = np.flatnonzero(
            np.isin(net.building_kinds, list(kinds)) & np.isin(net.cell_ids, list(cells))
        )
        nodes = g.point_node[pool]
    elif candidates == "nodes":
        pool = np.unique(np.concatenate([g.u, g.v]))  # the crossings that exist
        nodes = pool
    else:
        raise BadRequest("候选位置应为 buildings（现有建筑）或 nodes（路网节点）")
    if len(nodes) > max_candidates:  # evenly spread subsample, deterministic
        pick = np.linspace(0, len(nodes) - 1, max_candidates).astype(int)
        pool, nodes = pool[pick], nodes[pick]
    reach = coverage_sets(g.matrix, nodes, g.point_node[targets], params.limit, xy=g.node_xy)
    weights = net.residents[targets]
    picks = suggest_sites(reach, weights, k)
    overall = report(user, net, cov)
    before = overall["summary"]
    sites = []
    covered = float(before["residents_covered"])
    for row, gain in picks:
        covered += gain
        if candidates == "buildings":
            b = int(pool[row])
            point = net.building_points[b]
            building_id: int | None = int(net.building_ids[b])
        else:
            point = _node_point(g, int(nodes[row]))
            building_id = None
        sites.append(
            {
                "geometry": mapping(net.proj.to_lonlat(point)),
                "building_id": building_id,
                "residents_gained": int(gain),
                "residents_covered_after": int(covered),
                "share_residents_after": share(covered, before["residents"]),
            }
        )
    return {"params": overall["params"], "before": before, "sites": sites,
            "candidates": len(nodes)}  # fmt: skip


def _node_point(g: WalkGraph, node: int) -> Point:
    hits = np.flatnonzero(g.u == node)
    if len(hits):
        return Point(g.geoms[hits[0]].coords[0])
    hits = np.flatnonzero(g.v == node)
    return Point(g.geoms[hits[0]].coords[-1])
