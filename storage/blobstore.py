"""Content-addressed, write-once store for evidence files.

Blobs live at ``<root>/ab/cd/<sha256>``. Nothing in this API overwrites or
deletes a stored blob: evidence must never be lost or silently replaced, and
signed PDFs must stay byte-identical. A damaged blob can only be moved aside
with :meth:`BlobStore.quarantine`. Uploads refused right after storing (an unsupported type) are moved to
``.refused/`` with :meth:`BlobStore.refuse` and expire.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

CHUNK_SIZE = 1024 * 1024
TEMP_DIR = ".tmp"
QUARANTINE_DIR = ".quarantine"
REFUSED_DIR = ".refused"
REFUSED_SECONDS = 7 * 86400  # refused uploads are kept this long for a look, then deleted

_SHA256 = re.compile(r"[0-9a-f]{64}")
_HEX_PAIR = re.compile(r"[0-9a-f]{2}")
_NO_HARDLINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
_fallback_lock = threading.Lock()


class StorageError(Exception):
    """Base class, so callers can catch every store failure at once."""


class TooLarge(StorageError):
    """Raised while streaming, so an oversized upload is never fully read."""

    def __init__(self, limit: int):
        super().__init__(f"upload exceeds the limit of {limit} bytes")
        self.limit = limit


class BlobMissing(StorageError):
    """The blob is not (or no longer) in the store, e.g. after quarantine."""

    def __init__(self, sha256: str):
        super().__init__(f"no blob {sha256}")
        self.sha256 = sha256


class BlobCorrupt(StorageError):
    """A blob on disk no longer matches its name; it is left untouched for repair."""

    def __init__(self, sha256: str):
        super().__init__(f"stored blob {sha256} fails verification; quarantine it, then upload again")
        self.sha256 = sha256


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    created: bool


def validate_sha256(value: object) -> str:
    """Only 64 lowercase hex digits reach the filesystem, so no path traversal."""
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ValueError(f"not a lowercase hex sha256: {value!r:.80}")
    return value


class BlobStore:
    """Write-once blob store; safe for concurrent use from threads and processes."""

    def __init__(self, root: str | os.PathLike[str], max_bytes: int | None = None,
                 refused_seconds: float = REFUSED_SECONDS):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.refused_seconds = refused_seconds
        self.temp_dir = self.root / TEMP_DIR
        self.quarantine_dir = self.root / QUARANTINE_DIR
        self.refused_dir = self.root / REFUSED_DIR
        _make_dirs(self.temp_dir)

    def path_for(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path_for(sha256), "rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None

    def put(self, stream: IO[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        """Stream into a temp file on the same filesystem, then publish atomically.

        The stricter of the store's and the call's ``max_bytes`` applies. An
        existing blob is never replaced: a duplicate upload returns
        ``created=False`` after re-hashing the stored copy, so a damaged copy
        raises :class:`BlobCorrupt` instead of being reported as safely stored.
        """
        limit = min((x for x in (self.max_bytes, max_bytes) if x is not None), default=None)
        fd, tmp = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self.temp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = _copy_hashing(stream, out, limit)
                out.flush()
                os.fsync(out.fileno())
                os.fchmod(out.fileno(), 0o444)
            final = self.path_for(sha256)
            _make_dirs(final.parent)
            created = _move_no_clobber(tmp, final)
            if created:
                _fsync_dir(final.parent)
            elif not self.verify(sha256):
                raise BlobCorrupt(sha256)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return StoredBlob(sha256, size, final, created)

    def verify(self, sha256: str) -> bool:
        """Fixity check: re-hash the bytes on disk."""
        with self.open(sha256) as f:
            return hashlib.file_digest(f, "sha256").hexdigest() == sha256  # type: ignore[arg-type]  # a real file

    def iter_blobs(self) -> Iterator[str]:
        """Yield the sha256 of every correctly placed blob, in sorted order."""
        for first in _subdirs(self.root):
            for second in _subdirs(first):
                prefix = first.name + second.name
                for entry in sorted(os.scandir(second), key=lambda e: e.name):
                    name = entry.name
                    if entry.is_file(follow_symlinks=False) and _SHA256.fullmatch(name) and name.startswith(prefix):
                        yield name

    def iter_stray_temp_files(self) -> Iterator[Path]:
        """Leftovers of crashed uploads; uploads in progress show up too (recent mtime)."""
        for entry in sorted(os.scandir(self.temp_dir), key=lambda e: e.name):
            if entry.is_file(follow_symlinks=False):
                yield Path(entry.path)

    def cleanup_temp(self, older_than_seconds: float = 24 * 3600) -> list[Path]:
        """Remove temp files untouched for a while; they were never acknowledged as stored."""
        cutoff = time.time() - older_than_seconds
        removed = []
        for path in self.iter_stray_temp_files():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
        return removed

    def remove(self, sha256: str) -> bool:
        """Delete a blob for good (an admin's purge of personal data); False if it was already gone."""
        path = self.path_for(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    def quarantine(self, sha256: str) -> Path:
        """Move a blob aside for admin repair; its bytes are kept, never deleted."""
        return self._move_aside(sha256, self.quarantine_dir)

    def refuse(self, sha256: str) -> Path:
        """Move a just-uploaded blob that was refused (e.g. its type) aside, and delete the refused ones past
        their time (:meth:`expire_refused`, also run at start-up and by ``check --repair``)."""
        dest = self._move_aside(sha256, self.refused_dir)
        self.expire_refused()
        return dest

    def iter_refused(self) -> Iterator[tuple[Path, float]]:
        """Refused uploads waiting to expire, with the time (epoch seconds) each was uploaded."""
        if not self.refused_dir.is_dir():
            return
        for entry in sorted(os.scandir(self.refused_dir), key=lambda e: e.name):
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    yield Path(entry.path), entry.stat().st_mtime

    def expire_refused(self, older_than_seconds: float | None = None) -> list[Path]:
        """Delete refused uploads older than that (default ``refused_seconds``): they were never evidence."""
        cutoff = time.time() - (self.refused_seconds if older_than_seconds is None else older_than_seconds)
        removed = []
        for path, uploaded in list(self.iter_refused()):
            if uploaded < cutoff:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        return removed

    def _move_aside(self, sha256: str, folder: Path) -> Path:
        src = self.path_for(sha256)
        _make_dirs(folder)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        for n in itertools.count():
            dest = folder / (f"{sha256}.{stamp}" + (f".{n}" if n else ""))
            try:
                if _move_no_clobber(src, dest):
                    break
            except FileNotFoundError:
                raise BlobMissing(sha256) from None
        _fsync_dir(src.parent)
        _fsync_dir(folder)
        return dest


def _copy_hashing(stream: IO[bytes], out: IO[bytes], limit: int | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if chunk is None:
            raise TypeError("non-blocking streams are not supported: read() returned None")
        if not chunk:
            return digest.hexdigest(), size
        size += len(chunk)
        if limit is not None and size > limit:
            raise TooLarge(limit)
        digest.update(chunk)
        out.write(chunk)


def _move_no_clobber(src: str | Path, dst: Path) -> bool:
    """Rename that refuses to replace ``dst``; returns False (src kept) if it exists.

    A hard link fails atomically when the target exists, even across processes;
    os.replace would silently overwrite. Filesystems without hard links fall
    back to check-then-replace, which is only race-free within this process.
    """
    try:
        os.link(src, dst)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_HARDLINK_ERRNOS:
            raise
        with _fallback_lock:
            if os.path.lexists(dst):
                return False
            os.replace(src, dst)
            return True
    os.unlink(src)
    return True


def _make_dirs(directory: Path) -> None:
    """Create folders durably, so a crash cannot orphan an already fsynced blob."""
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        d = d.parent
    directory.mkdir(parents=True, exist_ok=True)
    for d in reversed(missing):
        _fsync_dir(d.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _subdirs(directory: Path) -> list[Path]:
    return sorted(
        Path(e.path)
        for e in os.scandir(directory)
        if e.is_dir(follow_symlinks=False) and _HEX_PAIR.fullmatch(e.name)
    )
