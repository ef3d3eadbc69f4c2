"""Column configurations for stock astroquery, carried inside snapshots.

Stock astroquery asks the Portal for a service's column configuration once per process and
memoizes it (``PortalAPI._column_configs``); in transparent mode that request goes through
the HTTP cache, which a snapshot does not carry. So a recording also stores, through the
archive, the configuration of every Portal service it served (``Mast.Portal.ColumnsConfig``
entries, which snapshots do carry), and a replay hands them to astroquery's memo before
the code under test runs. Only loaded when astroquery is in play.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from mastcache.client.core import COLUMNS_CONFIG
from mastcache.client.mast import MastClass
from mastcache.errors import MastCacheError
from mastcache.mast.columns import config_name

__all__ = ["portal_services", "prefill_astroquery", "store_column_configs"]


def portal_services(services: Iterable[str]) -> list[str]:
    """The Portal services among ``services`` (those astroquery types with a config)."""
    return sorted({s for s in services if s.startswith("Mast.") and s != COLUMNS_CONFIG})


def store_column_configs(services: Iterable[str]) -> None:
    """Fetch (or find cached) the config of each Portal service, through the archive, so a
    snapshot recorded now holds it (the recorder sees these calls like any other)."""
    client = MastClass()
    for service in portal_services(services):
        client._column_config(config_name(service, {}), None)


def prefill_astroquery(services: Iterable[str]) -> int:
    """Give an imported stock astroquery.mast the configs of ``services`` from the current
    cache (a replay's snapshot); services without a stored config are left to astroquery.
    Returns how many were set."""
    mast = sys.modules.get("astroquery.mast")
    if mast is None:
        return 0
    memo = mast.discovery_portal.PortalAPI._column_configs
    client = MastClass()
    count = 0
    for service in portal_services(services):
        try:
            config = client._column_config(config_name(service, {}), "offline")
        except MastCacheError:  # not in the snapshot: astroquery asks (and the replay says why)
            continue
        memo[service] = {name: dict(props) for name, props in config.items()}
        count += 1
    return count
