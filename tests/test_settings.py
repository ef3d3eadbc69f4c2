"""Settings come from the environment and arguments, are frozen, and reject bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mastcache.errors import ConfigurationError
from mastcache.settings import Settings, parse_duration


def test_from_env_reads_every_contract_variable(tmp_path: Path) -> None:
    env = {
        "MASTCACHE_DIR": str(tmp_path / "c"),
        "MASTCACHE_MODE": "offline",
        "MASTCACHE_MAST_URL": "http://127.0.0.1:8999/",
        "MASTCACHE_TTL": "observations=12h, catalogs=60d",
    }
    settings = Settings.from_env(env)
    assert settings.cache_dir == tmp_path / "c"
    assert settings.mode == "offline"
    assert settings.mast_url == "http://127.0.0.1:8999"
    assert settings.ttl_overrides == {"observations": 43200.0, "catalogs": 60 * 86400.0}


def test_arguments_override_environment(tmp_path: Path) -> None:
    env = {"MASTCACHE_DIR": "/nonexistent", "MASTCACHE_MODE": "offline"}
    settings = Settings.from_env(env, cache_dir=tmp_path, mode="refresh")
    assert (settings.cache_dir, settings.mode) == (tmp_path, "refresh")


def test_default_cache_dir_is_the_user_cache_dir() -> None:
    import platformdirs

    assert Settings.from_env({}).cache_dir == Path(platformdirs.user_cache_dir("mastcache"))


def test_settings_are_frozen_and_new_makes_copies(tmp_path: Path) -> None:
    settings = Settings.from_env({}, cache_dir=tmp_path)
    with pytest.raises(AttributeError):
        settings.mode = "online"  # type: ignore[misc]
    changed = settings.new(mode="online")
    assert (settings.mode, changed.mode) == ("cache-first", "online")


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"MASTCACHE_MODE": "sometimes"}, "unknown mode 'sometimes'"),
        ({"MASTCACHE_MAST_URL": "ftp://x"}, "not an http(s) URL"),
        ({"MASTCACHE_TTL": "galaxies=1d"}, "KIND one of"),
        ({"MASTCACHE_TTL": "observations=soon"}, "cannot read duration 'soon'"),
    ],
)
def test_bad_environment_values_say_what_to_do(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_durations() -> None:
    assert parse_duration("90") == 90.0
    assert parse_duration("15m") == 900.0
    assert parse_duration("2w") == 14 * 86400.0
    assert parse_duration("never") == float("inf")
