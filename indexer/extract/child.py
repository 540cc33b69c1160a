"""Child process for the extraction pool.

``python -P -m indexer.extract.child --serve [--memory-mb N]`` applies the limits once,
writes ``{"ready": true}``, then answers one JSON request line with one JSON result
line until stdin closes (used by ExtractorPool).
"""

from __future__ import annotations

import json
import logging
import math
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


def _limit_cpu_from_now(cpu_seconds: int | None) -> None:
    """RLIMIT_CPU counts the whole life of the process, so a long-lived child moves it per request."""
    if not cpu_seconds:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + cpu_seconds
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _claim_stdout():
    """Stray prints from libraries or Tesseract go to stderr and cannot corrupt the results."""
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return result_stream


def _capped_logging() -> _CappedHandler:
    handler = _CappedHandler()
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    return handler


def _extend_sys_path(request: dict) -> None:
    sys.path.extend(p for p in request.get("sys_path", ()) if p not in sys.path)


def serve(memory_mb: int | None) -> None:
    """Answer requests until stdin closes; the parent enforces each request's wall-clock limit."""
    result_stream = _claim_stdout()
    handler = _capped_logging()
    _apply_limits(memory_mb, None)

    from indexer.extract.core import extract_in_process

    def send(data: dict) -> None:
        result_stream.write(json.dumps(data, ensure_ascii=False) + "\n")
        result_stream.flush()

    send({"ready": True})
    for line in sys.stdin.buffer:
        request = json.loads(line)
        _limit_cpu_from_now(request.get("cpu_seconds"))
        _extend_sys_path(request)
        handler.written = 0
        result = extract_in_process(
            request["path"], ocr=request.get("ocr", True), timeout=request.get("timeout"),
            parser=request.get("parser"), searchable_pdf=request.get("searchable_pdf"),
        )
        send(result.to_json())


if __name__ == "__main__":
    import argparse

    options = argparse.ArgumentParser(prog="python -m indexer.extract.child")
    options.add_argument("--serve", action="store_true", required=True)
    options.add_argument("--memory-mb", type=int, default=None)
    serve(options.parse_args().memory_mb)
