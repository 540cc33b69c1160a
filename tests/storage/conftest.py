import hashlib

import pytest

from storage import BlobStore


@pytest.fixture
def store(tmp_path):
    return BlobStore(tmp_path / "files")


class GeneratedStream:
    """Deterministic pseudo-file of ``size`` bytes that never materializes its content.

    It hashes what it hands out, so tests can check the store's digest independently.
    """

    def __init__(self, size, *, max_read=None):
        self.remaining = size
        self.max_read = max_read
        self.bytes_read = 0
        self.digest = hashlib.sha256()
        self._block = bytes(range(256)) * 4096 + b"\r\n\x00"

    def read(self, n=-1):
        if n is None or n < 0:
            raise AssertionError("store must read in bounded chunks")
        n = min(n, self.remaining, len(self._block), self.max_read or n)
        start = self.bytes_read % 251
        chunk = self._block[start:start + n]
        if len(chunk) < n:
            chunk += self._block[: n - len(chunk)]
        self.remaining -= n
        self.bytes_read += n
        self.digest.update(chunk)
        return chunk


@pytest.fixture
def generated_stream():
    return GeneratedStream
