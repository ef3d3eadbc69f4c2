"""The cutout services: TESScut (sectors, target pixel files), Zcut (deep-field surveys) and
HAPcut (Hubble mosaics), answered with deterministic zips.
"""
