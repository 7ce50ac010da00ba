"""Base maps under our layers: none (our own 简图), an OSM-style URL template the browser
fetches, or 天地图 (Tianditu) fetched by the app's tile proxy with a server-side key.

Plain Python (no Flask): the settings are read and checked once when the app starts
(``base_map``, which raises ``BaseMapConfigError`` with a Chinese and English message for a
bad combination); the proxy's pieces that need no network — which tile addresses exist,
the upstream WMTS URL, whether a body is a PNG or JPEG tile — are here too.

The 天地图 key appears only in ``tianditu_tile_url``'s answer, which the proxy sends
upstream and nowhere else; ``BaseMap`` keeps it out of its repr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode


class BaseMapKind(StrEnum):
    NONE = "none"
    URL = "url"
    TIANDITU = "tianditu"


class TileDatum(StrEnum):
    """The datum the tiles are drawn in. Our data is WGS-84; CGCS2000 differs from it by
    centimetres; GCJ-02 (高德, 腾讯) is offset by hundreds of metres."""

    WGS84 = "wgs84"
    CGCS2000 = "cgcs2000"
    GCJ02 = "gcj02"


DATUM_LABELS = {
    TileDatum.WGS84: "WGS-84",
    TileDatum.CGCS2000: "CGCS2000",
    TileDatum.GCJ02: "GCJ-02",
}

# 天地图's web-mercator ("_w") layers: base layer -> its Chinese annotation layer.
TIANDITU_LAYERS = {"vec": "cva", "img": "cia"}
TIANDITU_NAMES = {"vec": "天地图矢量", "img": "天地图影像"}
TIANDITU_ATTRIBUTION = "天地图 · 国家地理信息公共服务平台"
TIANDITU_ZOOMS = (1, 18)  # TILEMATRIX levels of the "w" tile matrix set
TIANDITU_SUBDOMAINS = 8  # t0 … t7
DEFAULT_TIANDITU_URL = "https://t{s}.tianditu.gov.cn"

_KEY = re.compile(r"[A-Za-z0-9]{16,64}")
_NUMBER = re.compile(r"[0-9]{1,9}")
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class BaseMapConfigError(ValueError):
    """A wrong base-map setting; the message says what to change, in Chinese and English."""


@dataclass(frozen=True)
class BaseMap:
    kind: BaseMapKind = BaseMapKind.NONE
    datum: TileDatum = TileDatum.WGS84
    tile_url: str = ""  # kind URL: the template the browser fetches
    attribution: str = ""
    tianditu_layer: str = "vec"
    tianditu_url: str = DEFAULT_TIANDITU_URL  # upstream, with {s} for the subdomain
    tianditu_key: str = field(default="", repr=False)

    @property
    def proxied_layers(self) -> tuple[str, ...]:
        """The 天地图 layers the proxy serves: the chosen base layer and its annotation."""
        if self.kind is not BaseMapKind.TIANDITU:
            return ()
        return (self.tianditu_layer, TIANDITU_LAYERS[self.tianditu_layer])

    @property
    def datum_label(self) -> str:
        return DATUM_LABELS[self.datum]


def _text(config: Mapping[str, Any], key: str) -> str:
    return str(config.get(key) or "").strip()


def _fail(chinese: str, english: str) -> BaseMapConfigError:
    return BaseMapConfigError(f"底图设置有误：{chinese}（base map setting: {english}）")


def base_map(config: Mapping[str, Any]) -> BaseMap:
    """The base map the settings describe (keys of gridapp/config.py: BASEMAP, TILE_URL,
    TILE_ATTRIBUTION, TILE_DATUM, TIANDITU_KEY, TIANDITU_LAYER, TIANDITU_URL). Without
    BASEMAP, a TILE_URL alone means "url" (as before the setting existed), else "none"."""
    tile_url = _text(config, "TILE_URL")
    key = _text(config, "TIANDITU_KEY")
    attribution = _text(config, "TILE_ATTRIBUTION")
    name = _text(config, "BASEMAP").lower() or ("url" if tile_url else "none")
    try:
        kind = BaseMapKind(name)
    except ValueError:
        raise _fail(
            f"GRIDAPP_BASEMAP 应为 none、url 或 tianditu，而不是 {name!r}",
            f"GRIDAPP_BASEMAP must be none, url or tianditu, not {name!r}",
        ) from None
    if key and kind is not BaseMapKind.TIANDITU:
        raise _fail(
            f"设置了 GRIDAPP_TIANDITU_KEY，但 GRIDAPP_BASEMAP 是 {kind}；"
            "要用天地图请设 GRIDAPP_BASEMAP=tianditu，否则去掉密钥",
            f"GRIDAPP_TIANDITU_KEY is set but GRIDAPP_BASEMAP is {kind}; "
            "set GRIDAPP_BASEMAP=tianditu or remove the key",
        )
    datum = _datum(_text(config, "TILE_DATUM").lower(), kind)
    if kind is BaseMapKind.NONE:
        if tile_url:
            raise _fail(
                "GRIDAPP_BASEMAP=none 时不应设置 GRIDAPP_TILE_URL",
                "GRIDAPP_TILE_URL is set but GRIDAPP_BASEMAP=none",
            )
        if datum is not TileDatum.WGS84:
            raise _fail(
                "没有在线底图时 GRIDAPP_TILE_DATUM 无意义（本系统的数据是 WGS-84）",
                "GRIDAPP_TILE_DATUM needs a base map (our own data is WGS-84)",
            )
        return BaseMap(kind, datum)
    if kind is BaseMapKind.URL:
        _check_tile_url(tile_url)
        return BaseMap(kind, datum, tile_url=tile_url, attribution=attribution)
    return _tianditu(config, key, tile_url, attribution, datum)


def _datum(name: str, kind: BaseMapKind) -> TileDatum:
    if name == "bd09":
        raise _fail(
            "不支持百度（BD-09）瓦片：百度地图的瓦片编号与通用的 {z}/{x}/{y} 不同",
            "BD-09 (Baidu) tiles are not supported: Baidu numbers its tiles differently",
        )
    if kind is BaseMapKind.TIANDITU:
        if name not in ("", TileDatum.CGCS2000, TileDatum.WGS84):
            raise _fail(
                f"天地图瓦片是 CGCS2000 坐标，GRIDAPP_TILE_DATUM 不能是 {name!r}",
                f"Tianditu tiles are CGCS2000; GRIDAPP_TILE_DATUM cannot be {name!r}",
            )
        return TileDatum.CGCS2000
    try:
        return TileDatum(name or TileDatum.WGS84)
    except ValueError:
        raise _fail(
            f"GRIDAPP_TILE_DATUM 应为 wgs84、cgcs2000 或 gcj02，而不是 {name!r}",
            f"GRIDAPP_TILE_DATUM must be wgs84, cgcs2000 or gcj02, not {name!r}",
        ) from None


def _check_tile_url(url: str) -> None:
    if not url:
        raise _fail(
            "GRIDAPP_BASEMAP=url 需要设置 GRIDAPP_TILE_URL（如 OSM 的瓦片地址模板）",
            "GRIDAPP_BASEMAP=url needs GRIDAPP_TILE_URL (an OSM-style URL template)",
        )
    if not url.startswith(("https://", "http://", "/")):
        raise _fail(
            "GRIDAPP_TILE_URL 应以 https://、http:// 或 / 开头",
            "GRIDAPP_TILE_URL must start with https://, http:// or /",
        )
    if not ("{z}" in url and "{x}" in url and ("{y}" in url or "{-y}" in url)):
        raise _fail(
            "GRIDAPP_TILE_URL 应含 {z}、{x} 和 {y}",
            "GRIDAPP_TILE_URL must contain {z}, {x} and {y}",
        )
    if "tianditu" in url.lower() and "tk=" in url.lower():
        raise _fail(
            "GRIDAPP_TILE_URL 中带有天地图密钥（tk=），会被发到浏览器；"
            "请改用 GRIDAPP_BASEMAP=tianditu 和 GRIDAPP_TIANDITU_KEY（由本系统代理瓦片）",
            "GRIDAPP_TILE_URL carries a Tianditu key (tk=) that browsers would see; use "
            "GRIDAPP_BASEMAP=tianditu with GRIDAPP_TIANDITU_KEY (tiles proxied by the app)",
        )


def _tianditu(
    config: Mapping[str, Any], key: str, tile_url: str, attribution: str, datum: TileDatum
) -> BaseMap:
    if tile_url:
        raise _fail(
            "GRIDAPP_BASEMAP=tianditu 时不应设置 GRIDAPP_TILE_URL（二者只能选一个）",
            "GRIDAPP_TILE_URL is set but GRIDAPP_BASEMAP=tianditu (choose one)",
        )
    if not key:
        raise _fail(
            "GRIDAPP_BASEMAP=tianditu 需要设置 GRIDAPP_TIANDITU_KEY（天地图服务端密钥）",
            "GRIDAPP_BASEMAP=tianditu needs GRIDAPP_TIANDITU_KEY (a server-side Tianditu key)",
        )
    if not _KEY.fullmatch(key):
        raise _fail(
            "GRIDAPP_TIANDITU_KEY 应为 16 到 64 位字母或数字（天地图控制台中的 Key）",
            "GRIDAPP_TIANDITU_KEY must be 16 to 64 letters or digits (the console's key)",
        )
    layer = _text(config, "TIANDITU_LAYER").lower() or "vec"
    if layer not in TIANDITU_LAYERS:
        raise _fail(
            f"GRIDAPP_TIANDITU_LAYER 应为 vec（矢量）或 img（影像），而不是 {layer!r}",
            f"GRIDAPP_TIANDITU_LAYER must be vec or img, not {layer!r}",
        )
    upstream = _text(config, "TIANDITU_URL") or DEFAULT_TIANDITU_URL
    if not upstream.startswith(("https://", "http://")) or "?" in upstream:
        raise _fail(
            "GRIDAPP_TIANDITU_URL 应为 https:// 或 http:// 开头、不带查询参数的地址",
            "GRIDAPP_TIANDITU_URL must be an http(s) address without a query",
        )
    return BaseMap(
        BaseMapKind.TIANDITU,
        datum,
        attribution=attribution or TIANDITU_ATTRIBUTION,
        tianditu_layer=layer,
        tianditu_url=upstream.rstrip("/"),
        tianditu_key=key,
    )


def tile_address(z: str, x: str, y: str, zooms: tuple[int, int]) -> tuple[int, int, int] | None:
    """(z, x, y) as numbers when they name a tile of the web-mercator pyramid at a zoom in
    ``zooms`` (inclusive); None otherwise."""
    if not all(_NUMBER.fullmatch(part) for part in (z, x, y)):
        return None
    zi, xi, yi = int(z), int(x), int(y)
    if not zooms[0] <= zi <= zooms[1]:
        return None
    side = 2**zi
    if not (0 <= xi < side and 0 <= yi < side):
        return None
    return zi, xi, yi


def tianditu_tile_url(settings: BaseMap, layer: str, z: int, x: int, y: int) -> str:
    """The WMTS GetTile URL of one tile, key included: for the upstream request only."""
    base = settings.tianditu_url.replace("{s}", str((x + y) % TIANDITU_SUBDOMAINS))
    query = urlencode(
        {
            "SERVICE": "WMTS",
            "REQUEST": "GetTile",
            "VERSION": "1.0.0",
            "LAYER": layer,
            "STYLE": "default",
            "TILEMATRIXSET": "w",
            "FORMAT": "tiles",
            "TILEMATRIX": z,
            "TILEROW": y,
            "TILECOL": x,
            "tk": settings.tianditu_key,
        }
    )
    return f"{base}/{layer}_w/wmts?{query}"


def tile_media_type(body: bytes) -> str | None:
    """image/png or image/jpeg when ``body`` starts like one, else None (an error page)."""
    if body.startswith(_PNG):
        return "image/png"
    if body.startswith(_JPEG):
        return "image/jpeg"
    return None
