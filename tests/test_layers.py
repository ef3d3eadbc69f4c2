"""Arrows point down (DESIGN.md section 2): each top-level part of the package imports only
the parts listed for it here. A new dependency between parts is a deliberate act: add it
below, with the reason, and to docs/internals.md."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mastcache"

CORE = {"errors", "settings"}
#: part -> the parts it may import (besides itself). ``mastcache`` is the package __init__.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "access": set(),  # is the cache directory writable (read-only caches)
    "interrupts": set(),  # Ctrl-C: cleanups and the prompt exit
    "settings": {"errors"},
    "runtime": {"settings"},
    "keys": {"errors"},
    "policy": CORE,
    "mast": {"errors"},  # the wire protocol is pure: no cache, no HTTP
    "emulator": {"errors", "mast"},  # shares protocol facts (cutout limits) with the client
    "store": CORE | {"access"},
    # the HTTP cache keys and expires by policy
    "net": CORE | {"_version", "access", "keys", "policy"},
    "auth": CORE | {"net"},
    # Portal pages of a fetch are kept as decoded fragments (store/fragments.py) to resume
    "gateways": CORE | {"mast", "net", "store"},
    "provenance": set(),
    "archive": CORE | {"keys", "policy", "provenance", "runtime", "store"},
    "products": CORE | {"archive", "gateways", "interrupts", "net", "policy", "store"},
    # the views show the active account's scope
    "sqlview": CORE | {"access", "auth", "runtime", "store"},
    # `cache verify --repair` fetches an intact copy the way Observations.download_file does;
    # it re-exports the stats names from stats.py, their home since issue 19
    "maintenance": CORE | {"client", "net", "products", "runtime", "sqlview", "stats", "store"},
    # `cache stats` reads the catalog (aggregate SQL on an SQLite catalog) and nothing else
    "stats": CORE | {"store"},
    # diff asks MAST again through the gateways and types Search API answers with mast/
    "snapshot": CORE | {"_version", "archive", "gateways", "keys", "mast", "runtime", "store"},
    "skycoverage": CORE | {"sqlview", "store"},  # exports through store.files.export_atomic
    # the facade: asks the archive, the products layer and the gateways; the context builds
    # the transport and rules.py writes user files with the store's atomic writer
    "client": CORE
    | {"archive", "auth", "gateways", "keys", "mast", "net", "policy", "products", "runtime"}
    | {"store"},
    # stock astroquery's downloads go to the product store, decided by the file policy
    "transparent": CORE | {"client", "mast", "net", "policy", "products", "runtime", "store"},
    # record/replay for users' own tests and scripts (pytest plugin, `mastcache run`)
    "testing": CORE | {"archive", "client", "mast", "runtime", "snapshot", "store", "transparent"},
    "pytest_plugin": CORE
    | {"archive", "emulator", "runtime", "snapshot", "store", "testing", "transparent"},
    "demo": {"archive", "client", "emulator", "runtime", "settings", "snapshot", "sqlview"},
    "cli": CORE
    | {"_version", "auth", "client", "demo", "emulator", "maintenance", "runtime", "stats"}
    | {"interrupts", "skycoverage", "snapshot", "sqlview", "store", "testing"},
    # the program starts DuckDB's connection for a likely `sql` before loading the CLI
    "__main__": {"cli", "sqlview"},
    "mastcache": CORE
    | {"_version", "client", "runtime", "skycoverage", "snapshot", "sqlview", "transparent"},
    "_version": set(),
}


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "mastcache"


def imported_modules(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mastcache"):
            if node.module == "mastcache":
                found += [f"mastcache.{alias.name}" for alias in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("mastcache")]
    return found


def dependency_graph() -> dict[str, dict[str, set[str]]]:
    """part -> imported part -> the files that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        source = part_of(".".join(relative.parts).removesuffix(".__init__"))
        for module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            target = part_of(module)
            if target != source:
                graph[source][target].add(str(path.relative_to(PACKAGE.parent)))
    return graph


def test_every_part_is_known() -> None:
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    parts = {p for p in parts if not p.startswith(".") and p not in {"py", "__pycache__"}}
    python_parts = {
        p for p in parts if (PACKAGE / f"{p}.py").exists() or (PACKAGE / p / "__init__.py").exists()
    }
    python_parts = {"mastcache" if p == "__init__" else p for p in python_parts}
    assert python_parts <= set(ALLOWED), f"parts with no layer rule: {python_parts - set(ALLOWED)}"


def test_imports_point_down() -> None:
    wrong = [
        f"{source} -> {target} ({', '.join(sorted(files))})"
        for source, targets in sorted(dependency_graph().items())
        for target, files in sorted(targets.items())
        if target not in ALLOWED.get(source, set())
    ]
    assert not wrong, "imports across layers not in ALLOWED:\n" + "\n".join(wrong)
