"""The tile proxy's disk cache: one file per tile under TILE_CACHE_DIR (default: the
instance folder's tiles/), as ``<source>/<layer>/<z>/<x>/<y>``.

Policy (docs/BASEMAPS.md):
- a tile younger than ``max_age`` seconds is served from disk without asking upstream;
  an older one is fetched again, and served stale only when upstream fails;
- the files together stay near ``max_bytes``: when a write takes the total above it, the
  oldest-written tiles are removed until the total is below ``PRUNE_TO`` of it. The total
  is counted once per process (a scan) and kept up to date on each write, so with several
  worker processes the bound holds within a few tiles per process;
- ``max_bytes`` 0: no cache at all.
Writes go to a temporary file renamed into place, so a reader never sees half a tile.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PRUNE_TO = 0.8  # after a prune the cache holds at most this share of max_bytes

_lock = threading.Lock()
_totals: dict[Path, int] = {}  # cache root -> bytes on disk, as this process counts them


@dataclass(frozen=True)
class CachedTile:
    body: bytes
    fresh: bool  # younger than max_age


@dataclass(frozen=True)
class TileCache:
    root: Path
    max_bytes: int
    max_age: float  # seconds

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def path(self, source: str, layer: str, z: int, x: int, y: int) -> Path:
        return self.root / source / layer / str(z) / str(x) / str(y)

    def get(self, source: str, layer: str, z: int, x: int, y: int) -> CachedTile | None:
        if not self.enabled:
            return None
        path = self.path(source, layer, z, x, y)
        try:
            age = time.time() - path.stat().st_mtime
            body = path.read_bytes()
        except OSError:
            return None
        return CachedTile(body, fresh=age < self.max_age)

    def put(self, source: str, layer: str, z: int, x: int, y: int, body: bytes) -> None:
        if not self.enabled or len(body) > self.max_bytes:
            return
        path = self.path(source, layer, z, x, y)
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.stat().st_size if path.exists() else 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tile-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with _lock:
            total = _totals.get(self.root)
            if total is None:
                total = self._scan_total()
            else:
                total += len(body) - old
            if total > self.max_bytes:
                total = self._prune()
            _totals[self.root] = total

    def _files(self) -> list[os.DirEntry[str]]:
        found: list[os.DirEntry[str]] = []
        stack = [str(self.root)]
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                    found.append(entry)
        return found

    def _scan_total(self) -> int:
        return sum(_size(entry) for entry in self._files())

    def _prune(self) -> int:
        """Remove the oldest-written tiles until the total is below PRUNE_TO of the
        bound; answer the total left."""
        files = []
        for entry in self._files():
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, entry.path))
        files.sort()
        total = sum(size for _, size, _ in files)
        target = int(self.max_bytes * PRUNE_TO)
        for _, size, path in files:
            if total <= target:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            total -= size
        return total


def _size(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0
