"""Settings from the environment. One class; tests override by passing a mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_DATABASE_URL = "postgresql+psycopg://gridapp:gridapp@127.0.0.1:5432/gridapp"


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else a random key kept in the instance folder."""
    if key := os.environ.get("GRIDAPP_SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


MB = 1024 * 1024


def load_config(instance_path: Path) -> dict[str, object]:
    env = os.environ
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        # The base map (checked at start-up by core/basemap.py, docs/BASEMAPS.md): "none"
        # (our own streets and buildings only; no internet needed), "url" (an OSM-style
        # template the browser fetches, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        # drawn in TILE_DATUM: wgs84, cgcs2000 or gcj02) or "tianditu" (天地图, fetched by the
        # app's tile proxy /tiles/tianditu/… with a server-side key the browser never sees).
        "BASEMAP": env.get("GRIDAPP_BASEMAP", ""),
        "TILE_URL": env.get("GRIDAPP_TILE_URL", ""),
        "TILE_ATTRIBUTION": env.get("GRIDAPP_TILE_ATTRIBUTION", ""),
        "TILE_DATUM": env.get("GRIDAPP_TILE_DATUM", ""),
        "TIANDITU_KEY": env.get("GRIDAPP_TIANDITU_KEY", ""),
        "TIANDITU_LAYER": env.get("GRIDAPP_TIANDITU_LAYER", "vec"),
        "TIANDITU_URL": env.get("GRIDAPP_TIANDITU_URL", ""),
        # The tile proxy: upstream timeout, and its disk cache (kept up to TILE_CACHE_DAYS,
        # oldest removed first above TILE_CACHE_MAX_BYTES; 0 MB: no cache).
        "TILE_TIMEOUT": float(env.get("GRIDAPP_TILE_TIMEOUT", "5")),
        "TILE_CACHE_DIR": env.get("GRIDAPP_TILE_CACHE_DIR", str(instance_path / "tiles")),
        "TILE_CACHE_MAX_BYTES": int(float(env.get("GRIDAPP_TILE_CACHE_MB", "256")) * MB),
        "TILE_CACHE_DAYS": float(env.get("GRIDAPP_TILE_CACHE_DAYS", "30")),
        "WALK_SPEED_KMH": float(env.get("GRIDAPP_WALK_SPEED_KMH", "4.0")),
        "WALK_MINUTES": int(env.get("GRIDAPP_WALK_MINUTES", "15")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Request size limits (413 with a Chinese message above them): any request body,
        # the bulk-import upload (CSV/XLSX, up to 5000 rows), and the vertices of one
        # submitted geometry, checked before the geometry is built.
        "MAX_CONTENT_LENGTH": int(float(env.get("GRIDAPP_MAX_REQUEST_MB", "10")) * MB),
        "MAX_UPLOAD_LENGTH": int(float(env.get("GRIDAPP_MAX_UPLOAD_MB", "20")) * MB),
        # Layer imports (数据导入): the upload, checked while it streams; the features of one
        # file; what a ZIP may unpack to (members, bytes, ratio per member). The upload is
        # kept in a private folder under IMPORT_TMP_DIR (default: the system's) while read.
        "MAX_IMPORT_LENGTH": int(float(env.get("GRIDAPP_MAX_IMPORT_MB", "50")) * MB),
        "IMPORT_MAX_FEATURES": int(env.get("GRIDAPP_IMPORT_MAX_FEATURES", "20000")),
        "IMPORT_MAX_MEMBERS": int(env.get("GRIDAPP_IMPORT_MAX_MEMBERS", "200")),
        "IMPORT_MAX_UNPACKED": int(float(env.get("GRIDAPP_IMPORT_MAX_UNPACKED_MB", "500")) * MB),
        "IMPORT_MAX_RATIO": int(env.get("GRIDAPP_IMPORT_MAX_RATIO", "200")),
        # uploads up to this size are read during the request, larger ones in the background
        "IMPORT_SYNC_BYTES": int(float(env.get("GRIDAPP_IMPORT_SYNC_MB", "5")) * MB),
        "IMPORT_TMP_DIR": env.get("GRIDAPP_IMPORT_TMP_DIR", ""),
        "IMPORT_STALE_MINUTES": int(env.get("GRIDAPP_IMPORT_STALE_MINUTES", "30")),
        "MAX_GEOMETRY_VERTICES": int(env.get("GRIDAPP_MAX_GEOMETRY_VERTICES", "50000")),
        # A refused geometry above this many vertices is simplified (or left out) in the
        # error body, so a refusal never echoes megabytes back.
        "MAX_ERROR_GEOMETRY_VERTICES": int(env.get("GRIDAPP_MAX_ERROR_GEOMETRY_VERTICES", "2000")),
        # Field photos: stored under PHOTO_DIR (default: the instance folder's photos/),
        # at most this large per photo, re-encoded to at most PHOTO_MAX_SIDE pixels.
        "PHOTO_DIR": env.get("GRIDAPP_PHOTO_DIR", str(instance_path / "photos")),
        "MAX_PHOTO_LENGTH": int(float(env.get("GRIDAPP_MAX_PHOTO_MB", "8")) * MB),
        "PHOTO_MAX_SIDE": int(env.get("GRIDAPP_PHOTO_MAX_SIDE", "2560")),
        # "四访" reminders: days between visits per reason, e.g. '{"elderly_alone": 3}'
        # (the rest keep core/vocab.py VISIT_DAYS_DEFAULT).
        "VISIT_DAYS": env.get("GRIDAPP_VISIT_DAYS", ""),
        # flask-smorest: the OpenAPI document lives at /api/openapi.json
        "API_TITLE": "网格 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
