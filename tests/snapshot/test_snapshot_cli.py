"""``mastcache snapshot create|verify|restore|list`` through the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mastcache.cli import cli
from mastcache.settings import Settings
from mastcache.snapshot import restore, verify
from mastcache.store import Store


def run(cache: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    return subprocess.run(
        [sys.executable, "-m", "mastcache", "--cache-dir", str(cache), "snapshot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def filled(recorded: Any, tmp_path: Path) -> Path:
    """A cache holding the recorded session (restored from its bundle)."""
    cache = tmp_path / "cache"
    restore(recorded.bundle, settings=Settings.from_env({}, cache_dir=cache))
    return cache


def _count(recorded: Any) -> int:
    manifest = verify(recorded.bundle).manifest
    assert manifest is not None
    return len(manifest.queries)


def test_create_verify_restore_list(filled: Path, recorded: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    created = run(filled, "create", "fig3", "--output-dir", str(out))
    assert created.returncode == 0, created.stderr
    count = _count(recorded)
    assert f"fig3.mastsnap: {count} queries, 1 resolutions" in created.stdout
    verified = run(filled, "verify", str(out / "fig3.mastsnap"))
    assert verified.returncode == 0 and f"OK ({count + 2} members verified" in verified.stdout
    target = tmp_path / "target"
    restored = run(target, "restore", str(out / "fig3.mastsnap"))
    assert restored.returncode == 0 and f"restored {count} queries" in restored.stdout
    forced = run(target, "restore", "--overwrite-newer", str(out / "fig3.mastsnap"))
    assert f"restored {count} queries" in forced.stdout
    listed = run(target, "list", str(out))
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("cache  fig3") and lines[1].startswith("file   fig3")


def test_create_by_key_and_service(filled: Path, recorded: Any, tmp_path: Path) -> None:
    with Store.open(Settings.from_env({}, cache_dir=filled)) as store:
        queries = store.list_queries()
    key = queries[0].key
    by_key = run(filled, "create", "one", key[:12], cwd=tmp_path)
    assert by_key.returncode == 0 and "1 queries, 0 resolutions" in by_key.stdout
    assert (tmp_path / "one.mastsnap").is_file()
    service = run(
        filled,
        "create",
        "svc",
        "--service",
        queries[0].service,
        "--since",
        "2000-01-01",
        cwd=tmp_path,
    )
    assert service.returncode == 0 and "0 resolutions" in service.stdout
    bad = run(filled, "create", "bad", "--since", "yesterday", cwd=tmp_path)
    assert bad.returncode != 0 and "ISO-8601" in bad.stderr


def test_verify_lists_differences_and_fails(bundle_copy: Path, tmp_path: Path) -> None:
    data = bytearray(bundle_copy.read_bytes())
    data[len(data) // 3] ^= 0xFF
    bundle_copy.write_bytes(bytes(data))
    result = run(tmp_path / "cache", "verify", str(bundle_copy))
    assert result.returncode == 1
    assert "FAILED verification" in result.stderr and "Traceback" not in result.stderr
    refused = run(tmp_path / "cache", "restore", str(bundle_copy))
    assert refused.returncode == 1 and "refusing to restore" in refused.stderr


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for command in ("create", "verify", "restore", "list"):
        result = runner.invoke(cli, ["snapshot", command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
        assert len(result.output.splitlines()) > 4
