"""Where each MAST service lives, built from settings (never fixed at import).

With ``mast_url`` set, every service goes to that one server (the emulator serves the real
MAST paths, the resolver included, on one host). See MAST_PROTOCOL.md section 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["CLOUD_BUCKET", "CLOUD_SERVER", "HLA_SERVER", "MAST_SERVER", "Endpoints"]

MAST_SERVER = "https://mast.stsci.edu"
_CATALOGS_SERVER = "https://catalogs.mast.stsci.edu"
_RESOLVER_URL = "http://mastresolver.stsci.edu/Santa-war/query"
#: AWS S3, path-style: MAST's public bucket ``stpubdata`` is read anonymously as plain HTTPS.
CLOUD_SERVER = "https://s3.amazonaws.com"
#: MAST's public bucket of mission products (MAST_PROTOCOL.md section 2).
CLOUD_BUCKET = "stpubdata"
#: The Hubble Legacy Archive host astroquery fetches HSC spectra from (fixed in astroquery).
HLA_SERVER = "https://hla.stsci.edu"


@dataclass(frozen=True)
class Endpoints:
    """URLs of every MAST service mastcache talks to."""

    server: str = MAST_SERVER
    catalogs_server: str = _CATALOGS_SERVER
    resolver: str = _RESOLVER_URL
    #: The HLA (HSC spectra); with ``mast_url`` set, that server answers its paths too.
    hla_server: str = HLA_SERVER
    #: Where the public bucket is read, path-style (the emulator serves it on its own URL).
    cloud_server: str = CLOUD_SERVER

    @classmethod
    def for_base_url(cls, base_url: str | None, cloud_url: str | None = None) -> Endpoints:
        """Real MAST hosts for ``None``; otherwise every service on ``base_url``. The bucket
        is read at ``cloud_url``, else at ``base_url``, else on AWS S3."""
        cloud = (cloud_url or base_url or CLOUD_SERVER).rstrip("/")
        if base_url is None:
            return cls(cloud_server=cloud)
        base = base_url.rstrip("/")
        return cls(
            server=base, catalogs_server=base, resolver=f"{base}/Santa-war/query", hla_server=base,
            cloud_server=cloud,
        )  # fmt: skip

    def cloud_object(self, key: str) -> str:
        """The anonymous HTTPS URL of one object of the public bucket (path-style)."""
        return f"{self.cloud_server}/{CLOUD_BUCKET}/{quote(key, safe='/')}"

    @property
    def portal_invoke(self) -> str:
        return f"{self.server}/api/v0/invoke"

    @property
    def columnsconfig(self) -> str:
        return f"{self.server}/portal/Mashup/Mashup.asmx/columnsconfig"

    @property
    def download_file(self) -> str:
        return f"{self.server}/api/v0.1/Download/file"

    @property
    def download_bundle(self) -> str:
        return f"{self.server}/api/v0.1/Download/bundle.sh"

    @property
    def path_lookup(self) -> str:
        return f"{self.server}/api/v0.1/path_lookup/"

    @property
    def whoami(self) -> str:
        return f"{self.server}/whoami"

    def download_url(self, uri: str, base: str | None = None) -> str:
        """The GET URL of one ``mast:`` product URI, quoted as astroquery quotes it
        (``base``: the caller's own ``Download/file`` URL, astroquery's ``base_url``)."""
        return f"{base or self.download_file}?uri={quote(uri, safe=':/')}"

    def mission_product_url(self, mission: str | None, name: str, *, escaped: bool) -> str:
        """A Search API mission file: ``retrieve_product?product_name=`` of ``mission``, or
        ``Download/file?uri=`` when ``mission`` is None; quoted for a request (``escaped``),
        as given for astroquery's printed URL."""
        if mission is None:
            base, keyword = self.download_file, "uri"
        else:
            base, keyword = f"{self.search_api(mission)}/retrieve_product", "product_name"
        return f"{base}?{keyword}={quote(name, safe='') if escaped else name}"

    def panstarrs(self, release: str, table: str) -> str:
        return f"{self.catalogs_server}/api/v0.1/panstarrs/{release}/{table}.json"

    def panstarrs_metadata(self, release: str, table: str) -> str:
        return f"{self.catalogs_server}/api/v0.1/panstarrs/{release}/{table}/metadata.json"

    def search_api(self, mission: str) -> str:
        return f"{self.server}/search/{mission.lower()}/api/v0.1"

    @property
    def search_column_list(self) -> str:
        return f"{self.server}/search/util/api/v0.1/column_list"

    def cutout_service(self, name: str) -> str:
        """Base of ``tesscut``, ``zcut`` or ``hapcut``."""
        return f"{self.server}/{name}/api/v0.1"

    def cutout_url(self, name: str, path: str) -> str:
        """One cutout service route: ``astrocut``, ``sector``, ``moving_target/astrocut``..."""
        return f"{self.cutout_service(name)}/{path}"

    def hsc_spectrum(self, dataset: object, spectrum_type: int) -> str:
        """Where one HSC spectrum is: HLA ``getdata.cgi`` (types 0-1) or ``ecfproxy`` (2+)."""
        if spectrum_type < 2:
            return f"{self.hla_server}/cgi-bin/getdata.cgi?config=ops&dataset={dataset}"
        return f"{self.hla_server}/cgi-bin/ecfproxy?file_id={dataset}.fits"
