"""Token authentication as MAST does it (MAST_PROTOCOL.md section 3, quirk 10): the
``mast_token`` cookie, ``GET /whoami``, token expiry on the emulator's clock, and
exclusive-access observations and products that only their proposal's members may see.

Rules:
- a token is valid when an :class:`~mastcache.emulator.config.Identity` holds it, it was used
  in the last :data:`IDLE_LIMIT_S` (10 days) and was first seen at most :data:`MAX_AGE_S`
  (60 days) ago; an invalid or expired token is anonymous (``whoami`` says ``anon: true``);
- an identity may see an exclusive-access row when its scopes hold ``proposal:<proposal_id>``;
  listing a proposal in any identity's scopes also puts that proposal under exclusive access
  (``dataRights`` becomes ``EXCLUSIVE_ACCESS``), as the default synthetic sky has none of its own;
- downloads of an exclusive product answer 401 to anonymous callers, 403 to other accounts.

Rows of the scale knob (``rows=N``) are synthetic benchmark rows and are not filtered: they are
always PUBLIC by construction (every release date precedes the sky's "now";
tests/auth/test_mission_access.py checks it). The Search API (missions) is filtered by
:func:`visible` whatever the knob, as its rows come from the synthetic sky.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from mastcache.emulator.config import EmulatorConfig, Identity
from mastcache.emulator.portal.results import ResultSet, from_list, select_columns
from mastcache.emulator.reply import Reply
from mastcache.emulator.request import Request

__all__ = [
    "IDLE_LIMIT_S",
    "MAX_AGE_S",
    "AccessControl",
    "TokenBook",
    "Viewer",
    "exclusive",
    "restricted_query",
    "visible",
]

DAY_S: Final = 86400.0
IDLE_LIMIT_S: Final = 10 * DAY_S
MAX_AGE_S: Final = 60 * DAY_S
PROPOSAL_SCOPE: Final = "proposal:"
EXCLUSIVE: Final = "EXCLUSIVE_ACCESS"
COOKIE: Final = "mast_token"


@dataclass
class _TokenTimes:
    created: float
    last_used: float


class TokenBook:
    """When each token was issued and last used, on a clock tests can move (``advance``)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._offset = 0.0
        self._times: dict[str, _TokenTimes] = {}
        self._lock = threading.Lock()

    def now(self) -> float:
        """The emulator's current time (seconds since the epoch, plus any advance)."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward (token expiry tests)."""
        with self._lock:
            self._offset += seconds

    def issue(self, token: str, *, age_s: float = 0.0, idle_s: float | None = None) -> None:
        """Record ``token`` as created ``age_s`` ago and last used ``idle_s`` ago."""
        now = self.now()
        idle = age_s if idle_s is None else idle_s
        with self._lock:
            self._times[token] = _TokenTimes(now - age_s, now - idle)

    def use(self, token: str) -> str | None:
        """Count one use of ``token``; why it has expired, or None when it is current.

        A token seen for the first time counts as issued now.
        """
        now = self.now()
        with self._lock:
            times = self._times.setdefault(token, _TokenTimes(now, now))
            if now - times.created > MAX_AGE_S:
                return f"token older than {MAX_AGE_S / DAY_S:.0f} days"
            if now - times.last_used > IDLE_LIMIT_S:
                return f"token unused for more than {IDLE_LIMIT_S / DAY_S:.0f} days"
            times.last_used = now
            return None


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an accepted identity, or anonymous (with why a token was refused)."""

    identity: Identity | None = None
    refusal: str | None = None

    @property
    def proposals(self) -> frozenset[str]:
        """The proposals whose exclusive-access data this viewer may see."""
        return _proposals(self.identity.scopes) if self.identity else frozenset()


@dataclass(frozen=True)
class _View:
    viewer: Viewer
    embargoed: frozenset[str]
    seed: int
    scaled: bool = False

    def is_exclusive(self, row: Mapping[str, Any]) -> bool:
        return row.get("dataRights") == EXCLUSIVE or _proposal(row) in self.embargoed

    def shown(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row as this viewer gets it (dataRights made exact), or None if hidden."""
        if not self.is_exclusive(row):
            return row
        if _proposal(row) not in self.viewer.proposals:
            return None
        if "dataRights" in row:
            row["dataRights"] = EXCLUSIVE
        return row


_CURRENT: contextvars.ContextVar[_View | None] = contextvars.ContextVar(
    "mastcache_emulator_view", default=None
)


class AccessControl:
    """The emulator's token book and its access rules for one app."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.tokens = TokenBook(clock)

    def viewer(self, config: EmulatorConfig, request: Request) -> Viewer:
        """Who sent ``request`` (its ``mast_token`` cookie, never a header)."""
        token = request.cookie(COOKIE)
        if not token:
            return Viewer()
        identity = config.identity_for(token)
        if identity is None:
            return Viewer(refusal="unknown token")
        expired = self.tokens.use(token)
        return Viewer(refusal=expired) if expired else Viewer(identity)

    @contextmanager
    def viewing(self, config: EmulatorConfig, request: Request) -> Iterator[Viewer]:
        """Make the sender of ``request`` the viewer of the Portal queries run inside."""
        viewer = self.viewer(config, request)
        view = _View(viewer, _embargoed(config), config.seed, config.rows is not None)
        reset = _CURRENT.set(view)
        try:
            yield viewer
        finally:
            _CURRENT.reset(reset)

    def whoami(self, config: EmulatorConfig, request: Request) -> Reply:
        """``GET /whoami``: the session's account, MAST's JSON shape (anon for bad tokens)."""
        identity = self.viewer(config, request).identity
        if identity is None:
            return Reply.json(
                {"anon": True, "eppn": "", "ezid": "anonymous", "attrib": {}, "scopes": []}
            )
        return Reply.json(_account(identity))

    def download_refusal(self, config: EmulatorConfig, request: Request, uri: str) -> Reply | None:
        """401/403 for an exclusive product the sender may not fetch, else None."""
        proposal = _exclusive_uris(config.seed, _embargoed(config)).get(uri)
        if proposal is None:
            return None
        viewer = self.viewer(config, request)
        if viewer.identity is None:
            why = f" ({viewer.refusal})" if viewer.refusal else ""
            return _denied(401, f"{uri} is exclusive-access data: log in with a MAST token{why}.")
        if proposal not in viewer.proposals:
            return _denied(
                403, f"{uri} belongs to proposal {proposal}; this account may not read it."
            )
        return None


def restricted_query(
    query: Callable[[Mapping[str, Any]], ResultSet], params: Mapping[str, Any]
) -> ResultSet:
    """``query(params)`` with the rows the current viewer may not see taken out.

    All columns are read first (the rule needs dataRights and proposal_id), then the
    ``columns`` parameter is applied to what is left.
    """
    view = _CURRENT.get()
    if view is None or view.scaled or not _may_hide(view):
        return query(params)
    result = query({**params, "columns": "*"})
    rows = (view.shown(row) for row in result.read(0, result.total))
    kept = from_list(result.fields, [row for row in rows if row is not None])
    return select_columns(kept, params.get("columns", "*"))


def visible(obs: Mapping[str, Any]) -> bool:
    """Whether the current viewer may see the observation ``obs`` (any CAOM row)."""
    view = _CURRENT.get()
    return view is None or not view.is_exclusive(obs) or _proposal(obs) in view.viewer.proposals


def exclusive(obs: Mapping[str, Any]) -> bool:
    """Whether ``obs`` is under exclusive access for the current emulator configuration."""
    view = _CURRENT.get()
    return obs.get("dataRights") == EXCLUSIVE or (view is not None and view.is_exclusive(obs))


def _may_hide(view: _View) -> bool:
    return bool(view.embargoed) or bool(_sky_exclusive(view.seed))


def _account(identity: Identity) -> dict[str, Any]:
    attrib = {
        "display_name": identity.display_name,
        "email": identity.email,
        "username": identity.username,
    }
    return {
        "anon": False, "eppn": f"{identity.username}@stsci.edu", "ezid": identity.username,
        "attrib": attrib, "scopes": list(identity.scopes), "session": None, "token": None,
    }  # fmt: skip


def _denied(status: int, message: str) -> Reply:
    return Reply.json({"status": "ERROR", "msg": message}, status=status)


def _proposal(row: Mapping[str, Any]) -> str | None:
    value = row.get("proposal_id")
    return None if value is None else str(value)


def _proposals(scopes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(s[len(PROPOSAL_SCOPE) :] for s in scopes if s.startswith(PROPOSAL_SCOPE))


def _embargoed(config: EmulatorConfig) -> frozenset[str]:
    return frozenset().union(*(_proposals(i.scopes) for i in config.identities))


@lru_cache(maxsize=8)
def _sky_exclusive(seed: int) -> frozenset[str]:
    """Proposals with rows the sky itself marks EXCLUSIVE_ACCESS."""
    from mastcache.emulator.sky.columns import OBSERVATION_COLUMNS
    from mastcache.emulator.sky.observations import sky_for_seed

    rights = OBSERVATION_COLUMNS.index("dataRights")
    proposal = OBSERVATION_COLUMNS.index("proposal_id")
    rows = sky_for_seed(seed).rows
    return frozenset(str(r[proposal]) for r in rows if r[rights] == EXCLUSIVE)


@lru_cache(maxsize=8)
def _exclusive_uris(seed: int, embargoed: frozenset[str]) -> dict[str, str]:
    """Every product URI of an exclusive-access observation, with its proposal."""
    from mastcache.emulator.sky.observations import sky_for_seed
    from mastcache.emulator.sky.products import TEMPLATES, file_base, product_uri

    sky, proposals = sky_for_seed(seed), embargoed | _sky_exclusive(seed)
    uris: dict[str, str] = {}
    if not proposals:
        return uris
    for index in range(len(sky)):
        obs = sky.row(index)
        if _proposal(obs) in proposals:
            base = file_base(obs)
            for template in TEMPLATES[str(obs["obs_collection"])]:
                uris[product_uri(obs, base + template.suffix)] = str(obs["proposal_id"])
    return uris
