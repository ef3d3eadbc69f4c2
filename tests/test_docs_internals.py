"""docs/internals.md names only what exists: every file or folder in its layout, every
``path/to/module.py`` and every dotted ``mastcache.x.y`` it mentions (modules or attributes)."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "internals.md"
PACKAGE = ROOT / "mastcache"

LAYOUT_ENTRY = re.compile(r"^  (?P<name>[A-Za-z_][\w.]*(?:\.py|/))(?:,\s*(?P<more>[\w./]+))?\s")
PATH_MENTION = re.compile(r"(?<![\w./])(?P<path>(?:[a-z_]+/)+[a-z_]+\.py)\b")
DOTTED = re.compile(r"\bmastcache(?:\.[A-Za-z_]\w*)+")


def layout_entries(text: str) -> list[str]:
    """Names listed under ``mastcache/`` in the layout block (two-space indented lines)."""
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    names: list[str] = []
    for line in block.splitlines():
        match = LAYOUT_ENTRY.match(line)
        if match:
            names += [n for n in (match["name"], match["more"]) if n]
    return names


def exists_in_tree(relative: str) -> bool:
    return any((base / relative).exists() for base in (PACKAGE, ROOT, ROOT / "tests"))


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            spec = importlib.util.find_spec(module_name)
        except ModuleNotFoundError:
            continue
        if spec is None:
            continue
        value: object = importlib.import_module(module_name)
        for attribute in parts[cut:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


TEXT = DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", layout_entries(TEXT))
def test_every_layout_entry_exists(name: str) -> None:
    assert exists_in_tree(name.rstrip("/")), f"docs/internals.md lists {name}, which is gone"


@pytest.mark.parametrize("path", sorted(set(PATH_MENTION.findall(TEXT))))
def test_every_module_path_exists(path: str) -> None:
    assert exists_in_tree(path), f"docs/internals.md names {path}, which does not exist"


@pytest.mark.parametrize("dotted", sorted(set(DOTTED.findall(TEXT))))
def test_every_dotted_name_resolves(dotted: str) -> None:
    assert resolves(dotted), f"docs/internals.md names {dotted}, which does not resolve"


def test_the_layout_covers_every_package() -> None:
    listed = {name.rstrip("/").removesuffix(".py") for name in layout_entries(TEXT)}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages <= listed, f"packages missing from docs/internals.md: {packages - listed}"
