"""Fixtures of the scope tests (tests/web/scope_world.py): the grid work committed once per
module that asks for it, and one logged-in client per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.web.scope_world import ROLES, GridWork, committed
from tests.world import World


@pytest.fixture(scope="module")
def grid_work(
    app: Flask, world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GridWork]:
    """The grid work, committed once for the module and deleted after it."""
    with committed(app, world, tmp_path_factory.mktemp("photos")) as work:
        yield work


@pytest.fixture
def grid(grid_work: GridWork, db_session: None) -> GridWork:
    """The grid work, each test's writes rolled back."""
    return grid_work


@pytest.fixture(scope="module")
def clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    """One logged-in client per role, shared by the module (the users are the world's)."""
    return {role: login(app.test_client(), role) for role in ROLES}
