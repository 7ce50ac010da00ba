"""Importing communities (数据导入): work in progress."""

from __future__ import annotations

from typing import Any

from gridapp.core.errors import BadRequest
from gridapp.core.layer_files import LayerSpec
from gridapp.core.layer_read import Layer, Shape
from gridapp.models import ImportJob, User

SPEC = LayerSpec(Shape.POLYGON, ("code", "社区编码", "编码"))


def may_import(user: User) -> bool:
    return True


def preview(user: User, job: ImportJob, layer: Layer) -> dict[str, Any]:
    raise BadRequest("尚未支持")


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    raise BadRequest("尚未支持")
