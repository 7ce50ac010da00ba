"""What lets the field pages open without a network: the web app manifest and the service
worker (templates/field/sw.js), both under /field/ so the worker's scope is the field pages.

The worker keeps the app shell — the field scripts, the shared scripts and stylesheets they
use, vendored Leaflet — in a cache named after a hash of those files, so a change of any of
them installs a new worker and a fresh shell. Pages and the API answers they read are kept
network-first (the last seen cell sheets open offline); writes never pass through the
worker: they wait in the page's outbox (static/js/field/outbox.js).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Response, current_app, render_template, url_for

# The app shell, as paths under static/ (folders: every file in them).
SHELL = (
    "css/app.css",
    "css/map.css",
    "css/field.css",
    "js/common/",
    "js/field/",
    "vendor/leaflet/",
    "vendor/gcoord/",  # loaded only over GCJ-02 tiles (the coordinate readout)
)
# Cache names start with this prefix; static/js/common/offline-session.js clears the
# pages and data caches when another user logs in on the same phone, and on logout.
CACHE_PREFIX = "gridapp-field-"
THEME = "#b71c1c"


def _shell_files() -> list[Path]:
    root = Path(str(current_app.static_folder))
    files: list[Path] = []
    for entry in SHELL:
        path = root / entry
        if entry.endswith("/"):
            files += sorted(p for p in path.rglob("*") if p.is_file())
        else:
            files.append(path)
    return files


def shell_urls_and_version() -> tuple[list[str], str]:
    """The shell's URLs, and a version that changes whenever one of its files (or the
    worker's own template) changes."""
    root = Path(str(current_app.static_folder))
    digest = hashlib.sha256()
    urls = []
    for path in _shell_files():
        relative = path.relative_to(root).as_posix()
        urls.append(url_for("static", filename=relative))
        digest.update(relative.encode())
        digest.update(path.read_bytes())
    template = Path(str(current_app.template_folder)) / "field" / "sw.js"
    digest.update(template.read_bytes())
    return urls, digest.hexdigest()[:16]


def service_worker_response() -> Response:
    urls, version = shell_urls_and_version()
    body = render_template(
        "field/sw.js",
        shell_urls=urls,
        version=version,
        prefix=CACHE_PREFIX,
        scope=url_for("field.home"),
        api_prefix="/api/",
    )
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("field.home")
    response.headers["Cache-Control"] = "no-cache"
    return response


def manifest_response() -> Response:
    manifest = {
        "name": "网格 · 我的网格",
        "short_name": "我的网格",
        "lang": "zh-CN",
        "start_url": url_for("field.home"),
        "scope": url_for("field.home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        # The SVG, and PNGs of the same drawing for home screens that want bitmaps.
        "icons": [
            {
                "src": url_for("static", filename="img/field-icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            },
            *(
                {
                    "src": url_for("static", filename=f"img/field-icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any",
                }
                for size in (192, 512)
            ),
        ],
    }
    body = json.dumps(manifest, ensure_ascii=False)
    response = Response(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response
