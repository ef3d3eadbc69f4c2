"""Tests that need something outside Python (a PostgreSQL server, a JVM, MAST's recorded
samples) ask here. On a developer's machine a missing resource skips the test with a reason
that says what to install; in CI (``CI`` set to true) it fails instead, so nothing is skipped
silently there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

#: PostgreSQL for the team tests: trust auth, an existing database (DESIGN.md section 10).
POSTGRES_URL = os.environ.get(
    "MASTCACHE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def in_ci() -> bool:
    """Whether this run must have every resource (``CI=true``, as ``.ci/run`` sets it)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(resource: str, how: str) -> NoReturn:
    """Skip (or fail in CI) a test that needs ``resource``; ``how`` says how to provide it."""
    message = f"{resource} is not available: {how}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing resource is a failure, not a skip)")
    pytest.skip(message)


def require_postgres() -> str:
    """The admin URL of a reachable PostgreSQL server, or skip/fail naming what to install."""
    try:
        import psycopg
    except ImportError:
        missing("psycopg", 'install the test extras: pip install ".[test]"')
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        missing(
            f"PostgreSQL at {POSTGRES_URL} ({first})",
            "start a PostgreSQL server with trust auth for user postgres and a database "
            "'test' on 127.0.0.1:5432, or point MASTCACHE_TEST_POSTGRES at one",
        )
    return POSTGRES_URL


def require_java() -> None:
    """Skip/fail unless a Java runtime (for Spark) is on PATH or in JAVA_HOME."""
    home = os.environ.get("JAVA_HOME")
    if shutil.which("java") or (home and os.path.exists(os.path.join(home, "bin", "java"))):
        return
    missing("a Java runtime (for Spark)", "install a JDK 17 (e.g. apt install openjdk-17-jre)")


#: MAST's recorded answers: ``../shared/mast-samples`` beside the checkout, unless overridden;
#: else the copy the repository ships for the emulator to replay (the same files, byte for byte).
SAMPLES_ENV = "MASTCACHE_MAST_SAMPLES"
REPOSITORY = Path(__file__).resolve().parents[1]
SHIPPED_SAMPLES = REPOSITORY / "mastcache" / "emulator" / "samples" / "data" / "recorded"


def mast_samples_dir() -> Path:
    """Where the recorded MAST answers are: $MASTCACHE_MAST_SAMPLES, the shared folder beside
    the checkout, or the repository's own copy."""
    override = os.environ.get(SAMPLES_ENV, "").strip()
    if override:
        return Path(override)
    shared = REPOSITORY.parent / "shared" / "mast-samples"
    return shared if (shared / "README.md").is_file() else SHIPPED_SAMPLES


def require_mast_samples() -> Path:
    """The folder of recorded MAST answers, or skip/fail naming where it must be."""
    folder = mast_samples_dir()
    if not (folder / "README.md").is_file():
        missing(
            f"the recorded MAST samples ({folder})",
            f"put MAST's recorded answers at ../shared/mast-samples beside the checkout "
            f"(the repository ships them in {SHIPPED_SAMPLES.relative_to(REPOSITORY)}), or "
            f"point {SAMPLES_ENV} at them",
        )
    return folder
