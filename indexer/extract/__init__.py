"""Text extraction for uploaded evidence files.

``ExtractorPool().extract(path)`` runs the work in long-lived, time- and
memory-limited child processes and returns an ``Extraction``; it takes plain
values and never imports the web app. ``extract_in_process`` does the same work
in the calling process, without those limits (the children run it).
"""

from .core import extract_in_process
from .detect import ALLOWED_MIME_TYPES, detect_mime, name_for_type
from .pool import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, ExtractorPool
from .result import MAX_TEXT_CHARS, Extraction, ExtractionError, Messages, Status, UnsupportedType

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
    "extract_in_process",
    "name_for_type",
]
