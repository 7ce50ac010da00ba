"""A fake 天地图 for the tile proxy's tests: a tiny HTTP server on 127.0.0.1 in a thread,
answering every GET with a PNG tile (or, when told, an error, an HTML page or silence) and
recording the URLs it was asked for, so a test can check the key arrived there."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from PIL import Image

from gridapp import create_app
from tests.conftest import TEST_DATABASE_URL

KEY = "testKeyNeverInTheBrowser0123456789"  # 16–64 letters or digits, like a real key


def png_tile(colour: tuple[int, int, int] = (170, 211, 223)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


TILE = png_tile()


def app_with_settings(**settings: object) -> Flask:
    """An app on the test database (the session's ``world``) with these base-map settings."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": TEST_DATABASE_URL,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            **settings,
        }
    )


def tianditu_app(upstream_url: str, **settings: object) -> Flask:
    """An app with 天地图 as its base map, the key ``KEY``, upstream at ``upstream_url``."""
    return app_with_settings(
        BASEMAP="tianditu", TIANDITU_KEY=KEY, TIANDITU_URL=upstream_url, **settings
    )


@dataclass
class FakeUpstream:
    """What the fake serves (``mode``: "png", "error" (HTTP 500), "html" (200, not an
    image) or "hang" (never answers until the server stops)), and what it was asked."""

    base_url: str = ""
    mode: str = "png"
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def tianditu_url(self) -> str:
        """The proxy's upstream setting: {s} lands in the path, so the subdomain is seen."""
        return f"{self.base_url}/t{{s}}"

    def asked(self) -> list[str]:
        with self.lock:
            return list(self.requests)

    def queries(self) -> list[dict[str, str]]:
        return [{k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} for url in self.asked()]


def _handler(fake: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with fake.lock:
                fake.requests.append(self.path)
            if fake.mode == "hang":
                fake.release.wait()
                return
            if fake.mode == "error":
                self._answer(500, "text/plain", b"upstream broke")
            elif fake.mode == "html":
                self._answer(200, "text/html", b"<html>\xe6\x9d\x83\xe9\x99\x90</html>")
            else:
                self._answer(200, "image/png", TILE)

        def _answer(self, status: int, media_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Upstream-Secret", "upstream-header")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet

    return Handler


@contextmanager
def fake_upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="fake-tianditu", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
