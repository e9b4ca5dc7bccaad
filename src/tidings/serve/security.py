"""The server's guards, as plain ASGI middleware: security headers, a body size limit, rate limits.

Each guard wraps the whole application, so it also covers error pages, 404s and static files:

* :class:`SecurityHeaders` puts a strict Content-Security-Policy (scripts and styles only from
  ``/static``; no inline script, so an injected ``<script>`` cannot run even if escaping failed),
  ``nosniff``, a referrer policy, framing refusal and a permissions policy on every response.
* :class:`BodyLimit` answers 413 to a request whose body exceeds ``max_bytes``, by its
  ``Content-Length`` before reading anything, or while reading a chunked body.
* :class:`RateLimiter` keeps a token bucket per client address and answers 429 with
  ``Retry-After`` when it is empty.

Bearer-token checking for the write endpoints is :func:`check_token`.
"""

from __future__ import annotations

import hmac
import json
import math
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

__all__ = [
    "CSP",
    "BodyLimit",
    "RateLimit",
    "RateLimiter",
    "SecurityHeaders",
    "TokenProblem",
    "check_token",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The page policy: everything from this origin only, no inline script or style, no plugins, no
#: framing. ``img-src data:`` is for nothing of ours today; it costs nothing and keeps inline SVG
#: icons possible.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: The interactive API docs (Swagger UI, served from the swagger-ui-bundle package) need nothing
#: beyond 'self' either, apart from inline styles Swagger UI sets on its own elements.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"permissions-policy",
        b"accelerometer=(), camera=(), geolocation=(), gyroscope=(), microphone=(), "
        b"payment=(), usb=(), interest-cohort=()",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Add the security headers to every HTTP response (a header the app set itself is kept)."""

    def __init__(self, app: ASGIApp, *, docs_path: str | None = "/docs") -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope.get("path") == self.docs_path else CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                extra = [(b"content-security-policy", csp), *_HEADERS]
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413.

    A declared ``Content-Length`` over the limit is refused before the body is read. A body
    without one (chunked) is counted as it arrives and refused when it passes the limit, provided
    the response has not started yet (an app that answered before reading its whole body has
    stopped reading anyway).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise UsageError(
                f"the max_body parameter of create_app must be a positive integer, got {max_bytes!r}"
            )
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, {"detail": "Content-Length is not a number"})
                    return
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await _send_json(
            send,
            413,
            {"detail": f"the request body is larger than the limit of {self.max_bytes:,} bytes"},
            [(b"connection", b"close")],
        )


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket per client address.

    Attributes:
        per_second: tokens added per second (the sustained request rate allowed).
        burst: bucket size (how many requests may come at once after a quiet spell).
        exempt: paths never limited (health checks from a load balancer).
        max_clients: buckets kept; past it, full (idle) buckets are forgotten first.
    """

    per_second: float = 20.0
    burst: int = 200
    exempt: frozenset[str] = frozenset({"/healthz"})
    max_clients: int = 10_000

    def __post_init__(self) -> None:
        if not isinstance(self.per_second, int | float) or not self.per_second > 0:
            raise UsageError(
                f"the per_second parameter of RateLimit must be a positive number, got {self.per_second!r}"
            )
        if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
            raise UsageError(
                f"the burst parameter of RateLimit must be an integer >= 1, got {self.burst!r}"
            )


class RateLimiter:
    """Answer 429 with ``Retry-After`` to a client whose bucket is empty (see :class:`RateLimit`).

    The client is the connection's peer address. Behind a reverse proxy every request comes from
    the proxy: run uvicorn with ``proxy_headers`` and ``forwarded_allow_ips`` set to the proxy so
    the peer becomes the forwarded client (``tidings.serve.run(trusted_proxies=...)``).

    Runs on the event loop only, so the buckets need no lock. Memory: O(max_clients).
    """

    def __init__(
        self, app: ASGIApp, *, limit: RateLimit, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.limit = limit
        self.monotonic = monotonic
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.limit.exempt:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        wait = self._take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await _send_json(
                send,
                429,
                {"detail": f"too many requests from {key}; retry in {seconds} s"},
                [(b"retry-after", str(seconds).encode())],
            )
            return
        await self.app(scope, receive, send)

    def _take(self, key: str) -> float:
        """Take a token for ``key``; return 0, or the seconds until a token is there."""
        now = self.monotonic()
        rate, burst = self.limit.per_second, float(self.limit.burst)
        tokens, at = self.buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate
        self.buckets[key] = (tokens - 1.0, now)
        if len(self.buckets) > self.limit.max_clients:
            self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        rate, burst = self.limit.per_second, float(self.limit.burst)
        full = [k for k, (t, at) in self.buckets.items() if t + (now - at) * rate >= burst]
        for key in full:
            del self.buckets[key]
        # Still too many (a flood of distinct addresses): drop the oldest half.
        if len(self.buckets) > self.limit.max_clients:
            by_age = sorted(self.buckets, key=lambda k: self.buckets[k][1])
            for key in by_age[: len(by_age) // 2]:
                del self.buckets[key]


@dataclass(frozen=True, slots=True)
class TokenProblem:
    """Why a write request was refused: the HTTP status and a message for the client."""

    status: int
    detail: str


def check_token(expected: str | None, authorization: str | None) -> TokenProblem | None:
    """Check an ``Authorization: Bearer <token>`` header against the server's token.

    Args:
        expected: the server's token; ``None`` disables writes altogether.
        authorization: the request's ``Authorization`` header, if any.

    Returns:
        ``None`` when the request may write, else the refusal: 403 when writes are disabled or
        the token is wrong, 401 when no bearer token was sent.
    """
    if expected is None:
        return TokenProblem(
            403,
            "writes are disabled: this server was started without a token "
            "(set TIDINGS_TOKEN, or pass token= to create_app, to enable POST /api/ingest)",
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return TokenProblem(401, "this endpoint needs 'Authorization: Bearer <token>'")
    # Constant-time comparison: the time taken must not tell how much of the token was right.
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return TokenProblem(403, "the bearer token is wrong")
    return None
