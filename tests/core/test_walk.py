"""The walking graph and coverage core, on hand-built networks (metres)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from shapely.geometry import LineString, Point

from gridapp.core.coverage import optimum_coverage, service_circle, suggest_sites, walk_limit
from gridapp.core.errors import BadRequest
from gridapp.core.walk import WalkGraph


def grid(
    n: int = 5, step: float = 100.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[LineString]]:
    """An n × n street grid; node (i, j) = i * n + j at (j·step, i·step)."""
    u, v, geoms = [], [], []
    for i in range(n):
        for j in range(n):
            a = i * n + j
            if j + 1 < n:
                (
                    u.append(a),
                    v.append(a + 1),
                    geoms.append(LineString([(j * step, i * step), ((j + 1) * step, i * step)])),
                )
            if i + 1 < n:
                (
                    u.append(a),
                    v.append(a + n),
                    geoms.append(LineString([(j * step, i * step), (j * step, (i + 1) * step)])),
                )
    cost = np.array([g.length for g in geoms])
    return np.array(u), np.array(v), cost, geoms


def test_a_point_splits_its_edge_instead_of_jumping_to_a_node() -> None:
    u, v, cost, geoms = grid()
    # a house 10 m north of the street y=0, 30 m along from x=0
    g = WalkGraph(u, v, cost, geoms, [Point(30, 10)])
    d = g.distances(np.array([0]))  # from node (0, 0)
    assert d[g.point_node[0]] == pytest.approx(30 + 10)


def test_two_points_on_one_edge_are_as_far_apart_as_along_the_edge() -> None:
    u, v, cost, geoms = grid()
    g = WalkGraph(u, v, cost, geoms, [Point(20, 5), Point(70, 5)])
    d = g.distances(np.array([g.point_node[0]]))
    assert d[g.point_node[1]] == pytest.approx(5 + 50 + 5)


def test_an_extra_source_on_a_split_edge_is_exact() -> None:
    u, v, cost, geoms = grid()
    g = WalkGraph(u, v, cost, geoms, [Point(20, 5), Point(70, 5)])
    extra = g.with_points([Point(50, 0)])
    d = g.distances(extra.nodes, matrix=extra.matrix)
    assert d[g.point_node[0]] == pytest.approx(30 + 5)
    assert d[g.point_node[1]] == pytest.approx(20 + 5)


def test_walk_between_follows_the_streets_not_the_straight_line() -> None:
    # a comb: streets x=0 and x=100 joined only at y=400; the source on x=0 at y=100
    lines = [
        LineString([(0, 0), (0, 400)]),
        LineString([(100, 0), (100, 400)]),
        LineString([(0, 400), (100, 400)]),
    ]
    g = WalkGraph(np.array([0, 2, 1]), np.array([1, 3, 3]), np.array([400.0, 400.0, 100.0]),
                  lines, [Point(50, 50)])  # fmt: skip
    near_across, up_the_street = Point(90, 100), Point(5, 300)
    d = g.walk_between(Point(0, 100), [near_across, up_the_street])
    assert d[0] == pytest.approx(300 + 100 + 300 + 10)  # 90 m away as the crow flies
    assert d[1] == pytest.approx(200 + 5)


def test_walk_between_on_one_edge_walks_along_it_and_stops_at_the_limit() -> None:
    u, v, cost, geoms = grid()
    # buildings split the edge y=0 at x=40 and x=50; both points lie between 0 and 40
    g = WalkGraph(u, v, cost, geoms, [Point(40, 3), Point(50, 3)])
    d = g.walk_between(Point(10, 4), [Point(30, 6), Point(60, 6), Point(400, 400)], limit=250)
    assert d[0] == pytest.approx(4 + 20 + 6)  # not out to a junction and back
    assert d[1] == pytest.approx(4 + 50 + 6)
    assert np.isinf(d[2])  # 800 m away: beyond the limit


def test_walk_between_leaves_out_points_too_far_from_every_street() -> None:
    u, v, cost, geoms = grid(3)
    g = WalkGraph(u, v, cost, geoms, [])
    d = g.walk_between(Point(0, 0), [Point(100, 900), Point(200, 0)], max_snap=500)
    assert np.isinf(d[0]) and d[1] == pytest.approx(200)
    assert np.isinf(g.walk_between(Point(900, 900), [Point(200, 0)], max_snap=500)).all()


def test_a_building_on_an_island_is_unreached_not_zero() -> None:
    u, v, cost, geoms = grid(3)
    island = LineString([(1000, 1000), (1100, 1000)])
    u2 = np.append(u, 100)
    v2 = np.append(v, 101)
    g = WalkGraph(u2, v2, np.append(cost, 100.0), [*geoms, island], [Point(1050, 1010)])
    d = g.distances(np.array([0]))
    assert np.isinf(d[g.point_node[0]])


def test_parallel_edges_keep_the_shortest() -> None:
    straight = LineString([(0, 0), (100, 0)])
    detour = LineString([(0, 0), (50, 80), (100, 0)])
    g = WalkGraph(
        np.array([0, 0]), np.array([1, 1]), np.array([100.0, 190.0]), [straight, detour], []
    )
    assert g.distances(np.array([0]))[1] == pytest.approx(100)


points = st.lists(
    st.tuples(st.floats(0, 400), st.floats(0, 400)), min_size=2, max_size=12, unique=True
)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(points)
def test_distance_is_symmetric(xy: list[tuple[float, float]]) -> None:
    u, v, cost, geoms = grid()
    g = WalkGraph(u, v, cost, geoms, [Point(p) for p in xy])
    a, b = g.point_node[0], g.point_node[1]
    assert g.distances(np.array([a]))[b] == pytest.approx(g.distances(np.array([b]))[a])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(points, st.tuples(st.floats(0, 400), st.floats(0, 400)))
def test_adding_a_service_point_never_lowers_anyones_coverage(
    xy: list[tuple[float, float]], new: tuple[float, float]
) -> None:
    u, v, cost, geoms = grid()
    g = WalkGraph(u, v, cost, geoms, [Point(p) for p in xy])
    sources = np.array([g.point_node[0]])
    before = g.distances(sources, limit=300)
    extra = g.with_points([Point(new)])
    after = g.distances(np.append(sources, extra.nodes), matrix=extra.matrix, limit=300)
    houses = g.point_node
    assert np.all(after[houses] <= before[houses] + 1e-9)


def test_service_circle_follows_the_network() -> None:
    u, v, cost, geoms = grid()
    g = WalkGraph(u, v, cost, geoms, [])
    d = g.distances(np.array([0]), limit=150)
    circle = service_circle(g, d, 150, off_network_m=10)
    assert circle.contains(Point(100, 40))  # 140 m along the streets
    assert not circle.contains(Point(100, 100))  # 200 m by street, 141 m as the crow flies


def test_walk_limit_checks_its_input() -> None:
    assert walk_limit(15, 4) == pytest.approx(1000)
    for minutes, speed in [(0, 4), (-5, 4), (15, 0), (15, 50), (10_000, 4)]:
        with pytest.raises(BadRequest):
            walk_limit(minutes, speed)


def test_greedy_sites_are_close_to_the_milp_optimum() -> None:
    rng = np.random.default_rng(7)
    reach = csr_matrix(rng.random((40, 120)) < 0.08)
    weights = rng.integers(1, 50, 120)
    picked = suggest_sites(reach, weights, 4)
    covered = np.asarray(reach[[r for r, _ in picked]].sum(axis=0)).ravel() > 0
    greedy = float(weights[covered].sum())
    best = optimum_coverage(reach, weights, 4)
    assert greedy <= best + 1e-6 and greedy >= 0.95 * best
    assert sum(g for _, g in picked) == pytest.approx(greedy)
