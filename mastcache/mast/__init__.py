"""MAST's wire protocol as pure code: request dicts in, typed tables and records out.

``portal`` (Portal invoke requests, polling, paging), ``tables`` (typed columns from
``fields``), ``columns`` (column configuration, filters, metadata), ``resolver`` (SANTA).
No HTTP library and no cache here; :mod:`mastcache.net.transport` does the I/O.
"""
