"""Previews of a file on its evidence page (a PDF's first pages, a photo at viewing size), kept on disk.

Drawn once per file content (by SHA-256, so every version and copy of the same bytes shares them) in a limited
child process (``indexer.extract.preview``) and then served from ``DATA/previews``; who may see one is decided
by the route, with the download rule, before this module is asked. A purge removes them with the file.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from indexer.extract.preview import PREVIEW_PAGES, PREVIEWABLE, render_preview
from storage import BlobStore, validate_sha256


def previewable(mime_type: str) -> bool:
    return mime_type in PREVIEWABLE


def preview_pages(mime_type: str, pages: int | None) -> list[int]:
    """The page numbers the evidence page shows: a PDF's first ones, a photo's only one."""
    if mime_type == "application/pdf":
        return list(range(1, min(pages or 1, PREVIEW_PAGES) + 1))
    return [1] if previewable(mime_type) else []


class Previews:
    def __init__(self, root: Path, blobs: BlobStore):
        self.root = Path(root)
        self.blobs = blobs

    def _folder(self, sha256: str) -> Path:
        sha256 = validate_sha256(sha256)
        return self.root / sha256[:2] / sha256

    def get(self, sha256: str, mime_type: str, page: int) -> Path | None:
        """The JPEG of ``page``, drawn now if it was never drawn; None when there is no such page or it cannot be
        drawn (remembered, so a damaged file is not re-read on every visit; a timeout is not)."""
        if not previewable(mime_type) or not 1 <= page <= PREVIEW_PAGES:
            return None
        folder = self._folder(sha256)
        image, missing = folder / f"{page}.jpg", folder / f"{page}.none"
        if image.exists():
            return image
        if missing.exists() or not self.blobs.exists(sha256):
            return None
        folder.mkdir(parents=True, exist_ok=True)
        # the blob itself is the source: pdfium and Pillow only read it; the JPEG is written aside then renamed
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{page}-", suffix=".jpg")
        os.close(fd)
        try:
            drawn = render_preview(self.blobs.path_for(sha256), temp, page)
            if drawn:
                os.replace(temp, image)
                return image
            if drawn is False:  # no such page, or a file pdfium/Pillow cannot draw; a timeout is tried again
                missing.touch()
            return None
        finally:
            if os.path.exists(temp):
                os.unlink(temp)

    def remove(self, sha256: str) -> None:
        """Forget every preview of ``sha256`` (a purge)."""
        shutil.rmtree(self._folder(sha256), ignore_errors=True)
