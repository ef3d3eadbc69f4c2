"""The session tests this checkout's code, and so do the subprocesses it starts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from checkout import INSTALLED_ENV, REPO_ROOT, mismatch, source_digest

import mastcache


def _copy(tmp_path: Path) -> Path:
    """The package as a wheel installs it: migrations/ inside it as _migrations/."""
    copy = tmp_path / "site-packages" / "mastcache"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO_ROOT / "mastcache", copy, ignore=ignore)
    shutil.copytree(REPO_ROOT / "migrations", copy / "_migrations", ignore=ignore)
    return copy


def test_the_checkout_and_a_byte_identical_install_are_accepted(tmp_path: Path) -> None:
    checkout = REPO_ROOT / "mastcache"
    assert mismatch(checkout, checkout, {}) is None
    copy = _copy(tmp_path)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"\0")  # bytecode is ignored
    assert mismatch(copy, checkout, {}) is None
    migration = next((copy / "_migrations" / "versions").glob("0001*.py"))
    migration.write_text(migration.read_text() + "\n# edited\n")
    assert mismatch(copy, checkout, {}) is not None  # the migrations are sources too


def test_a_stale_install_is_refused_with_the_fix(tmp_path: Path) -> None:
    checkout = REPO_ROOT / "mastcache"
    copy = _copy(tmp_path)
    keys = copy / "keys.py"
    keys.write_text(keys.read_text() + "\n# an older version\n")
    problem = mismatch(copy, checkout, {})
    assert problem is not None and str(copy) in problem and "python -m pytest" in problem
    assert "pip install -e ." in problem and "\n" not in problem
    assert mismatch(copy, checkout, {INSTALLED_ENV: "1"}) is None  # a wheel, on purpose
    (copy / "keys.py").unlink()
    assert mismatch(copy, checkout, {}) is not None  # a missing module counts too
    assert source_digest(copy) != source_digest(checkout, checkout=True)


def test_worker_subprocesses_import_the_tested_code() -> None:
    found = subprocess.run(
        [sys.executable, "-c", "import mastcache; print(mastcache.__file__)"],
        capture_output=True, text=True, check=True, cwd="/",
    ).stdout.strip()  # fmt: skip
    assert mismatch(Path(found).parent, Path(mastcache.__file__).parent, {}) is None
