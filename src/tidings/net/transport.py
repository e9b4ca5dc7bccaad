"""The default transport of :class:`~tidings.fetch.Fetcher`: pinned addresses, a hard deadline.

:class:`PinnedTransport` is an httpcore pool whose network backend connects only to the
addresses the SSRF guard checked for the request (see :mod:`tidings.net.guard`), never resolving
a name itself, and clamps every socket operation to the request's total deadline. Both facts
travel with each ``httpx.Request`` as the extensions :data:`ADDRESSES` and :data:`DEADLINE`.
httpcore's exceptions are re-raised as httpx's, so the fetcher handles one family.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from .guard import DEFAULT_PORTS

__all__ = ["ADDRESSES", "DEADLINE", "PinnedTransport"]

# Keys of the request extensions that carry checked addresses and the deadline to the transport.
ADDRESSES = "tidings.addresses"
DEADLINE = "tidings.deadline"


class _CallState(threading.local):
    """Per-thread facts about the request being sent; a sync request runs in one thread."""

    host: str | None = None
    port: int | None = None
    addresses: tuple[str, ...] | None = None
    deadline: float | None = None


def _clamp(state: _CallState, timeout: float | None, error: type[Exception]) -> float | None:
    """Shrink a socket timeout to what is left of the request's total deadline."""
    if state.deadline is None:
        return timeout
    left = state.deadline - time.monotonic()
    if left <= 0:
        raise error("the total time limit of the request was reached")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write stops at the request's total deadline."""

    def __init__(self, inner: httpcore.NetworkStream, state: _CallState) -> None:
        self._inner = inner
        self._state = state

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(self._state, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(self._state, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(self._state, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, timeout), self._state
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the guard checked for this request, never resolving names."""

    def __init__(self, state: _CallState) -> None:
        self._state = state
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        state = self._state
        if not state.addresses or state.host != host or state.port != port:
            # Fail closed: a connection nobody checked is a bug, not something to paper over.
            raise httpcore.ConnectError(
                f"refusing to connect to {host}:{port}: no checked address was supplied for it"
            )
        failure: Exception | None = None
        for address in state.addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_clamp(state, timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, state)
        assert failure is not None  # the loop ran at least once: addresses is non-empty
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the fetcher does not use unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# Most specific first: the first isinstance match wins.
_CORE_TO_HTTPX: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Re-raise httpcore's exceptions as httpx's, so the fetcher handles one family."""
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _CORE_TO_HTTPX:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc)) from exc
        raise


class _MappedStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context all fetchers share.

    Loading the CA bundle takes tens of milliseconds, so it is done once per process rather than
    per fetcher. Sharing is safe: contexts are thread-safe, and the only thing httpcore sets on
    it per connection (the ALPN list) is the same for every fetcher, since all speak HTTP/1.1.
    """
    return httpx.create_ssl_context()


class PinnedTransport(httpx.BaseTransport):
    """The default transport: an httpcore pool over :class:`_PinnedBackend`."""

    def __init__(self, *, max_connections: int) -> None:
        self._state = _CallState()
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            network_backend=_PinnedBackend(self._state),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        state = self._state
        state.host = request.url.raw_host.decode("ascii")
        state.port = request.url.port or DEFAULT_PORTS.get(request.url.scheme)
        state.addresses = request.extensions.get(ADDRESSES)
        # The deadline stays set after this returns: the body is read later, in this thread.
        state.deadline = request.extensions.get(DEADLINE)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions={"timeout": request.extensions.get("timeout", {})},
        )
        try:
            with _as_httpx_errors():
                response = self._pool.handle_request(core_request)
        finally:
            state.addresses = None
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_MappedStream(response.stream),  # type: ignore[arg-type]  # sync pool
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
