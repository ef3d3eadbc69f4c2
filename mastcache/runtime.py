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

__all__ = [
    "cache_source",
    "configure",
    "current_settings",
    "effective_mode",
    "reset",
    "using_mode",
    "using_settings",
]

_lock = threading.Lock()
_settings: Settings | None = None
_mode_override: contextvars.ContextVar[Mode | None] = contextvars.ContextVar(
    "mastcache_mode", default=None
)
_settings_override: contextvars.ContextVar[Settings | None] = contextvars.ContextVar(
    "mastcache_settings", default=None
)
_source_override: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mastcache_source", default=None
)


def current_settings() -> Settings:
    """The active settings, built from the environment the first time they are needed."""
    global _settings
    override = _settings_override.get()
    if override is not None:
        return override
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


@contextmanager
def using_settings(settings: Settings, *, source: str | None = None) -> Iterator[Settings]:
    """Use ``settings`` for every call made inside the block (in this thread or task).

    ``source`` relabels where cached results come from in their provenance (a snapshot
    replay says ``"snapshot"``).
    """
    settings_token = _settings_override.set(settings)
    source_token = _source_override.set(source)
    try:
        yield settings
    finally:
        _source_override.reset(source_token)
        _settings_override.reset(settings_token)


def cache_source() -> str:
    """How provenance names results read from the store: ``cache`` or ``snapshot``."""
    return _source_override.get() or "cache"


def effective_mode(call_mode: str | None = None) -> Mode:
    """The mode for one call: per-call keyword, then ``using_mode``, then settings."""
    if call_mode is not None:
        return _check_mode(call_mode)
    return _mode_override.get() or current_settings().mode
