"""The compat suites against the real MAST archive: stock astroquery and mastcache, call by
call at the same moment, then mastcache alone offline. Run by tests/compat/test_remote.py.

``python remote_worker.py SUITE CACHE_DIR WORK_DIR OUT.json`` with SUITE one of
``observations``, ``missions_catalogs``, ``cutouts``. astroquery keeps its default (real)
server; mastcache is configured with no ``mast_url`` (real MAST) and CACHE_DIR. For each call
of the suite's CALLS: stock astroquery, then mastcache online right after; then every call
again through mastcache offline with every socket refused. The suite's own
``assert_same_outcome`` (or equality, for cutouts) compares; OUT.json lists each mismatch.
With ``MASTCACHE_REMOTE_URL`` set, both point at that server instead (an emulator: how the
default run checks this harness without the network).
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for compat.*

Comparison = Callable[[Any, Any], None]


def _equal(ours: Any, theirs: Any) -> None:
    assert ours == theirs, (ours, theirs)


def _observations(work: Path) -> tuple[dict[str, Callable[..., Any]], Comparison]:
    import astroquery.mast as aq
    from compat import test_compat_observations as suite

    from mastcache.client import MastClass, ObservationsClass

    calls = {
        name: (
            lambda c=call: suite.run(c, aq.Observations, aq.Mast),
            lambda c=call: suite.run(c, ObservationsClass(), MastClass()),
        )
        for name, call in suite.CALLS.items()
    }
    return calls, suite.assert_same_outcome


def _missions_catalogs(work: Path) -> tuple[dict[str, Any], Comparison]:
    import astroquery.mast as aq
    from compat import test_compat_missions_catalogs as suite

    from mastcache.client import CatalogsClass, MastMissionsClass

    calls = {
        name: (
            lambda c=call: suite.run(c, aq.MastMissions, aq.Catalogs),
            lambda c=call: suite.run(c, MastMissionsClass(), CatalogsClass()),
        )
        for name, call in suite.CALLS.items()
    }
    return calls, suite.assert_same_outcome


def _cutouts(work: Path) -> tuple[dict[str, Any], Comparison]:
    import astroquery.mast as aq
    from compat import test_compat_cutouts as suite

    from mastcache.client import HapcutClass, TesscutClass, ZcutClass

    def ours() -> tuple[Any, Any, Any]:
        return TesscutClass(), ZcutClass(), HapcutClass()

    calls = {
        name: (
            lambda c=call, n=name: suite.run(c, (aq.Tesscut, aq.Zcut, aq.Hapcut), work / "aq" / n),
            lambda c=call, n=name: suite.run(c, ours(), work / "ours" / n),
        )
        for name, call in suite.CALLS.items()
    }
    return calls, _equal


SUITES = {
    "observations": _observations,
    "missions_catalogs": _missions_catalogs,
    "cutouts": _cutouts,
}


def _mismatch(compare: Comparison, ours: Any, theirs: Any) -> str | None:
    try:
        compare(ours, theirs)
    except AssertionError as exc:
        return f"{exc}"[:600] or "differs"
    return None


def _is_miss(outcome: Any) -> bool:
    return outcome.error is not None and outcome.error[0] == "CacheMissError"


def main(suite: str, cache_dir: str, work_dir: str, out: str) -> None:
    import os

    import astroquery

    from mastcache import runtime

    server = os.environ.get("MASTCACHE_REMOTE_URL") or None
    if server is not None:
        import astropy.config.configuration as configuration

        config = configuration.get_config("astroquery.mast", rootname="astropy")
        config["server"] = config["catalogs_server"] = server
        os.environ.update(HTTP_PROXY=server, NO_PROXY="127.0.0.1,localhost,::1")
    astroquery.cache_conf.cache_active = False
    runtime.configure(mast_url=server, cache_dir=cache_dir, mode="cache-first")
    calls, compare = SUITES[suite](Path(work_dir))
    report: dict[str, Any] = {"calls": len(calls), "online": {}, "offline": {}, "errors": []}
    stock = {}
    for name, (theirs, ours) in calls.items():
        stock[name] = theirs()  # then mastcache at once: the same moment of the archive
        report["online"][name] = _mismatch(compare, ours(), stock[name])
        if stock[name].error is not None:
            report["errors"].append(name)  # MAST's errors are not stored: offline, a miss
    original = socket.socket.connect

    def refuse(self: socket.socket, address: Any) -> None:
        raise OSError(f"network disabled for the offline replay (tried {address!r})")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        with runtime.using_mode("offline"):
            for name, (_, ours) in calls.items():
                again = ours()
                expected_miss = name in report["errors"] and _is_miss(again)
                report["offline"][name] = (
                    None if expected_miss else _mismatch(compare, again, stock[name])
                )
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
    Path(out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:5])
