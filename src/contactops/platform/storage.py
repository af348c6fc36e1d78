"""Where files people upload or send us are kept: a folder on disk, or an S3-compatible bucket
(AWS S3, MinIO, Ceph, ...), behind one small interface.

``CONTACTOPS_ATTACHMENT_STORE`` chooses: empty for ``<var_dir>/attachments``, a path for another
folder, ``s3://bucket/prefix`` for a bucket. For S3 the endpoint comes from
``CONTACTOPS_S3_ENDPOINT`` (empty: AWS) and the credentials from the usual AWS variables
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``), read by boto3;
boto3 is the optional extra ``contactops[s3]``.

Keys are chosen by the caller (``<tenant>/<ticket>/<uuid>``); a key with ``..``, a leading
``/`` or a backslash is refused, so no key can leave the store's root.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from contactops.platform.settings import Settings

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StorageError(Exception):
    """A file could not be stored or read; the text says where and why."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class FileStore:
    """Files under ``root``; each written to a temporary file, flushed to disk, then renamed
    into place, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, path)
        except OSError as error:
            raise StorageError(f"could not write {key} under {self.root}: {error}") from error

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as error:
            raise StorageError(f"could not read {key} under {self.root}: {error}") from error

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Store:
    """Objects in ``bucket`` under ``prefix`` of an S3-compatible service."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        try:
            import boto3  # optional: only S3 stores need it
        except ImportError as error:
            raise StorageError(
                "an s3:// attachment store needs boto3: pip install 'contactops[s3]'"
            ) from error
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url or None)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_checked(key)}" if self.prefix else _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except Exception as error:  # botocore's errors share no importable base we can name
            raise StorageError(f"could not store {key} in s3://{self.bucket}: {error}") from error

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(answer["Body"].read())
        except Exception as error:
            raise StorageError(f"could not read {key} from s3://{self.bucket}: {error}") from error

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


@lru_cache(maxsize=8)
def blob_store(location: str, var_dir: str, s3_endpoint: str = "") -> BlobStore:
    """The store at ``location`` (see the module's notes); one instance per location."""
    if location.startswith("s3://"):
        parts = urlsplit(location)
        if not parts.netloc:
            raise ValueError(f"{location!r} names no bucket: use s3://bucket/prefix")
        return S3Store(parts.netloc, parts.path, s3_endpoint or None)
    return FileStore(Path(location) if location else Path(var_dir) / "attachments")


def store_of(settings: Settings) -> BlobStore:
    """The attachment store the settings name."""
    return blob_store(settings.attachment_store, str(settings.var_dir), settings.s3_endpoint)
