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


def source_digest(package: Path) -> str:
    """sha256 over every ``*.py`` file of ``package`` (relative path and bytes, sorted)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py"), key=lambda p: p.relative_to(package).as_posix()):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def mismatch(imported: Path, checkout: Path, environ: dict[str, str] | None = None) -> str | None:
    """Why the package at ``imported`` is not the code of ``checkout``'s package, or None.

    The checkout itself, a copy whose sources are byte-identical (``pip install .`` as
    ``.ci/run`` does), or any copy when ``MASTCACHE_TEST_INSTALLED`` is set are accepted.
    """
    environ = dict(os.environ) if environ is None else environ
    imported, checkout = imported.resolve(), checkout.resolve()
    if imported == checkout or environ.get(INSTALLED_ENV):
        return None
    if source_digest(imported) == source_digest(checkout):
        return None
    return (
        f"the tests import mastcache from {imported}, which differs from this checkout's "
        f"{checkout}: run `python -m pytest` from the checkout, or `pip install -e .` "
        f"(set {INSTALLED_ENV}=1 to test an installed wheel on purpose)"
    )
