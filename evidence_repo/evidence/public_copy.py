"""What the public downloads of a photo: the same picture without EXIF and XMP metadata (GPS position, camera,
owner), so publishing a photo of a session does not publish where and on whose phone it was taken.

The original stays untouched in the store for staff; the copy is stored beside it (content-addressed) and its
SHA-256 is what the public manifest lists. Plain functions on files, no Flask.
"""
from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from storage import BlobStore

log = logging.getLogger(__name__)

STRIPPED_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/tiff": "TIFF",
                  "image/heic": "HEIF", "image/heif": "HEIF"}
# TIFF keeps its layout in tags (size, strips): only these say something about a person, a place or a device
TIFF_PERSONAL_TAGS = (270, 271, 272, 315, 700, 33432, 34665, 34853, 37510)
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "Description", "Author")
ORIENTATION = 0x0112
MAX_PIXELS = 100_000_000  # larger pictures are refused a copy (and so a public download), not decoded


class NoPublicCopy(Exception):
    """The picture could not be read to remove its metadata: it is not served to the public (fail closed)."""


def without_metadata(path: str | Path, mime: str) -> bytes | None:
    """The picture at ``path`` re-saved without metadata, or None when it has none to remove (or is not a kind
    of picture this cleans). Rotation recorded in EXIF is applied to the pixels, so the copy looks the same."""
    fmt = STRIPPED_TYPES.get(mime)
    if fmt is None:
        return None
    try:
        if fmt == "HEIF":
            import pillow_heif  # the extractor registers it in its own processes only

            pillow_heif.register_heif_opener()
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise NoPublicCopy(f"{img.width}x{img.height} pixels")
                exif = img.getexif()
                tagged = any(t in exif for t in TIFF_PERSONAL_TAGS) if fmt == "TIFF" else bool(exif)
                if not tagged and not any(key in img.info for key in METADATA_KEYS):
                    return None
                frames = getattr(img, "n_frames", 1)
                if frames > 1:  # a multi-page scan: not re-saved here, so not public
                    raise NoPublicCopy(f"{frames} frames")
                params: dict[str, object] = {"exif": b"", "xmp": b"", "comment": b""}  # never the original's
                if fmt == "HEIF":
                    params = {"exif": None, "xmp": None, "quality": 90}
                elif fmt == "TIFF":
                    params["compression"] = img.info.get("compression") or "raw"
                    if img.info.get("dpi"):
                        params["dpi"] = img.info["dpi"]
                if img.info.get("icc_profile"):
                    params["icc_profile"] = img.info["icc_profile"]  # colours, not personal data
                picture: Image.Image = img
                if exif.get(ORIENTATION, 1) != 1:
                    picture = ImageOps.exif_transpose(img)
                    if fmt == "JPEG":
                        params["quality"] = 95
                elif fmt == "JPEG":
                    params["quality"] = "keep"  # the same quantisation: no visible loss
                elif fmt == "WEBP":
                    params["lossless"] = bool(img.info.get("lossless"))
                out = io.BytesIO()
                picture.save(out, format=fmt, **params)
                return out.getvalue()
    except NoPublicCopy:
        raise
    except ImportError as exc:  # HEIF support missing: fail closed
        raise NoPublicCopy(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001  (any decoder failure: no public copy)
        raise NoPublicCopy(f"{type(exc).__name__}: {exc}") from exc


def store_public_copy(store: BlobStore, sha256: str, mime: str) -> str | None:
    """Make and store the public copy of the stored file ``sha256``; its SHA-256, or None if the file itself is
    fit for the public. Raises :class:`NoPublicCopy` when the picture cannot be cleaned."""
    cleaned = without_metadata(store.path_for(sha256), mime)
    if cleaned is None:
        return None
    return store.put(io.BytesIO(cleaned)).sha256
