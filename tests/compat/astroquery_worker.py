"""Run one stock astroquery.mast cone query in a fresh process against a given server.

Usage: ``python astroquery_worker.py URL OUT.pickle RA DEC RADIUS_DEG PAGESIZE``. astroquery
fixes its URLs at import, so a process per server is the clean way to aim it elsewhere
(MAST_PROTOCOL.md section 0). The result Table is pickled to OUT.
"""

from __future__ import annotations

import pickle
import sys


def main(url: str, out: str, ra: str, dec: str, radius: str, pagesize: str) -> None:
    import astropy.config.configuration as configuration
    import astroquery
    from astropy.coordinates import SkyCoord

    configuration.get_config("astroquery.mast", rootname="astropy")["server"] = url
    astroquery.cache_conf.cache_active = False
    from astroquery.mast import Observations

    coord = SkyCoord(float(ra), float(dec), unit="deg")
    table = Observations.query_region(coord, radius=float(radius), pagesize=int(pagesize))
    with open(out, "wb") as handle:
        pickle.dump(table, handle)


if __name__ == "__main__":
    main(*sys.argv[1:7])
