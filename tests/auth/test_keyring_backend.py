"""The keyring backend mastcache reads is the one keyring itself chooses; off macOS it is only
chosen faster (the macOS backend's Security API is not imported: mastcache/auth/tokens.py).

Each choice is made in a fresh process, as a user's process makes it: with nothing
configured (keyring's own discovery, an empty config folder), and with $PYTHON_KEYRING_BACKEND.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

MACOS_API = "keyring.backends.macOS.api"
OFF_MACOS = pytest.mark.skipif(platform.system() == "Darwin", reason="the macOS API is used there")

CHOICE = """
import json, sys
{setup}
backend = {chooser}
print(json.dumps([type(backend).__module__ + "." + type(backend).__name__,
                  {MACOS_API!r} in sys.modules]))
"""
KEYRINGS_OWN = "__import__('keyring').get_keyring()"
MASTCACHES = "__import__('mastcache.auth.tokens', fromlist=['_keyring'])._keyring().get_keyring()"


def chosen(tmp_path: Path, chooser: str, backend: str | None, setup: str = "") -> list[object]:
    """[backend class, whether the macOS API module was imported] in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # no keyringrc.cfg
    if backend:
        env["PYTHON_KEYRING_BACKEND"] = backend
    code = CHOICE.format(setup=setup, chooser=chooser, MACOS_API=MACOS_API)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("backend", [None, "keyring.backends.null.Keyring"])
def test_mastcache_reads_the_backend_keyring_chooses(tmp_path: Path, backend: str | None) -> None:
    ours, keyrings = chosen(tmp_path, MASTCACHES, backend), chosen(tmp_path, KEYRINGS_OWN, backend)
    assert ours[0] == keyrings[0]


@OFF_MACOS
def test_off_macos_the_security_api_is_not_imported(tmp_path: Path) -> None:
    assert chosen(tmp_path, MASTCACHES, None)[1] is False


@OFF_MACOS
def test_off_macos_keyrings_macos_backend_is_never_viable() -> None:
    """What makes refusing its API import safe: keyring's own rule, checked first."""
    from keyring.backends import macOS

    with pytest.raises(RuntimeError, match="macOS required"):
        _ = macOS.Keyring.priority


def test_a_backend_set_in_the_process_is_kept(tmp_path: Path) -> None:
    setup = "import keyring; from keyring.backends import null; keyring.set_keyring(null.Keyring())"
    assert chosen(tmp_path, MASTCACHES, None, setup)[0] == "keyring.backends.null.Keyring"
