"""The emulator's HTTP reply: status, headers and a body streamed as byte chunks.

Handlers (Portal, samples, downloads) return a `Reply`; the WSGI app only copies it out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One HTTP response; `body` may be a lazy iterable so large pages stream."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Iterable[bytes] = ()

    @classmethod
    def json(cls, obj: Any, status: int = 200) -> Reply:
        """A JSON body encoded once, with its Content-Length."""
        data = encode_json(obj)
        return cls.raw(data, JSON_TYPE, status)

    @classmethod
    def raw(cls, data: bytes, content_type: str, status: int = 200) -> Reply:
        """A body already in bytes (a recorded sample, a zip, a FITS file)."""
        headers = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
        return cls(status, headers, (data,))

    @classmethod
    def stream(cls, chunks: Iterable[bytes], content_type: str = JSON_TYPE) -> Reply:
        """A body produced lazily, chunk by chunk, with no Content-Length."""
        return cls(200, [("Content-Type", content_type)], chunks)

    @property
    def status_line(self) -> str:
        """The WSGI status string, e.g. ``200 OK``."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"

    def read(self) -> bytes:
        """The whole body joined (tests and small replies only)."""
        return b"".join(self.body)

    def iter_body(self) -> Iterator[bytes]:
        """The body chunks, skipping empty ones."""
        return (chunk for chunk in self.body if chunk)


def encode_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON as MAST sends it (NaN never appears: nulls are None)."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode("utf-8")
