"""A lightkurve session through ``mastcache.install()``, run in its own process.

``python lk_session.py SERVER_URL CACHE_DIR DOWNLOAD_DIR MODE OUT.json``
(SERVER_URL ``-``: the real MAST archive, for the live profile; then only MODE ``offline``
refuses connects.)

Stock astroquery is pointed at SERVER_URL before it is imported (as the ``astroquery_mast``
fixture does: config ``server`` plus ``HTTP_PROXY`` for the resolver's fixed host), then
``mastcache.install()`` runs, then lightkurve is imported. Every socket connect to anything
but loopback is refused and recorded; with MODE ``offline`` every connect is refused and
recorded. Each step's outcome (``ok`` and a comparable ``value``, or the ``error``) goes to
OUT.json, so the test can compare the online run with the offline replay step by step.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: (label, target, search keyword arguments): a Kepler, a K2 and a TESS target the emulator's
#: sky knows by name.
TARGETS = (
    ("kepler", "Kepler-10", {"mission": "Kepler", "exptime": "long"}),
    ("k2", "K2-18", {"mission": "K2"}),
    ("tess", "TIC 261136679", {"mission": "TESS", "author": "SPOC"}),
)
TESSCUT_TARGET = "TIC 261136679"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _guard_sockets(offline: bool, anywhere: bool = False) -> list[str]:
    """Refuse (and record) connects beyond loopback (unless ``anywhere``); every connect
    when ``offline``."""
    attempts: list[str] = []
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        if offline or not (anywhere or host in LOOPBACK):
            attempts.append(f"{host}:{address[1] if isinstance(address, tuple) else ''}")
            raise OSError(f"network disabled in the lightkurve worker (tried {address!r})")
        original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    return attempts


def _point_astroquery(server: str) -> None:
    import astropy.config.configuration as configuration
    import astroquery

    config = configuration.get_config("astroquery.mast", rootname="astropy")
    config["server"] = server
    config["catalogs_server"] = server
    astroquery.cache_conf.cache_active = False


def _search_value(result: Any) -> list[list[Any]]:
    table = result.table
    columns = ("mission", "author", "exptime", "target_name", "productFilename")
    return [[_plain(row[name]) for name in columns if name in table.colnames] for row in table]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, (int, float, str, type(None))) else str(value)


def _digest(values: Any) -> str:
    array = np.ascontiguousarray(np.ma.filled(np.asarray(values, dtype=float), np.nan))
    return hashlib.sha256(array.tobytes()).hexdigest()[:16]


def _curve_value(lc: Any) -> dict[str, Any]:
    return {
        "type": type(lc).__name__,
        "n": len(lc),
        "flux": _digest(lc.flux.value),
        "time0": round(float(lc.time.value[0]), 6),
        "mission": str(lc.meta.get("MISSION") or lc.meta.get("TELESCOP")),
        "targetid": _plain(lc.meta.get("TARGETID")),
    }


def _tpf_value(tpf: Any) -> dict[str, Any]:
    return {
        "type": type(tpf).__name__,
        "shape": list(tpf.flux.shape),
        "flux": _digest(tpf.flux.value),
        "mission": str(tpf.mission),
    }


def run(download_dir: Path) -> dict[str, Any]:
    """Every step; a failing step is recorded and the session goes on."""
    import lightkurve as lk

    outcomes: dict[str, Any] = {}

    def step(name: str, action: Callable[[], Any]) -> Any:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = action()
        except Exception as exc:  # recorded: the test asserts on it
            outcomes[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
            return None
        warned = sorted({f"{w.category.__name__}" for w in caught})
        outcomes[name] = {"ok": True, "value": _shown(value), "warnings": warned}
        return value

    for label, target, criteria in TARGETS:
        lcs = step(
            f"{label}.search_lightcurve", lambda t=target, c=criteria: lk.search_lightcurve(t, **c)
        )
        tpfs = step(
            f"{label}.search_targetpixelfile",
            lambda t=target, c=criteria: lk.search_targetpixelfile(t, **c),
        )
        if lcs is not None and len(lcs) > 0:
            lc = step(
                f"{label}.download", lambda r=lcs: r[0].download(download_dir=str(download_dir))
            )
            step(
                f"{label}.download_all",
                lambda r=lcs: r[:2].download_all(download_dir=str(download_dir)),
            )
            if lc is not None:
                step(f"{label}.read", lambda p=lc.meta["FILENAME"]: lk.read(p))
                flat = step(f"{label}.flatten", lambda c=lc: c.remove_nans().flatten())
                if flat is not None:
                    step(f"{label}.fold", lambda c=flat: c.fold(period=0.837))
                    step(f"{label}.bin", lambda c=flat: c.bin(time_bin_size=0.5))
        if tpfs is not None and len(tpfs) > 0:
            tpf = step(
                f"{label}.download_tpf",
                lambda r=tpfs: r[0].download(download_dir=str(download_dir)),
            )
            if tpf is not None:
                step(
                    f"{label}.to_lightcurve",
                    lambda t=tpf: t.to_lightcurve(aperture_mask="pipeline"),
                )
    cuts = step("tesscut.search_tesscut", lambda: lk.search_tesscut(TESSCUT_TARGET))
    if cuts is not None and len(cuts) > 0:
        cut = step(
            "tesscut.download",
            lambda: cuts[0].download(cutout_size=5, download_dir=str(download_dir)),
        )
        if cut is not None:
            step("tesscut.to_lightcurve", lambda: cut.to_lightcurve(aperture_mask="threshold"))
    return outcomes


def _shown(value: Any) -> Any:
    import lightkurve as lk

    if isinstance(value, lk.SearchResult):
        return {"rows": _search_value(value)}
    if isinstance(value, lk.LightCurveCollection):
        return {"curves": [_curve_value(lc) for lc in value]}
    if isinstance(value, lk.FoldedLightCurve | lk.LightCurve):
        return _curve_value(value)
    if isinstance(value, lk.targetpixelfile.TargetPixelFile):
        return _tpf_value(value)
    return repr(value)[:200]


def main(server: str, cache_dir: str, download_dir: str, mode: str, out: str) -> None:
    os.environ.update(MASTCACHE_DIR=cache_dir, MASTCACHE_MODE=mode)
    real = server == "-"
    if not real:
        os.environ.update(
            HTTP_PROXY=server,
            http_proxy=server,
            NO_PROXY="127.0.0.1,localhost,::1",
            no_proxy="127.0.0.1,localhost,::1",
        )
    attempts = _guard_sockets(offline=mode == "offline", anywhere=real)
    if real:
        import astroquery

        astroquery.cache_conf.cache_active = False
    else:
        _point_astroquery(server)
    import mastcache

    assert "astroquery.mast" not in sys.modules
    mastcache.install()
    outcomes = run(Path(download_dir))
    Path(out).write_text(json.dumps({"steps": outcomes, "connect_attempts": attempts}, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:6])
