"""The shared base of the astroquery.mast-compatible clients.

A client holds no connection of its own: on each call it reads the current settings, and
builds (once per settings value) the transport, the gateway and the archive. Every query goes
through ``archive.table`` and every name through ``archive.resolution``, so each call is
served by the refresh policy: cached, fetched, or refused offline.

After ``login()`` every call runs under the account's identity scope (``user:<hash>``, see
:mod:`mastcache.auth.account`): its own HTTP session with the ``mast_token`` cookie, and its
own keys for queries, resolutions, product manifests and files. Nothing fetched under one
scope is served to another, online or offline.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from astropy.table import Table
from astropy.utils.exceptions import AstropyDeprecationWarning

from mastcache import runtime
from mastcache.auth.account import (
    ANONYMOUS,
    MastSession,
    activate_scope,
    deactivate_scope,
    print_info,
)
from mastcache.auth.tokens import TOKEN_PAGE, SecretToken, choose_token, keep_token
from mastcache.client.context import ClientContext
from mastcache.client.coordinates import degrees_of, plain_degrees
from mastcache.client.resolution import resolve_names, wire_options
from mastcache.errors import AuthenticationError, NoResultsWarning, ResolverError
from mastcache.keys import canonical_json, canonical_value
from mastcache.mast.resolver import skycoords

if TYPE_CHECKING:  # pragma: no cover
    from astropy.coordinates import SkyCoord

    from mastcache.archive import QuerySpec

__all__ = ["ANONYMOUS", "ClientContext", "MastClient"]

log = logging.getLogger(__name__)
#: How many services (one per settings value in use) a client keeps open.
_KEPT_SERVICES = 4
#: Pseudo-service under which column configurations are cached (one row per column).
COLUMNS_CONFIG = "Mast.Portal.ColumnsConfig"

_CLOUD_NOOP = "This function is non-operational and will be removed in a future release."


class MastClient:
    """Base of :class:`ObservationsClass` and :class:`MastClass` (astroquery's
    ``MastQueryWithLogin``): lazily built services and the common query paths."""

    #: Seconds between two checks of a logged-in token with MAST (see ``_revalidate``).
    revalidate_after = 300.0

    def __init__(self, mast_token: str | None = None) -> None:
        self._lock = threading.Lock()
        self._built: list[ClientContext] = []
        self._login: MastSession | None = None
        self._checked_at = 0.0  # time.monotonic() of the last whoami that accepted the token
        if mast_token:
            self.login(mast_token)

    # -- cloud (astroquery's MastQueryWithLogin: deprecated no-ops; Observations has them) --

    def enable_cloud_dataset(
        self, provider: str = "AWS", profile: str | None = None, verbose: bool = True
    ) -> None:
        """Does nothing, as in astroquery (only ``Observations`` reads the cloud dataset)."""
        warnings.warn(_CLOUD_NOOP, AstropyDeprecationWarning, stacklevel=2)

    def disable_cloud_dataset(self) -> None:
        """Does nothing, as in astroquery (only ``Observations`` reads the cloud dataset)."""
        warnings.warn(_CLOUD_NOOP, AstropyDeprecationWarning, stacklevel=2)

    # -- authentication (astroquery's MastQueryWithLogin) -------------------------------

    def login(
        self,
        token: str | SecretToken | None = None,
        store_token: bool = False,
        reenter_token: bool = False,
    ) -> bool:
        """Log in to MAST with a token: the argument, else $MAST_API_TOKEN, else the
        keyring (astroquery's entry), else a prompt on a terminal.

        ``store_token`` saves it in the keyring once MAST accepted it; ``reenter_token``
        asks for a new token even if one is stored, and replaces the stored one. An invalid
        or expired token raises AuthenticationError. Returns True (logged in).
        """
        from mastcache.auth.account import check_token

        settings = runtime.current_settings()
        _refuse_offline(runtime.effective_mode(None), "log in")
        choice = choose_token(token, reenter=reenter_token)
        session = check_token(settings, choice.token)
        keep_token(choice.token, store=store_token, replace=reenter_token)
        with self._lock:
            previous, self._login = self._login, session
            self._checked_at = time.monotonic()
        if previous is not None:
            deactivate_scope(previous.scope)
        activate_scope(session.scope)
        log.info("MAST API token accepted, welcome %s", session.account.display_name)
        return True

    def logout(self) -> None:
        """Log out: forget the token and close the account's HTTP sessions (its cached
        results stay in the cache, under its scope, for its next login)."""
        with self._lock:
            login, self._login = self._login, None
            kept = [s for s in self._built if s.scope == ANONYMOUS]
            dropped = [s for s in self._built if s.scope != ANONYMOUS]
            self._built = kept
        if login is not None:
            deactivate_scope(login.scope)
        for services in dropped:
            services.close()

    def session_info(self, verbose: bool = True) -> dict[str, Any]:
        """The current MAST session (whoami, never cached), printed when ``verbose``.

        Offline, the account verified at login is returned without asking MAST. A token
        that MAST no longer accepts logs the client out and raises AuthenticationError.
        """
        login = self._login
        if runtime.effective_mode(None) == "offline":
            info = dict(login.account.info) if login else {"anon": True}
        else:
            info = self._ask_whoami(login)
        if verbose:
            print_info(info)
        return info

    @property
    def scope(self) -> str:
        """The identity scope of this client's calls (``anonymous`` until login)."""
        login = self._login
        return login.scope if login else ANONYMOUS

    def _ask_whoami(self, login: MastSession | None) -> dict[str, Any]:
        from mastcache.auth.account import whoami

        info = whoami(runtime.current_settings(), login.token if login else None)
        if login is not None and info.get("anon") is not False:
            self.logout()
            raise AuthenticationError(
                "MAST no longer accepts this session's token (expired after 10 days without "
                "use or 60 days in all, or revoked): you are logged out. Create a new token "
                f"at {TOKEN_PAGE} and call login(reenter_token=True)"
            )
        return info

    # -- services ------------------------------------------------------------------------

    def _revalidate(self) -> None:
        """Ask MAST again whether the token is still good, at most every
        ``revalidate_after`` seconds, before anything is served under its scope: a token
        that expired (10 days idle, 60 days in all) or was revoked raises
        AuthenticationError instead of serving or fetching results. Offline there is no one
        to ask; the account's own cached results are served."""
        login = self._login
        if login is None or runtime.effective_mode(None) == "offline":
            return
        if time.monotonic() - self._checked_at < self.revalidate_after:
            return
        self._ask_whoami(login)
        self._checked_at = time.monotonic()

    def context(self) -> ClientContext:
        """The collaborators for the current settings and identity, built on first use after
        ``configure()`` or a snapshot replay (whose stored results are labelled ``snapshot``).

        A few recent ones are kept rather than closed at once: another thread (or a replay
        block) may still be using them.
        """
        self._revalidate()
        settings, source = runtime.current_settings(), runtime.cache_source()
        with self._lock:
            login = self._login
            scope = login.scope if login else ANONYMOUS
            for services in self._built:
                if (services.settings, services.source, services.scope) == (
                    settings,
                    source,
                    scope,
                ):
                    return services
            services = ClientContext.build(settings, source, login)
            self._built.append(services)
            if len(self._built) > _KEPT_SERVICES:
                self._built.pop(0).close()
            return services

    # -- public, shared by every MAST client ------------------------------------------------

    def resolve_object(
        self,
        objectname: str | Sequence[str],
        *,
        resolver: str | None = None,
        resolve_all: bool = False,
        mode: str | None = None,
    ) -> SkyCoord | dict[str, Any]:
        """Resolve one or more object names to positions on the sky (astroquery's shapes).

        One name: a SkyCoord, or ``{resolver: SkyCoord}`` with ``resolve_all``. Several
        names: ``{name: SkyCoord}`` or ``{name: {resolver: SkyCoord}}``. ``resolver`` is
        "SIMBAD" or "NED" (ignored with ``resolve_all``). Each resolution is stored, so later
        calls, ``query_object`` included, work offline.
        """
        names = _names(objectname)
        return self._resolve(names, resolver, resolve_all, mode)

    # -- query paths ---------------------------------------------------------------------

    def _portal_table(
        self,
        service: str,
        params: Mapping[str, Any],
        *,
        kind: str,
        mode: str | None,
        pagesize: int | None = None,
        page: int | None = None,
        **extra: Any,
    ) -> Table:
        """One Portal query through the archive; warns on an empty result as astroquery does."""
        mode = runtime.effective_mode(mode)

        def fetch() -> Table:
            services = self.context()
            return _quietly(
                lambda: services.gateway.portal_table(
                    service,
                    dict(params),
                    pagesize=pagesize,
                    page=page,
                    force_refresh=bypasses_http_cache(mode),
                    resume_within=resume_age(mode, services.archive.policy.ttl(kind)),
                    **extra,
                )
            )

        wire = {k: v for k, v in extra.items() if k != "fetch_name"}
        table = self._cached_table(
            service, params, kind, fetch, mode, page=page, pagesize=pagesize, **wire
        )
        if len(table) == 0:
            warnings.warn("Query returned no results.", NoResultsWarning, stacklevel=3)
        return table

    def _cached_table(
        self,
        service: str,
        params: Mapping[str, Any],
        kind: str,
        fetch: Callable[[], Table],
        mode: str | None,
        *,
        page: int | None = None,
        pagesize: int | None = None,
        **extra: Any,
    ) -> Table:
        """``archive.table`` for one query; ``extra`` are top-level request fields."""
        mode = runtime.effective_mode(mode)
        services = self.context()
        size = pagesize or services.settings.pagesize
        spec = _spec(
            service, params, kind, page=page, pagesize=size, extra=extra, scope=services.scope
        )
        table: Table = services.archive.table(spec, fetch, mode=mode)
        return table

    def _column_config(self, service: str, mode: str | None) -> dict[str, dict[str, Any]]:
        """The columns configuration of ``service``, cached like any query (offline-ready)."""
        mode = runtime.effective_mode(mode)
        services = self.context()
        known = services.column_configs.get(service)
        if known is not None and not bypasses_http_cache(mode):
            return known

        def fetch() -> Table:
            refresh = bypasses_http_cache(mode)
            return _config_to_table(services.gateway.column_config(service, force_refresh=refresh))

        table = self._cached_table(COLUMNS_CONFIG, {"colConfigId": service}, "raw", fetch, mode)
        config = services.column_configs[service] = _table_to_config(table)
        return config

    def _resolve(
        self, names: Sequence[str], resolver: str | None, resolve_all: bool, mode: str | None
    ) -> SkyCoord | dict[str, Any]:
        """astroquery's ``resolve_object`` result; each name persisted through the archive."""
        entries = self._entries(names, resolver, resolve_all, mode)
        return skycoords(names, entries, resolver=resolver, resolve_all=resolve_all)

    def _entries(
        self, names: Sequence[str], resolver: str | None, resolve_all: bool, mode: str | None
    ) -> dict[str, list[dict[str, Any]]]:
        """The stored (else fetched) resolver entries of each name."""
        mode = runtime.effective_mode(mode)
        options = wire_options(names, resolver, resolve_all)
        services = self.context()
        return resolve_names(
            names, options, services.archive, services, mode=mode, scope=services.scope
        )

    def _position_degrees(
        self, name: str, resolver: str | None, mode: str | None
    ) -> tuple[float, float]:
        """``_resolve_position(...)``'s (ra, dec) in degrees, without building a SkyCoord
        when the resolver's entry already holds plain degrees (the usual case)."""
        entries = self._entries([name], resolver, False, mode)
        plain = None if resolver else plain_degrees(entries.get(name, []))
        if plain is not None:
            return plain
        from astropy.coordinates import SkyCoord  # here: a plain position needs none (~0.1 s)

        coord = skycoords([name], entries, resolver=resolver, resolve_all=False)
        assert isinstance(coord, SkyCoord)
        return degrees_of(coord)

    def _resolve_position(self, name: str, resolver: str | None, mode: str | None) -> SkyCoord:
        """The position of one object name (a ResolverError if it has none)."""
        from astropy.coordinates import SkyCoord

        coord = self._resolve([name], resolver, False, mode)
        assert isinstance(coord, SkyCoord)
        return coord


def bypasses_http_cache(mode: str) -> bool:
    """Whether a fetch in ``mode`` must reach MAST itself, not the HTTP-level cache."""
    return mode in ("online", "refresh")


def resume_age(mode: str, ttl: float) -> float:
    """How old (seconds) a page kept by an interrupted fetch (store/fragments.py) may be for
    a fetch in ``mode`` of a kind cached for ``ttl`` to use it: never older than the result
    itself may be served, and only minutes old when the answer must come from MAST now."""
    from mastcache.store.fragments import FRESH_AGE, MAX_AGE  # pyarrow: only when fetching

    return min(ttl, FRESH_AGE if bypasses_http_cache(mode) else MAX_AGE)


def _spec(
    service: str,
    params: Mapping[str, Any],
    kind: str,
    *,
    page: int | None = None,
    pagesize: int | None = None,
    extra: Mapping[str, Any] | None = None,
    scope: str = ANONYMOUS,
) -> QuerySpec:
    """The archive's spec; request fields and a single page go into the result format.

    The key drops ``page`` and ``pagesize`` (whole results do not depend on them), so a
    request for one page, or with top-level fields such as ``removenullcolumns``, names
    that in ``result_format`` to keep its own key.
    """
    from mastcache.archive import QuerySpec

    details: dict[str, Any] = {}
    if extra:
        details["request"] = canonical_value(dict(extra))
    if page:
        details["page"] = [page, pagesize]
    result_format = "table" if not details else f"table {canonical_json(details)}"
    return QuerySpec(
        service=service,
        params=dict(params),
        kind=kind,
        scope=scope,
        result_format=result_format,
    )


def _refuse_offline(mode: str, action: str) -> None:
    if mode == "offline":
        raise AuthenticationError(
            f"cannot {action} in offline mode: only MAST can check a token. Log in while "
            "online; the session then serves its cached results offline too"
        )


def _quietly(fetch: Callable[[], Table]) -> Table:
    """Run ``fetch`` with lower layers' NoResultsWarning silenced (the client warns once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoResultsWarning)
        return fetch()


def _config_to_table(config: Mapping[str, Mapping[str, Any]]) -> Table:
    names = list(config)
    props = [json.dumps(config[name], sort_keys=True) for name in names]
    return Table({"column": names, "properties": props}, dtype=[str, str])


def _table_to_config(table: Table) -> dict[str, dict[str, Any]]:
    return {str(row["column"]): json.loads(str(row["properties"])) for row in table}


def _names(objectname: str | Sequence[str]) -> list[str]:
    names = [objectname] if isinstance(objectname, str) else list(objectname)
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ResolverError(
            f"expected an object name or a list of names such as ['M101', 'TIC 141914082'], "
            f"got {objectname!r}"
        )
    return names
