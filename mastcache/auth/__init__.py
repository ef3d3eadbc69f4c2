"""MAST authentication: where a token comes from and how it is kept secret (``tokens``), and
the account it belongs to, whose identity scope isolates its cached results (``account``).
"""
