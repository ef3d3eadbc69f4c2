"""``mastcache run``: record every MAST call of any command into a snapshot, or replay it.

Order of operations for :func:`run_command`:

1. Write a private folder with the run hook's ``sitecustomize.py`` and prepend it to the
   child's ``PYTHONPATH`` (:mod:`mastcache.testing.runhook`).
2. ``record``: the child uses the current cache (its settings exported as ``MASTCACHE_*``)
   and each of its Python processes journals the keys it was served. ``replay``: the
   snapshot is verified and restored into a private cache; the child gets that cache,
   offline mode and a dead MAST URL, and refuses connections beyond loopback.
3. Run the command, forwarding SIGINT and SIGTERM to it; its exit status is the result.
4. ``record`` with exit status 0: snapshot exactly the journaled calls (nothing is written
   after a failure, as with ``snapshot.record``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from mastcache import runtime
from mastcache.errors import ConfigurationError
from mastcache.settings import Settings
from mastcache.snapshot.create import SnapshotInfo, create_from, snapshot_path
from mastcache.snapshot.selection import Selection
from mastcache.store import Store
from mastcache.testing import runhook

__all__ = ["RunResult", "record_command", "replay_command"]

_FORWARDED = (signal.SIGINT, signal.SIGTERM)
_TEAM_ENV = ("MASTCACHE_CATALOG_URL", "MASTCACHE_STORE_URL")


@dataclass(frozen=True)
class RunResult:
    """The command's exit status (128 + N when killed by signal N) and, for a recording
    that succeeded, the snapshot written."""

    returncode: int
    snapshot: SnapshotInfo | None = None
    keys: tuple[str, ...] = ()


def record_command(
    command: Sequence[str],
    target: str | os.PathLike[str],
    *,
    with_files: bool = False,
    settings: Settings | None = None,
) -> RunResult:
    """Run ``command``; on exit status 0 write the snapshot of every MAST call it made."""
    settings = settings or runtime.current_settings()
    path = snapshot_path(target, None)
    with tempfile.TemporaryDirectory(prefix="mastcache-run-") as private:
        journal = Path(private) / "journal"
        journal.mkdir()
        env = _settings_env(settings) | {
            runhook.HOOK_ENV: "record",
            runhook.JOURNAL_ENV: str(journal),
        }
        code = _run(command, Path(private), env, drop=())
        keys, used_astroquery = runhook.read_journal(journal)
    if code != 0:
        return RunResult(code, None, tuple(keys))
    info = _snapshot(settings, path, keys, used_astroquery, with_files)
    return RunResult(code, info, tuple(keys))


def replay_command(
    command: Sequence[str],
    snapshot_file: str | os.PathLike[str],
    *,
    settings: Settings | None = None,
) -> RunResult:
    """Run ``command`` served by ``snapshot_file`` alone, offline."""
    from mastcache.snapshot import replay

    with replay(snapshot_file, settings=settings) as replayed:
        services = sorted({q.service for q in replayed.manifest.queries})
        env = _settings_env(replayed.settings) | {
            runhook.HOOK_ENV: "replay",
            runhook.SERVICES_ENV: "\n".join(services),
        }
        with tempfile.TemporaryDirectory(prefix="mastcache-run-") as private:
            return RunResult(_run(command, Path(private), env, drop=_TEAM_ENV))


def _settings_env(settings: Settings) -> dict[str, str]:
    env = {"MASTCACHE_DIR": str(settings.cache_dir), "MASTCACHE_MODE": settings.mode}
    if settings.mast_url:
        env["MASTCACHE_MAST_URL"] = settings.mast_url
    return env


def _snapshot(
    settings: Settings, path: Path, keys: list[str], used_astroquery: bool, with_files: bool
) -> SnapshotInfo:
    with Store.open(settings) as store, runtime.using_settings(settings):
        if used_astroquery:
            keys = keys + _column_config_keys(store, keys)
        selection = Selection(keys=frozenset(keys), with_files=with_files, is_strict=False)
        return create_from(store, path, selection)


def _column_config_keys(store: Store, keys: list[str]) -> list[str]:
    """Stock astroquery replays need the column configs of the Portal services it asked."""
    from mastcache.archive import observing
    from mastcache.testing.astroquery_columns import store_column_configs

    seen: list[str] = []
    records = [store.get_query(key) for key in keys]
    with observing(lambda event: seen.append(event.provenance.key)):
        store_column_configs(r.service for r in records if r is not None)
    return seen


def _run(
    command: Sequence[str], private: Path, extra: Mapping[str, str], *, drop: Sequence[str]
) -> int:
    """Run ``command`` with the run hook on its PYTHONPATH; SIGINT/SIGTERM forwarded."""
    if not command:
        raise ConfigurationError("no command given: expected e.g. -- python analysis.py")
    site = private / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(runhook.SITECUSTOMIZE, encoding="utf-8")
    env = _child_env(site, extra, drop)
    try:
        child = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        raise ConfigurationError(f"cannot start {command[0]!r}: {exc.strerror or exc}") from exc
    with _forwarding(child):
        code = child.wait()
    return 128 - code if code < 0 else code


def _child_env(site: Path, extra: Mapping[str, str], drop: Sequence[str]) -> dict[str, str]:
    gone = {*drop, "MASTCACHE_MAST_URL"}
    env = {k: v for k, v in os.environ.items() if k not in gone}
    path = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    return env | dict(extra) | {"PYTHONPATH": path}


@contextmanager
def _forwarding(child: subprocess.Popen[bytes]) -> Iterator[None]:
    """Pass SIGINT/SIGTERM on to the child and keep waiting for it to finish."""

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
