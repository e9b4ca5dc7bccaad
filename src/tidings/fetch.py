"""A polite, guarded HTTP fetcher: the network edge of tidings.

:class:`Fetcher` gets one URL (:meth:`Fetcher.fetch`) or many (:meth:`Fetcher.fetch_many`) under a
:class:`FetchPolicy` of limits, and returns a :class:`FetchResult` or raises
:class:`~tidings.errors.FetchError` / :class:`~tidings.errors.BlockedAddressError` with the
requested URL as ``input`` and one of these ``reason`` codes:

==========================  =====================================================================
``invalid-url``             not an absolute URL, unparsable, or carries ``user:password@``
``bad-scheme``              not ``http`` or ``https`` (also checked on every redirect)
``blocked-address``         the host is, or resolves to, an address the SSRF guard refuses
``robots-disallowed``       the site's robots.txt forbids the path to ``tidings``
``timeout``                 connect, read (silence) or total wall-clock limit reached
``too-large``               the body, as sent or once decoded, exceeds ``max_bytes``
``decompression-bomb``      the decoded body grows more than ``max_ratio`` times its encoded size
``unsupported-encoding``    a ``Content-Encoding`` we did not offer (or ``br`` without brotli)
``bad-encoding``            the compressed body is corrupt
``too-many-redirects``      more than ``max_redirects`` hops
``http-<status>``           the final answer was not 2xx (or 304 for a cached page)
``network``                 DNS failure, refused connection, reset, protocol error
==========================  =====================================================================

Each hop is checked by the SSRF guard before any request is sent: the URL, then every address its
host resolves to, resolved once and pinned for the connection. :mod:`tidings.net.guard` says what
is refused and how the pinning defeats DNS rebinding. The fetcher is assembled from the parts in
:mod:`tidings.net` (policy, guard, transport, body, politeness, cache); this module keeps the hop
loop (redirects, robots.txt, retries, conditional GET) and re-exports the public names.
"""

from __future__ import annotations

import http
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType

import httpx

from tidings.errors import FetchError, UsageError
from tidings.net.body import BodyReader
from tidings.net.cache import CachedPage, MemoryCache, ValidatorCache
from tidings.net.guard import (
    AddressGuard,
    Resolver,
    StaticResolver,
    address_block_reason,
    checked_url,
)
from tidings.net.policy import FetchPolicy
from tidings.net.politeness import Backoff, HostGate, retry_after
from tidings.net.transport import ADDRESSES, DEADLINE, PinnedTransport
from tidings.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsRules, origin_of

__all__ = [
    "CachedPage",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "MemoryCache",
    "Resolver",
    "StaticResolver",
    "ValidatorCache",
    "address_block_reason",
    "user_agent",
]

PROJECT_URL = "https://github.com/tidings-project/tidings"
#: The product token robots.txt groups are matched against.
ROBOTS_AGENT = "tidings"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_NOT_REFRESHED_BY_304 = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "content-range", "connection"}
)
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def user_agent() -> str:
    """Return the User-Agent every request carries: ``tidings/<version> (+<project URL>)``."""
    version = "0.1.0"
    try:
        import tidings
    except ImportError:  # pragma: no cover - only when this module is vendored elsewhere
        pass
    else:
        # The package __init__ may be minimal, or mid-import when it imports this module.
        found = getattr(tidings, "__version__", None)
        if isinstance(found, str) and found:
            version = found
    return f"tidings/{version} (+{PROJECT_URL})"


# -------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced.

    Attributes:
        url: the URL that was asked for.
        final_url: the URL that answered, after redirects.
        status: the final HTTP status (304 when a cached page was confirmed unchanged).
        headers: the final response's headers, lower-case names; repeated headers are joined
            with ``", "``. For a 304, the cached headers updated with the 304's.
        content: the body, decoded from any ``Content-Encoding`` (not from its charset).
        fetched_at: when the answer arrived (timezone-aware UTC, from the injected clock).
        content_type: the media type of ``Content-Type``, lower-case, without parameters.
        charset: the ``charset`` parameter of ``Content-Type`` as sent, lower-case, or ``None``.
            It is reported, not trusted: choosing between it and an in-document ``<meta>`` is
            the extractor's job.
        not_modified: the server answered 304 and ``content`` comes from the cache.
        redirects: the URLs that answered with a redirect, in order (``url`` first when any).
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    fetched_at: datetime
    content_type: str | None
    charset: str | None
    not_modified: bool = False
    redirects: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------ fetcher


@dataclass(frozen=True, slots=True)
class _Exchange:
    """One HTTP request and its answer; ``content`` is only read for 2xx."""

    url: httpx.URL
    status: int
    headers: httpx.Headers
    content: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class _Final:
    exchange: _Exchange
    redirects: tuple[str, ...]
    cached: CachedPage | None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _header_map(headers: httpx.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """Split a Content-Type header into (media type, charset), both lower-case or ``None``."""
    if not value:
        return None, None
    media, *params = value.split(";")
    charset = None
    for param in params:
        key, _, raw = param.partition("=")
        if key.strip().lower() == "charset":
            charset = raw.strip().strip("\"'").lower() or None
    return media.strip().lower() or None, charset


class Fetcher:
    """Fetches URLs politely and safely; see the module docstring for the guarantees.

    Args:
        policy: the limits to work under.
        transport: an ``httpx.BaseTransport`` to send requests through instead of the default
            pinned one (the caller keeps ownership and closes it). Address checks still run,
            but connection pinning and the socket-level deadline are then the transport's job.
        resolver: called like :func:`socket.getaddrinfo` to resolve each hop's host once.
        clock: returns the current time, timezone-aware UTC (stamps ``fetched_at``, and dates
            in ``Retry-After`` are measured against it).
        sleep: waits a number of seconds (``time.sleep``); every deliberate wait goes through it.
        monotonic: the clock per-host spacing and the robots.txt ttl are measured on. The total
            request deadline always uses the real ``time.monotonic``, since sockets run on it.
        cache: where pages are kept for conditional GET; ``None`` disables it.
        seed: seeds the RNG that jitters backoff waits.

    Thread safety: :meth:`fetch` may be called from several threads at once; in-flight requests
    are bounded by ``policy.concurrency`` overall and one per host.
    """

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),  # noqa: B008 - frozen, so one shared default is safe
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
        monotonic: Callable[[], float] | None = None,
        cache: ValidatorCache | None = None,
        seed: int = 0,
    ) -> None:
        if not isinstance(policy, FetchPolicy):
            raise UsageError(
                "the policy parameter of Fetcher must be a FetchPolicy, "
                f"got {type(policy).__name__}"
            )
        self.policy = policy
        self.user_agent = user_agent()
        self._owns_transport = transport is None
        self._transport = transport or PinnedTransport(max_connections=policy.concurrency)
        self._guard = AddressGuard(policy, resolver or socket.getaddrinfo)
        self._clock = clock or _utc_now
        self._sleep = sleep or time.sleep
        self._monotonic = monotonic or time.monotonic
        self._cache = cache
        self._backoff = Backoff(policy, seed)
        self._gate = HostGate(self._monotonic, self._sleep)
        self._slots = threading.BoundedSemaphore(policy.concurrency)
        self._robots = RobotsCache(
            self._load_robots, ttl=policy.robots_ttl, monotonic=self._monotonic
        )
        self._bodies = BodyReader(policy)
        self._timeouts = httpx.Timeout(
            connect=min(policy.connect_timeout, policy.timeout),
            read=min(policy.read_timeout, policy.timeout),
            write=min(policy.read_timeout, policy.timeout),
            pool=policy.timeout,
        ).as_dict()
        self._closed = False

    # -- public API ---------------------------------------------------------------------------

    def fetch(self, url: str) -> FetchResult:
        """Fetch ``url``, following redirects, and return the final 2xx (or 304) answer.

        Args:
            url: an absolute ``http`` or ``https`` URL.

        Returns:
            The result; with a cache, a 304 yields the cached body and ``not_modified=True``.

        Raises:
            BlockedAddressError: a hop points at an address the SSRF guard refuses.
            FetchError: any other failure; ``reason`` is one of the codes in the module docstring.
            UsageError: the fetcher was closed.
        """
        if self._closed:
            raise UsageError(f"cannot fetch {url}: this Fetcher was closed; create a new one")
        final = self._follow(url, for_robots=False)
        exchange = final.exchange
        headers = _header_map(exchange.headers)
        not_modified = False
        if exchange.status == 304 and final.cached is not None:
            # RFC 9111 section 3.2: a 304 refreshes the stored headers, except those describing
            # the message rather than the content (its empty body's length, say).
            fresh = {k: v for k, v in headers.items() if k not in _NOT_REFRESHED_BY_304}
            headers = {**final.cached.headers, **fresh}
            content = final.cached.content
            not_modified = True
        elif 200 <= exchange.status < 300:
            content = exchange.content
            if self._cache is not None and ("etag" in headers or "last-modified" in headers):
                self._cache.put(
                    CachedPage(
                        url=str(exchange.url),
                        etag=headers.get("etag"),
                        last_modified=headers.get("last-modified"),
                        headers=MappingProxyType(dict(headers)),
                        content=content,
                    )
                )
        else:
            raise FetchError(
                url,
                f"{exchange.url} answered HTTP {exchange.status} {_phrase(exchange.status)}",
                reason=f"http-{exchange.status}",
            )
        content_type, charset = _parse_content_type(headers.get("content-type"))
        return FetchResult(
            url=url,
            final_url=str(exchange.url),
            status=exchange.status,
            headers=MappingProxyType(headers),
            content=content,
            fetched_at=exchange.received_at,
            content_type=content_type,
            charset=charset,
            not_modified=not_modified,
            redirects=final.redirects,
        )

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, FetchResult | FetchError]]:
        """Fetch ``urls`` on a pool of ``policy.concurrency`` threads, yielding in input order.

        Input order (rather than completion order) makes runs reproducible; a slow URL holds
        back later results but not later fetches. Work starts at the first ``next()``;
        abandoning the iterator cancels fetches not yet started and waits for running ones.

        Args:
            urls: the URLs; duplicates are fetched again (cheaply, given a cache).

        Returns:
            An iterator of ``(url, result)`` pairs where a failed fetch's result is its
            :class:`~tidings.errors.FetchError`; other exceptions (bugs) propagate.
        """
        pending = list(urls)
        with ThreadPoolExecutor(
            max_workers=self.policy.concurrency, thread_name_prefix="tidings-fetch"
        ) as pool:
            futures = [pool.submit(self._fetch_or_error, url) for url in pending]
            try:
                for url, future in zip(pending, futures, strict=True):
                    yield url, future.result()
            finally:
                for future in futures:
                    future.cancel()

    def close(self) -> None:
        """Close the connections this fetcher opened; it cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            if self._owns_transport:
                self._transport.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the hop loop -------------------------------------------------------------------------

    def _fetch_or_error(self, url: str) -> FetchResult | FetchError:
        try:
            return self.fetch(url)
        except FetchError as exc:
            return exc

    def _follow(self, input_url: str, *, for_robots: bool) -> _Final:
        """Run the hops of one fetch: check, (robots), request with retries, follow redirects."""
        url = checked_url(input_url, input_url)
        visited: list[str] = []
        limit = MAX_ROBOTS_BYTES if for_robots else self.policy.max_bytes
        while True:
            # Address check first, so a refused host never even gets a robots.txt request.
            addresses = self._guard.addresses_for(input_url, url)
            delay = self.policy.per_host_delay
            if self.policy.respect_robots and not for_robots:
                delay = max(delay, self._robots_delay(input_url, url))
            cached = None
            if self._cache is not None and not for_robots:
                cached = self._cache.get(str(url))
            exchange = self._attempts(
                input_url, url, addresses, delay, cached, limit, truncate=for_robots
            )
            location = exchange.headers.get("location")
            if exchange.status not in _REDIRECT_STATUSES or not location:
                return _Final(exchange, tuple(visited), cached)
            if len(visited) >= self.policy.max_redirects:
                raise FetchError(
                    input_url,
                    f"more than max_redirects={self.policy.max_redirects} redirects "
                    f"(last {url} -> {location})",
                    reason="too-many-redirects",
                )
            visited.append(str(url))
            try:
                target = url.join(location)
            except httpx.InvalidURL as exc:
                raise FetchError(
                    input_url,
                    f"{url} redirects to an invalid URL {location!r}: {exc}",
                    reason="invalid-url",
                ) from exc
            url = checked_url(input_url, target)

    def _robots_delay(self, input_url: str, url: httpx.URL) -> float:
        """Refuse ``url`` if robots.txt disallows it, else return its Crawl-delay (or 0)."""
        rules = self._robots.rules(str(url))
        if not rules.allows(str(url), ROBOTS_AGENT):
            raise FetchError(
                input_url,
                f"robots.txt of {origin_of(str(url))} disallows {url} for {ROBOTS_AGENT!r} "
                "(or robots.txt could not be fetched, which RFC 9309 says means disallow)",
                reason="robots-disallowed",
            )
        crawl_delay = rules.crawl_delay(ROBOTS_AGENT) or 0.0
        return min(crawl_delay, self.policy.max_wait)

    def _load_robots(self, robots_url: str) -> RobotsRules:
        try:
            final = self._follow(robots_url, for_robots=True)
        except FetchError:
            # Unreachable, 5xx, 429, too many redirects, refused address: RFC 9309 says assume
            # complete disallow, the safe reading when a site cannot tell us its wishes.
            return RobotsRules.disallow_all()
        return RobotsRules.from_response(final.exchange.status, final.exchange.content)

    # -- one hop, with retries ----------------------------------------------------------------

    def _attempts(
        self,
        input_url: str,
        url: httpx.URL,
        addresses: tuple[str, ...],
        delay: float,
        cached: CachedPage | None,
        limit: int,
        *,
        truncate: bool,
    ) -> _Exchange:
        """Request one hop, retrying 5xx, 429 and refused connections with backoff.

        Timeouts are not retried: a server that hangs once tends to hang again, and each try
        costs up to ``policy.timeout``.
        """
        host = url.raw_host.decode("ascii").lower()
        retries = self.policy.retries
        attempt = 0
        while True:
            try:
                with self._gate.hold(host, delay), self._slots:
                    exchange = self._exchange(input_url, url, addresses, cached, limit, truncate)
            except httpx.ConnectError as exc:
                if attempt >= retries:
                    raise FetchError(
                        input_url, f"cannot connect to {url}: {exc}", reason="network"
                    ) from exc
                wait = self._backoff.wait(attempt)
            except httpx.TimeoutException as exc:
                raise FetchError(
                    input_url,
                    f"{url} timed out ({type(exc).__name__}; timeout={self.policy.timeout}s total, "
                    f"read_timeout={self.policy.read_timeout}s)",
                    reason="timeout",
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    input_url, f"network error fetching {url}: {exc}", reason="network"
                ) from exc
            else:
                status = exchange.status
                if status != 429 and status < 500:
                    return exchange
                if attempt >= retries:
                    raise FetchError(
                        input_url,
                        f"{url} answered HTTP {status} {_phrase(status)} "
                        f"{attempt + 1} time(s); giving up",
                        reason=f"http-{status}",
                    )
                asked = retry_after(exchange.headers.get("retry-after"), self._clock())
                if asked is not None and asked > self.policy.max_wait:
                    raise FetchError(
                        input_url,
                        f"{url} answered HTTP {status} and asked to retry after {asked:.0f}s, "
                        f"longer than max_wait={self.policy.max_wait}s",
                        reason=f"http-{status}",
                    )
                wait = asked if asked is not None else self._backoff.wait(attempt)
            if wait > 0:
                self._sleep(wait)
            attempt += 1

    def _exchange(
        self,
        input_url: str,
        url: httpx.URL,
        addresses: tuple[str, ...],
        cached: CachedPage | None,
        limit: int,
        truncate: bool,
    ) -> _Exchange:
        """Send one GET to the checked ``addresses`` and read a 2xx body within the limits."""
        headers = [
            ("User-Agent", self.user_agent),
            ("Accept", _ACCEPT),
            ("Accept-Encoding", self._bodies.accept_encoding),
        ]
        if cached is not None and cached.etag:
            headers.append(("If-None-Match", cached.etag))
        if cached is not None and cached.last_modified:
            headers.append(("If-Modified-Since", cached.last_modified))
        deadline = time.monotonic() + self.policy.timeout
        request = httpx.Request(
            "GET",
            url,
            headers=headers,
            extensions={"timeout": self._timeouts, ADDRESSES: addresses, DEADLINE: deadline},
        )
        response = self._transport.handle_request(request)
        try:
            content = b""
            if 200 <= response.status_code < 300:
                content = self._bodies.read(
                    input_url, url, response, deadline=deadline, limit=limit, truncate=truncate
                )
        finally:
            response.close()
        return _Exchange(url, response.status_code, response.headers, content, self._clock())


def _phrase(status: int) -> str:
    try:
        return str(http.HTTPStatus(status).phrase)
    except ValueError:
        return ""
