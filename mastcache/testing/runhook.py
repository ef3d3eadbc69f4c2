"""What ``mastcache run`` puts into every Python process the command starts.

``mastcache run`` prepends a private folder holding a ``sitecustomize.py`` to ``PYTHONPATH``
(no ``.pth`` file, nothing installed), so each Python process of the command, and every
process those start, calls :func:`activate` at startup when ``MASTCACHE_RUN_HOOK`` is set:

- ``record``: once ``mastcache.archive`` is imported, every call an archive serves appends
  its key to a journal file of this process in ``MASTCACHE_RUN_JOURNAL``;
- ``replay``: connections beyond loopback are refused (mastcache itself is pointed at the
  restored snapshot, offline, through ``MASTCACHE_DIR``/``MASTCACHE_MODE``);
- both: once stock ``astroquery.mast`` is imported, ``mastcache.install()`` routes it through
  mastcache (and a replay hands it the snapshot's column configurations).

The sitecustomize then runs the one it shadows, if any (with or without the hook). The hook
costs each process an ``import mastcache`` at startup; archives, stores and astroquery load
only when the program itself imports them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "ASTROQUERY_LINE",
    "HOOK_ENV",
    "JOURNAL_ENV",
    "SERVICES_ENV",
    "SITECUSTOMIZE",
    "activate",
    "read_journal",
]

HOOK_ENV = "MASTCACHE_RUN_HOOK"
JOURNAL_ENV = "MASTCACHE_RUN_JOURNAL"
SERVICES_ENV = "MASTCACHE_RUN_SERVICES"
#: Journal line written when a process routed stock astroquery through mastcache.
ASTROQUERY_LINE = "#astroquery"

#: The ``sitecustomize.py`` that ``mastcache run`` writes into its private folder.
SITECUSTOMIZE = '''"""Written by `mastcache run`: record or replay this process's MAST calls."""
import importlib.machinery
import importlib.util
import os
import sys


def _mastcache_run_hook():
    if not os.environ.get("MASTCACHE_RUN_HOOK"):
        return
    try:
        from mastcache.testing import runhook
        runhook.activate()
    except Exception as exc:  # never stop the user's program from starting
        sys.stderr.write("mastcache run: cannot record/replay in this process: %s\\n" % exc)


def _run_shadowed_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    folders = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", folders)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_mastcache_run_hook()
_run_shadowed_sitecustomize()
'''


class _ThenLoader(importlib.abc.Loader):
    """A loader that runs ``action(module)`` once the real loader has executed it."""

    def __init__(self, loader: Any, action: Callable[[ModuleType], None]) -> None:
        self._loader, self._action = loader, action

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        module: ModuleType | None = create(spec) if create is not None else None
        return module

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._action(module)

    def __getattr__(self, name: str) -> Any:  # resources, get_source, ...
        return getattr(self._loader, name)


class AfterImport(importlib.abc.MetaPathFinder):
    """Runs an action right after a watched module is first imported."""

    def __init__(self, actions: dict[str, Callable[[ModuleType], None]]) -> None:
        self.actions = dict(actions)

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        action = self.actions.pop(name, None)
        if action is None:
            return None
        spec = _real_spec(self, name, path, target)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _ThenLoader(spec.loader, action)
        return spec


def _real_spec(
    skip: object, name: str, path: Sequence[str] | None, target: ModuleType | None
) -> importlib.machinery.ModuleSpec | None:
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if finder is skip or find is None:
            continue
        spec: importlib.machinery.ModuleSpec | None = find(name, path, target)
        if spec is not None:
            return spec
    return None


def activate(environ: dict[str, str] | None = None) -> None:
    """Install this process's hooks for ``MASTCACHE_RUN_HOOK`` (``record`` or ``replay``)."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get(HOOK_ENV)
    actions: dict[str, Callable[[ModuleType], None]] = {}
    if mode == "record":
        journal = _Journal(Path(env[JOURNAL_ENV]))
        actions["mastcache.archive"] = journal.observe_archives
        actions["astroquery.mast"] = journal.route_astroquery
    elif mode == "replay":
        from mastcache.testing.sockets import block

        block()
        services = [s for s in env.get(SERVICES_ENV, "").split("\n") if s]
        actions["astroquery.mast"] = lambda module: _replay_astroquery(services)
    for name in [n for n in actions if n in sys.modules]:
        actions.pop(name)(sys.modules[name])
    if actions:
        sys.meta_path.insert(0, AfterImport(actions))


class _Journal:
    """This process's journal: one key per line, appended as calls are served."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.keys"
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._observing: Any = None

    def write(self, line: str) -> None:
        with self._lock:
            if line in self._seen:
                return
            self._seen.add(line)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")

    def observe_archives(self, module: ModuleType) -> None:
        # entered for the life of the process: every archive, built now or later
        self._observing = module.observing(lambda event: self.write(event.provenance.key))
        self._observing.__enter__()

    def route_astroquery(self, module: ModuleType) -> None:
        from mastcache.transparent import install

        install()
        self.write(ASTROQUERY_LINE)


def _replay_astroquery(services: list[str]) -> None:
    from mastcache.testing.astroquery_columns import prefill_astroquery
    from mastcache.transparent import install

    install()
    prefill_astroquery(services)


def read_journal(folder: Path) -> tuple[list[str], bool]:
    """Every key the command's processes journaled (first-seen order), and whether any
    process used stock astroquery."""
    keys: dict[str, None] = {}
    used_astroquery = False
    for path in sorted(folder.glob("*.keys")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line == ASTROQUERY_LINE:
                used_astroquery = True
            elif line:
                keys.setdefault(line)
    return list(keys), used_astroquery
