"""A real HTTP server on 127.0.0.1 for tests, with routes configured per test.

Import the fixture into a test module (``from conftest_http import http_server``), or wrap
:class:`LocalServer` in a local fixture (as ``test_fetch.py`` does, which keeps ruff's F811 quiet),
and configure routes on the server::

    http_server.route("/page", Reply(body=b"<p>hi</p>", headers=(("Content-Type", "text/html"),)))
    http_server.route("/flaky", lambda seen: Reply(500) if seen.count == 1 else Reply(200))

Unknown paths answer 404. Every request is recorded (:attr:`LocalServer.requests`). The server
writes its responses by hand so tests can trickle headers or body, omit ``Content-Length``, or
send any status. It binds an ephemeral port and never touches the network.
"""

from __future__ import annotations

import contextlib
import http
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

__all__ = ["LocalServer", "Reply", "Seen", "http_server"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a route answers.

    Attributes:
        status: the HTTP status.
        body: the body bytes, sent as they are (compress them yourself for Content-Encoding).
        headers: extra response headers, in order.
        content_length: send ``Content-Length``; without it the body ends when the server
            closes the connection.
        header_delay: seconds to pause before each header line (a server trickling headers).
        body_delay: seconds to pause before each body byte (a server trickling the body).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    content_length: bool = True
    header_delay: float = 0.0
    body_delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Seen:
    """A request the server received.

    Attributes:
        path: the request target (path and query).
        headers: request headers, lower-case names.
        count: how many requests this path has had, this one included (1 for the first).
    """

    path: str
    headers: Mapping[str, str]
    count: int


Route = Reply | Callable[[Seen], Reply]


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with an ephemeral port.

    Attributes:
        host: always ``"127.0.0.1"``.
        port: the port it listens on.
        requests: every request received, in arrival order.
    """

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((self.host, 0), _make_handler(self))
        # Handler threads may be trickling when the test ends; they must not keep pytest alive.
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll interval keeps shutdown (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    def url(self, path: str, host: str | None = None) -> str:
        """Return the URL of ``path`` on this server, optionally under another host name."""
        return f"http://{host or self.host}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> None:
        """Answer requests for ``path`` (exact match, query included) with ``reply``."""
        with self._lock:
            self._routes[path] = reply

    def paths(self) -> list[str]:
        """Return the paths requested so far, in order."""
        with self._lock:
            return [seen.path for seen in self.requests]

    def _record(self, path: str, headers: Mapping[str, str]) -> tuple[Seen, Route | None]:
        with self._lock:
            count = sum(1 for seen in self.requests if seen.path == path) + 1
            seen = Seen(path, headers, count)
            self.requests.append(seen)
            return seen, self._routes.get(path)

    def _pause(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; return False when it is."""
        return not self._stopping.wait(seconds) if seconds > 0 else True

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            seen, route = server._record(self.path, headers)
            if route is None:
                reply = Reply(404, b"not found")
            elif isinstance(route, Reply):
                reply = route
            else:
                reply = route(seen)
            # The client may hang up early (too large, timeout): that is what the test wanted.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(reply)
            self.close_connection = True

        def _send(self, reply: Reply) -> None:
            phrase = _phrase(reply.status)
            lines = [f"HTTP/1.1 {reply.status} {phrase}".encode("latin-1")]
            header_lines = [*reply.headers, ("Connection", "close")]
            if reply.content_length:
                header_lines.append(("Content-Length", str(len(reply.body))))
            lines.extend(f"{name}: {value}".encode("latin-1") for name, value in header_lines)
            if reply.header_delay:
                self.wfile.write(lines[0] + b"\r\n")
                for line in lines[1:]:
                    if not server._pause(reply.header_delay):
                        return
                    self.wfile.write(line + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"\r\n")
            else:
                self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n")
            if reply.body_delay:
                for index in range(len(reply.body)):
                    if not server._pause(reply.body_delay):
                        return
                    self.wfile.write(reply.body[index : index + 1])
                    self.wfile.flush()
            else:
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean; requests are recorded on the server instead

    return Handler


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """Yield a running :class:`LocalServer`; it is shut down after the test."""
    with LocalServer() as server:
        yield server
