"""Hubble Source Catalog extras: the matches of one MatchID (Mast.HscMatches.Db.v3/v2), the
spectra list (Mast.HscSpectra.Db.All) and the curl bundle of spectra (Mast.Bundle.Request),
whose script is staged under `/portal/Download/stage/...` (bundleResponse.json shape).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np

from mastcache.emulator.catalogs.field import (
    SourceField,
    build_field,
    named_anchors,
    points_in_cone,
    stream_seed,
)
from mastcache.emulator.catalogs.results import Selection, result_set
from mastcache.emulator.catalogs.schema import schema
from mastcache.emulator.catalogs.values import generate, make_batch
from mastcache.emulator.portal.results import ResultSet
from mastcache.errors import InvalidQueryError

STAGE_PREFIX: Final = "/portal/Download/stage/anonymous/public/"
MAX_STAGED: Final = 256
MATCH_RADIUS_DEG: Final = 0.05 / 3600.0
FieldGetter = Callable[[str], SourceField]


class HscQueries:
    """HSC matches, spectra and staged curl bundles for one seed."""

    def __init__(self, seed: int, field: FieldGetter) -> None:
        self.seed = seed
        self._field = field
        self._spectra: SourceField | None = None
        self._staged: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def matches(self, params: Mapping[str, Any]) -> ResultSet:
        """Every source matched into the MatchID `params["input"]` (empty when unknown)."""
        match_id = _match_id(params.get("input"))
        hsc = self._field("hsc")
        rows = np.nonzero(hsc.columns["MatchID"] == match_id)[0]
        cat = schema("hscmatches")
        if rows.size == 0:
            empty = _members(self.seed, match_id, (0.0, 0.0), 0)
            return result_set(Selection(empty, empty.everything()), cat.fields)
        position = (float(hsc.ra[rows[0]]), float(hsc.dec[rows[0]]))
        members = _members(self.seed, match_id, position, 2 + match_id % 8)
        return result_set(Selection(members, members.everything()), cat.fields)

    def spectra(self) -> ResultSet:
        """All HSC spectra: one on each named object, linked to its HSC MatchID."""
        with self._lock:
            if self._spectra is None:
                self._spectra = _spectra_field(self.seed)
            field = self._spectra
        return result_set(Selection(field, field.everything()), field.schema.fields)

    def bundle(self, params: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        """Stage a curl script for `urlList`/`pathList`; MAST's bundle answer pointing at it."""
        urls, paths, name = _bundle_request(params)
        script = curl_script(urls, paths).encode()
        token = _token(params)
        with self._lock:
            self._staged[token] = script
            while len(self._staged) > MAX_STAGED:
                self._staged.popitem(last=False)
        stage = f"{base_url}{STAGE_PREFIX}{token}/{name}"
        return {
            "status": "COMPLETE", "msg": "", "bytesStreamed": 0, "url": f"{stage}.sh",
            "manifestUrl": f"{stage}_MANIFEST.html",
            "statusList": {url: "COMPLETE" for url in urls}, "progress": 1,
        }  # fmt: skip

    def staged(self, path: str) -> bytes | None:
        """The staged script at `path` (`.../<token>/<name>.sh`), or None."""
        token = path[len(STAGE_PREFIX) :].split("/", 1)[0] if path.startswith(STAGE_PREFIX) else ""
        with self._lock:
            return self._staged.get(token)


def _match_id(value: Any) -> int:
    text = str(value).strip() if value is not None else ""
    if not text.isdigit():
        raise InvalidQueryError(f"Parameter 'input'={value!r} must be a numeric HSC MatchID.")
    return int(text)


def _members(seed: int, match_id: int, position: tuple[float, float], count: int) -> SourceField:
    cat = schema("hscmatches")
    rng = np.random.default_rng(stream_seed(seed, "hscmatches", match_id))
    centre_ra, centre_dec = np.array([position[0]]), np.array([position[1]])
    ra, dec = points_in_cone(rng, centre_ra, centre_dec, MATCH_RADIUS_DEG, count)
    ids = np.arange(count, dtype=np.int64) + match_id * 100
    columns = generate(cat, make_batch(stream_seed(seed, "hscmatches-v", match_id), ra, dec, ids))
    columns["MatchID"] = np.full(count, match_id, dtype=np.int64)
    columns["MemID"] = np.arange(count, dtype=np.int64)
    columns["MatchRA"] = np.full(count, position[0])
    columns["MatchDec"] = np.full(count, position[1])
    return SourceField(cat, ra, dec, columns)


def _spectra_field(seed: int) -> SourceField:
    cat = schema("hscspectra")
    field = build_field(seed, cat, named_anchors(cat))
    rng = np.random.default_rng(stream_seed(seed, "hscspectra", "types"))
    ids = field.columns["ObjID"]
    field.columns["MatchID"] = np.array([str(i) for i in ids.tolist()], dtype=object)
    field.columns["SpectrumType"] = rng.integers(0, 3, ids.size, dtype=np.int64)
    return field


def _bundle_request(params: Mapping[str, Any]) -> tuple[list[str], list[str], str]:
    urls = _comma_list(params.get("urlList"))
    paths = _comma_list(params.get("pathList"))
    name = str(params.get("filename") or "").strip()
    if not urls or len(urls) != len(paths) or not name or "/" in name:
        raise InvalidQueryError(
            "Mast.Bundle.Request needs urlList and pathList of equal length and a filename."
        )
    if str(params.get("extension", "curl")).lower() != "curl":
        raise InvalidQueryError("Only extension 'curl' bundles are emulated.")
    return urls, paths, name


def _comma_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def curl_script(urls: list[str], paths: list[str]) -> str:
    """A MAST-style bash script with one curl line per file."""
    lines = ["#!/bin/bash", "#", "# Requested from the MAST emulator", "#", ""]
    lines += [
        "curl --globoff --location-trusted -f --progress-bar --create-dirs $CURL_OPTS "
        f"--output './{path}' '{url}'"
        for url, path in zip(urls, paths, strict=True)
    ]
    return "\n".join([*lines, ""])


def _token(params: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
