"""The layers a file can be imported into (数据导入), each an :class:`ImportKind`: what its
features must be (``core.layer_files.LayerSpec``), who may import it, how its preview is
built and how it is written. ``imports`` runs every kind the same way (upload, background
reading, preview, commit in one transaction, progress); a new layer is one module and one
entry here (and its label in ``core.vocab.IMPORT_LAYER_LABELS``).

Every preview has the same keys, so the page and the API read any layer alike
(docs/DATA.md): ``features`` (the incoming features with ``number``, ``code``, ``name``,
``label``, ``action`` insert/update and their ``problems``), ``problems`` (per feature),
``partition`` (checks of the result, each with a ``severity`` error/reason/warning),
``communities`` (outlines for the map), ``current`` (the layer's features as they are),
``deleted``, ``summary`` (features, inserts, updates, deletes, problems, partition_errors,
cut_buildings, gaps), ``can_commit``, ``needs_reason`` and ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gridapp.core.layer_files import LayerSpec
from gridapp.core.layer_read import Layer
from gridapp.models import ImportJob, User
from gridapp.services.data import (
    import_buildings,
    import_changes,
    import_communities,
    import_points,
    import_preview,
)

Preview = Callable[[User, ImportJob, Layer], dict[str, Any]]
Commit = Callable[[User, ImportJob], dict[str, Any]]


def _any_importer(_user: User) -> bool:
    return True


@dataclass(frozen=True)
class ImportKind:
    spec: LayerSpec
    preview: Preview  # reads the layer into the preview (writes nothing)
    commit: Commit  # writes a ready import in the caller's transaction; returns its result
    # beyond the importer roles (scope is per feature), and why anyone else may not
    may_import: Callable[[User], bool] = _any_importer
    refusal: str = ""


KINDS: dict[str, ImportKind] = {
    "cells": ImportKind(LayerSpec(), import_preview.preview, import_changes.commit),
    "communities": ImportKind(
        import_communities.SPEC,
        import_communities.preview,
        import_communities.commit,
        import_communities.may_import,
        "社区边界只能由系统管理员或管辖整个街道的网格管理员导入",
    ),
    "buildings": ImportKind(
        import_buildings.SPEC, import_buildings.preview, import_buildings.commit
    ),
    "service_points": ImportKind(import_points.SPEC, import_points.preview, import_points.commit),
}
