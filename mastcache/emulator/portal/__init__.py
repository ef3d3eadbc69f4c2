"""The Portal ("Mashup"): ``/api/v0/invoke`` requests, CAOM services over the sky, result
sets read a page at a time, JSON/extjs envelopes, filters and column configurations.
"""
