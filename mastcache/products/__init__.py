"""Product files: manifests, the content-addressed store under ``products/``, verified and
resumable parallel downloads, placement into astroquery's folder layout, and verification.

Python API::

    from mastcache.products import DownloadEngine, ProductRequest, record_manifest, verify_files
"""

from __future__ import annotations

from mastcache.products.engine import DownloadEngine, ProductRequest
from mastcache.products.fetch import FileFetcher, FileWanted, SizeMismatchError
from mastcache.products.manifests import product_checksum, product_size, record_manifest
from mastcache.products.outcome import MANIFEST_COLUMNS, DownloadOutcome, manifest_table
from mastcache.products.paths import UnsafePathError, layout_path, safe_filename
from mastcache.products.placement import LINK_KINDS, LinkKind, check_link_kind, place_file
from mastcache.products.verify import FileProblem, verify_files

__all__ = [
    "LINK_KINDS",
    "MANIFEST_COLUMNS",
    "DownloadEngine",
    "DownloadOutcome",
    "FileFetcher",
    "FileProblem",
    "FileWanted",
    "LinkKind",
    "ProductRequest",
    "SizeMismatchError",
    "UnsafePathError",
    "check_link_kind",
    "layout_path",
    "manifest_table",
    "place_file",
    "product_checksum",
    "product_size",
    "record_manifest",
    "safe_filename",
    "verify_files",
]
