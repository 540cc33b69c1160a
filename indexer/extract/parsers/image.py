"""Photos and scans: OCR every frame, read the EXIF capture date, make a thumbnail."""

from __future__ import annotations

import datetime as dt

from PIL import Image, ImageSequence

from ..imaging import pillow_guard, thumbnail_jpeg, upright
from ..result import ExtractionError, Messages
from . import DocumentParser, register

MAX_FRAMES = 500
_EXIF_IFD = 0x8769
_DATE_TAGS = (0x9003, 0x9004)  # DateTimeOriginal, DateTimeDigitized
_DATETIME = 0x0132


@register
class ImageParser(DocumentParser):
    """Only TIFF frames are pages (multi-page scans); other formats' extra frames are previews."""

    mime_types = ("image/jpeg", "image/png", "image/tiff", "image/webp", "image/heic", "image/heif")

    def parse(self, path: str, mime_type: str) -> None:
        if mime_type in ("image/heic", "image/heif"):
            import pillow_heif

            pillow_heif.register_heif_opener()
        with pillow_guard(), Image.open(path) as image:
            self.captured_on = exif_date(image)
            frames = ImageSequence.Iterator(image) if mime_type == "image/tiff" else [image]
            self.pages = 0
            for number, frame in enumerate(frames):
                if number >= MAX_FRAMES or self.text.full:
                    break
                limit = Image.MAX_IMAGE_PIXELS  # set by pillow_guard(); None would mean "no limit"
                if limit is not None and frame.width * frame.height > limit:
                    raise ExtractionError(Messages.IMAGE_TOO_LARGE)
                self.pages += 1
                frame = upright(frame)
                if number == 0:
                    self.thumbnail = thumbnail_jpeg(frame)
                if self.ocr:
                    self.ocr_page(frame, number, _dpi(frame))


def _dpi(image: Image.Image) -> int | None:
    """The scanner's resolution when the file says it (sensible values only), so pages keep their size."""
    try:
        dpi = round(float(image.info.get("dpi", (0, 0))[0]))
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if 70 <= dpi <= 1200 else None


def exif_date(image: Image.Image) -> str | None:
    """ISO date of DateTimeOriginal (or DateTimeDigitized / DateTime); None if absent or bogus."""
    try:
        exif = image.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:
        return None
    for value in [sub.get(tag) for tag in _DATE_TAGS] + [exif.get(_DATETIME)]:
        if isinstance(value, bytes):
            value = value.decode("ascii", "ignore")
        if isinstance(value, str):
            try:
                return dt.datetime.strptime(value.strip("\0 ")[:10], "%Y:%m:%d").date().isoformat()
            except ValueError:
                continue
    return None
