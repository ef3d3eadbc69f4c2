"""The MAST Search API for missions (``/search/<mission>/api/v0.1/...``): HST and JWST rows
derived from the synthetic sky, their columns, conditions and products.
"""
