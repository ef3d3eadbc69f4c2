"""A threaded HTTP/1.1 server for the emulator's WSGI app, on loopback by default.

Built on :mod:`http.server` rather than :mod:`wsgiref` because the emulator must control the
wire: keep-alive, chunked bodies, proxy-style request lines (``GET http://host/...``), and the
connection-level faults (close after a short body, reset with a TCP RST).
"""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from mastcache.emulator.app import EmulatorApp, make_app
from mastcache.emulator.config import EmulatorConfig
from mastcache.emulator.faults import WIRE_ACTION, FaultPlan, FaultRule
from mastcache.emulator.request import MAX_BODY
from mastcache.emulator.requestlog import RequestLog

__all__ = ["EmulatorServer", "serve", "start"]

NO_BODY_STATUSES = (204, 304)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        """Shut down idle keep-alive connections so their threads end."""
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mastcache-emulator"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are dropped after a minute
    server: _Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the app keeps its own request log."""

    def _run(self) -> None:
        environ = self._environ()
        response = _Response(self)
        result = self.server.app(environ, response.start)
        try:
            if environ.get(WIRE_ACTION) == "reset":
                self._reset()
                return
            if environ.get(WIRE_ACTION) == "close" or environ.get("mastcache.emulator.unread"):
                self.close_connection = True
            response.send(result, head=self.command == "HEAD")
        except OSError:
            self.close_connection = True
        except Exception:  # a body generator failed mid-stream: the client sees a cut body
            self.close_connection = True
            traceback.print_exc(file=sys.stderr)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_CONNECT = _run

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), before any byte is sent."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _environ(self) -> dict[str, Any]:
        split = urlsplit(self.path if "://" in self.path else "//x" + self.path)
        body, unread = self._body()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "REQUEST_URI": self.path,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(split.path, "latin-1") if self.command != "CONNECT" else "",
            "QUERY_STRING": split.query,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "mastcache.emulator.unread": unread,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _body(self) -> tuple[bytes, bool]:
        """The request body, and whether bytes were left unread (then the connection closes)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile), False
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return b"", True
        return self.rfile.read(min(length, MAX_BODY)), length > MAX_BODY


def _read_chunked(stream: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline()


class _Response:
    """Status and headers from ``start_response``; the body written as the app yields it."""

    def __init__(self, handler: _Handler) -> None:
        self.handler = handler
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []
        self.is_chunked = False

    def start(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status, self.headers = status, list(headers)
        return self._write_legacy

    def _write_legacy(self, data: bytes) -> None:
        raise RuntimeError("The emulator's app never uses the legacy write() callable.")

    def send(self, result: Iterable[bytes], head: bool) -> None:
        """Write the head together with the first chunk (no delayed-ACK stall), then the rest."""
        code = int(self.status.split()[0])
        has_length = any(k.lower() == "content-length" for k, _ in self.headers)
        may_have_body = not head and code not in NO_BODY_STATUSES and code >= 200
        if may_have_body and not has_length:
            self.is_chunked = self.handler.request_version == "HTTP/1.1"
            self.handler.close_connection |= not self.is_chunked
        pending = self._head(code)
        for chunk in _nonempty(result):
            self.handler.wfile.write(pending + self._frame(chunk))
            pending = b""
        self.handler.wfile.write(pending + (b"0\r\n\r\n" if self.is_chunked else b""))

    def _frame(self, chunk: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(chunk), chunk) if self.is_chunked else chunk

    def _head(self, code: int) -> bytes:
        reason = self.status.partition(" ")[2]
        lines = [f"{self.handler.request_version} {code} {reason}"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        lines.append(f"Server: {self.handler.server_version}")
        if self.is_chunked:
            lines.append("Transfer-Encoding: chunked")
        if self.handler.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _nonempty(result: Iterable[bytes]) -> Iterator[bytes]:
    return (chunk for chunk in result if chunk)


class EmulatorServer:
    """A running emulator: ``.url``, ``.config``, ``.requests``, ``.set_faults()``, ``.stop()``."""

    def __init__(self, app: EmulatorApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server((host, port), app)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"mastcache-emulator:{self._server.server_address[1]}",
        )  # fmt: skip
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        host, port = self._server.server_address[:2]
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(str(host), str(host))
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def config(self) -> EmulatorConfig:
        return self.app.config

    @property
    def requests(self) -> RequestLog:
        return self.app.requests

    def set_faults(self, faults: FaultPlan | FaultRule | str | None) -> None:
        """Replace the fault plan at run time (None removes every fault)."""
        self.app.set_faults(faults)

    def reconfigure(self, **changes: Any) -> EmulatorConfig:
        """Change knobs at run time: ``latency_ms``, ``rows``, ``executing_polls``, ``faults``..."""
        return self.app.reconfigure(**changes)

    def stop(self) -> None:
        """Stop serving, close the listening socket and any open connection."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start(
    host: str = "127.0.0.1", port: int = 0, config: EmulatorConfig | None = None, **changes: Any
) -> EmulatorServer:
    """Start an emulator in a background thread; stop it with ``.stop()`` or a ``with`` block."""
    return EmulatorServer(make_app(config, **changes), host, port)


@contextlib.contextmanager
def serve(
    host: str = "127.0.0.1", port: int = 0, config: EmulatorConfig | None = None, **changes: Any
) -> Iterator[str]:
    """Run an emulator for the duration of a ``with`` block, yielding its base URL."""
    with start(host, port, config, **changes) as server:
        yield server.url
