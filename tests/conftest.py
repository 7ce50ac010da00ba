"""Fixtures: a real PostGIS test database, migrated once per session.

Tests that write use ``db_session`` (an outer transaction rolled back after the test,
SQLAlchemy's "join an external transaction" recipe). A small hand-built dataset
(``world``) is committed once per session for read tests, the live server and the browser.
There is no skip anywhere: without PostgreSQL/PostGIS these fixtures fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from gridapp import create_app
from gridapp.cli import migrate_database
from gridapp.extensions import db
from tests.world import World, build_world, drop_world

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://gridapp:gridapp@127.0.0.1:5432/gridapp_test"
)
PASSWORD = "test-pass-123"


def _reset_schema(url: str) -> None:
    """Drop every table of ours (not PostGIS's) and migrate from scratch."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT postgis_full_version()"))  # fails loudly without PostGIS
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('spatial_ref_sys')"
            )
        ).scalars()
        for table in list(tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()
    migrate_database(url)


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    _reset_schema(TEST_DATABASE_URL)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": TEST_DATABASE_URL,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            # background work (imports) runs in the request: each test's writes are rolled
            # back, so a thread could not see them (tests/browser turns this off)
            "IMPORT_JOBS_INLINE": True,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def world(app: Flask) -> Iterator[World]:
    """Two subdistricts, communities, cells, buildings, streets, service points, one user a role."""
    with app.app_context():
        built = build_world(db.session, PASSWORD)
    yield built
    with app.app_context():
        drop_world(db.session, built)


@pytest.fixture
def db_session(app: Flask, world: World) -> Iterator[None]:
    """Bind the app's sessions to a connection whose transaction is rolled back afterwards."""
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()
        db.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        with app.app_context():
            db.configure(bind=engine, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, world: World) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> FlaskClient:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def as_admin(client: FlaskClient) -> FlaskClient:
    return login(client, "t_admin")


@pytest.fixture
def as_coordinator(client: FlaskClient) -> FlaskClient:
    return login(client, "t_coordinator")


@pytest.fixture
def as_manager(client: FlaskClient) -> FlaskClient:
    return login(client, "t_manager")


@pytest.fixture
def as_field(client: FlaskClient) -> FlaskClient:
    return login(client, "t_field")
