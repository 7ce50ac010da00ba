"""Unpacking an uploaded ZIP (a zipped Shapefile, say) into a private folder, treating the
archive as an attack until proven otherwise (no Flask, no database).

Refused before anything is written: member names that would land outside the folder
(absolute paths, ``..``, drive letters, backslashes), a name twice (case aside), symbolic
links and other special files, encrypted members, more than ``max_members`` members, a
declared total above ``max_total_bytes``, and a member compressed more than ``max_ratio``
times (zip bombs). While writing, the bytes really unpacked are counted too, since the
sizes a ZIP declares can lie. Nested archives are written as files and never opened. The
caller owns ``folder`` (a fresh temporary directory) and removes it afterwards.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from gridapp.core.errors import DomainError

CHUNK = 1024 * 1024


class UnsafeArchive(DomainError):
    """A ZIP that is broken, or built to escape its folder or to exhaust the disk."""

    status = 422
    code = "unsafe_archive"


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 200
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: int = 200  # uncompressed / compressed, per member


def extract_zip(
    source: str | Path | IO[bytes], folder: Path, limits: ArchiveLimits = ArchiveLimits()
) -> list[Path]:
    """Unpack the ZIP ``source`` into ``folder``; the files written, in archive order."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            _check(members, limits)
            return _write(archive, members, folder.resolve(), limits)
    except zipfile.BadZipFile:
        raise UnsafeArchive("文件不是有效的 ZIP 压缩包（或已损坏、不完整）") from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError) as err:
        raise UnsafeArchive(f"压缩包无法解开：{type(err).__name__}") from None


def _check(members: list[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    if not members:
        raise UnsafeArchive("压缩包是空的，没有任何文件")
    if len(members) > limits.max_members:
        raise UnsafeArchive(f"压缩包内文件过多（{len(members)} 个，上限 {limits.max_members} 个）")
    total = 0
    seen: set[str] = set()
    for member in members:
        key = str(safe_name(member.filename)).lower()
        if key in seen:
            raise UnsafeArchive(f"压缩包内有重名文件“{member.filename}”")
        seen.add(key)
        kind = stat.S_IFMT(member.external_attr >> 16)  # 0: no Unix file type recorded
        if kind and kind != stat.S_IFREG:
            raise UnsafeArchive(f"压缩包内“{member.filename}”是链接或特殊文件，不予解压")
        if member.flag_bits & 0x1:
            raise UnsafeArchive(f"压缩包内“{member.filename}”已加密，请上传未加密的压缩包")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > CHUNK and ratio > limits.max_ratio:
            raise UnsafeArchive(
                f"压缩包内“{member.filename}”压缩比异常（{ratio:.0f} 倍），疑似压缩炸弹，不予解压"
            )
        total += member.file_size
    if total > limits.max_total_bytes:
        raise UnsafeArchive(_too_big(limits))


def safe_name(name: str) -> PurePosixPath:
    """The relative path a member may be written to; anything else is refused."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or ".." in path.parts
        or ":" in path.parts[0]
    ):
        raise UnsafeArchive(f"压缩包内的文件路径“{name}”不安全（绝对路径或指向上级目录），不予解压")
    return path


def _write(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], folder: Path, limits: ArchiveLimits
) -> list[Path]:
    written: list[Path] = []
    total = 0
    for member in members:
        target = (folder / safe_name(member.filename)).resolve()
        if not target.is_relative_to(folder):  # e.g. through a link left in the folder
            raise UnsafeArchive(f"压缩包内的文件路径“{member.filename}”不安全，不予解压")
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as src, open(target, "xb") as out:
            while chunk := src.read(CHUNK):
                total += len(chunk)
                if total > limits.max_total_bytes:
                    raise UnsafeArchive(_too_big(limits))
                out.write(chunk)
        written.append(target)
    return written


def _too_big(limits: ArchiveLimits) -> str:
    return f"压缩包解压后超过 {limits.max_total_bytes // (1024 * 1024)} MB，不予解压"
