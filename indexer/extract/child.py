"""Child process: ``python -P -m indexer.extract.child`` reads one JSON request on stdin,
applies its resource limits, extracts, and writes one JSON result on stdout.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys


def _apply_limits(memory_mb: int | None, cpu_seconds: int | None) -> None:
    """Limits (and the lower priority) are inherited by Tesseract, this process's child."""
    os.nice(10)  # OCR must not starve the web server that started it
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_mb:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


class _CappedHandler(logging.StreamHandler):
    """Stop logging after MAX_LOG_BYTES: a hostile file can make libraries warn endlessly,
    and the parent keeps the child's stderr in memory."""

    MAX_LOG_BYTES = 64 * 1024

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.written = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.written < self.MAX_LOG_BYTES:
            self.written += len(record.getMessage()) + 200
            super().emit(record)


def main() -> None:
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints from libraries or Tesseract must not corrupt the result
    logging.basicConfig(level=logging.WARNING, handlers=[_CappedHandler()])
    request = json.load(sys.stdin)
    _apply_limits(request.get("memory_mb"), request.get("cpu_seconds"))
    sys.path.extend(p for p in request.get("sys_path", ()) if p not in sys.path)

    from indexer.extract.core import extract_in_process

    result = extract_in_process(
        request["path"], ocr=request.get("ocr", True), timeout=request.get("timeout"), parser=request.get("parser")
    )
    json.dump(result.to_json(), result_stream, ensure_ascii=False)
    result_stream.close()


if __name__ == "__main__":
    main()
