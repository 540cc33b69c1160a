"""Pillow helpers: safe opening, thumbnails, EXIF orientation (OCR itself is in ocr.py)."""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager

from PIL import Image, ImageOps, UnidentifiedImageError

from .result import ExtractionError, Messages

THUMBNAIL_SIZE = (320, 320)
_ORIENTATION = 0x0112


@contextmanager
def pillow_guard():
    """Turn Pillow's decompression-bomb warning and decode errors into user-facing failures."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ExtractionError(Messages.IMAGE_TOO_LARGE) from exc
        except (UnidentifiedImageError, SyntaxError, EOFError, ValueError, OSError) as exc:
            raise ExtractionError(Messages.DAMAGED) from exc


def thumbnail_jpeg(image: Image.Image) -> bytes | None:
    """Small JPEG preview; a failure here never fails the extraction."""
    try:
        if image.width <= THUMBNAIL_SIZE[0] and image.height <= THUMBNAIL_SIZE[1]:
            thumb = image.copy()
        else:
            thumb = ImageOps.contain(image, THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        if thumb.mode in ("RGBA", "LA", "P", "PA"):
            thumb = thumb.convert("RGBA")
            background = Image.new("RGB", thumb.size, "white")
            background.paste(thumb, mask=thumb.getchannel("A"))
            thumb = background
        elif thumb.mode not in ("RGB", "L"):
            thumb = thumb.convert("RGB")
        out = io.BytesIO()
        thumb.save(out, "JPEG", quality=80)
        return out.getvalue()
    except (OSError, ValueError):
        return None


def upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation so phone photos are OCRed right side up (no copy if upright)."""
    if image.getexif().get(_ORIENTATION, 1) == 1:
        return image
    return ImageOps.exif_transpose(image)
