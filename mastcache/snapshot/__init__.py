"""Reproducible snapshots: freeze the cached results behind an analysis into one file.

::

    with mastcache.snapshot.record("fig3"):          # writes fig3.mastsnap on exit
        table = mastcache.Observations.query_object("M101", radius="0.1 deg")
    mastcache.snapshot.verify("fig3.mastsnap").ok    # every member's sha256 checked
    with mastcache.snapshot.replay("fig3.mastsnap"): # offline, from the snapshot alone
        table = mastcache.Observations.query_object("M101", radius="0.1 deg")

``create`` snapshots chosen cache entries, ``restore`` imports a snapshot into the cache,
``list_snapshots`` lists them, ``diff`` reports how MAST (or another snapshot) drifted.
DESIGN.md section 7; the format is in docs/snapshots.md.
"""

from __future__ import annotations

from mastcache.snapshot.create import SUFFIX, SnapshotInfo, create
from mastcache.snapshot.diff import DriftReport, QueryDrift, diff
from mastcache.snapshot.listing import SnapshotListing, list_snapshots
from mastcache.snapshot.manifest import FORMAT_VERSION, Manifest
from mastcache.snapshot.restore import RestoreReport, restore
from mastcache.snapshot.session import Recording, Replay, record, replay
from mastcache.snapshot.verify import VerifyReport, verify

__all__ = [
    "FORMAT_VERSION",
    "SUFFIX",
    "DriftReport",
    "Manifest",
    "QueryDrift",
    "Recording",
    "Replay",
    "RestoreReport",
    "SnapshotInfo",
    "SnapshotListing",
    "VerifyReport",
    "create",
    "diff",
    "list_snapshots",
    "record",
    "replay",
    "restore",
    "verify",
]
