"""The attachment store: files on disk written whole or not at all, an S3-compatible bucket
over real HTTP (a local S3 server on loopback), and keys that cannot leave the store."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from contactops.platform.storage import FileStore, S3Store, StorageError, blob_store


def test_a_file_store_keeps_reads_and_deletes_whole_files(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    store.put("1/7/abc", b"receipt", "application/pdf")
    assert store.get("1/7/abc") == b"receipt"
    assert [p.name for p in (tmp_path / "files" / "1" / "7").iterdir()] == ["abc"]  # no leftovers
    store.put("1/7/abc", b"again", "application/pdf")
    assert store.get("1/7/abc") == b"again"
    store.delete("1/7/abc")
    store.delete("1/7/abc")  # deleting twice is fine
    with pytest.raises(StorageError, match="1/7/abc"):
        store.get("1/7/abc")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a\\b", "", "a//b"])
def test_keys_that_could_leave_the_store_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        FileStore(tmp_path).put(key, b"x", "text/plain")


def test_the_location_chooses_the_store(tmp_path: Path) -> None:
    assert isinstance(blob_store("", str(tmp_path)), FileStore)
    assert blob_store("", str(tmp_path)).root == tmp_path / "attachments"  # type: ignore[union-attr]
    assert blob_store(str(tmp_path / "x"), str(tmp_path)).root == tmp_path / "x"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="names no bucket"):
        blob_store("s3:///prefix", str(tmp_path))


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server (moto) on a free loopback port, with a bucket."""
    server_module = pytest.importorskip("moto.server", reason="S3 tests need moto[server]")
    boto3 = pytest.importorskip("boto3", reason="S3 tests need boto3")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "test")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="tickets")
        yield endpoint
    server.stop()


def test_an_s3_bucket_keeps_reads_and_deletes_objects(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = S3Store("tickets", "prod/", s3_endpoint)
    store.put("1/7/abc", "Kvittering 收据".encode(), "text/plain")
    assert store.get("1/7/abc").decode() == "Kvittering 收据"
    listed = store.client.list_objects_v2(Bucket="tickets")["Contents"]
    assert [o["Key"] for o in listed] == ["prod/1/7/abc"]
    store.delete("1/7/abc")
    with pytest.raises(StorageError, match="s3://tickets"):
        store.get("1/7/abc")
    with pytest.raises(StorageError, match="s3://missing"):
        S3Store("missing", "", s3_endpoint).put("k", b"x", "text/plain")
