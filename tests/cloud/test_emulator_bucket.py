"""The emulator's public bucket ``stpubdata``: the same bytes as its HTTPS downloads, S3's
answers and errors, read by boto3 (unsigned, path-style at the emulator) and by plain HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mastcache.emulator import EmulatorServer, start
from mastcache.emulator.bucket import bucket_key, key_uri
from mastcache.emulator.sky.fitsgen import product_bytes

URI = "mast:HST/product/u9o40504m_c3m.fits"
KEY = "hst/public/u9o4/u9o40504m/u9o40504m_c3m.fits"


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0, cloud_missing=("*_trl.fits",)) as running:
        yield running


@pytest.mark.parametrize(
    ("uri", "key"),
    [
        (URI, KEY),
        ("mast:TESS/product/tess_lc.fits", "tess/public/tess_lc.fits"),
        ("mast:GALEX/product/g_int.fits", "galex/public/g_int.fits"),
        ("mast:PS1/product/p.fits", "panstarrs/ps1/public/p.fits"),
        ("mast:JWST/product/jw_cal.fits", "jwst/public/jw_cal.fits"),
        ("mast:KEPLER/product/k_llc.fits", "kepler/public/k_llc.fits"),
    ],
)
def test_keys_are_astroquerys_paths_and_map_back(uri: str, key: str) -> None:
    assert bucket_key(uri) == key and key_uri(key) == uri


def test_objects_are_the_https_bytes_with_ranges_and_s3_errors(server: EmulatorServer) -> None:
    url = f"{server.url}/stpubdata/{KEY}"
    body = product_bytes(URI)
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and whole.content == body
    https = requests.get(f"{server.url}/api/v0.1/Download/file", params={"uri": URI}, timeout=10)
    assert https.content == body
    part = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert part.status_code == 206 and part.content == body[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    head = requests.head(url, timeout=10)
    assert head.headers["Content-Length"] == str(len(body)) and not head.content
    beyond = requests.get(url, headers={"Range": f"bytes={len(body)}-"}, timeout=10)
    assert beyond.status_code == 416 and b"<Code>InvalidRange</Code>" in beyond.content
    missing = requests.get(
        f"{server.url}/stpubdata/hst/public/u9o4/u9o40504m/x_trl.fits", timeout=10
    )
    assert missing.status_code == 404 and b"<Code>NoSuchKey</Code>" in missing.content
    assert requests.get(f"{server.url}/stpubdata/iue/public/a.fits", timeout=10).status_code == 404


def test_boto3_unsigned_reads_the_bucket(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3 = pytest.importorskip("boto3")
    import botocore

    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    client = boto3.client("s3", config=botocore.client.Config(signature_version=botocore.UNSIGNED))
    assert client.head_object(Bucket="stpubdata", Key=KEY)["ContentLength"] == len(
        product_bytes(URI)
    )
    got = client.get_object(Bucket="stpubdata", Key=KEY, Range="bytes=0-7")["Body"].read()
    assert got == b"SIMPLE  "
    listed = client.list_objects_v2(Bucket="stpubdata", Prefix=KEY)
    assert [item["Key"] for item in listed["Contents"]] == [KEY]
    client.head_bucket(Bucket="stpubdata")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.head_object(Bucket="stpubdata", Key="hst/public/a/a/a_trl.fits")
    assert info.value.response["Error"]["Code"] == "404"


def test_slowdown_fault_is_s3_throttling(server: EmulatorServer) -> None:
    server.set_faults("/stpubdata/*=slowdown:count=1:retry_after=3")
    throttled = requests.get(f"{server.url}/stpubdata/{KEY}", timeout=10)
    assert throttled.status_code == 503 and throttled.headers["Retry-After"] == "3"
    assert b"<Code>SlowDown</Code>" in throttled.content
    assert requests.get(f"{server.url}/stpubdata/{KEY}", timeout=10).status_code == 200


def test_the_cli_serves_the_bucket_with_missing_objects(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mastcache", "emulator", "serve", "--port", "0"]
    command += ["--cloud-missing", "*_c3m.fits"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        assert requests.head(f"{url}/stpubdata/{KEY}", timeout=10).status_code == 404
        other = bucket_key("mast:HST/product/u9o40504m_flt.fits")
        assert requests.head(f"{url}/stpubdata/{other}", timeout=10).status_code == 200
    finally:
        child.terminate()
        child.wait(timeout=30)
