"""Which mastcache a test session runs: the checkout's, or a copy installed from it.

``pytest`` with ``--import-mode=importlib`` imports mastcache from wherever the interpreter
finds it: an editable install of another folder, or a stale ``pip install .`` in
site-packages. ``tests/conftest.py`` refuses such a session with :func:`mismatch`, and points
worker subprocesses at the same code through ``PYTHONPATH``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["INSTALLED_ENV", "REPO_ROOT", "mismatch", "source_digest"]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Set (to anything) when a built wheel is deliberately tested instead of the checkout.
INSTALLED_ENV = "MASTCACHE_TEST_INSTALLED"


#: Folders of the checkout that a wheel installs inside the package (pyproject package-dir).
REMAPPED = {"_migrations": "migrations"}


def source_digest(package: Path, *, checkout: bool = False) -> str:
    """sha256 over every ``*.py`` file of ``package`` (relative path and bytes, sorted). For
    the ``checkout`` package, folders a wheel remaps into it (migrations/) count as there."""
    files = _sources(package)
    if checkout:
        for inside, outside in REMAPPED.items():
            remapped = _sources(package.parent / outside)
            files.update({f"{inside}/{name}": sha for name, sha in remapped.items()})
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(relative.encode() + b"\0" + files[relative])
    return digest.hexdigest()


def _sources(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).digest()
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.parts
    }


def mismatch(imported: Path, checkout: Path, environ: dict[str, str] | None = None) -> str | None:
    """Why the package at ``imported`` is not the code of ``checkout``'s package, or None.

    The checkout itself, a copy whose sources are byte-identical (``pip install .`` as
    ``.ci/run`` does), or any copy when ``MASTCACHE_TEST_INSTALLED`` is set are accepted.
    """
    environ = dict(os.environ) if environ is None else environ
    imported, checkout = imported.resolve(), checkout.resolve()
    if imported == checkout or environ.get(INSTALLED_ENV):
        return None
    if source_digest(imported) == source_digest(checkout, checkout=True):
        return None
    return (
        f"the tests import mastcache from {imported}, which differs from this checkout's "
        f"{checkout}: run `python -m pytest` from the checkout, or `pip install -e .` "
        f"(set {INSTALLED_ENV}=1 to test an installed wheel on purpose)"
    )
