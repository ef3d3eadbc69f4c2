"""The process-wide configuration: current settings and the active mode.

``configure()`` replaces the settings; ``using_mode()`` overrides the mode for a block
(per thread/task, through a context variable). Settings are read from the environment on
first use, never at import.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mastcache.settings import Mode, Settings, _check_mode

__all__ = ["configure", "current_settings", "effective_mode", "reset", "using_mode"]

_lock = threading.Lock()
_settings: Settings | None = None
_mode_override: contextvars.ContextVar[Mode | None] = contextvars.ContextVar(
    "mastcache_mode", default=None
)


def current_settings() -> Settings:
    """The active settings, built from the environment the first time they are needed."""
    global _settings
    with _lock:
        if _settings is None:
            _settings = Settings.from_env()
        return _settings


def configure(**changes: Any) -> Settings:
    """Change the process-wide settings, e.g. ``configure(mode="offline", cache_dir=...)``.

    Keyword names are :class:`~mastcache.settings.Settings` fields. Returns the new settings.
    """
    global _settings
    base = current_settings()
    new = base.new(**changes)
    with _lock:
        _settings = new
    return new


def reset() -> None:
    """Forget configured settings; the next use reads the environment again."""
    global _settings
    with _lock:
        _settings = None


@contextmanager
def using_mode(mode: Mode) -> Iterator[None]:
    """Use ``mode`` for every call made inside the block (in this thread or task)."""
    token = _mode_override.set(_check_mode(mode))
    try:
        yield
    finally:
        _mode_override.reset(token)


def effective_mode(call_mode: str | None = None) -> Mode:
    """The mode for one call: per-call keyword, then ``using_mode``, then settings."""
    if call_mode is not None:
        return _check_mode(call_mode)
    return _mode_override.get() or current_settings().mode
