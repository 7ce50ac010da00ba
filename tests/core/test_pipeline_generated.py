"""The pipeline on the generated Chinese-style demo subdistrict."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from gridapp.core.geodemo.generated import generate_subdistrict
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.services.geodata.folders import read_layers, write_geodata
from tests.core.partition_checks import (
    assert_cells_partition_communities,
    assert_codes_follow_standard,
    assert_no_building_cut,
)


@pytest.fixture(scope="module")
def demo() -> SubdistrictResult:
    return build_subdistrict(generate_subdistrict())


@pytest.fixture(scope="module")
def layers(
    demo: SubdistrictResult, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, gpd.GeoDataFrame]:
    folder = write_geodata(demo, tmp_path_factory.mktemp("geodata") / "demo")
    return {name: frame.to_crs(demo.crs) for name, frame in read_layers(folder).items()}


def test_demo_has_the_size_of_a_real_subdistrict(demo: SubdistrictResult) -> None:
    assert 6 <= len(demo.communities) <= 10
    assert 60 <= len(demo.cells) <= 120
    assert 1000 <= len(demo.buildings) <= 6000
    households = [c.households for c in demo.cells]
    assert sum(households) == sum(b.raw.households for b in demo.buildings)
    # "a few hundred households" per cell
    assert sorted(households)[len(households) // 2] in range(200, 700)
    width = demo.geom.bounds[2] - demo.geom.bounds[0]
    height = demo.geom.bounds[3] - demo.geom.bounds[1]
    assert 2500 < width < 3500 and 1500 < height < 2500


def test_demo_partition_is_clean_after_writing(
    demo: SubdistrictResult, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    assert_cells_partition_communities(layers["cells"], layers["communities"])
    assert_no_building_cut(layers["buildings"], layers["cells"])
    assert_codes_follow_standard(layers["cells"], layers["communities"], demo.code)
    assert demo.code == "110105021"


def test_communities_cover_the_subdistrict_without_overlap(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    comms = layers["communities"]
    sub = layers["subdistrict"].geometry.iloc[0]
    assert abs(comms.geometry.area.sum() - sub.area) < 1.0
    assert comms.geometry.union_all().symmetric_difference(sub).area < 1.0


def test_service_points_leave_real_gaps(demo: SubdistrictResult) -> None:
    kinds = {s.kind for s in demo.service_points}
    assert "party_service_centre" in kinds and len(kinds) >= 3
    centres = [s.geom for s in demo.service_points if s.kind != "tower_service_station"]
    homes = [b.raw.geom.centroid for b in demo.buildings if b.raw.households > 0]
    far = [h for h in homes if min(h.distance(c) for c in centres) > 800]
    # some homes are more than 800 m as the crow flies from every station
    assert len(far) > 0


def test_organisations_form_a_tree_with_chinese_names(demo: SubdistrictResult) -> None:
    keys = {o.key for o in demo.orgs}
    roots = [o for o in demo.orgs if not o.parent_key]
    assert len(roots) == 1 and roots[0].name.endswith("党工委")
    assert all(o.parent_key in keys for o in demo.orgs if o.parent_key)
    assert {o.level for o in demo.orgs} >= {"working_committee", "branch", "group"}
    assert all("\u4e00" <= m.name[0] <= "\u9fff" for m in demo.members)
    assert all(sum(p[2] for p in t.people) == 1 for t in demo.teams)  # one captain each
    assert demo.stats["members"] == len(demo.members) > 500
    assert demo.stats["party_orgs"] == len(demo.orgs)
    assert demo.stats["cells"] == len(demo.cells)


def test_generation_is_deterministic(demo: SubdistrictResult) -> None:
    assert build_subdistrict(generate_subdistrict()).fingerprint() == demo.fingerprint()


def test_written_folder_round_trips(tmp_path: Path, demo: SubdistrictResult) -> None:
    folder = write_geodata(demo, tmp_path / "x")
    again = write_geodata(demo, tmp_path / "x")  # overwriting works and leaves no temp dirs
    assert folder == again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]
