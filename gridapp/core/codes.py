"""Cell and community codes after the Beijing local standard DB11/T 2157-2023.

A cell code has 15 digits: the 6-digit district (区县) code, the 3-digit subdistrict (街道)
code, the 3-digit community (社区) code and a 3-digit sequence. Inside a community the
sequence runs in reading order: rows from north to south, and inside a row from west to
east, judged by each unit's centroid. A row is a horizontal band of height ``row_height``
(by default the typical size of the units being numbered), so that cells side by side share
a row even when their centres differ by a few metres.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from shapely.geometry import Point

CELL_CODE = re.compile(r"^(\d{6})(\d{3})(\d{3})(\d{3})$")
COMMUNITY_CODE = re.compile(r"^\d{12}$")
SUBDISTRICT_CODE = re.compile(r"^\d{9}$")


def reading_order(points: Sequence[Point], row_height: float | None = None) -> list[int]:
    """Indices of ``points`` in reading order: north→south rows, west→east within a row.

    Coordinates must be projected (y grows northwards). ``row_height`` defaults to the
    side of a square with the average area per point over their bounding box.
    """
    if not points:
        return []
    # whole metres: floating-point noise (e.g. after a reprojection round trip) must not
    # reorder units that sit exactly side by side
    xs = [round(p.x) for p in points]
    ys = [round(p.y) for p in points]
    top = max(ys)
    if row_height is None:
        width = max(xs) - min(xs)
        height = top - min(ys)
        row_height = max(round(math.sqrt(max(width * height, 1.0) / len(points))), 1)
    rows = [math.floor((top - y) / row_height) for y in ys]
    return sorted(range(len(points)), key=lambda i: (rows[i], xs[i], -ys[i]))


def subdistrict_code(district_code: str, subdistrict_seq: str) -> str:
    code = f"{district_code}{subdistrict_seq}"
    if not SUBDISTRICT_CODE.match(code):
        raise ValueError(f"街道编码应为 9 位数字（6 位区县码 + 3 位街道码）：{code!r}")
    return code


def community_code(subdistrict: str, seq: int) -> str:
    if not 1 <= seq <= 999:
        raise ValueError(f"社区序号超出 001–999：{seq}")
    return f"{subdistrict}{seq:03d}"


def cell_code(community: str, seq: int) -> str:
    if not COMMUNITY_CODE.match(community):
        raise ValueError(f"社区编码应为 12 位数字：{community!r}")
    if not 1 <= seq <= 999:
        raise ValueError(f"网格序号超出 001–999：{seq}")
    return f"{community}{seq:03d}"


def next_free_seq(used: Iterable[int]) -> int:
    """The lowest sequence number not yet used (codes are never reused while a cell lives)."""
    taken = set(used)
    for seq in range(1, 1000):
        if seq not in taken:
            return seq
    raise ValueError("该社区的网格序号已用完 (999)")
