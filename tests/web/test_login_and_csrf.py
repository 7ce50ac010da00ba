"""Login, logout and CSRF protection with CSRF switched on, as in production."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridapp import create_app
from gridapp.extensions import db
from tests.conftest import PASSWORD, TEST_DATABASE_URL
from tests.world import World


@pytest.fixture(scope="module")
def csrf_app(world: World) -> Iterator[Flask]:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": TEST_DATABASE_URL, "SECRET_KEY": "csrf-test"}
    )
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    yield app
    with app.app_context():
        db.engine.dispose()


def _token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_login_without_csrf_token_is_refused(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "t_admin", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    follow = client.get("/login").get_data(as_text=True)
    assert "页面已过期" in follow
    assert client.get("/api/me").status_code == 401


def test_login_with_token_then_logout(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    token = _token(client)
    response = client.post(
        "/login", data={"username": "t_admin", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/api/me").json["username"] == "t_admin"  # type: ignore[index]
    # logout is a POST with its own token; a GET is not allowed
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302  # no token: refused, still logged in
    assert client.get("/api/me").status_code == 200
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    assert client.get("/api/me").status_code == 401


def test_wrong_password_shows_a_chinese_error(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    token = _token(client)
    response = client.post(
        "/login", data={"username": "t_admin", "password": "wrong", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/api/me").status_code == 401


def test_login_does_not_redirect_to_another_site(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    token = _token(client)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "t_admin", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_a_visit_form_needs_the_csrf_header(csrf_app: Flask) -> None:
    """A multipart write (POST /api/visits) passes CSRF with the X-CSRFToken header only."""
    client = csrf_app.test_client()
    client.post(
        "/login", data={"username": "t_field", "password": PASSWORD, "csrf_token": _token(client)}
    )
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, page
    form = {"client_key": "csrf-check-0001", "household_id": "987654"}
    refused = client.post("/api/visits", data=form, content_type="multipart/form-data")
    assert refused.status_code == 400 and "页面已过期" in refused.json["message"]  # type: ignore[index]
    passed = client.post(
        "/api/visits",
        data=form,
        content_type="multipart/form-data",
        headers={"X-CSRFToken": match.group(1)},
    )
    assert passed.status_code == 404  # through CSRF; no such household, nothing written
