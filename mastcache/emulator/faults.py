"""Fault injection for the emulator: which request fails, and how.

A :class:`FaultPlan` is immutable configuration (rules per route); a :class:`FaultState` is its
runtime: per-rule counters and a seeded RNG, so a rate-based plan fails the same requests on
every run. How each fault reaches the wire is in ``app.py`` and ``server.py``.
"""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from mastcache.emulator.reply import JSON_TYPE, Reply
from mastcache.errors import ConfigurationError

__all__ = ["FAULT_KINDS", "WIRE_ACTION", "FaultPlan", "FaultRule", "FaultState", "apply_fault"]

# environ key through which the app asks the server to "close" or "reset" the connection
WIRE_ACTION = "mastcache.emulator.wire_action"
TRICKLE_CHUNK = 64

# kind -> what the client sees
FAULT_KINDS: dict[str, str] = {
    "500": "HTTP 500 with a JSON error body",
    "503": "HTTP 503 with a Retry-After header",
    "slowdown": "S3 throttling: HTTP 503 with an XML SlowDown error and a Retry-After header",
    "slow": "the normal answer after `delay` seconds (default 2, to exceed a client timeout)",
    "truncate": "Content-Length of the full body, half the body, then the connection closes",
    "invalid-json": "HTTP 200 whose body is not valid JSON",
    "wrong-length": "a Content-Length smaller than the body actually sent",
    "reset": "the connection is reset (TCP RST) before any byte of the answer",
    "trickle": "the normal answer sent 64 bytes at a time, `delay` seconds apart (0.05)",
}


@dataclass(frozen=True)
class FaultRule:
    """One fault on the requests whose path matches ``route`` (a glob, or a prefix ending in ``*``).

    With ``count`` the first ``count`` matching requests fail; with ``rate`` each matching request
    fails with that probability; with neither, every matching request fails. ``after`` lets
    that many matching requests through untouched first (a fault on page k of a paged fetch).
    """

    route: str
    kind: str
    rate: float | None = None
    count: int | None = None
    retry_after: int = 1
    delay: float | None = None
    after: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            known = ", ".join(FAULT_KINDS)
            raise ConfigurationError(f"Unknown fault kind {self.kind!r}; expected one of {known}.")
        if self.rate is not None and not 0.0 <= self.rate <= 1.0:
            raise ConfigurationError(f"Fault rate {self.rate} is outside [0, 1]; use e.g. 0.1.")
        if self.count is not None and self.count < 0:
            raise ConfigurationError(f"Fault count {self.count} is negative; use 0 or more.")
        if self.after < 0:
            raise ConfigurationError(f"Fault after={self.after} is negative; use 0 or more.")

    @property
    def pause(self) -> float:
        """Seconds to sleep: ``delay``, else 2 s (``slow``) or 0.05 s per chunk (``trickle``)."""
        if self.delay is not None:
            return self.delay
        return 0.05 if self.kind == "trickle" else 2.0

    def matches(self, path: str) -> bool:
        """Whether this rule applies to a request path."""
        return fnmatch.fnmatchcase(path, self.route) or path == self.route

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """Parse ``ROUTE=KIND[:key=value...]``, e.g. ``/api/v0/invoke=503:count=2``."""
        route, sep, rest = text.strip().partition("=")
        if not sep or not route or not rest:
            raise ConfigurationError(
                f"Bad fault spec {text!r}; expected ROUTE=KIND[:key=value...], "
                "e.g. '/api/v0/invoke=503:count=2'."
            )
        kind, *options = rest.split(":")
        return cls(route.strip(), kind.strip(), **_parse_options(options, text))


_OPTION_TYPES: dict[str, type] = {
    "rate": float, "count": int, "retry_after": int, "delay": float, "after": int,
}  # fmt: skip


def _parse_options(options: list[str], text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for option in options:
        key, _, value = option.partition("=")
        key = key.strip().replace("-", "_")
        if key not in _OPTION_TYPES:
            known = ", ".join(_OPTION_TYPES)
            raise ConfigurationError(f"Unknown fault option {key!r} in {text!r}; use {known}.")
        try:
            parsed[key] = _OPTION_TYPES[key](value)
        except ValueError as exc:
            raise ConfigurationError(
                f"Fault option {option!r} in {text!r} is not a number."
            ) from exc
    return parsed


@dataclass(frozen=True)
class FaultPlan:
    """The fault rules of an emulator; the first rule that matches and fires wins."""

    rules: tuple[FaultRule, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Parse rules separated by ``,`` or ``;`` (the CLI's ``--faults`` value)."""
        parts = [p for p in spec.replace(";", ",").split(",") if p.strip()]
        return cls(tuple(FaultRule.parse(p) for p in parts))

    @classmethod
    def coerce(cls, value: FaultPlan | FaultRule | str | tuple[FaultRule, ...] | None) -> FaultPlan:
        """A plan from a plan, one rule, rules, a CLI spec string or None (no faults)."""
        if value is None:
            return cls()
        if isinstance(value, FaultPlan):
            return value
        if isinstance(value, FaultRule):
            return cls((value,))
        if isinstance(value, str):
            return cls.parse(value)
        return cls(tuple(value))

    def __bool__(self) -> bool:
        return bool(self.rules)


@dataclass
class FaultState:
    """A plan at run time: how often each rule has matched, and a seeded RNG for rates."""

    plan: FaultPlan
    seed: int
    _seen: dict[int, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def pick(self, path: str) -> FaultRule | None:
        """The fault to inject into this request, if any (counts the request)."""
        with self._lock:
            for index, rule in enumerate(self.plan.rules):
                if rule.matches(path) and self._fires(index, rule):
                    return rule
        return None

    def _fires(self, index: int, rule: FaultRule) -> bool:
        seen = self._seen.get(index, 0)
        self._seen[index] = seen + 1
        if seen < rule.after:
            return False
        seen -= rule.after
        if rule.count is not None:
            return seen < rule.count
        if rule.rate is not None:
            return self._rng.random() < rule.rate
        return True


def apply_fault(rule: FaultRule, reply: Reply, environ: MutableMapping[str, object]) -> Reply:
    """The reply as the fault deforms it; connection-level faults are left to the server."""
    if rule.kind in ("500", "503"):
        return _error_reply(rule)
    if rule.kind == "slowdown":
        return _slowdown_reply(rule)
    if rule.kind == "invalid-json":
        return Reply.raw(b'{"status": "COMPLETE", "msg": "", "data": [{"obsid": ', JSON_TYPE)
    if rule.kind == "reset":
        environ[WIRE_ACTION] = "reset"
        return reply
    if rule.kind == "slow":
        time.sleep(rule.pause)
        return reply
    if rule.kind == "trickle":
        return Reply(reply.status, reply.headers, _trickle(reply.read(), rule.pause))
    environ[WIRE_ACTION] = "close"
    return _misreport_length(rule, reply)


def _error_reply(rule: FaultRule) -> Reply:
    status = int(rule.kind)
    message = f"Injected fault: HTTP {status} from the emulator's fault plan (route {rule.route})."
    reply = Reply.json({"status": "ERROR", "msg": message}, status=status)
    if status == 503:
        return Reply(503, [*reply.headers, ("Retry-After", str(rule.retry_after))], reply.body)
    return reply


def _slowdown_reply(rule: FaultRule) -> Reply:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
        b"<Message>Please reduce your request rate.</Message><RequestId>EMULATOR</RequestId>"
        b"</Error>"
    )
    reply = Reply.raw(body, "application/xml", 503)
    return Reply(503, [*reply.headers, ("Retry-After", str(rule.retry_after))], reply.body)


def _misreport_length(rule: FaultRule, reply: Reply) -> Reply:
    """``truncate``: full length declared, half sent; ``wrong-length``: half declared, all sent."""
    data = reply.read()
    headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
    if rule.kind == "truncate":
        return Reply(
            reply.status, [*headers, ("Content-Length", str(len(data)))], (data[: len(data) // 2],)
        )
    return Reply(reply.status, [*headers, ("Content-Length", str(len(data) // 2))], (data,))


def _trickle(data: bytes, pause: float) -> Iterator[bytes]:
    for offset in range(0, len(data), TRICKLE_CHUNK):
        if offset:
            time.sleep(pause)
        yield data[offset : offset + TRICKLE_CHUNK]
