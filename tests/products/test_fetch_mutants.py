"""Fetching one product file (products/fetch.py) with a real store and the emulator: what the
sampled mutation run found unguarded (docs/testing.md): refused checksums, MAST's word on a
stored copy, checksum algorithms, and the messages of failed downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.errors import DownloadError
from mastcache.gateways.files import FileGateway
from mastcache.net.transport import Transport
from mastcache.products.fetch import FileFetcher, FileWanted, mast_confirms
from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.records import FileRecord

URI = "mast:HST/product/u9o40504m_c3m.fits"


@pytest.fixture
def fetcher(emulator: EmulatorServer, cache_dir: Path) -> Iterator[FileFetcher]:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url, max_retries=1)
    with Store.open(settings) as store:
        yield FileFetcher(store, FileGateway(Transport(settings)), sleep=lambda _s: None)


def wanted(fetcher: FileFetcher, **kw: object) -> FileWanted:
    return FileWanted(URI, fetcher.gateway.endpoints.download_url(URI), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "MD5"])
def test_each_checksum_algorithm_verifies_the_body(fetcher: FileFetcher, algorithm: str) -> None:
    body = product_bytes(URI)
    digest = hashlib.new(algorithm.lower(), body).hexdigest()
    record = fetcher.fetch(wanted(fetcher, size=len(body), checksum=f"{algorithm}:{digest}"))
    assert record.status == "complete" and record.size == len(body)
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    assert (fetcher.store.root / record.local_path).read_bytes() == body


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_a_wrong_checksum_discards_the_body_and_names_both(
    fetcher: FileFetcher, algorithm: str
) -> None:
    body = product_bytes(URI)
    actual = hashlib.new(algorithm, body).hexdigest()
    claimed = f"{algorithm}:{'0' * len(actual)}"
    with pytest.raises(DownloadError) as caught:
        fetcher.fetch(wanted(fetcher, checksum=claimed))
    assert str(caught.value) == (
        f"{URI}: checksum mismatch: MAST gives {claimed}, the bytes received have "
        f"{algorithm}:{actual}; the file was discarded, not stored"
    )
    assert fetcher.store.get_file(URI) is None


@pytest.mark.parametrize("checksum", ["md5", "crc32:abcd", "md5:", "md5:  ", ":abc"])
def test_an_unusable_checksum_is_refused_before_any_request(
    fetcher: FileFetcher, emulator: EmulatorServer, checksum: str
) -> None:
    with pytest.raises(DownloadError) as caught:
        fetcher.fetch(wanted(fetcher, checksum=checksum))
    assert str(caught.value) == (
        f"{URI}: cannot use checksum {checksum!r}; expected '<algorithm>:<hex digest>' "
        "with algorithm md5, sha1 or sha256"
    )
    assert len(emulator.requests) == 0


def test_a_wrong_size_is_refused_after_retries_and_nothing_stored(
    fetcher: FileFetcher, emulator: EmulatorServer
) -> None:
    body = product_bytes(URI)
    with pytest.raises(DownloadError) as caught:
        fetcher.fetch(wanted(fetcher, size=len(body) + 10))
    assert str(caught.value) == (
        f"{URI}: the server sends {len(body)} bytes (Content-Length/Content-Range) but MAST "
        f"reports {len(body) + 10}; expected them to agree"
    )
    assert fetcher.store.get_file(URI) is None
    assert len(emulator.requests.matching("/api/v0.1/Download/file")) == 2  # max_retries=1


def test_a_body_cut_every_time_names_the_attempts(
    fetcher: FileFetcher, emulator: EmulatorServer
) -> None:
    emulator.set_faults("/api/v0.1/Download/file=reset")
    with pytest.raises(DownloadError) as caught:
        fetcher.fetch(wanted(fetcher, size=len(product_bytes(URI))))
    assert str(caught.value).startswith(f"{URI}: download failed after 2 attempts: ")


def stored(tmp_path: Path, body: bytes) -> tuple[FileRecord, Path]:
    path = tmp_path / "blob"
    path.write_bytes(body)
    sha = hashlib.sha256(body).hexdigest()
    return FileRecord(URI, sha, len(body), "products/x", "complete"), path


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "SHA1"])
def test_mast_vouches_for_a_stored_copy_with_size_and_checksum(
    tmp_path: Path, algorithm: str
) -> None:
    body = b"stored bytes"
    record, path = stored(tmp_path, body)
    digest = hashlib.new(algorithm.lower(), body).hexdigest().upper()
    good = FileWanted(URI, "u", size=len(body), checksum=f"{algorithm}: {digest} ")
    assert mast_confirms(good, record, path)
    wrong = FileWanted(URI, "u", size=len(body), checksum=f"{algorithm}:{'0' * len(digest)}")
    assert not mast_confirms(wrong, record, path)


def test_mast_vouches_for_nothing_without_both_size_and_checksum(tmp_path: Path) -> None:
    body = b"stored bytes"
    record, path = stored(tmp_path, body)
    md5 = "md5:" + hashlib.md5(body).hexdigest()
    assert not mast_confirms(FileWanted(URI, "u", size=None, checksum=md5), record, path)
    assert not mast_confirms(FileWanted(URI, "u", size=len(body)), record, path)
    assert not mast_confirms(FileWanted(URI, "u", size=len(body) + 1, checksum=md5), record, path)
    crc = FileWanted(URI, "u", size=len(body), checksum="crc32:1234")
    assert not mast_confirms(crc, record, path)


def test_a_whole_body_takes_one_request_and_no_back_off(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    sleeps: list[float] = []
    with Store.open(settings) as store:
        fetcher = FileFetcher(store, FileGateway(Transport(settings)), sleep=sleeps.append)
        fetcher.fetch(wanted(fetcher, size=len(product_bytes(URI))))
    assert len(emulator.requests.matching("/api/v0.1/Download/file")) == 1 and sleeps == []


def test_a_partial_body_is_resumed_in_one_ranged_request(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    from mastcache.products.paths import partial_path

    body = product_bytes(URI)
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    sleeps: list[float] = []
    with Store.open(settings) as store:
        partial = partial_path(store.products_dir, URI)
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(body[:1000])
        fetcher = FileFetcher(store, FileGateway(Transport(settings)), sleep=sleeps.append)
        record = fetcher.fetch(wanted(fetcher, size=len(body)))
        assert (store.root / record.local_path).read_bytes() == body
    (logged,) = emulator.requests.matching("/api/v0.1/Download/file")
    assert logged.header("Range") == "bytes=1000-" and logged.status == 206 and sleeps == []


def test_bytes_kept_from_an_earlier_attempt_are_recorded_as_partial(
    fetcher: FileFetcher, emulator: EmulatorServer
) -> None:
    """A cut body loses the chunk being read (1 MiB), so the bytes an earlier attempt left
    are what is kept; the catalog says so, for a later resume."""
    from mastcache.products.paths import partial_path

    body = product_bytes(URI)
    partial = partial_path(fetcher.store.products_dir, URI)
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(body[:1000])
    emulator.set_faults("/api/v0.1/Download/file=truncate")
    with pytest.raises(DownloadError):
        fetcher.fetch(wanted(fetcher, size=len(body)))
    record = fetcher.store.get_file(URI)
    assert record is not None and (record.status, record.sha256, record.size) == (
        "partial",
        "",
        1000,
    )
    assert (fetcher.store.root / record.local_path).read_bytes() == body[:1000]
