"""The recorded MAST answers the protocol tests read are MAST's own: the repository's copy
(replayed by the emulator) is byte-identical to the shared folder beside the checkout."""

from __future__ import annotations

import hashlib
from pathlib import Path

from resources import REPOSITORY, SHIPPED_SAMPLES, mast_samples_dir


def digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def test_the_tests_read_a_complete_set_of_samples() -> None:
    folder = mast_samples_dir()
    names = set(digests(folder))
    assert {"README.md", "caom.json", "columnsconfig.json", "resolver.json"} <= names
    assert len(names) >= 30


def test_the_shipped_copy_is_the_shared_one_byte_for_byte() -> None:
    shared = REPOSITORY.parent / "shared" / "mast-samples"
    if not (shared / "README.md").is_file():  # only the shipped copy here: it is the source
        assert mast_samples_dir() == SHIPPED_SAMPLES
        return
    assert digests(SHIPPED_SAMPLES) == digests(shared)
