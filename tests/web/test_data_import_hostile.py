"""Every hostile or broken file through every import layer, as an admin (who may import all
four): refused with a 4xx and a Chinese message, or read into a preview that cannot be
committed — never a 500, never a row written, never a file left in the temporary folder."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, ServicePoint
from tests.web.test_data_import_api import tmp_imports, upload  # noqa: F401 (fixture)

LAYERS = ["cells", "communities", "buildings", "service_points"]


def _zip(*members: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _symlink_zip() -> bytes:
    link = zipfile.ZipInfo("cells.shp")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip((link, b"/etc/passwd"))


def _collection(*geometries: dict[str, Any]) -> bytes:
    features = [
        {"type": "Feature", "properties": {"code": "x", "name": "x"}, "geometry": g}
        for g in geometries
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<kml><Document><name>&c;</name></Document></kml>"
)
SQUARE_M = [[[500000, 4400000], [500100, 4400000], [500100, 4400100], [500000, 4400000]]]

# (file name, content, what the message must say)
REFUSED = [
    ("empty.geojson", b"", "空"),
    ("cut.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Fea', "无法读取"),
    ("not-json.geojson", b"<html>garbage{{", "无法读取"),
    ("utf16.geojson", "{}".encode("utf-16"), "UTF-16"),
    ("broken.zip", b"PK\x03\x04broken", "ZIP"),
    ("setup.exe", b"MZ\x90\x00", "不支持"),
    ("slip.zip", _zip(("../../evil.shp", b"x")), "压缩包"),
    ("link.zip", _symlink_zip(), "链接"),
    ("bomb.zip", _zip(("cells.geojson", b" " * (60 * 1024 * 1024))), "压缩"),
    ("empty.zip", _zip(), "压缩包"),
    ("readme.zip", _zip(("readme.txt", b"hello")), "没有"),
    (
        "xxe.kml",
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<kml><Document><name>&x;</name></Document></kml>",
        "DOCTYPE",
    ),
    ("laughs.kml", LAUGHS, "DOCTYPE"),
    ("nothing.geojson", _collection(), "没有"),
    (
        "lines.geojson",
        _collection({"type": "LineString", "coordinates": [[116.4, 39.9], [116.41, 39.91]]}),
        "",
    ),
    ("metres.geojson", _collection({"type": "Polygon", "coordinates": SQUARE_M}), ""),
    ("points-in-metres.csv", b"name,kind,lon,lat\na,love_post,500000,4400000\n", ""),
]


def _counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            int(db.session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Community, GridCell, Building, ServicePoint)
        )


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize(("name", "content", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_hostile_or_broken_file_is_refused_and_leaves_nothing(
    app: Flask,
    db_session: None,
    as_admin: FlaskClient,
    tmp_imports: Path,  # noqa: F811
    layer: str,
    name: str,
    content: bytes,
    words: str,
) -> None:
    before = _counts(app)
    status, body = upload(as_admin, content, name, layer=layer)
    if status == 202:
        # read, but nothing in it can be imported: a preview that cannot be committed
        assert body["status"] in {"failed", "ready"}, body
        if body["status"] == "ready":
            assert body["preview"]["can_commit"] is False, body["preview"]
            response = as_admin.post(f"/api/layer-imports/{body['id']}/commit", json={})
            assert 400 <= response.status_code < 500, response.get_json()
        else:
            assert words in body["error"]["message"], body
    else:
        assert 400 <= status < 500, body
        assert words in body["message"], body
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    # the server's paths are nobody's business (the upload sits in a private temp folder)
    assert str(tmp_imports) not in json.dumps(body, ensure_ascii=False), body
    assert "/tmp" not in json.dumps(body, ensure_ascii=False), body
    assert _counts(app) == before
    assert list(tmp_imports.iterdir()) == []
