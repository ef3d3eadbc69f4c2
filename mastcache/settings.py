"""Frozen settings, built from arguments and the environment (DESIGN.md section 9).

Nothing here runs at import: :func:`Settings.from_env` reads the environment when called.
Tokens are deliberately not settings; :mod:`mastcache.auth.tokens` reads them when needed.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from mastcache.errors import ConfigurationError

__all__ = ["MODES", "TTL_KINDS", "Mode", "Settings", "parse_duration"]

Mode = Literal["cache-first", "online", "refresh", "offline"]
MODES: tuple[Mode, ...] = get_args(Mode)

#: Result kinds that carry a time to live (see :mod:`mastcache.policy`).
TTL_KINDS = (
    "resolutions",
    "observations",
    "products",
    "catalogs",
    "missions",
    "cutouts",
    "raw",
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str) -> float:
    """Seconds in ``text``: ``90``, ``90s``, ``15m``, ``12h``, ``30d``, ``2w`` or ``never``."""
    if text.strip().lower() in {"never", "inf", "forever"}:
        return float("inf")
    match = _DURATION.match(text.lower())
    if match is None:
        raise ConfigurationError(
            f"cannot read duration {text!r}: expected a number with an optional unit "
            "s, m, h, d or w (e.g. '12h', '30d'), or 'never'"
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _parse_ttls(text: str) -> dict[str, float]:
    """Parse ``MASTCACHE_TTL`` such as ``observations=12h,catalogs=60d``."""
    ttls: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, sep, value = item.partition("=")
        if not sep or kind.strip() not in TTL_KINDS:
            raise ConfigurationError(
                f"cannot read TTL entry {item!r}: expected KIND=DURATION with KIND one of "
                f"{', '.join(TTL_KINDS)}"
            )
        ttls[kind.strip()] = parse_duration(value)
    return ttls


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("mastcache"))


def _check_mode(mode: str) -> Mode:
    for known in MODES:
        if mode == known:
            return known
    raise ConfigurationError(
        f"unknown mode {mode!r}: expected one of {', '.join(MODES)} "
        "(set MASTCACHE_MODE or pass --mode)"
    )


def _check_url(url: str | None, variable: str) -> str | None:
    if url is None or url == "":
        return None
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigurationError(
            f"{variable}={url!r} is not an http(s) URL: expected e.g. http://127.0.0.1:8999"
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Settings:
    """Everything mastcache needs to know about where and how to work.

    Build with :meth:`from_env`; derive variations with :meth:`new`.
    """

    cache_dir: Path
    mode: Mode = "cache-first"
    #: Base URL of one MAST-compatible server for every service (e.g. the emulator).
    #: ``None`` means the real MAST hosts.
    mast_url: str | None = None
    #: Serve an expired result with a StaleResultWarning when the network fails.
    stale_if_error: bool = True
    #: Per-kind TTL overrides in seconds (see :data:`TTL_KINDS`).
    ttl_overrides: Mapping[str, float] = field(default_factory=dict)
    #: Seconds to wait for one HTTP answer.
    request_timeout: float = 60.0
    #: Wall-clock limit for a whole Portal query, polling included (astroquery's conf.timeout).
    query_timeout: float = 600.0
    #: Rows per Portal page (astroquery's conf.pagesize).
    pagesize: int = 50000
    #: How many pages or downloads may be in flight at once.
    max_parallel: int = 4
    #: How many times a failed request is retried (with backoff honouring Retry-After).
    max_retries: int = 3
    #: Team mode: SQLAlchemy URL of the metadata catalog (default: SQLite in cache_dir).
    catalog_url: str | None = None
    #: Team mode: where Parquet results and product files live (default: cache_dir).
    store_url: str | None = None
    #: Team mode: endpoint of an S3-compatible store (default: AWS, or AWS_ENDPOINT_URL).
    s3_endpoint_url: str | None = None
    #: Show progress bars (None: only when stderr is a terminal).
    progress: bool | None = None

    def __post_init__(self) -> None:
        _check_mode(self.mode)
        _check_url(self.mast_url, "mast_url")
        if self.pagesize < 1:
            raise ConfigurationError(f"pagesize must be at least 1, got {self.pagesize}")
        if self.max_parallel < 1:
            raise ConfigurationError(f"max_parallel must be at least 1, got {self.max_parallel}")
        if self.request_timeout <= 0 or self.query_timeout <= 0:
            raise ConfigurationError("timeouts must be positive numbers of seconds")
        unknown = set(self.ttl_overrides) - set(TTL_KINDS)
        if unknown:
            raise ConfigurationError(
                f"unknown TTL kind(s) {sorted(unknown)}: expected {', '.join(TTL_KINDS)}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``environ`` (default ``os.environ``), then explicit ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("MASTCACHE_DIR"):
            values["cache_dir"] = Path(env["MASTCACHE_DIR"]).expanduser()
        if env.get("MASTCACHE_MODE"):
            values["mode"] = _check_mode(env["MASTCACHE_MODE"].strip().lower())
        if env.get("MASTCACHE_MAST_URL"):
            values["mast_url"] = _check_url(env["MASTCACHE_MAST_URL"], "MASTCACHE_MAST_URL")
        if env.get("MASTCACHE_TTL"):
            values["ttl_overrides"] = _parse_ttls(env["MASTCACHE_TTL"])
        if env.get("MASTCACHE_CATALOG_URL"):
            values["catalog_url"] = env["MASTCACHE_CATALOG_URL"]
        if env.get("MASTCACHE_STORE_URL"):
            values["store_url"] = env["MASTCACHE_STORE_URL"]
        if env.get("MASTCACHE_S3_ENDPOINT_URL"):
            values["s3_endpoint_url"] = env["MASTCACHE_S3_ENDPOINT_URL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "cache_dir" not in values:
            values["cache_dir"] = _default_cache_dir()
        values["cache_dir"] = Path(values["cache_dir"]).expanduser()
        if isinstance(values.get("mast_url"), str):
            values["mast_url"] = _check_url(values["mast_url"], "mast_url")
        return cls(**values)

    def new(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (settings are immutable)."""
        if "cache_dir" in changes:
            changes["cache_dir"] = Path(changes["cache_dir"]).expanduser()
        if isinstance(changes.get("mast_url"), str):
            changes["mast_url"] = _check_url(changes["mast_url"], "mast_url")
        return dataclasses.replace(self, **changes)
