"""Resource guards that run before and during parsing of untrusted files."""

from __future__ import annotations

import time
import zipfile

from .result import ExtractionError, Messages

MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_RATIO = 100
ZIP_RATIO_MIN_BYTES = 10 * 1024 * 1024


def check_zip(path) -> None:
    """Reject zip containers whose declared sizes would inflate too much.

    Python's zipfile never inflates an entry past its declared ``file_size`` (and
    fails the CRC if the data disagrees), so checking the declared sizes bounds
    what python-docx, python-pptx, openpyxl and the ODT reader can unpack.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ExtractionError(Messages.DAMAGED) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ExtractionError(Messages.LIMITS)
    total = 0
    for info in infos:
        total += info.file_size
        big = info.file_size > ZIP_RATIO_MIN_BYTES
        if total > MAX_ZIP_TOTAL_BYTES or (big and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)):
            raise ExtractionError(Messages.LIMITS)


class Deadline:
    """Wall-clock budget shared by a parser and the Tesseract runs it starts."""

    def __init__(self, seconds: float | None):
        self.end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left (None means unlimited); raise the timeout failure when none are."""
        if self.end is None:
            return None
        left = self.end - time.monotonic()
        if left <= 0:
            raise ExtractionError(Messages.TIMEOUT)
        return left

    def check(self) -> None:
        self.remaining()
