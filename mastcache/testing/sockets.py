"""Offline means offline: refuse every network connection except loopback and Unix sockets.

Used while a snapshot is replayed (the pytest marker, ``mastcache run --snapshot``):
mastcache's offline mode already sends nothing, this also stops any other library from
reaching MAST or anything else beyond this machine. Loopback stays open for local services
(a Dask scheduler, a database) that a pipeline may talk to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["SocketBlockedError", "block", "blocked", "is_local"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class SocketBlockedError(OSError):
    """A connection beyond this machine was attempted while replaying a snapshot."""


def is_local(family: int, address: Any) -> bool:
    """Whether ``address`` is a Unix socket or a loopback host."""
    if family == getattr(socket, "AF_UNIX", None):
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def block() -> Callable[[], None]:
    """Refuse non-local connects from now on; returns the function that undoes it."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(original: Callable[..., Any]) -> Callable[..., Any]:
        def checked(self: socket.socket, address: Any) -> Any:
            if not is_local(self.family, address):
                raise SocketBlockedError(
                    f"connection to {address!r} refused: a MAST snapshot is being replayed "
                    "offline (record again to add calls the snapshot lacks)"
                )
            return original(self, address)

        return checked

    socket.socket.connect = guard(connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = guard(connect_ex)  # type: ignore[method-assign]

    def undo() -> None:
        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]

    return undo


@contextmanager
def blocked() -> Iterator[None]:
    """:func:`block` for the duration of a ``with`` block."""
    undo = block()
    try:
        yield
    finally:
        undo()
