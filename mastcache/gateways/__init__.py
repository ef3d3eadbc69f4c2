"""Gateways: the only code that sends MAST requests. Each turns a request dict from
:mod:`mastcache.mast` into a call on the transport and its answer into a typed result.
"""
