"""Run one stock astroquery.mast cone query in a fresh process against a given server.

Usage: ``python astroquery_worker.py URL OUT.pickle RA DEC RADIUS_DEG PAGESIZE``. astroquery
fixes its URLs at import, so a process per server is the clean way to aim it elsewhere
(MAST_PROTOCOL.md section 0). The result Table is pickled to OUT, with the
fill value of each masked column as text (pickling truncates some).
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
    # pickle truncates a default fill value wider than its column ('N/A' in a str1 column)
    fills = {
        name: str(col.fill_value)
        for name, col in table.columns.items()
        if hasattr(col, "fill_value")
    }
    with open(out, "wb") as handle:
        pickle.dump({"table": table, "fills": fills}, handle)


if __name__ == "__main__":
    main(*sys.argv[1:7])
