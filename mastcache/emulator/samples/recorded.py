"""The recorded MAST responses shipped in ``data/recorded/`` (its README gives provenance):
where they are, and each JSON file parsed once.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

__all__ = ["DATA_DIR", "load_json"]

DATA_DIR: Final = Path(__file__).resolve().parent / "data" / "recorded"


@cache
def load_json(name: str) -> Any:
    """A JSON file of the bundled data folder (recorded MAST samples), parsed once."""
    with (DATA_DIR / name).open("rb") as handle:
        return json.load(handle)
