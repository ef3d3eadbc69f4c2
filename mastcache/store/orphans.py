"""Sweeping what killed writers and deletes leave behind (maintenance, and ``Store.open``).

- temp files in the cache directory (``tables/``, ``products/``, ``staging/``);
- result files no catalog row points to, older than a grace period (a writer killed between
  its upload and its commit); in team mode this lists the team store, so only maintenance
  (``cache prune --team``) does it, never start-up;
- in team mode, the zero-byte folder markers pyarrow writes when it deletes the last object
  of a folder (store/objectstore.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mastcache.store.files import sweep_temp_files
from mastcache.store.records import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.store.store import Store

__all__ = ["sweep_local_orphans", "sweep_orphans"]

#: Top folders of a team store whose empty folders are swept.
TOP_FOLDERS = ("tables", "products", "scopes")


def sweep_orphans(store: Store, older_than: float) -> int:
    """Everything above; returns how many files were removed (folder markers are not
    counted: they hold no data). A read-only cache sweeps nothing."""
    removed = sweep_local_orphans(store, older_than)
    if not store.is_direct and not store.read_only:
        removed += _sweep_unreferenced_tables(store, older_than)
        _sweep_empty_folders(store)
    return removed


def sweep_local_orphans(store: Store, older_than: float) -> int:
    """Temp files in the cache directory and, for a local cache, unreferenced result files
    there; never a listing of the team store."""
    from mastcache.store.store import STAGING_DIR

    if store.read_only:
        return 0
    removed = sweep_temp_files(store.tables_dir, older_than=older_than)
    removed += sweep_temp_files(store.products_dir, older_than=older_than)
    removed += sweep_temp_files(store.root / STAGING_DIR, older_than=older_than)
    if store.is_direct:
        removed += _sweep_unreferenced_tables(store, older_than)
    return removed


def _sweep_unreferenced_tables(store: Store, older_than: float) -> int:
    """Result files no catalog row points to: left by writers killed before commit."""
    referenced = store.referenced_tables()
    cutoff = utcnow().timestamp() - older_than
    removed = 0
    found_files = [f for top in ("tables", "scopes") for f in store.objects.list_files(top)]
    for found in found_files:  # scopes/<digest>/tables/...: results shared with a scope
        if not found.path.endswith(".parquet") or found.path in referenced:
            continue
        if found.mtime < cutoff:
            store.remove_table_file(found.path)
            removed += 1
    return removed


def _sweep_empty_folders(store: Store) -> int:
    """Folder markers left in the team store by deletes."""
    removed = 0
    for top in TOP_FOLDERS:
        for folder in store.objects.empty_folders(top):
            removed += store.objects.remove_empty_folder(folder.path)
    return removed
