"""Support for running users' code against recorded MAST answers (pytest plugin, ``run``)."""
