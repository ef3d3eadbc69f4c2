"""The deterministic synthetic sky: CAOM observations and products around the named objects,
the scale knob's lazily generated rows, and the FITS files products are served as.
"""
