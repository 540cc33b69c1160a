"""Run an extraction in a separate, resource-limited process that can be killed.

A fresh interpreter is started with subprocess (no fork of the caller, which may be a
threaded web server) in its own session, so a timeout kills it together with any
Tesseract it started.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

from .result import Extraction, Messages

DEFAULT_TIMEOUT = 180.0
DEFAULT_MEMORY_MB = 1024
_CHILD_GRACE = 1.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])

log = logging.getLogger(__name__)


def extract(
    path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    ocr: bool = True,
    parser: str | None = None,
) -> Extraction:
    """Extract text and metadata from ``path`` in a child process; never raises for bad files.

    ``timeout`` is wall-clock seconds for the whole run, ``memory_mb`` the child's
    address-space limit (None: unlimited). ``parser`` ('module:Class') replaces the
    registry's choice, for tests and benchmarks.
    """
    request = _request(path, ocr=ocr, timeout=timeout, parser=parser)
    request["memory_mb"] = memory_mb
    process = subprocess.Popen(
        [sys.executable, "-P", "-m", "indexer.extract.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=_child_env(),
    )
    try:
        out, err = process.communicate(json.dumps(request).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        return Extraction.failed(Messages.TIMEOUT)
    except BaseException:
        _kill(process)
        raise
    if err:
        log.debug("Extraction child stderr: %s", err[-2000:].decode(errors="replace"))
    if process.returncode == 0:
        result = _decode_result(out)
        if result is None:
            log.warning("Extraction child sent an unreadable result")
            return Extraction.failed(Messages.CRASHED)
        return result
    log.warning("Extraction child exited with %s", process.returncode)
    return _exit_failure(process.returncode)


def _request(path, *, ocr: bool, timeout: float, parser: str | None) -> dict:
    """The JSON request both child modes read; ``timeout`` is the budget left for this file."""
    return {
        "path": os.path.abspath(os.fspath(path)),
        "ocr": ocr,
        "timeout": max(timeout - _CHILD_GRACE, 0.1),
        "cpu_seconds": math.ceil(max(timeout, 0)) + 1,
        "parser": parser,
        "sys_path": list(sys.path) if parser else [],
    }


def _decode_result(data: bytes) -> Extraction | None:
    """The child's JSON result, or None when it is unreadable."""
    try:
        return Extraction.from_json(json.loads(data))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _exit_failure(returncode: int | None) -> Extraction:
    """The failure for a child that died: RLIMIT_CPU's SIGXCPU is a timeout, anything else a crash."""
    if returncode == -signal.SIGXCPU:
        return Extraction.failed(Messages.TIMEOUT)
    return Extraction.failed(Messages.CRASHED)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env["OMP_THREAD_LIMIT"] = "1"  # Tesseract's OpenMP threads only add memory and contention here
    return env


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the child's whole process group (Tesseract included) and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        for stream in (process.stdout, process.stderr):
            stream.close()
        process.wait()
