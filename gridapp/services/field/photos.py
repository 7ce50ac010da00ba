"""Field photos on disk: stored with the record that carries them, served only in scope.

A photo is re-encoded (``core.photos``) and written under ``PHOTO_DIR`` as
``YYYY/MM/<random>.<ext>`` — a name the uploader never chooses, so no path can be steered.
:func:`stored` is used around the write of the record the photo belongs to: if that
transaction fails, the file is removed again, so a refused visit leaves no stray photo.

Reading (docs/SCOPE.md, 照片): a photo of a household visit (``private``) only for readers
of that cell's households; any other photo for every user who sees its cell. Anything else
is a 404, like an unknown id.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import or_, select

from gridapp.core.errors import NotFound
from gridapp.core.photos import Limits, encode_photo
from gridapp.extensions import db
from gridapp.models import Photo, User
from gridapp.services import scope

# Where GET /api/photos/<id> serves a photo (the answers of visits and events link it).
PHOTO_URL = "/api/photos/{id}"


def photo_url(photo_id: int | None) -> str | None:
    return PHOTO_URL.format(id=photo_id) if photo_id is not None else None


def photo_root() -> Path:
    return Path(str(current_app.config["PHOTO_DIR"]))


def limits() -> Limits:
    return Limits(
        max_bytes=int(current_app.config["MAX_PHOTO_LENGTH"]),
        max_side=int(current_app.config["PHOTO_MAX_SIDE"]),
    )


def read_upload(stream: IO[bytes]) -> bytes:
    """At most one byte more than the limit, so a huge upload is never held whole."""
    return stream.read(limits().max_bytes + 1)


@contextmanager
def stored(
    data: bytes | None, cell_id: int | None, user: User, *, private: bool
) -> Iterator[Photo | None]:
    """Check, re-encode and write ``data`` (None: no photo) and add its row (flushed); the
    file is removed again when the ``with`` body raises."""
    if data is None:
        yield None
        return
    encoded = encode_photo(data, limits())
    now = datetime.now(UTC)
    relative = f"{now:%Y/%m}/{secrets.token_hex(16)}.{encoded.extension}"
    path = photo_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(encoded.data)
    os.replace(partial, path)
    photo = Photo(
        cell_id=cell_id,
        user_id=user.id,
        path=relative,
        mime=encoded.mime,
        width=encoded.width,
        height=encoded.height,
        bytes=len(encoded.data),
        sha256=hashlib.sha256(encoded.data).hexdigest(),
        private=private,
    )
    db.session.add(photo)
    try:
        db.session.flush()
        yield photo
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def photo_file(user: User, photo_id: int) -> tuple[Path, str]:
    """The file and content type of a photo ``user`` may see; 404 otherwise."""
    photo = db.session.scalar(
        select(Photo).where(
            Photo.id == photo_id,
            or_(
                Photo.private.is_(False) & Photo.cell_id.in_(scope.visible_cell_ids(user)),
                Photo.cell_id.in_(scope.household_reader_cell_ids(user)),
            ),
        )
    )
    path = photo_root() / photo.path if photo is not None else None
    if photo is None or path is None or not path.is_file():
        raise NotFound(f"未找到编号为 {photo_id} 的照片")
    return path, photo.mime
