"""The README stays true: its runnable examples run, and every CLI command is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
RUNNABLE = re.compile(r"<!-- runnable[^>]*-->\n```python\n(.*?)```", flags=re.DOTALL)


def runnable_blocks() -> list[str]:
    return RUNNABLE.findall(README.read_text(encoding="utf-8"))


def test_the_readme_marks_runnable_examples() -> None:
    assert len(runnable_blocks()) >= 1


@pytest.mark.parametrize("index", range(len(runnable_blocks())))
def test_runnable_example_runs_as_written(index: int, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    env["MASTCACHE_DIR"] = str(tmp_path / "default-cache")
    result = subprocess.run(
        [sys.executable, "-c", runnable_blocks()[index]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_the_snapshot_example_writes_and_replays_its_bundle(tmp_path: Path) -> None:
    (block,) = [b for b in runnable_blocks() if "snapshot.record" in b]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    result = subprocess.run(
        [sys.executable, "-c", block], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "fig3.mastsnap" in result.stdout and "M31" in result.stdout
    assert (tmp_path / "fig3.mastsnap").is_file()


def command_paths(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    ctx = click.Context(group)
    found: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            found.extend(command_paths(command, path))
        else:
            found.append((path, command))
    return found


def test_every_command_has_help_and_a_readme_entry() -> None:
    from mastcache.cli import cli

    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Command line") : text.index("## SQL over the cache")]
    paths = command_paths(cli)
    assert len(paths) >= 15
    for path, command in paths:
        assert (command.help or "").strip(), f"`mastcache {path}` has no --help text"
        *parents, leaf = path.split()
        short_forms = (f"`{leaf}`", f"`{' '.join(parents)} {leaf}`")
        documented = f"mastcache {path}" in section or (
            f"mastcache {' '.join(parents)} " in section
            and any(form in section for form in short_forms)
        )
        assert documented, f"`mastcache {path}` is missing from the README's CLI section"
