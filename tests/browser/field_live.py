"""The field pages' browser tests write to the committed ``world`` through the live server:
``field_households`` commits the households of tests/field_world.py and a photo folder of
the test's own, and afterwards removes every visit, event, field-log entry and photo of the
world's cells, the households and their access log again, whatever the test did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import delete

from gridapp.extensions import db
from gridapp.models import CellEvent, FieldLog, Household, HouseholdAccess, Photo, Visit
from tests.field_world import add_households
from tests.world import World


@pytest.fixture
def field_households(app: Flask, world: World, tmp_path: Path) -> Iterator[dict[str, list[int]]]:
    photo_dir = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    with app.app_context():
        ids = add_households(db.session, world)
        db.session.commit()
    try:
        yield ids
    finally:
        app.config["PHOTO_DIR"] = photo_dir
        households = [i for cell in ids.values() for i in cell]
        cells = list(world.cells.values())
        with app.app_context():
            s = db.session
            s.execute(delete(Visit).where(Visit.household_id.in_(households)))
            s.execute(delete(Visit).where(Visit.cell_id.in_(cells)))
            s.execute(delete(CellEvent).where(CellEvent.cell_id.in_(cells)))
            s.execute(delete(FieldLog).where(FieldLog.cell_id.in_(cells)))
            s.execute(delete(Photo).where(Photo.cell_id.in_(cells)))
            s.execute(delete(HouseholdAccess).where(HouseholdAccess.household_id.in_(households)))
            s.execute(delete(Household).where(Household.id.in_(households)))
            s.commit()


def small_photo(folder: Path, name: str = "photo.jpg") -> Path:
    """A small real JPEG on disk, for a file field."""
    path = folder / name
    Image.new("RGB", (64, 48), (180, 30, 30)).save(path, "JPEG")
    return path
