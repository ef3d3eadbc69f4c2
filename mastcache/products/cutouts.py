"""Cutouts kept as products: each cutout request is one archive query (kind ``cutouts``,
never expiring) whose result lists the files of the zip MAST sent, and the zip itself lives
content-addressed under ``products/`` with a ``files`` row and a ``products`` manifest row.

Order of operations for one request (:meth:`CutoutStore.fetch`):

1. ``archive.table`` looks the key up; a stored answer is served without any network;
2. on a miss the request is sent through :class:`~mastcache.gateways.files.FileGateway`
   (uncached at the HTTP level: the product store is the cache); a zip goes through the one
   blob writer (:func:`mastcache.store.blobs.write_blob`: written atomically under
   ``products/<sha[:2]>/<sha>``, published to the team store in team mode, then recorded),
   a JSON ``msg`` (nothing covers the position) becomes an empty result carrying the message;
3. the members of the stored zip are read back (in team mode from another machine's upload,
   verified); a zip missing from the store is fetched again, except offline, where it is a
   :class:`CacheMissError` (:func:`mastcache.policy.decide_file`).

The query table has ``obsid`` and ``dataURI`` columns, so snapshots carry the manifest rows
and (``with_files``) the zips of the cutouts they include.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astropy.table import Table

from mastcache.errors import ProtocolError, StoreError
from mastcache.gateways.files import CutoutRequest, FileGateway
from mastcache.policy import FileDecision, decide_file, offline_miss
from mastcache.products.paths import safe_filename
from mastcache.store.blobs import local_blob, write_blob
from mastcache.store.records import FileRecord, ProductRecord

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.archive import Archive, QuerySpec
    from mastcache.store import Store

__all__ = ["CutoutQuery", "CutoutResult", "CutoutStore"]

#: Cutouts are public: their queries and files are kept under the anonymous scope.
_SCOPE = "anonymous"
COLUMNS = ("obsid", "dataURI", "productFilename", "size")


@dataclass(frozen=True)
class CutoutQuery:
    """One cutout request: its cache identity and how to put it on the wire."""

    #: ``Tesscut.Astrocut``, ``Tesscut.MovingTarget.Astrocut``, ``Zcut.Astrocut``...
    service: str
    #: Canonical (quantized) parameters: the cache key is made of these.
    key_params: Mapping[str, Any]
    request: CutoutRequest = field(compare=False)

    @property
    def prefix(self) -> str:
        """File name prefix: ``tesscut``, ``zcut`` or ``hapcut``."""
        return self.request.service


@dataclass(frozen=True)
class CutoutResult:
    """The stored zip of one cutout request (None when nothing covered it) and its message."""

    table: Table
    zip_path: Path | None
    message: str | None

    def member_bytes(self) -> list[tuple[str, bytes]]:
        """(name, bytes) of every file in the zip, in the zip's order."""
        if self.zip_path is None:
            return []
        with zipfile.ZipFile(self.zip_path) as archive:
            return [(name, archive.read(name)) for name in archive.namelist()]


class CutoutStore:
    """Serves cutout requests through an archive (query rows) and a file gateway (MAST)."""

    def __init__(self, archive: Archive, gateway: FileGateway) -> None:
        self.archive = archive
        self.gateway = gateway
        self.store: Store = archive.store

    def fetch(self, query: CutoutQuery, mode: str) -> CutoutResult:
        """The cutout for ``query`` in ``mode`` (stored, fetched, or refused offline)."""
        from mastcache.archive import QuerySpec

        spec = QuerySpec(service=query.service, params=dict(query.key_params), kind="cutouts")
        table = self._table(spec, query, mode)
        if len(table) == 0:
            return CutoutResult(table, None, str(table.meta.get("msg", "")))
        path = self._stored_zip(str(table["dataURI"][0]))
        decision = decide_file(mode, stored=path is not None)
        if decision is FileDecision.MISS_ERROR:
            raise offline_miss(f"the zip of {spec.describe()}", "not in the product store")
        if path is None:  # the zip was lost (cache clear, disk trouble): fetch it once more
            table = self._table(spec, query, "refresh")
            if len(table) == 0:
                return CutoutResult(table, None, str(table.meta.get("msg", "")))
            path = self._stored_zip(str(table["dataURI"][0]))
        if path is None:
            raise StoreError(
                f"the zip of {spec.describe()} was fetched but cannot be read back from "
                f"{self.store.root}; check the disk and run `mastcache cache verify`"
            )
        return CutoutResult(table, path, None)

    def _table(self, spec: QuerySpec, query: CutoutQuery, mode: str) -> Table:
        fetch = lambda: self._download(query, spec.key)  # noqa: E731 - one call, read once
        table: Table = self.archive.table(spec, fetch, mode)
        return table

    # -- fetching and storing -----------------------------------------------------------

    def _download(self, query: CutoutQuery, key: str) -> Table:
        response = self.gateway.cutout(query.request)
        body = response.content
        if not zipfile.is_zipfile(io.BytesIO(body)):
            return _no_results(self.gateway.json(response), query)
        uri = f"mastcache:cutouts/{query.prefix}/{key}.zip"
        filename = f"{query.prefix}_{key[:16]}.zip"
        obsid = f"{query.prefix}-cutout-{key[:16]}"
        members = _members(body, uri)
        record = write_blob(self.store, uri, body, scope=_SCOPE)
        self._record_manifest(query, obsid, uri, filename, record, members)
        return Table(
            [[obsid] * len(members), [uri] * len(members), [m[0] for m in members],
             [m[1] for m in members]],
            names=COLUMNS, dtype=[str, str, str, "int64"],
        )  # fmt: skip

    def _record_manifest(
        self, query: CutoutQuery, obsid: str, uri: str, filename: str, record: FileRecord,
        members: list[tuple[str, int]],
    ) -> None:  # fmt: skip
        row = {
            "obsid": obsid, "dataURI": uri, "productFilename": filename,
            "productType": "CUTOUT", "productGroupDescription": query.service,
            "size": record.size, "parameters": dict(query.key_params),
            "members": [name for name, _ in members],
        }  # fmt: skip
        product = ProductRecord(
            obsid=obsid, uri=uri, filename=filename, size=record.size,
            checksum=f"sha256:{record.sha256}", product_group=query.service,
            product_type="CUTOUT", fetched_at=record.downloaded_at, row=row, scope=_SCOPE,
        )  # fmt: skip
        self.store.put_products([product])

    def _stored_zip(self, uri: str) -> Path | None:
        """A local copy of the stored zip (team mode: fetched from the store, verified)."""
        record = self.store.get_file(uri)
        if record is None or record.status != "complete":
            return None
        return local_blob(self.store, record)


def _members(body: bytes, uri: str) -> list[tuple[str, int]]:
    """(name, size) of each member; a name that could escape a folder is refused."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        infos = archive.infolist()
    for info in infos:
        safe_filename(info.filename, f"member of {uri}")
    return [(info.filename, info.file_size) for info in infos]


def _no_results(document: Any, query: CutoutQuery) -> Table:
    """MAST's "nothing here" answer as an empty result; HAPcut's must have empty results."""
    if not isinstance(document, dict) or "msg" not in document:
        raise ProtocolError(
            f"{query.service} answered neither a zip nor a JSON message; expected one of them"
        )
    if query.prefix == "hapcut" and document.get("results"):
        raise ProtocolError(f"{query.service} answered a non-zip body with results: not a zip")
    table = Table(names=COLUMNS, dtype=[str, str, str, "int64"])
    table.meta["msg"] = str(document["msg"])
    return table
