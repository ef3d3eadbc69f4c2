"""Placed files never share bytes a user can change with the store (issue #18): the default
copy is the user's to edit; a hard link (asked for) shares them, so ``cache verify`` finds the
damage, offline says the file is damaged, and ``cache verify --repair`` fetches it again."""

from __future__ import annotations

import os
from pathlib import Path

from astropy.io import fits
from cli.clirun import Outcome, run_main

from mastcache.emulator import EmulatorServer

OBSID = "3001862"


def cli(cache: Path, url: str, *args: str) -> Outcome:
    return run_main(["--cache-dir", str(cache), "--mast-url", url, *args])


def download(cache: Path, url: str, folder: Path, *extra: str) -> list[Path]:
    done = cli(cache, url, "download", OBSID, "--dir", str(folder), "--extension", "fits",
               "--flat", "--format", "csv", *extra)  # fmt: skip
    assert done.code == 0, done.stderr
    files = sorted(folder.glob("*.fits"))
    assert files
    return files


def edit_header(path: Path) -> None:
    with fits.open(path, mode="update") as hdus:
        hdus[0].header["MYNOTE"] = "edited in place"


def test_default_copy_is_the_users_own(emulator_session: EmulatorServer, tmp_path: Path) -> None:
    cache, url = tmp_path / "cache", emulator_session.url
    placed = download(cache, url, tmp_path / "data")[0]
    assert os.stat(placed).st_nlink == 1 and os.access(placed, os.W_OK)
    assert placed.stat().st_mode & 0o200  # writable for its owner, also without root
    edit_header(placed)
    verify = cli(cache, url, "cache", "verify")
    assert verify.code == 0, verify.stdout + verify.stderr
    again = download(
        cache,
        url,
        tmp_path / "again",
    )[0]
    assert "MYNOTE" not in fits.getheader(again)


def test_hard_link_damage_is_found_said_offline_and_repaired(
    emulator_session: EmulatorServer, tmp_path: Path
) -> None:
    cache, url = tmp_path / "cache", emulator_session.url
    placed = download(cache, url, tmp_path / "data", "--link", "hard")[0]
    assert os.stat(placed).st_nlink == 2
    edit_header(placed)  # root may write the 0444 file; it changes the stored bytes
    found = cli(cache, url, "cache", "verify")
    assert found.code == 1
    assert "DAMAGED file" in found.stdout and placed.name in found.stdout
    assert "--repair" in found.stderr
    off = str(tmp_path / "off")
    offline = cli(cache, url, "--mode", "offline", "download", OBSID, "--dir", off, "--flat")
    assert offline.code == 1
    assert "in the cache but damaged" in offline.stdout
    refused = cli(cache, url, "--mode", "offline", "cache", "verify", "--repair")
    assert refused.code == 1 and "offline" in refused.stderr
    repaired = cli(cache, url, "cache", "verify", "--repair")
    assert repaired.code == 0, repaired.stdout + repaired.stderr
    assert "repaired file" in repaired.stdout
    assert cli(cache, url, "cache", "verify").code == 0
    fresh = download(cache, url, tmp_path / "fresh")
    assert all("MYNOTE" not in fits.getheader(path) for path in fresh)


def test_a_missing_file_is_told_from_a_damaged_one(
    emulator_session: EmulatorServer, tmp_path: Path
) -> None:
    cache, url = tmp_path / "cache", emulator_session.url
    download(cache, url, tmp_path / "data")
    blob = next(
        p for p in (cache / "products").rglob("*") if p.is_file() and "partial" not in str(p)
    )
    blob.chmod(0o644)
    blob.unlink()
    found = cli(cache, url, "cache", "verify")
    assert found.code == 1 and "MISSING file" in found.stdout
