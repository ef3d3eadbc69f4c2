"""Transparent mode: stock astroquery.mast (0.4.x) cached by mastcache with one call.

``install()`` mounts a transport adapter on astroquery's sessions and replaces its
``utils._simple_request``; Portal queries are then served from mastcache's store under the
keys its own clients use, everything else through its HTTP cache. ``uninstall()`` restores
astroquery exactly; ``installed()`` does both around a block. Importing this package does
not import astroquery.
"""

from __future__ import annotations

from mastcache.transparent.compat import SUPPORTED_RANGE
from mastcache.transparent.installation import install, installed, is_installed, uninstall

__all__ = ["SUPPORTED_RANGE", "install", "installed", "is_installed", "uninstall"]
