"""Who a MAST token belongs to: ``GET /whoami`` with the ``mast_token`` cookie, and the
identity scope derived from the account (never from the token) that labels its cache entries.

A login session is a :class:`MastSession`: the account plus the token held in memory. Its
HTTP session carries the cookie; the HTTP cache keys on the scope and stores no cookie.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from mastcache.auth.tokens import TOKEN_PAGE, SecretToken
from mastcache.errors import AuthenticationError, MastCacheError
from mastcache.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = [
    "ANONYMOUS",
    "COOKIE",
    "MastAccount",
    "MastSession",
    "account_scope",
    "activate_scope",
    "active_scope",
    "check_token",
    "deactivate_scope",
    "print_info",
    "reset_active_scopes",
    "set_token_cookie",
]

ANONYMOUS: Final = "anonymous"
COOKIE: Final = "mast_token"
#: whoami fields that are session material, never shown or kept.
_PRIVATE_FIELDS: Final = ("token", "session")


@dataclass(frozen=True)
class MastAccount:
    """A MAST account as whoami describes it; ``scope`` labels everything fetched for it."""

    scope: str
    display_name: str
    username: str
    info: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class MastSession:
    """A verified login: the account and its token (kept in memory only)."""

    account: MastAccount
    token: SecretToken = field(repr=False)

    @property
    def scope(self) -> str:
        return self.account.scope


_ACTIVE: list[str] = []
_ACTIVE_LOCK = threading.Lock()


def active_scope() -> str:
    """The scope of the account logged in last in this process and not logged out
    (``anonymous`` when none): what ``mastcache.sql`` shows by default."""
    with _ACTIVE_LOCK:
        return _ACTIVE[-1] if _ACTIVE else ANONYMOUS


def activate_scope(scope: str) -> None:
    """Record a login of ``scope`` (clients call it after MAST accepted a token)."""
    with _ACTIVE_LOCK:
        _ACTIVE.append(scope)


def deactivate_scope(scope: str) -> None:
    """Record a logout of ``scope``; an earlier login still active becomes current."""
    with _ACTIVE_LOCK:
        for index in range(len(_ACTIVE) - 1, -1, -1):
            if _ACTIVE[index] == scope:
                del _ACTIVE[index]
                return


def reset_active_scopes() -> None:
    """Forget every recorded login (tests, and a process that starts over)."""
    with _ACTIVE_LOCK:
        _ACTIVE.clear()


def account_scope(info: Mapping[str, Any]) -> str:
    """``user:<sha256 of the account id>``: stable per account, independent of the token."""
    attrib = info.get("attrib") if isinstance(info.get("attrib"), Mapping) else {}
    ident = info.get("ezid") or info.get("eppn") or (attrib or {}).get("username")
    if not ident or not isinstance(ident, str):
        raise AuthenticationError(
            "MAST accepted the token but whoami names no account (no ezid or eppn): "
            "cannot keep its results apart from other accounts'; try again later"
        )
    digest = hashlib.sha256(f"mast-account:{ident}".encode()).hexdigest()
    return f"user:{digest[:32]}"


def set_token_cookie(session: requests.Session, token: SecretToken, server: str) -> None:
    """Put the ``mast_token`` cookie on ``session`` for the MAST server's host (astroquery
    sends it to every host its session talks to; the host keeps it off the resolver)."""
    host = urlsplit(server).hostname or ""
    session.cookies.set(COOKIE, token.reveal(), domain=host, path="/")


def check_token(settings: Settings, token: SecretToken) -> MastSession:
    """Log in: whoami with the cookie. Anonymous, invalid or expired -> AuthenticationError."""
    info = whoami(settings, token)
    if info.get("anon") is not False:
        raise AuthenticationError(
            "MAST did not accept the token: it is invalid or has expired (a token expires "
            "after 10 days without use and 60 days after it was created). Create a new one "
            f"at {TOKEN_PAGE} and log in again with it (`mastcache auth login --reenter-token`, "
            "or reenter_token=True in Python, replaces a stored one)"
        )
    return MastSession(_account(info), token)


def whoami(settings: Settings, token: SecretToken | None) -> dict[str, Any]:
    """The whoami answer for ``token`` (anonymous when None), fetched fresh, never cached."""
    import requests  # here: a call served from the cache never needs HTTP (~35 ms)

    from mastcache.net.transport import Transport

    session = requests.Session()
    transport = Transport(settings, session=session, scope="login")
    if token is not None:
        set_token_cookie(session, token, transport.endpoints.server)
    try:
        answer = transport.json(transport.get(transport.endpoints.whoami))
    except MastCacheError as exc:
        raise AuthenticationError(f"could not check the MAST token: {exc}") from exc
    finally:
        session.close()
    if not isinstance(answer, dict) or not isinstance(answer.get("anon"), bool):
        raise AuthenticationError(
            "whoami answered without a boolean 'anon' field: expected MAST's session info "
            "(MAST_PROTOCOL.md section 3); is MASTCACHE_MAST_URL a MAST server?"
        )
    return public_info(answer)


def print_info(info: Mapping[str, Any]) -> None:
    """astroquery's layout: ``key: value``, nested dicts as ``key.subkey: value``."""
    for key, value in info.items():
        if isinstance(value, Mapping):
            for subkey, subvalue in value.items():
                print(f"{key}.{subkey}: {subvalue}")
        else:
            print(f"{key}: {value}")


def public_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """whoami's answer without its session material (token, session)."""
    return {k: v for k, v in info.items() if k not in _PRIVATE_FIELDS}


def _account(info: Mapping[str, Any]) -> MastAccount:
    attrib = info.get("attrib") if isinstance(info.get("attrib"), Mapping) else {}
    attrib = attrib or {}
    return MastAccount(
        scope=account_scope(info),
        display_name=str(attrib.get("display_name") or info.get("eppn") or ""),
        username=str(attrib.get("username") or info.get("ezid") or ""),
        info=dict(info),
    )
