"""Text extraction for uploaded evidence files.

``extract(path)`` runs the work in a time- and memory-limited child process and
returns an ``Extraction``; it takes plain values and never imports the web app.
``ExtractorPool`` does the same in long-lived children, for workers that process
many files.
"""

from .core import extract_in_process
from .detect import ALLOWED_MIME_TYPES, detect_mime, ensure_allowed
from .pool import ExtractorPool
from .result import MAX_TEXT_CHARS, Extraction, ExtractionError, Messages, Status, UnsupportedType
from .runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, extract

__all__ = [
    "ALLOWED_MIME_TYPES",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT",
    "MAX_TEXT_CHARS",
    "Extraction",
    "ExtractionError",
    "ExtractorPool",
    "Messages",
    "Status",
    "UnsupportedType",
    "detect_mime",
    "ensure_allowed",
    "extract",
    "extract_in_process",
]
