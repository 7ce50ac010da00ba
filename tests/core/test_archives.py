"""Unpacking uploaded ZIPs (core/archives.py): every trick refused before anything is
written, and nothing written outside the folder."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from gridapp.core.archives import ArchiveLimits, UnsafeArchive, extract_zip


def make_zip(*members: tuple[str | zipfile.ZipInfo, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    out.seek(0)
    return out


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_shapefile_zip_is_unpacked_with_its_folders(tmp_path: Path) -> None:
    source = make_zip(("cells/cells.shp", b"shp"), ("cells/cells.dbf", b"dbf"), ("a.prj", b"x"))
    folder = tmp_path / "unpacked"
    folder.mkdir()
    written = extract_zip(source, folder)
    assert [p.name for p in written] == ["cells.shp", "cells.dbf", "a.prj"]
    assert listing(folder) == ["a.prj", "cells/cells.dbf", "cells/cells.shp"]
    assert (folder / "cells" / "cells.dbf").read_bytes() == b"dbf"


@pytest.mark.parametrize(
    "name", ["../evil.txt", "ok/../../evil.txt", "/etc/evil.txt", "C:/evil.txt", "a\\..\\evil.txt"]
)
def test_names_leaving_the_folder_are_refused_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "unpacked"
    folder.mkdir()
    source = make_zip(("good.shp", b"1"), (name, b"evil"))
    with pytest.raises(UnsafeArchive, match="不安全"):
        extract_zip(source, folder)
    assert listing(tmp_path) == []  # not even the good member


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.shp")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(UnsafeArchive, match="链接"):
        extract_zip(make_zip((link, b"/etc/passwd")), tmp_path)
    assert listing(tmp_path) == []


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    bomb = make_zip(("zeros.dbf", b"\0" * (20 * 1024 * 1024)))
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(UnsafeArchive, match="压缩炸弹"):
        extract_zip(bomb, tmp_path)
    assert listing(tmp_path) == []


def test_the_total_size_is_bounded_declared_and_written(tmp_path: Path) -> None:
    limits = ArchiveLimits(max_total_bytes=1000, max_ratio=10**6)
    with pytest.raises(UnsafeArchive, match="超过"):
        extract_zip(make_zip(("a.dbf", b"x" * 600), ("b.dbf", b"y" * 600)), tmp_path, limits)
    assert listing(tmp_path) == []


def test_a_zip_lying_about_its_sizes_is_stopped_while_writing(tmp_path: Path) -> None:
    """The declared size says 10 bytes; the member holds 5000: the count of bytes really
    unpacked stops it (zipfile itself notices the lie at the end of the member)."""
    source = make_zip(("a.dbf", b"z" * 5000))
    data = bytearray(source.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size
    local = info.header_offset
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    with pytest.raises(UnsafeArchive):
        extract_zip(io.BytesIO(bytes(data)), tmp_path, ArchiveLimits(max_total_bytes=100))


def test_encrypted_duplicate_too_many_and_empty_archives_are_refused(tmp_path: Path) -> None:
    locked = bytearray(make_zip(("a.shp", b"x")).getvalue())
    central = locked.rfind(b"PK\x01\x02")
    locked[central + 8] |= 0x1  # the "encrypted" bit of the general purpose flags
    locked[6] |= 0x1  # and in the local header
    with pytest.raises(UnsafeArchive, match="加密"):
        extract_zip(io.BytesIO(bytes(locked)), tmp_path)
    with pytest.raises(UnsafeArchive, match="重名"):
        extract_zip(make_zip(("A.shp", b"1"), ("a.SHP", b"2")), tmp_path)
    many = make_zip(*((f"{i}.txt", b"1") for i in range(5)))
    with pytest.raises(UnsafeArchive, match="过多"):
        extract_zip(many, tmp_path, ArchiveLimits(max_members=4))
    with pytest.raises(UnsafeArchive, match="空"):
        extract_zip(make_zip(), tmp_path)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_broken_files_are_refused_in_chinese(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnsafeArchive, match="ZIP"):
        extract_zip(io.BytesIO(data), tmp_path)


def test_a_truncated_zip_is_refused(tmp_path: Path) -> None:
    data = make_zip(("a.dbf", bytes(range(256)) * 400)).getvalue()
    with pytest.raises(UnsafeArchive):
        extract_zip(io.BytesIO(data[: len(data) // 2]), tmp_path)
