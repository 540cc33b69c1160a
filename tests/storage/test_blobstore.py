import ast
import hashlib
import io
import os
import stat
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storage import CHUNK_SIZE, BlobCorrupt, BlobMissing, BlobStore, StoredBlob, TooLarge

PDF_LIKE = (
    b"%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\r\n<< /Type /Sig /Contents <00ff> >>\r\n"
    b"stream\r\n\x00\x01\x02\xff\xfe\r\n\n\r\x00\x00endstream\r\nendobj\r\n%%EOF\r\n"
) + bytes(range(256)) * 64


def sha(data):
    return hashlib.sha256(data).hexdigest()


def read_back(store, sha256):
    with store.open(sha256) as f:
        return f.read()


def temp_files(store):
    return list(store.iter_stray_temp_files())


@pytest.mark.parametrize(
    "data",
    [PDF_LIKE, b"", b"x", bytes(range(256)) * (CHUNK_SIZE // 256) * 2 + b"\r\n\x00tail"],
    ids=["pdf-like", "empty", "one-byte", "multi-chunk-unaligned"],
)
def test_roundtrip_is_byte_exact(store, data):
    blob = store.put(io.BytesIO(data))

    assert blob == StoredBlob(sha(data), len(data), store.path_for(sha(data)), True)
    assert read_back(store, blob.sha256) == data
    assert store.verify(blob.sha256)
    assert temp_files(store) == []


def test_short_reads_are_reassembled(store, generated_stream):
    stream = generated_stream(3 * CHUNK_SIZE + 17, max_read=1000)
    blob = store.put(stream)
    assert blob.sha256 == stream.digest.hexdigest()
    assert blob.size == 3 * CHUNK_SIZE + 17


def test_layout_fans_out_by_first_two_hex_pairs(store):
    blob = store.put(io.BytesIO(PDF_LIKE))
    h = blob.sha256
    assert blob.path == store.root / h[:2] / h[2:4] / h
    assert blob.path.is_file()
    assert stat.S_IMODE(blob.path.stat().st_mode) == 0o444


def test_too_large_stops_reading_early_and_leaves_no_temp_file(store, generated_stream):
    limit = 3 * CHUNK_SIZE + 5
    stream = generated_stream(10**12)
    with pytest.raises(TooLarge) as exc:
        store.put(stream, max_bytes=limit)
    assert exc.value.limit == limit
    assert stream.bytes_read <= limit + CHUNK_SIZE
    assert temp_files(store) == []
    assert list(store.iter_blobs()) == []


def test_limit_is_inclusive_and_stricter_of_store_and_call(tmp_path):
    store = BlobStore(tmp_path / "files", max_bytes=10)
    assert store.put(io.BytesIO(b"0123456789")).size == 10
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"0123456789a"))
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"0123456789a"), max_bytes=100)
    with pytest.raises(TooLarge) as exc:
        store.put(io.BytesIO(b"012345"), max_bytes=5)
    assert exc.value.limit == 5


def test_same_content_twice_keeps_one_untouched_file(store):
    first = store.put(io.BytesIO(PDF_LIKE))
    before = os.stat(first.path)
    second = store.put(io.BytesIO(PDF_LIKE))

    assert (first.created, second.created) == (True, False)
    assert second.sha256 == first.sha256 and second.size == first.size
    after = os.stat(first.path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(list(first.path.parent.iterdir())) == 1
    assert temp_files(store) == []


def test_existing_blob_is_never_overwritten(store):
    """Simulate a damaged copy already at the target path: a new upload must not replace it."""
    data = PDF_LIKE
    target = store.path_for(sha(data))
    target.parent.mkdir(parents=True)
    target.write_bytes(b"damaged bytes")
    target.chmod(0o444)

    with pytest.raises(BlobCorrupt):
        store.put(io.BytesIO(data))

    assert target.read_bytes() == b"damaged bytes"
    assert temp_files(store) == []

    store.quarantine(sha(data))
    assert store.put(io.BytesIO(data)).created is True
    assert read_back(store, sha(data)) == data


def test_stream_error_leaves_no_temp_file(store):
    class Disconnect(io.RawIOBase):
        calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 2:
                raise ConnectionResetError("client went away")
            return b"x" * n

    with pytest.raises(ConnectionResetError):
        store.put(Disconnect())
    assert temp_files(store) == []
    assert list(store.iter_blobs()) == []


def test_non_blocking_stream_is_refused_rather_than_truncated(store):
    class NonBlocking:
        def read(self, n):
            return None

    with pytest.raises(TypeError):
        store.put(NonBlocking())
    assert temp_files(store) == []


def test_streams_200_mb_with_small_memory(store, generated_stream):
    size = 200 * 1024 * 1024
    stream = generated_stream(size)
    tracemalloc.start()
    try:
        blob = store.put(stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert blob.size == size
        assert blob.sha256 == stream.digest.hexdigest()
        assert blob.path.stat().st_size == size
        assert peak < 16 * 1024 * 1024, f"peak traced memory {peak} bytes"
    finally:
        blob.path.chmod(0o644)
        blob.path.unlink()


@pytest.mark.parametrize(
    "bad",
    ["../etc/passwd", "A" * 64, sha(b"x").upper(), "abc", "a" * 63, "a" * 65, "a" * 64 + "\n",
     "../" + "a" * 61, "g" * 64, "", None, b"a" * 64],
)
@pytest.mark.parametrize("method", ["path_for", "exists", "open", "verify", "quarantine"])
def test_invalid_sha256_is_rejected(store, bad, method):
    with pytest.raises(ValueError):
        getattr(store, method)(bad)


@pytest.mark.parametrize("method", ["open", "verify", "quarantine"])
def test_missing_blob_raises_blob_missing(store, method):
    with pytest.raises(BlobMissing):
        getattr(store, method)(sha(b"never stored"))
    assert store.exists(sha(b"never stored")) is False


def test_verify_detects_a_flipped_byte(store):
    blob = store.put(io.BytesIO(PDF_LIKE))
    assert store.verify(blob.sha256)

    blob.path.chmod(0o644)
    with open(blob.path, "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0x01]))
    assert store.verify(blob.sha256) is False


def test_iter_blobs_lists_exactly_the_stored_ones(store):
    stored = {store.put(io.BytesIO(d)).sha256 for d in (b"a", b"b", PDF_LIKE)}
    gone = store.put(io.BytesIO(b"to quarantine")).sha256
    store.quarantine(gone)
    (store.temp_dir / "upload-crashed.part").write_bytes(b"partial")
    (store.root / "README").write_text("not a blob")
    some = next(iter(stored))
    (store.root / some[:2] / some[2:4] / ("0" * 64)).write_bytes(b"misplaced")

    assert list(store.iter_blobs()) == sorted(stored)


def test_concurrent_puts_of_same_bytes(store):
    data = bytes(range(256)) * (3 * CHUNK_SIZE // 256)
    workers = 8
    barrier = threading.Barrier(workers)

    def upload(_):
        barrier.wait()
        return store.put(io.BytesIO(data))

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(upload, range(workers)))

    assert sum(r.created for r in results) == 1
    assert {r.sha256 for r in results} == {sha(data)}
    assert list(store.iter_blobs()) == [sha(data)]
    assert len(list(results[0].path.parent.iterdir())) == 1
    assert read_back(store, sha(data)) == data
    assert temp_files(store) == []


def test_concurrent_puts_of_different_bytes(store):
    datas = [b"doc-%d" % i for i in range(32)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda d: store.put(io.BytesIO(d)), datas))
    assert all(r.created for r in results)
    assert sorted(store.iter_blobs()) == sorted(sha(d) for d in datas)


def test_without_hard_links_fallback_still_never_overwrites(store, monkeypatch):
    def no_link(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    assert store.put(io.BytesIO(PDF_LIKE)).created is True
    assert store.put(io.BytesIO(PDF_LIKE)).created is False
    assert read_back(store, sha(PDF_LIKE)) == PDF_LIKE
    assert temp_files(store) == []


def test_cleanup_temp_removes_only_old_leftovers(store):
    old = store.temp_dir / "upload-old.part"
    fresh = store.temp_dir / "upload-fresh.part"
    old.write_bytes(b"crashed upload")
    fresh.write_bytes(b"upload in progress")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    blob = store.put(io.BytesIO(b"kept"))

    assert temp_files(store) == [fresh, old]
    assert store.cleanup_temp(3600) == [old]
    assert temp_files(store) == [fresh]
    assert read_back(store, blob.sha256) == b"kept"


def test_quarantine_moves_and_keeps_bytes(store):
    blob = store.put(io.BytesIO(PDF_LIKE))
    first = store.quarantine(blob.sha256)

    assert first.parent == store.quarantine_dir
    assert first.read_bytes() == PDF_LIKE
    assert not store.exists(blob.sha256)
    assert list(store.iter_blobs()) == []

    store.put(io.BytesIO(PDF_LIKE))
    second = store.quarantine(blob.sha256)
    assert second != first
    assert first.read_bytes() == second.read_bytes() == PDF_LIKE


def test_storage_never_imports_the_app():
    package = Path(__file__).resolve().parents[2] / "storage"
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "evidence_repo" for n in names), source
