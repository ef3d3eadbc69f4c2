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

__all__ = ["DEFAULT_MAX_PER_HOST", "MODES", "TTL_KINDS", "Mode", "Settings", "parse_duration"]

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

#: Requests in flight to one host by default: MAST's TESScut allows at most 10 at once.
DEFAULT_MAX_PER_HOST = 10

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


def _positive_int(text: str, variable: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(f"{variable}={text!r}: expected a whole number of at least 1")
    return value


def _parse_host_limits(text: str) -> dict[str, int]:
    """Parse ``MASTCACHE_HOST_LIMITS`` such as ``mast.stsci.edu=4,s3.amazonaws.com=16``."""
    limits: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        host, sep, value = item.partition("=")
        if not sep or not host.strip():
            raise ConfigurationError(
                f"cannot read host limit {item!r} in MASTCACHE_HOST_LIMITS: expected HOST=N "
                "(e.g. mast.stsci.edu=4), separated by commas"
            )
        limits[host.strip().lower()] = _positive_int(value, f"MASTCACHE_HOST_LIMITS {host}")
    return limits


def _parse_switch(value: str) -> bool:
    """``MASTCACHE_SHARE_SCOPED``: 1/true/yes/on or 0/false/no/off."""
    word = value.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(
        f"MASTCACHE_SHARE_SCOPED={value!r} is not a switch: set it to 1 (share results "
        "fetched under a login with their scope's members) or 0"
    )


def _network_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The cloud endpoint and per-host limits from the environment."""
    values: dict[str, Any] = {}
    if env.get("MASTCACHE_CLOUD_URL"):
        values["cloud_url"] = _check_url(env["MASTCACHE_CLOUD_URL"], "MASTCACHE_CLOUD_URL")
    if env.get("MASTCACHE_MAX_PER_HOST"):
        values["max_per_host"] = _positive_int(
            env["MASTCACHE_MAX_PER_HOST"], "MASTCACHE_MAX_PER_HOST"
        )
    if env.get("MASTCACHE_HOST_LIMITS"):
        values["host_limits"] = _parse_host_limits(env["MASTCACHE_HOST_LIMITS"])
    return values


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
    #: Team mode: publish results fetched under a MAST login to the team store, readable only
    #: by the members of their scope (docs/team-mode.md); off: they stay on this machine.
    share_scoped: bool = False
    #: Show progress bars (None: only when stderr is a terminal).
    progress: bool | None = None
    #: Base URL of MAST's public S3 bucket host, path-style (``<cloud_url>/stpubdata/<key>``);
    #: None: ``mast_url`` when set (the emulator serves the bucket), else AWS S3.
    cloud_url: str | None = None
    #: Requests in flight at once to one host, shared by every thread of the process
    #: (MAST asks for few parallel connections; TESScut allows at most 10).
    max_per_host: int = DEFAULT_MAX_PER_HOST
    #: Per-host overrides of ``max_per_host`` (``{"mast.stsci.edu": 4}``; host or host:port).
    host_limits: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_mode(self.mode)
        _check_url(self.mast_url, "mast_url")
        if self.pagesize < 1:
            raise ConfigurationError(f"pagesize must be at least 1, got {self.pagesize}")
        if self.max_parallel < 1:
            raise ConfigurationError(f"max_parallel must be at least 1, got {self.max_parallel}")
        if self.request_timeout <= 0 or self.query_timeout <= 0:
            raise ConfigurationError("timeouts must be positive numbers of seconds")
        _check_url(self.cloud_url, "cloud_url")
        for host, limit in {"*": self.max_per_host, **self.host_limits}.items():
            if limit < 1:
                raise ConfigurationError(
                    f"the limit of requests in flight to {host} must be at least 1, got {limit}"
                )
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
        if env.get("MASTCACHE_SHARE_SCOPED"):
            values["share_scoped"] = _parse_switch(env["MASTCACHE_SHARE_SCOPED"])
        values.update(_network_env(env))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "cache_dir" not in values:
            values["cache_dir"] = _default_cache_dir()
        values["cache_dir"] = Path(values["cache_dir"]).expanduser()
        for name in ("mast_url", "cloud_url"):
            if isinstance(values.get(name), str):
                values[name] = _check_url(values[name], name)
        return cls(**values)

    def new(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (settings are immutable)."""
        if "cache_dir" in changes:
            changes["cache_dir"] = Path(changes["cache_dir"]).expanduser()
        for name in ("mast_url", "cloud_url"):
            if isinstance(changes.get(name), str):
                changes[name] = _check_url(changes[name], name)
        return dataclasses.replace(self, **changes)
