"""Product downloads over HTTP: HEAD sizes, real FITS bytes, Range requests, bundles, paths."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys

import pytest
import requests
from astropy.io import fits

from mastcache.emulator import EmulatorServer
from mastcache.emulator.downloads import parse_range
from mastcache.emulator.sky.fitsgen import product_bytes, product_size

IMAGE = "mast:HST/product/u9o40504m_c3m.fits"
LIGHTCURVE = "mast:TESS/product/tess2018206045859-s0001-0000000307210830-0120-s_lc.fits"


def file_url(server: EmulatorServer) -> str:
    return f"{server.url}/api/v0.1/Download/file"


def fetch(server: EmulatorServer, uri: str, **headers: str) -> requests.Response:
    return requests.get(file_url(server), params={"uri": uri}, headers=headers, timeout=10)


def test_head_gives_the_exact_size_and_no_body(emulator_session: EmulatorServer) -> None:
    response = requests.head(file_url(emulator_session), params={"uri": IMAGE}, timeout=10)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == product_size(IMAGE)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.content == b""


@pytest.mark.parametrize("uri", [IMAGE, LIGHTCURVE])
def test_get_serves_a_real_fits_file(emulator_session: EmulatorServer, uri: str) -> None:
    response = fetch(emulator_session, uri)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/fits"
    assert response.content == product_bytes(uri)
    with fits.open(io.BytesIO(response.content)) as hdus:
        assert hdus[0].header["TELESCOP"] == uri.split(":")[1].split("/")[0]
        assert hdus[1].data is not None and len(hdus[1].data) >= 16


def test_bytes_are_identical_in_another_process() -> None:
    code = (
        "import hashlib, sys\n"
        "from mastcache.emulator.sky.fitsgen import product_bytes\n"
        "print(hashlib.sha256(product_bytes(sys.argv[1])).hexdigest())\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, LIGHTCURVE], capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == hashlib.sha256(product_bytes(LIGHTCURVE)).hexdigest()


def test_sizes_vary_by_uri_and_are_always_predicted() -> None:
    uris = [f"mast:JWST/product/jw0{i}_i2d.fits" for i in range(12)] + [
        "mast:HST/product/x_drz.jpg",
        "mast:GALEX/product/x-int.png",
        "mast:PS1/product/x.xml",
        "mast:PS1/product/x.ecsv",
        "mast:PS1/product/x.txt",
    ]
    assert len({product_size(u) for u in uris[:12]}) > 3
    for uri in uris:
        assert len(product_bytes(uri)) == product_size(uri)
    assert product_bytes("mast:GALEX/product/x-int.png").startswith(b"\x89PNG\r\n\x1a\n")
    assert product_bytes("mast:HST/product/x_drz.jpg").startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=10-19", 10, 19), ("bytes=2880-", 2880, None), ("bytes=-100", -100, None)],
)
def test_a_range_returns_206_and_exactly_those_bytes(
    emulator_session: EmulatorServer, header: str, start: int, end: int | None
) -> None:
    full = product_bytes(IMAGE)
    expected = full[start : None if end is None else end + 1]
    response = fetch(emulator_session, IMAGE, Range=header)
    assert response.status_code == 206
    assert response.content == expected
    first = len(full) + start if start < 0 else start
    assert (
        response.headers["Content-Range"]
        == f"bytes {first}-{first + len(expected) - 1}/{len(full)}"
    )
    assert int(response.headers["Content-Length"]) == len(expected)


def test_resuming_with_a_range_rebuilds_the_file(emulator_session: EmulatorServer) -> None:
    full = product_bytes(LIGHTCURVE)
    head = fetch(emulator_session, LIGHTCURVE, Range=f"bytes=0-{len(full) // 3}").content
    rest = fetch(emulator_session, LIGHTCURVE, Range=f"bytes={len(head)}-").content
    assert head + rest == full


def test_a_range_past_the_end_is_416(emulator_session: EmulatorServer) -> None:
    size = product_size(IMAGE)
    response = fetch(emulator_session, IMAGE, Range=f"bytes={size}-")
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_a_malformed_or_multipart_range_serves_the_whole_file(
    emulator_session: EmulatorServer,
) -> None:
    for header in ("bytes=abc", "bytes=0-1,5-9", "items=0-10", "bytes=20-10"):
        response = fetch(emulator_session, IMAGE, Range=header)
        assert response.status_code == 200, header
        assert response.content == product_bytes(IMAGE)


def test_parse_range_clamps_the_end_to_the_file() -> None:
    assert parse_range("bytes=5-999999", 100) == (5, 99)
    assert parse_range("bytes=-1000", 100) == (0, 99)
    assert parse_range(None, 100) is None


def test_unknown_products_are_404_and_a_missing_uri_400(emulator_session: EmulatorServer) -> None:
    assert fetch(emulator_session, "mast:HST/product/does_not_exist.fits").status_code == 404
    assert fetch(emulator_session, "mast:NOSUCHMISSION/product/x.fits").status_code == 404
    assert fetch(emulator_session, "https://example.org/x.fits").status_code == 404
    missing = requests.get(file_url(emulator_session), timeout=10)
    assert missing.status_code == 400
    assert "uri" in missing.json()["msg"]


def test_bundle_script_downloads_every_uri_from_the_emulator(
    emulator_session: EmulatorServer,
) -> None:
    uris = [IMAGE, LIGHTCURVE]
    response = requests.post(
        f"{emulator_session.url}/api/v0.1/Download/bundle.sh", data={"uri": uris}, timeout=10
    )
    assert response.status_code == 200
    script = response.text
    assert script.startswith("#!/bin/sh")
    urls = [line.rsplit("'", 2)[-2] for line in script.splitlines() if line.startswith("curl ")]
    assert len(urls) == 2
    for uri, url in zip(uris, urls, strict=True):
        assert url.startswith(emulator_session.url)
        assert requests.get(url, timeout=10).content == product_bytes(uri)


def test_path_lookup_gives_public_paths(emulator_session: EmulatorServer) -> None:
    response = requests.get(
        f"{emulator_session.url}/api/v0.1/path_lookup/",
        params={"uri": [IMAGE, "mast:HST/product/does_not_exist.fits", LIGHTCURVE]},
        timeout=10,
    )
    answer = response.json()
    assert answer[IMAGE] == {
        "status_code": 200,
        "path": "/hst/public/u9o4/u9o40504m/u9o40504m_c3m.fits",
    }
    assert answer["mast:HST/product/does_not_exist.fits"] == {"status_code": 404, "path": None}
    assert answer[LIGHTCURVE]["path"].startswith("/tess/public/")
