"""The emulator's knobs, as one immutable value (``EmulatorConfig.new(...)`` for variations)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mastcache.emulator.faults import FaultPlan
from mastcache.errors import ConfigurationError

__all__ = [
    "MAX_PRERENDERED_MB",
    "MAX_PRODUCT_BYTES",
    "MAX_ROWS",
    "MAX_SKY_EPOCH",
    "EmulatorConfig",
    "Identity",
]

MAX_ROWS = 1_000_000
MAX_PRODUCT_BYTES = 1 << 30
#: The most rendered Portal pages the emulator keeps (MB), with ``prerendered_mb``.
MAX_PRERENDERED_MB = 1 << 16
#: Epochs the sky can be moved forward (each one is a year of archive life).
MAX_SKY_EPOCH = 50


@dataclass(frozen=True)
class Identity:
    """A MAST account the emulator accepts, reached with its token (``mast_token`` cookie)."""

    token: str
    username: str
    display_name: str
    email: str = ""
    scopes: tuple[str, ...] = ("mast:exclusive_access",)


@dataclass(frozen=True)
class EmulatorConfig:
    """Seed, latency, scale, polling, faults and accepted tokens of one emulator.

    ``rows`` makes every cone return that many rows (generated lazily); ``executing_polls``
    is how many times a Portal request answers ``EXECUTING`` before ``COMPLETE``;
    ``product_bytes`` makes every FITS product at least that large (download benchmarks);
    ``cloud_missing`` leaves products out of the emulated S3 bucket (bucket.py);
    ``sky_epoch`` moves the sky that many epochs forward in time (new visits, withdrawn
    observations, revised metadata, reprocessed products; 0 = today's sky, byte for byte);
    ``prerendered_mb`` keeps up to that many MB of rendered Portal result pages and serves
    them again byte for byte (0 = off; benchmarks use it so the emulator's CPU does not
    limit the client it measures).
    """

    seed: int = 20240101
    latency_ms: int = 0
    rows: int | None = None
    executing_polls: int = 0
    faults: FaultPlan = field(default_factory=FaultPlan)
    identities: tuple[Identity, ...] = ()
    use_samples: bool = True
    product_bytes: int = 0
    #: Products missing from the public bucket ``stpubdata``: globs on file names
    #: (``("*_x1d.fits",)``); everything else of a mirrored mission is there (bucket.py).
    cloud_missing: tuple[str, ...] = ()
    sky_epoch: int = 0
    prerendered_mb: int = 0

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ConfigurationError(f"latency_ms={self.latency_ms} is negative; use 0 or more.")
        if self.rows is not None and not 0 <= self.rows <= MAX_ROWS:
            raise ConfigurationError(f"rows={self.rows} is outside 0..{MAX_ROWS}.")
        if self.executing_polls < 0:
            raise ConfigurationError(f"executing_polls={self.executing_polls} is negative.")
        if not 0 <= self.sky_epoch <= MAX_SKY_EPOCH:
            raise ConfigurationError(f"sky_epoch={self.sky_epoch} is outside 0..{MAX_SKY_EPOCH}.")
        if not 0 <= self.prerendered_mb <= MAX_PRERENDERED_MB:
            raise ConfigurationError(
                f"prerendered_mb={self.prerendered_mb} is outside 0..{MAX_PRERENDERED_MB}."
            )
        if not 0 <= self.product_bytes <= MAX_PRODUCT_BYTES:
            raise ConfigurationError(
                f"product_bytes={self.product_bytes} is outside 0..{MAX_PRODUCT_BYTES}."
            )

    def new(self, **changes: Any) -> EmulatorConfig:
        """A copy with some fields changed; values may be CLI strings (``rows="1000"``)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigurationError(
                f"Unknown emulator setting(s) {sorted(unknown)}; "
                f"known: {sorted(f.name for f in dataclasses.fields(self))}."
            )
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items()})

    @classmethod
    def from_strings(cls, options: Mapping[str, str | None]) -> EmulatorConfig:
        """A config from CLI option strings; None means "keep the default"."""
        return cls().new(**{k: v for k, v in options.items() if v is not None})

    def identity_for(self, token: str | None) -> Identity | None:
        """The account a token belongs to, or None (anonymous)."""
        return next((i for i in self.identities if token and i.token == token), None)


_INTEGERS = (
    "seed", "latency_ms", "rows", "executing_polls", "product_bytes", "sky_epoch",
    "prerendered_mb",
)  # fmt: skip


def _coerce(name: str, value: Any) -> Any:
    if name == "faults":
        return FaultPlan.coerce(value)
    if name == "identities":
        return tuple(value)
    if name == "cloud_missing":
        parts = value.split(",") if isinstance(value, str) else value
        return tuple(part.strip() for part in parts if part.strip())
    if isinstance(value, str) and name in _INTEGERS:
        return _integer(name, value)
    if isinstance(value, str) and name == "use_samples":
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def _integer(name: str, text: str) -> int | None:
    if name == "rows" and text.strip().lower() in ("", "none"):
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={text!r} is not a whole number.") from exc
