"""Transparent-mode downloads land in the product store (verified, content-addressed), are
placed where astroquery asked, are shared with mastcache's own clients, and replay offline."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

import pytest

from mastcache import runtime
from mastcache.client.observations import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError
from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.transparent import installed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _downloads(requests: list[object]) -> int:
    return sum("Download/file" in str(getattr(r, "path", r)) for r in requests)


def test_downloads_go_to_the_product_store_and_replay_offline(
    astroquery_mast: ModuleType,
    astroquery_emulator: EmulatorServer,
    cache_dir: Path,
    tmp_path: Path,
) -> None:
    obs = astroquery_mast.Observations
    settings = Settings.from_env({}, cache_dir=cache_dir)
    with runtime.using_settings(settings), installed():
        found = obs.query_object("M101", radius="0.1 deg")
        listed = obs.get_product_list(found[:1])
        products, other = listed[:2], listed[2:3]
        manifest = obs.download_products(products, download_dir=str(tmp_path / "first"))
    assert list(manifest["Status"]) == ["COMPLETE", "COMPLETE"]
    store = Store.open(settings)
    try:
        for row, product in zip(manifest, products, strict=True):
            placed = Path(str(row["Local Path"]))
            assert placed.is_relative_to(tmp_path / "first" / "mastDownload")
            record = store.get_file(str(product["dataURI"]))
            assert record is not None and record.status == "complete"
            assert record.sha256 == _sha256(placed)
            assert _sha256(store.root / record.local_path) == record.sha256
    finally:
        store.close()

    before = len(astroquery_emulator.requests)
    uri = str(products["dataURI"][0])
    with runtime.using_settings(settings):  # mastcache's own client: the same stored file
        status, _, _ = ObservationsClass().download_file(uri, local_path=str(tmp_path / "own.fits"))
    assert status == "COMPLETE"
    with runtime.using_settings(settings.new(mode="offline")), installed():
        again = obs.download_products(products, download_dir=str(tmp_path / "second"))
        assert list(again["Status"]) == ["COMPLETE", "COMPLETE"]
        with pytest.raises(CacheMissError, match="not in mastcache's product store"):
            obs.download_products(other, download_dir=str(tmp_path / "third"))
    assert len(astroquery_emulator.requests) == before
    first = sorted(_sha256(Path(str(p))) for p in manifest["Local Path"])
    assert sorted(_sha256(Path(str(p))) for p in again["Local Path"]) == first
    assert _sha256(tmp_path / "own.fits") in first


def test_a_missing_product_is_astroquerys_error_row(
    astroquery_mast: ModuleType, cache_dir: Path, tmp_path: Path
) -> None:
    from astropy.table import Table

    product = Table(
        {
            "dataURI": ["mast:HST/product/does_not_exist_raw.fits"],
            "productFilename": ["does_not_exist_raw.fits"],
            "obs_collection": ["HST"],
            "obs_id": ["nonexistent"],
        }
    )
    plain = astroquery_mast.Observations.download_products(product, download_dir=str(tmp_path))
    settings = Settings.from_env({}, cache_dir=cache_dir)
    with runtime.using_settings(settings), installed():
        ours = astroquery_mast.Observations.download_products(product, download_dir=str(tmp_path))
    assert list(ours["Status"]) == list(plain["Status"]) == ["ERROR"]
    assert str(ours["Message"][0]).split(":")[0] == str(plain["Message"][0]).split(":")[0]
