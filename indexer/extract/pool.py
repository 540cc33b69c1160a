"""A small pool of long-lived extraction children.

Starting an interpreter per file costs 80-170 ms, more than extracting most small
documents. The pool keeps ``python -P -m indexer.extract.child --serve`` processes
alive instead, isolated: each child is a fresh interpreter (no fork of the caller,
which may be a threaded web server) in its own session under a memory limit, and a
request that overruns its wall-clock budget kills the child's whole process group
(Tesseract included). A child that
times out, crashes, runs out of memory or answers garbage is replaced by a fresh
one on the next request; every child is also replaced after ``max_tasks_per_child``
documents so slow leaks in the parsers cannot pile up.
"""

from __future__ import annotations

import json
import logging
import math
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .result import Extraction, Messages

DEFAULT_TIMEOUT = 180.0
DEFAULT_MEMORY_MB = 1024
_CHILD_GRACE = 1.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
MAX_RESULT_BYTES = 64 * 1024 * 1024
_READ_SIZE = 1 << 16
_STDERR_LINE = 8192
_READY = b'{"ready": true}\n'

log = logging.getLogger(__name__)


class ExtractorPool:
    """Thread-safe pool of ``workers`` extraction children, started on first use.

    ``extract()`` blocks until a child is idle. ``timeout`` is wall-clock
    seconds per file, counted from the moment a child takes the request, not
    while waiting for one; ``memory_mb`` is each child's address-space limit
    (None: unlimited).
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int | None = DEFAULT_MEMORY_MB,
        max_tasks_per_child: int = 200,
    ):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if max_tasks_per_child < 1:
            raise ValueError("max_tasks_per_child must be at least 1")
        self.workers = workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.max_tasks_per_child = max_tasks_per_child
        self._condition = threading.Condition()
        self._idle = [_Child(memory_mb, max_tasks_per_child) for _ in range(workers)]
        self._closed = False

    def extract(self, path, *, ocr: bool = True, parser: str | None = None,
                searchable_pdf: str | None = None) -> Extraction:
        """Extract ``path`` in an idle child; never raises for bad files.

        ``searchable_pdf``: where the child may write the searchable copy of a scan (see extract_in_process).

        ``parser`` ('module:Class') replaces the registry's choice, for tests and
        benchmarks. Raises RuntimeError once the pool is closed.
        """
        child = self._acquire()
        try:
            return child.run(path, ocr=ocr, parser=parser, timeout=self.timeout, searchable_pdf=searchable_pdf)
        finally:
            self._release(child)

    def close(self) -> None:
        """Refuse new work, wait for running extractions (each bounded by the timeout), stop every child."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
            while len(self._idle) < self.workers:
                self._condition.wait()
            for child in self._idle:
                child.stop()

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _acquire(self) -> _Child:
        with self._condition:
            while not self._idle and not self._closed:
                self._condition.wait()
            if self._closed:
                raise RuntimeError("ExtractorPool is closed")
            return self._idle.pop()  # the most recently used child is the one most likely running

    def _release(self, child: _Child) -> None:
        with self._condition:
            self._idle.append(child)
            self._condition.notify_all()


class _ChildLost(Exception):
    """The child closed its output, died, or wrote something that is not a result."""


class _Timeout(Exception):
    pass


class _Child:
    """One slot of the pool: at most one serving process, used by one thread at a time."""

    def __init__(self, memory_mb: int | None, max_tasks: int):
        self.memory_mb = memory_mb
        self.max_tasks = max_tasks
        self.process: subprocess.Popen[bytes] | None = None
        self.tasks = 0
        self._poller: select.poll | None = None
        self._stderr_reader: threading.Thread | None = None

    def run(self, path, *, ocr: bool, parser: str | None, timeout: float,
            searchable_pdf: str | None = None) -> Extraction:
        deadline = time.monotonic() + timeout
        try:
            result = self._round_trip(path, ocr=ocr, parser=parser, deadline=deadline,
                                      searchable_pdf=searchable_pdf)
        except _Timeout:
            log.warning("Extraction child %s ran out of time; killing its process group", self._pid())
            self.stop()
            return Extraction.failed(Messages.TIMEOUT)
        except _ChildLost:
            pid = self._pid()
            returncode = self.stop()
            log.warning("Extraction child %s was lost (exit status %s)", pid, returncode)
            return _exit_failure(returncode)
        except BaseException:
            self.stop()
            raise
        self.tasks += 1
        if result.error == Messages.MEMORY or self.tasks >= self.max_tasks:
            self.stop()  # after a MemoryError the heap may stay near the limit
        return result

    def stop(self) -> int | None:
        """SIGKILL the child's process group and reap it; return its exit status."""
        process, self.process = self.process, None
        self.tasks = 0
        if process is None:
            return None
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        returncode = process.wait()
        if self._stderr_reader is not None:
            self._stderr_reader.join(timeout=5)
        return returncode

    def _pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise _ChildLost
        return self.process

    def _round_trip(self, path, *, ocr: bool, parser: str | None, deadline: float,
                    searchable_pdf: str | None = None) -> Extraction:
        if self.process is not None and self.process.poll() is not None:
            log.warning("Idle extraction child %s exited with %s", self.process.pid, self.process.returncode)
            self.stop()  # nothing was sent to it yet, so this request can go to a fresh child
        if self.process is None:
            self._start()
            if self._read_line(deadline) != _READY:
                raise _ChildLost
        request = _request(path, ocr=ocr, timeout=deadline - time.monotonic(), parser=parser)
        request["searchable_pdf"] = os.path.abspath(searchable_pdf) if searchable_pdf else None
        stdin = self._running().stdin
        assert stdin is not None  # started with stdin=PIPE
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            stdin.flush()
        except OSError as exc:
            raise _ChildLost from exc
        result = _decode_result(self._read_line(deadline))
        if result is None:
            raise _ChildLost
        return result

    def _start(self) -> None:
        command = [sys.executable, "-P", "-m", "indexer.extract.child", "--serve"]
        if self.memory_mb:
            command += ["--memory-mb", str(self.memory_mb)]
        process = self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=_child_env(),
        )
        assert process.stdout is not None  # started with stdout=PIPE
        self._poller = select.poll()
        self._poller.register(process.stdout.fileno(), select.POLLIN)
        self._stderr_reader = threading.Thread(
            target=_log_stderr, args=(process.pid, process.stderr), daemon=True,
            name=f"extract-child-{process.pid}-stderr",
        )
        self._stderr_reader.start()

    def _read_line(self, deadline: float) -> bytes:
        """Read exactly one line from the child before ``deadline``, straight from the pipe."""
        stdout, poller = self._running().stdout, self._poller
        assert stdout is not None and poller is not None  # set by _start
        fd = stdout.fileno()
        data = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout
            if not poller.poll(math.ceil(left * 1000)):
                continue
            chunk = os.read(fd, _READ_SIZE)
            if not chunk:
                raise _ChildLost
            data += chunk
            if len(data) > MAX_RESULT_BYTES:
                raise _ChildLost
            end = data.find(b"\n", len(data) - len(chunk))
            if end == len(data) - 1:
                return bytes(data)
            if end != -1:
                raise _ChildLost  # the child answers one line per request and then waits


def _log_stderr(pid: int, stream) -> None:
    """Keep the child's stderr pipe drained so it never blocks on a full pipe."""
    with stream:
        for line in iter(lambda: stream.readline(_STDERR_LINE), b""):
            log.debug("Extraction child %s: %s", pid, line.decode(errors="replace").rstrip())


def _request(path, *, ocr: bool, timeout: float, parser: str | None) -> dict:
    """The JSON request line a child reads; ``timeout`` is the budget left for this file."""
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
