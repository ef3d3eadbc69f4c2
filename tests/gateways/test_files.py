"""FileGateway against the emulator over real HTTP: product bodies (HEAD, streamed and resumed
GET), cutout requests in astroquery's three encodings, lookups through the HTTP cache, the
bundle script and path_lookup; every URL from Endpoints."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.gateways.files import CutoutRequest, FileGateway
from mastcache.net.endpoints import HLA_SERVER, Endpoints
from mastcache.net.transport import Transport
from mastcache.settings import Settings

URI = "mast:HST/product/u9o40504m_c3m.fits"
TARGET = {"ra": 349.62609, "dec": -47.12424}


@pytest.fixture
def files(emulator: EmulatorServer, cache_dir: Path) -> FileGateway:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    return FileGateway(Transport(settings))


def test_a_product_body_is_sized_streamed_and_resumed(files: FileGateway) -> None:
    expected = product_bytes(URI)
    url = files.endpoints.download_url(URI)
    assert files.head_size(url) == len(expected)
    with files.stream(url) as stream:
        whole = b"".join(stream.chunks(4096))
    with files.stream(url, offset=100) as stream:
        rest = b"".join(stream.chunks(4096))
    assert whole == expected and rest == expected[100:]


@pytest.mark.parametrize("encoding", ["form", "get"])
def test_a_tesscut_request_answers_a_zip_in_each_encoding(
    files: FileGateway, emulator: EmulatorServer, encoding: str
) -> None:
    params = {**TARGET, "x": 3, "y": 3, "units": "px", "sector": 1}
    response = files.cutout(CutoutRequest("tesscut", "astrocut", encoding, params))  # type: ignore[arg-type]
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    (logged,) = emulator.requests.matching("/tesscut/api/v0.1/astrocut")
    assert logged.method == ("GET" if encoding == "get" else "POST")


def test_hapcut_takes_a_json_body_and_nothing_there_is_a_message(files: FileGateway) -> None:
    body = {"x": 4.0, "y": 4.0, "units": "px", "ra": 0.0, "dec": 0.0}
    response = files.cutout(CutoutRequest("hapcut", "astrocut", "json", body))
    assert not zipfile.is_zipfile(io.BytesIO(response.content))
    assert "msg" in files.json(response)


def test_lookups_go_through_the_http_cache_unless_forced(
    files: FileGateway, emulator: EmulatorServer
) -> None:
    params = {**TARGET, "radius": 0.0}
    first = files.cutout_lookup("tesscut", "sector", params, force_refresh=False)
    again = files.cutout_lookup("tesscut", "sector", params, force_refresh=False)
    assert first == again and first["results"]
    assert len(emulator.requests.matching("/tesscut/api/v0.1/sector")) == 1
    files.cutout_lookup("tesscut", "sector", params, force_refresh=True)
    assert len(emulator.requests.matching("/tesscut/api/v0.1/sector")) == 2


def test_bundle_script_and_path_lookup(files: FileGateway, emulator: EmulatorServer) -> None:
    script = files.bundle_script([URI])
    assert script.startswith(b"#!") and URI.split("/")[-1].encode() in script
    answer = files.path_lookup([URI])
    assert URI in answer
    assert emulator.requests.matching("/api/v0.1/Download/bundle.sh", "POST")


def test_endpoints_name_every_file_host() -> None:
    real = Endpoints.for_base_url(None)
    assert real.hla_server == HLA_SERVER
    assert real.hsc_spectrum("hst_1", 0).startswith(f"{HLA_SERVER}/cgi-bin/getdata.cgi?")
    assert real.hsc_spectrum("hst_1", 2) == f"{HLA_SERVER}/cgi-bin/ecfproxy?file_id=hst_1.fits"
    local = Endpoints.for_base_url("http://127.0.0.1:9/")
    assert local.hsc_spectrum("x", 3).startswith("http://127.0.0.1:9/cgi-bin/")
    assert local.cutout_url("zcut", "survey") == "http://127.0.0.1:9/zcut/api/v0.1/survey"
    assert real.mission_product_url("jwst", "a b.fits", escaped=True).endswith(
        "/search/jwst/api/v0.1/retrieve_product?product_name=a%20b.fits"
    )
    assert real.mission_product_url(None, "mast:X/y z", escaped=False).endswith(
        "/Download/file?uri=mast:X/y z"
    )
    assert real.download_url("mast:X/y z", "http://h/f") == "http://h/f?uri=mast:X/y%20z"
