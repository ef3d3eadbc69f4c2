"""``Catalogs.download_hsc_spectra``: HSC spectra files from the HLA, or MAST's curl script
for them (astroquery 0.4.11, collections.py; MAST_PROTOCOL.md section 1.8).

Spectra go through the product store and download engine (resumable, verified, offline from
the store). With ``MASTCACHE_MAST_URL`` set, the HLA paths are asked of that server too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from astropy.table import Row, Table

from mastcache import runtime
from mastcache.errors import MastCacheError
from mastcache.net.endpoints import MAST_SERVER, Endpoints
from mastcache.products.engine import DownloadEngine, ProductRequest
from mastcache.products.fetch import FileWanted
from mastcache.products.outcome import manifest_table
from mastcache.products.paths import UnsafePathError, safe_filename
from mastcache.products.placement import check_link_kind
from mastcache.store.files import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.client.core import _Services

__all__ = ["HLA_SERVER", "HscSpectraMixin", "spectrum_url"]

#: The Hubble Legacy Archive host astroquery fetches spectra from (fixed in astroquery).
HLA_SERVER = "https://hla.stsci.edu"


def spectrum_url(endpoints: Endpoints, spectrum: Mapping[str, Any] | Row) -> str:
    """Where one HSC spectrum is: HLA ``getdata.cgi`` (types 0-1) or ``ecfproxy`` (2+)."""
    host = HLA_SERVER if endpoints.server == MAST_SERVER else endpoints.server
    dataset = spectrum["DatasetName"]
    if spectrum["SpectrumType"] < 2:
        return f"{host}/cgi-bin/getdata.cgi?config=ops&dataset={dataset}"
    return f"{host}/cgi-bin/ecfproxy?file_id={dataset}.fits"


class HscSpectraMixin:
    """The download method of :class:`~mastcache.client.catalogs.CatalogsClass`."""

    if TYPE_CHECKING:  # provided by MastClient

        def _services(self) -> _Services: ...

    def download_hsc_spectra(
        self,
        spectra: Table | Row,
        *,
        download_dir: str | None = None,
        cache: bool = True,
        curl_flag: bool = False,
        link: str = "hard",
        mode: str | None = None,
    ) -> Table:
        """Download HSC spectra into ``<download_dir>/mastDownload/HSC/``; or, with
        ``curl_flag``, MAST's curl script for them. Returns astroquery's manifest."""
        rows: list[Any] = [spectra] if isinstance(spectra, Row) else list(spectra)
        folder = download_dir or "."
        mode = runtime.effective_mode(mode)
        if curl_flag:
            return self._spectra_script(rows, folder, mode)
        base_dir = folder.rstrip("/") + "/mastDownload/HSC"
        os.makedirs(base_dir, exist_ok=True)
        requests = [self._spectrum_request(row, base_dir) for row in rows]
        services = self._services()
        engine = DownloadEngine(
            services.archive.store,
            services.gateway.transport,
            mode=mode,
            link=check_link_kind(link),
        )
        return manifest_table(engine.run(requests, cache=cache))

    def _spectrum_request(self, spectrum: Row, base_dir: str) -> ProductRequest:
        url = spectrum_url(self._services().gateway.transport.endpoints, spectrum)
        wanted = FileWanted(_spectrum_identity(spectrum), url)
        try:
            name = safe_filename(f"{spectrum['DatasetName']}.fits", "spectrum file name")
        except UnsafePathError as exc:
            return ProductRequest(wanted, "", url, refusal=str(exc))
        return ProductRequest(wanted, os.path.join(base_dir, name), url, root=base_dir)

    def _spectra_script(self, rows: Iterable[Row], folder: str, mode: str) -> Table:
        """astroquery's curl manifest: a Mast.Bundle.Request, then the script it names."""
        bundle = "mastDownload_" + time.strftime("%Y%m%d%H%M%S")
        local_path = os.path.join(folder, f"{bundle}.sh")
        status, message, url = "COMPLETE", None, None
        try:
            answer = self._bundle_answer(list(rows), bundle, mode)
            url = str(answer["url"])
            self._save_script(url, local_path)
            missing = [k for k, v in dict(answer.get("statusList", {})).items() if v != "COMPLETE"]
            if missing:
                message = f"{len(missing)} files could not be added to the curl script"
                url = ",".join(missing)
            else:
                url = None
        except (MastCacheError, KeyError) as exc:
            status, message = "ERROR", f"Curl could not be downloaded: {exc}"
        return Table(
            {"Local Path": [local_path], "Status": [status], "Message": [message], "URL": [url]}
        )

    def _bundle_answer(self, rows: list[Row], bundle: str, mode: str) -> dict[str, Any]:
        if mode == "offline":
            raise MastCacheError(
                "offline mode: the curl script is made by MAST (Mast.Bundle.Request) and is "
                "not cached; run again without offline mode"
            )
        endpoints = self._services().gateway.transport.endpoints
        params = {
            "urlList": ",".join(spectrum_url(endpoints, row) for row in rows),
            "filename": bundle,
            "pathList": ",".join(f"{bundle}/HSC/{row['DatasetName']}.fits" for row in rows),
            "descriptionList": [""] * len(rows),
            "productTypeList": ["spectrum"] * len(rows),
            "extension": "curl",
        }
        return self._services().gateway.portal_json("Mast.Bundle.Request", params)

    def _save_script(self, url: str, local_path: str) -> None:
        transport = self._services().gateway.transport
        response = transport.request("GET", url, cached=False)
        Path(local_path).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(Path(local_path), lambda out: _write(out, response.content))


def _spectrum_identity(spectrum: Row) -> str:
    """The store's name for a spectrum: stable whichever server it was fetched from."""
    return f"hla:{spectrum['DatasetName']}.fits#type{int(spectrum['SpectrumType'])}"


def _write(out: BinaryIO, data: bytes) -> None:
    out.write(data)
