"""Catalogs: the Portal catalog services (TIC, CTL, Gaia, HSC, GALEX, Disk Detective, PLATO)
over seeded source fields, and Pan-STARRS through MAST's catalogs API.
"""
