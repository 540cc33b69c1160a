"""Write-once, content-addressed file store (plain values in and out; no app imports)."""

from storage.blobstore import (
    CHUNK_SIZE,
    BlobCorrupt,
    BlobMissing,
    BlobStore,
    StorageError,
    StoredBlob,
    TooLarge,
    validate_sha256,
)

__all__ = [
    "CHUNK_SIZE",
    "BlobCorrupt",
    "BlobMissing",
    "BlobStore",
    "StorageError",
    "StoredBlob",
    "TooLarge",
    "validate_sha256",
]
