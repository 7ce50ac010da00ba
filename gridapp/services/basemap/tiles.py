"""The 天地图 tile proxy's use case: one tile from the disk cache, else from upstream with
the server-side key (standard library HTTP, short timeout), checked to be a PNG or JPEG.

The key travels only in the upstream request URL: failures are reported and logged by
kind (HTTP status, timeout, not an image), never with the URL or the exception's text.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from gridapp.core.basemap import (
    TIANDITU_ZOOMS,
    BaseMap,
    tianditu_tile_url,
    tile_address,
    tile_media_type,
)
from gridapp.services.basemap.cache import TileCache

SOURCE = "tianditu"
MAX_TILE_BYTES = 2 * 1024 * 1024  # a 256-pixel tile is far smaller; more is not a tile
USER_AGENT = "gridapp-tile-proxy/1 (Python urllib)"
DAY_S = 86400.0


class TileNotFound(Exception):
    """No such tile here: an unknown layer or a z/x/y outside the pyramid."""


class TileUnavailable(Exception):
    """Upstream gave no tile: 504 when it did not answer in time, else 502."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Tile:
    body: bytes
    media_type: str
    from_cache: bool


def tile_cache() -> TileCache:
    config = current_app.config
    return TileCache(
        root=Path(str(config["TILE_CACHE_DIR"])),
        max_bytes=int(config["TILE_CACHE_MAX_BYTES"]),
        max_age=float(config["TILE_CACHE_DAYS"]) * DAY_S,
    )


def tianditu_tile(settings: BaseMap, layer: str, z: str, x: str, y: str) -> Tile:
    """One tile of a proxied 天地图 layer. Raises TileNotFound for a layer or address the
    proxy does not serve, TileUnavailable when upstream fails and nothing is cached."""
    address = tile_address(z, x, y, TIANDITU_ZOOMS)
    if layer not in settings.proxied_layers or address is None:
        raise TileNotFound(layer)
    zi, xi, yi = address
    cache = tile_cache()
    cached = cache.get(SOURCE, layer, zi, xi, yi)
    cached_type = tile_media_type(cached.body) if cached else None
    if cached and cached.fresh and cached_type:
        return Tile(cached.body, cached_type, from_cache=True)
    try:
        body, media_type = _fetch(tianditu_tile_url(settings, layer, zi, xi, yi))
    except TileUnavailable as err:
        current_app.logger.warning(
            "天地图瓦片 %s/%d/%d/%d 获取失败: %s", layer, zi, xi, yi, err.reason
        )
        if cached and cached_type:  # stale, but better than a hole in the map
            return Tile(cached.body, cached_type, from_cache=True)
        raise
    cache.put(SOURCE, layer, zi, xi, yi, body)
    return Tile(body, media_type, from_cache=False)


def _fetch(url: str) -> tuple[bytes, str]:
    timeout = float(current_app.config["TILE_TIMEOUT"])
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_TILE_BYTES + 1)
    except urllib.error.HTTPError as err:
        err.close()
        raise TileUnavailable(502, f"upstream HTTP {err.code}") from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise TileUnavailable(504, "upstream timeout") from None
        raise TileUnavailable(502, f"upstream unreachable ({type(err.reason).__name__})") from None
    except TimeoutError:
        raise TileUnavailable(504, "upstream timeout") from None
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise TileUnavailable(502, f"upstream failed ({type(err).__name__})") from None
    if len(body) > MAX_TILE_BYTES:
        raise TileUnavailable(502, "upstream answer too large for a tile")
    media_type = tile_media_type(body)
    if media_type is None:
        raise TileUnavailable(502, "upstream answer is not a PNG or JPEG tile")
    return body, media_type
