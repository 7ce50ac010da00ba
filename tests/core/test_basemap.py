"""Base-map settings (checked at start-up) and the tile proxy's pure pieces."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gridapp.core.basemap import (
    TIANDITU_ZOOMS,
    BaseMap,
    BaseMapConfigError,
    BaseMapKind,
    TileDatum,
    base_map,
    tianditu_tile_url,
    tile_address,
    tile_media_type,
)

KEY = "0123456789abcdef0123456789abcdef"
OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_nothing_configured_is_no_base_map() -> None:
    assert base_map({}) == BaseMap(BaseMapKind.NONE, TileDatum.WGS84)
    assert base_map({"BASEMAP": "none", "TIANDITU_LAYER": "vec"}).kind is BaseMapKind.NONE


def test_a_tile_url_alone_is_a_url_base_map_in_wgs84() -> None:
    found = base_map({"TILE_URL": OSM, "TILE_ATTRIBUTION": "© OpenStreetMap"})
    assert found.kind is BaseMapKind.URL
    assert (found.tile_url, found.attribution, found.datum_label) == (
        OSM,
        "© OpenStreetMap",
        "WGS-84",
    )


def test_url_tiles_declared_gcj02() -> None:
    found = base_map({"BASEMAP": "url", "TILE_URL": OSM, "TILE_DATUM": "GCJ02"})
    assert found.datum is TileDatum.GCJ02
    assert found.datum_label == "GCJ-02"


def test_tianditu_with_its_key_layer_and_datum() -> None:
    found = base_map({"BASEMAP": "Tianditu", "TIANDITU_KEY": KEY, "TIANDITU_LAYER": "img"})
    assert found.kind is BaseMapKind.TIANDITU
    assert found.datum is TileDatum.CGCS2000 and found.datum_label == "CGCS2000"
    assert found.proxied_layers == ("img", "cia")
    assert found.tianditu_url == "https://t{s}.tianditu.gov.cn"
    assert "天地图" in found.attribution
    assert KEY not in repr(found)  # settings may be logged; the key is not in them
    vec = base_map({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY})
    assert vec.proxied_layers == ("vec", "cva")


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"BASEMAP": "osm"}, "GRIDAPP_BASEMAP 应为 none、url 或 tianditu"),
        ({"BASEMAP": "url"}, "需要设置 GRIDAPP_TILE_URL"),
        ({"BASEMAP": "none", "TILE_URL": OSM}, "GRIDAPP_BASEMAP=none 时不应设置"),
        ({"TILE_DATUM": "gcj02"}, "GRIDAPP_TILE_DATUM 无意义"),
        ({"TILE_URL": "tile.example.org/{z}/{x}/{y}"}, "应以 https://"),
        ({"TILE_URL": "https://tile.example.org/{x}/{y}.png"}, "应含 {z}"),
        ({"TILE_URL": OSM, "TILE_DATUM": "bd09"}, "不支持百度"),
        ({"TILE_URL": OSM, "TILE_DATUM": "gcj"}, "GRIDAPP_TILE_DATUM 应为"),
        (
            {"TILE_URL": "https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}&tk=" + KEY},
            "会被发到浏览器",
        ),
        ({"BASEMAP": "tianditu"}, "需要设置 GRIDAPP_TIANDITU_KEY"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": "short"}, "16 到 64 位字母或数字"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY + "&x=1"}, "16 到 64 位字母或数字"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY, "TILE_URL": OSM}, "二者只能选一个"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY, "TIANDITU_LAYER": "ter"}, "vec（矢量）"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY, "TILE_DATUM": "gcj02"}, "CGCS2000"),
        ({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY, "TIANDITU_URL": "ftp://x"}, "http(s)"),
        ({"TIANDITU_KEY": KEY}, "设置了 GRIDAPP_TIANDITU_KEY，但 GRIDAPP_BASEMAP 是 none"),
        ({"TILE_URL": OSM, "TIANDITU_KEY": KEY}, "GRIDAPP_BASEMAP 是 url"),
    ],
)
def test_bad_combinations_stop_with_a_chinese_and_english_message(
    config: dict[str, Any], says: str
) -> None:
    with pytest.raises(BaseMapConfigError) as caught:
        base_map(config)
    message = str(caught.value)
    assert message.startswith("底图设置有误：")
    assert says in message
    assert "(base map setting: " in message.replace("（", "(")
    if "TIANDITU_KEY" in config:
        assert config["TIANDITU_KEY"] not in message  # the key is never echoed


@pytest.mark.parametrize(
    ("z", "x", "y", "expected"),
    [
        ("1", "0", "1", (1, 0, 1)),
        ("18", "262143", "0", (18, 262143, 0)),
        ("12", "3371", "1552", (12, 3371, 1552)),
        ("0", "0", "0", None),
        ("19", "0", "0", None),
        ("3", "8", "0", None),
        ("3", "0", "8", None),
        ("3", "-1", "0", None),
        ("3", "+1", "0", None),
        ("3", " 1", "0", None),
        ("3", "1e1", "0", None),
        ("３", "1", "1", None),
        ("3", "1", "1234567890", None),
    ],
)
def test_tile_address_is_inside_the_pyramid(
    z: str, x: str, y: str, expected: tuple[int, int, int] | None
) -> None:
    assert tile_address(z, x, y, TIANDITU_ZOOMS) == expected


def test_tianditu_wmts_url_with_subdomain_and_key() -> None:
    settings = base_map({"BASEMAP": "tianditu", "TIANDITU_KEY": KEY})
    url = tianditu_tile_url(settings, "cva", 12, 3371, 1552)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://t{(3371 + 1552) % 8}.tianditu.gov.cn/cva_w/wmts"
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["LAYER"] == "cva" and query["TILEMATRIXSET"] == "w"
    assert (query["TILEMATRIX"], query["TILEROW"], query["TILECOL"]) == ("12", "1552", "3371")
    assert query["tk"] == KEY


def test_only_png_and_jpeg_count_as_tiles() -> None:
    assert tile_media_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert tile_media_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert tile_media_type(b"<?xml version='1.0'?><ExceptionReport/>") is None
    assert tile_media_type(b"") is None
