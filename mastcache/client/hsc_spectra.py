"""``Catalogs.download_hsc_spectra``: HSC spectra files from the HLA, or MAST's curl script
for them (astroquery 0.4.11, collections.py; MAST_PROTOCOL.md section 1.8).

Spectra go through the product store and download engine (resumable, verified, offline from
the store). The HLA host is in :class:`~mastcache.net.endpoints.Endpoints` (with
``MASTCACHE_MAST_URL`` set, the HLA paths are asked of that server too); the curl script is
fetched through :class:`~mastcache.gateways.files.FileGateway`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from astropy.table import Row, Table

from mastcache import runtime
from mastcache.client.rules import write_file
from mastcache.errors import MastCacheError
from mastcache.net.endpoints import HLA_SERVER, Endpoints
from mastcache.policy import Decision, decide_uncached, offline_miss
from mastcache.products.engine import ProductRequest
from mastcache.products.fetch import FileWanted
from mastcache.products.outcome import manifest_table
from mastcache.products.paths import UnsafePathError, safe_filename

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.client.context import ClientContext

__all__ = ["HLA_SERVER", "HscSpectraMixin", "spectrum_url"]


def spectrum_url(endpoints: Endpoints, spectrum: Mapping[str, Any] | Row) -> str:
    """Where one HSC spectrum is (:meth:`Endpoints.hsc_spectrum`)."""
    return endpoints.hsc_spectrum(spectrum["DatasetName"], int(spectrum["SpectrumType"]))


class HscSpectraMixin:
    """The download method of :class:`~mastcache.client.catalogs.CatalogsClass`."""

    if TYPE_CHECKING:  # provided by MastClient

        def context(self) -> ClientContext: ...

    def download_hsc_spectra(
        self,
        spectra: Table | Row,
        *,
        download_dir: str | None = None,
        cache: bool = True,
        curl_flag: bool = False,
        link: str = "copy",
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
        engine = self.context().engine(mode, link)
        return manifest_table(engine.run(requests, cache=cache))

    def _spectrum_request(self, spectrum: Row, base_dir: str) -> ProductRequest:
        url = spectrum_url(self.context().endpoints, spectrum)
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
        if decide_uncached(mode) is Decision.MISS_ERROR:
            raise offline_miss(
                f"the curl script of {len(rows)} HSC spectra (Mast.Bundle.Request)",
                "made by MAST and never cached",
            )
        endpoints = self.context().endpoints
        params = {
            "urlList": ",".join(spectrum_url(endpoints, row) for row in rows),
            "filename": bundle,
            "pathList": ",".join(f"{bundle}/HSC/{row['DatasetName']}.fits" for row in rows),
            "descriptionList": [""] * len(rows),
            "productTypeList": ["spectrum"] * len(rows),
            "extension": "curl",
        }
        return self.context().gateway.portal_json("Mast.Bundle.Request", params)

    def _save_script(self, url: str, local_path: str) -> None:
        write_file(local_path, self.context().files.script(url))


def _spectrum_identity(spectrum: Row) -> str:
    """The store's name for a spectrum: stable whichever server it was fetched from."""
    return f"hla:{spectrum['DatasetName']}.fits#type{int(spectrum['SpectrumType'])}"
