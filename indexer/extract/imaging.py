"""Pillow helpers: safe opening, OCR with a bounded Tesseract run, thumbnails."""

from __future__ import annotations

import io
import math
import warnings
from contextlib import contextmanager

from PIL import Image, ImageOps, UnidentifiedImageError

from .result import ExtractionError, Messages
from .safety import Deadline

OCR_LANG = "spa"
OCR_MAX_PIXELS = 25_000_000
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


def ocr_image(image: Image.Image, deadline: Deadline) -> str:
    """OCR ``image`` with Tesseract (Spanish); pytesseract kills it when the budget runs out."""
    import pytesseract

    if image.width * image.height > OCR_MAX_PIXELS:
        factor = math.sqrt(OCR_MAX_PIXELS / (image.width * image.height))
        image = image.resize((max(1, int(image.width * factor)), max(1, int(image.height * factor))))
    if image.mode != "L":
        image = image.convert("L")  # Tesseract's own binarization misses text on some colour photos
    timeout = deadline.remaining() or 0
    try:
        return pytesseract.image_to_string(image, lang=OCR_LANG, timeout=timeout)
    except pytesseract.TesseractNotFoundError as exc:
        raise ExtractionError(Messages.OCR_UNAVAILABLE) from exc
    except pytesseract.TesseractError as exc:
        raise ExtractionError(Messages.OCR_FAILED) from exc
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise ExtractionError(Messages.TIMEOUT) from exc
        raise


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
