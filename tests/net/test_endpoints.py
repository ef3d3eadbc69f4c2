"""Every service URL comes from settings; one base URL points everything at one server."""

from __future__ import annotations

from mastcache.net.endpoints import Endpoints


def test_real_mast_hosts_by_default() -> None:
    endpoints = Endpoints.for_base_url(None)
    assert endpoints.portal_invoke == "https://mast.stsci.edu/api/v0/invoke"
    assert endpoints.resolver == "http://mastresolver.stsci.edu/Santa-war/query"
    assert endpoints.panstarrs("dr2", "mean").startswith("https://catalogs.mast.stsci.edu/")


def test_one_base_url_serves_every_service() -> None:
    endpoints = Endpoints.for_base_url("http://127.0.0.1:8999/")
    urls = [
        endpoints.portal_invoke,
        endpoints.columnsconfig,
        endpoints.resolver,
        endpoints.download_file,
        endpoints.panstarrs("dr2", "mean"),
        endpoints.search_api("HST"),
        endpoints.cutout_service("tesscut"),
        endpoints.whoami,
    ]
    assert all(url.startswith("http://127.0.0.1:8999/") for url in urls)
    assert endpoints.search_api("HST").endswith("/search/hst/api/v0.1")


def test_download_url_quotes_like_astroquery() -> None:
    endpoints = Endpoints.for_base_url("http://h")
    url = endpoints.download_url("mast:HLA/url/cgi-bin/getdata.cgi?download=1&filename=a b")
    assert url == (
        "http://h/api/v0.1/Download/file?uri="
        "mast:HLA/url/cgi-bin/getdata.cgi%3Fdownload%3D1%26filename%3Da%20b"
    )
