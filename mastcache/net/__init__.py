"""The HTTP edge: where MAST hosts come from (``endpoints``), how requests are sent with
retries and mapped errors (``transport``, the only module that does HTTP), and the
requests-cache layer for raw calls (``httpcache``). Nothing here knows about tables or the store.
"""
