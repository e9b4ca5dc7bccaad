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

How the SSRF guard pins addresses
---------------------------------
Checking a name and then letting the HTTP client resolve it again would let a DNS server answer
with a public address for the check and a private one for the connection (DNS rebinding). So
every hop is resolved exactly once, by the injected ``resolver``, and *every* returned address is
checked (an answer mixing public and private addresses is refused as a whole). The checked
addresses travel with the request (an extension of the ``httpx.Request``) to the fetcher's own
transport, whose network backend connects to those addresses only, never resolving the name
again, and refuses to open any connection for which no checked addresses were supplied. The URL
is left untouched, so the ``Host`` header, TLS SNI and certificate verification all use the real
host name. Pooled keep-alive connections are keyed by that name and were opened to addresses that
passed the same check. The same transport enforces the total per-request deadline at socket
level, so a server that trickles its headers a byte at a time is cut off too.

An injected ``transport`` (``httpx.MockTransport`` in tests, say) still gets the URL/address
check before each hop, but how it connects is its business: pinning and the socket-level deadline
are properties of the default transport. The default transport ignores proxy environment
variables, keeps no cookies, and speaks HTTP/1.1.

Addresses refused unless allowed: loopback, RFC 1918 and other private or special-purpose
ranges (``fc00::/7`` included), link-local (``169.254/16``, ``fe80::/10``), cloud metadata
(``169.254.169.254``, ``fd00:ec2::254`` and the name ``metadata.google.internal``), unspecified,
multicast, reserved, carrier-grade NAT (``100.64/10``), and IPv6 forms embedding any of those
(IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``). Only
``FetchPolicy(allow_hosts=...)`` or ``allow_private=True`` lifts this.
"""

from __future__ import annotations

import contextlib
import functools
import http
import importlib
import ipaddress
import random
import socket
import ssl
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import MappingProxyType, ModuleType, TracebackType
from typing import Any, Protocol

import httpcore
import httpx

from tidings.errors import BlockedAddressError, FetchError, UsageError
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
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_REFRESHED_BY_304 = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "content-range", "connection"}
)
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Decoders hand back at most this much per step, so a tiny compressed chunk can never expand into
# a huge buffer before the size and ratio checks see it.
_DECODE_STEP = 64 * 1024
# Highly repetitive pages legitimately compress 20-50x, and short ones can go far beyond that, so
# the ratio is only judged once the decoded body is past this size.
_RATIO_GRACE = 1024 * 1024

# Keys of the request extensions that carry checked addresses and the deadline to the transport.
_ADDRESSES = "tidings.addresses"
_DEADLINE = "tidings.deadline"


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


# --------------------------------------------------------------------------------------- policy


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """The limits a :class:`Fetcher` works under. All times are seconds, sizes bytes.

    Attributes:
        timeout: wall-clock limit for one HTTP exchange (connect, headers and body). A fetch may
            make several exchanges (redirect hops, retries, robots.txt).
        connect_timeout: limit for opening a connection (capped by ``timeout``).
        read_timeout: longest silence tolerated between two reads (capped by ``timeout``).
        max_bytes: largest body accepted, both as sent and once decoded.
        max_ratio: largest decoded/encoded size ratio of a compressed body (judged past 1 MiB).
        max_redirects: redirect hops followed before giving up.
        retries: extra attempts after a 5xx, a 429 or a refused connection (0 = no retry).
        backoff: base of the exponential backoff: attempt ``n`` waits about
            ``backoff * 2**n`` (between half and all of it, drawn from the seeded RNG).
        max_wait: longest single wait: a ``Retry-After`` asking for more fails at once, backoff
            and ``Crawl-delay`` are capped at it.
        per_host_delay: least time between the starts of two requests to one host; a larger
            robots.txt ``Crawl-delay`` wins.
        concurrency: requests in flight at once across all hosts (one at a time per host).
        respect_robots: check robots.txt before every hop.
        robots_ttl: how long a host's robots.txt is trusted before it is fetched again.
        allow_hosts: host names, IP addresses or CIDR networks exempt from the SSRF guard, e.g.
            ``frozenset({"127.0.0.1"})`` in tests. A name exempts whatever it resolves to; an
            address or network exempts any name resolving into it.
        allow_private: switch the address guard off entirely (a crawler on an intranet).
    """

    timeout: float = 20.0
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024
    max_ratio: float = 100.0
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 60.0
    per_host_delay: float = 1.0
    concurrency: int = 4
    respect_robots: bool = True
    robots_ttl: float = 24 * 3600.0
    allow_hosts: frozenset[str] = frozenset()
    allow_private: bool = False

    def __post_init__(self) -> None:
        positive = ("timeout", "connect_timeout", "read_timeout", "max_ratio", "robots_ttl")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                raise UsageError(
                    f"the {name} parameter of FetchPolicy must be a positive number, got {value!r}"
                )
        for name in ("backoff", "max_wait", "per_host_delay"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value >= 0:
                raise UsageError(
                    f"the {name} parameter of FetchPolicy must be a number >= 0, got {value!r}"
                )
        for name, least in (
            ("max_bytes", 1),
            ("max_redirects", 0),
            ("retries", 0),
            ("concurrency", 1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise UsageError(
                    f"the {name} parameter of FetchPolicy must be an integer >= {least}, "
                    f"got {value!r}"
                )
        if not isinstance(self.allow_hosts, frozenset):
            raise UsageError(
                "the allow_hosts parameter of FetchPolicy must be a frozenset of host names or "
                f"addresses, got {type(self.allow_hosts).__name__}; "
                "did you mean frozenset({...})?"
            )
        _split_allow_hosts(self.allow_hosts)


def _split_allow_hosts(
    entries: frozenset[str],
) -> tuple[frozenset[str], tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    """Split ``allow_hosts`` into normalised host names and address networks.

    Raises:
        UsageError: an entry is not a string, or looks like a network but is not one.
    """
    names: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            raise UsageError(
                "the allow_hosts parameter of FetchPolicy must hold non-empty strings, "
                f"got {entry!r}"
            )
        text = entry.strip().lower().strip("[]")
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            if "/" in text:
                raise UsageError(
                    "the allow_hosts parameter of FetchPolicy must hold host names, addresses or "
                    f"CIDR networks, got {entry!r}"
                ) from None
            name = text.rstrip(".")
            # URLs carry IDNA (punycode) host names, so compare in that form; a name that is
            # not valid IDNA stays as it is and can only ever match itself.
            with contextlib.suppress(UnicodeError):
                name = name.encode("idna").decode("ascii")
            names.add(name)
    return frozenset(names), tuple(networks)


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


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page kept for conditional GET: its validators and what to return on a 304.

    Attributes:
        url: the URL that answered 200 (a redirect's target, not its source).
        etag: the ``ETag`` header, verbatim, or ``None``.
        last_modified: the ``Last-Modified`` header, verbatim, or ``None``.
        headers: the response headers (lower-case names).
        content: the decoded body.
    """

    url: str
    etag: str | None
    last_modified: str | None
    headers: Mapping[str, str]
    content: bytes


class ValidatorCache(Protocol):
    """Where a fetcher keeps pages for conditional GET. Implementations must be thread-safe."""

    def get(self, url: str) -> CachedPage | None:
        """Return the page stored for ``url``, or ``None``."""
        ...

    def put(self, page: CachedPage) -> None:
        """Store ``page`` under ``page.url``, replacing any older one."""
        ...


class MemoryCache:
    """An in-process :class:`ValidatorCache` that forgets the least recently used pages.

    Memory is bounded by ``max_entries`` bodies, each at most the policy's ``max_bytes``.

    Args:
        max_entries: pages kept before the least recently used is dropped.
    """

    def __init__(self, max_entries: int = 1024) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise UsageError(
                f"the max_entries parameter of MemoryCache must be an integer >= 1, "
                f"got {max_entries!r}"
            )
        self.max_entries = max_entries
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> CachedPage | None:
        """Return the page stored for ``url``, or ``None``."""
        with self._lock:
            page = self._pages.get(url)
            if page is not None:
                self._pages.move_to_end(url)
            return page

    def put(self, page: CachedPage) -> None:
        """Store ``page`` under ``page.url``, dropping the least recently used beyond the bound."""
        with self._lock:
            self._pages[page.url] = page
            self._pages.move_to_end(page.url)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)


# ------------------------------------------------------------------------------ address guard


class Resolver(Protocol):
    """Anything called like :func:`socket.getaddrinfo` (which is the default)."""

    def __call__(
        self,
        host: str,
        port: int,
        family: int = ...,
        type: int = ...,
        proto: int = ...,
        flags: int = ...,
    ) -> Sequence[tuple[Any, ...]]:
        """Return ``(family, type, proto, canonname, sockaddr)`` tuples for ``host``."""
        ...


class StaticResolver:
    """A :class:`Resolver` answering from a fixed table, like a hosts file, never from DNS.

    Args:
        table: host name -> one address or a sequence of addresses, returned in order. Names are
            matched case-insensitively; unknown names fail like an NXDOMAIN answer.
    """

    def __init__(self, table: Mapping[str, str | Sequence[str]]) -> None:
        self._table = {
            name.lower().rstrip("."): (value,) if isinstance(value, str) else tuple(value)
            for name, value in table.items()
        }

    def __call__(
        self,
        host: str,
        port: int,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, ...]]:
        """Return getaddrinfo-shaped entries for ``host``.

        Raises:
            socket.gaierror: ``host`` is not in the table.
        """
        addresses = self._table.get(host.lower().rstrip("."))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host!r} is not in the static table")
        entries: list[tuple[Any, ...]] = []
        for address in addresses:
            if ipaddress.ip_address(address).version == 6:
                entries.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                entries.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return entries


_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
# Names that reach a cloud metadata service without going through public DNS.
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog"})


def address_block_reason(
    address: str | ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> str | None:
    """Say why the SSRF guard refuses ``address``, or return ``None`` for a public address.

    Args:
        address: an IPv4 or IPv6 address, possibly with an IPv6 ``%scope``.

    Returns:
        A short description (``"loopback"``, ``"private"``, ``"cloud metadata"``, ...) or ``None``.

    Raises:
        ValueError: ``address`` is not an IP address.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        # These forms reach an IPv4 host; the IPv4 address decides. NAT64 is how IPv6-only
        # networks reach public IPv4 sites, so it must not be refused wholesale.
        embedded = ip.ipv4_mapped or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None
        )
        if embedded is not None:
            inner = address_block_reason(embedded)
            return None if inner is None else f"{inner} (embedded in {ip})"
        if ip.sixtofour is not None and address_block_reason(ip.sixtofour) is not None:
            return f"{address_block_reason(ip.sixtofour)} (embedded in 6to4 {ip})"
    checks: tuple[tuple[bool, str], ...] = (
        (ip in _METADATA_ADDRESSES, "cloud metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "carrier-grade NAT"),
        (ip.is_private, "private or special-purpose"),
        (ip.is_reserved, "reserved"),
        # Belt and braces: whatever else the standard library does not deem globally reachable.
        (not ip.is_global, "not globally reachable"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    return None


class _AddressGuard:
    """Resolves a hop's host once and refuses it unless every address is allowed."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._resolver = resolver
        self._allow_private = policy.allow_private
        self._names, self._networks = _split_allow_hosts(policy.allow_hosts)

    def addresses_for(self, input_url: str, url: httpx.URL) -> tuple[str, ...]:
        """Return the checked addresses to connect to for ``url``, in resolver order.

        Raises:
            BlockedAddressError: the host is a metadata name or an address is refused.
            FetchError: the name does not resolve (``network``).
        """
        host = url.raw_host.decode("ascii").lower().rstrip(".")
        port = url.port or _DEFAULT_PORTS[url.scheme]
        exempt = self._allow_private or host in self._names
        if not exempt and host in _METADATA_NAMES:
            raise BlockedAddressError(
                input_url,
                f"{host!r} is a cloud metadata service; the fetcher refuses it to prevent SSRF",
                reason="blocked-address",
            )
        try:
            addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
        except ValueError:
            addresses = self._resolve(input_url, host, port)
        if exempt:
            return addresses
        for address in addresses:
            reason = address_block_reason(address)
            if reason is None or any(
                ipaddress.ip_address(address.split("%", 1)[0]) in net for net in self._networks
            ):
                continue
            shown = host if host == address else f"{host!r} (resolves to {address})"
            raise BlockedAddressError(
                input_url,
                f"{url} points at {shown}, a {reason} address; the fetcher refuses it to "
                "prevent SSRF. To fetch it on purpose, pass "
                f"FetchPolicy(allow_hosts=frozenset({{{host!r}}})) or allow_private=True",
                reason="blocked-address",
            )
        return addresses

    def _resolve(self, input_url: str, host: str, port: int) -> tuple[str, ...]:
        try:
            entries = self._resolver(host, port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise FetchError(
                input_url, f"cannot resolve host {host!r}: {exc}", reason="network"
            ) from exc
        # Dict keys keep resolver order (RFC 6724 preference) while dropping duplicates.
        addresses = tuple(dict.fromkeys(str(entry[4][0]) for entry in entries))
        if not addresses:
            raise FetchError(input_url, f"host {host!r} resolved to no address", reason="network")
        return addresses


# ---------------------------------------------------------------------------------- transport


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


class _PinnedTransport(httpx.BaseTransport):
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
        state.port = request.url.port or _DEFAULT_PORTS.get(request.url.scheme)
        state.addresses = request.extensions.get(_ADDRESSES)
        # The deadline stays set after this returns: the body is read later, in this thread.
        state.deadline = request.extensions.get(_DEADLINE)
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


# ----------------------------------------------------------------------------------- decoding


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _ZlibDecoder:
    """gzip or deflate, decoded at most :data:`_DECODE_STEP` bytes at a time."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflate = zlib.decompressobj(wbits)
        # Some servers label raw deflate (no zlib header) as "deflate"; browsers accept both.
        self._raw_fallback = raw_fallback
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self._raw_fallback:
            try:
                zlib.decompressobj().decompress(data[:2])
            except zlib.error:
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = self._started or bool(data)
        pending = data
        while True:
            if self._inflate.eof:
                return  # trailing bytes after the stream end are ignored, as browsers do
            out = self._inflate.decompress(pending, _DECODE_STEP)
            if out:
                yield out
            pending = self._inflate.unconsumed_tail
            if not pending and len(out) < _DECODE_STEP:
                return

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")
        if self._started and not self._inflate.eof:
            # A cut-off body would otherwise pass as a complete, shorter page.
            raise zlib.error("the compressed stream ends before its end marker")


class _BrotliDecoder:
    """br, with the output bound of brotli >= 1.2 (``output_buffer_limit``)."""

    def __init__(self, brotli: ModuleType) -> None:
        self._decompressor = brotli.Decompressor()
        self._error: type[Exception] = brotli.error
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._started = self._started or bool(data)
        out = self._decompressor.process(data, output_buffer_limit=_DECODE_STEP)
        if out:
            yield out
        while not self._decompressor.can_accept_more_data():
            out = self._decompressor.process(b"", output_buffer_limit=_DECODE_STEP)
            if not out:
                return
            yield out

    def flush(self) -> Iterator[bytes]:
        if self._started and not self._decompressor.is_finished():
            raise self._error("the compressed stream ends before its end marker")
        return iter(())


def _bounded_brotli() -> ModuleType | None:
    """Return the brotli module if it can decode with a bounded output buffer, else ``None``."""
    try:
        # Imported by name: brotli ships no type information, and it is optional.
        brotli = importlib.import_module("brotli")
    except ImportError:
        return None
    if not hasattr(brotli.Decompressor(), "can_accept_more_data"):
        return None  # older brotli would inflate a whole chunk at once: a bomb guard cannot work
    return brotli


# -------------------------------------------------------------------------------- politeness


class _HostGate:
    """One request at a time per host, their starts at least ``delay`` apart."""

    def __init__(self, monotonic: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._locks: dict[str, threading.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def hold(self, host: str, delay: float) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            last = self._last_start.get(host)
            if last is not None:
                wait = last + delay - self._monotonic()
                if wait > 0:
                    self._sleep(wait)
            self._last_start[host] = self._monotonic()
            yield


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


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP-date), or ``None``."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unparsable: fall back to our own backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT by definition
    return max(0.0, (when - now).total_seconds())


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
        policy: FetchPolicy = FetchPolicy(),
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
        self._transport = transport or _PinnedTransport(max_connections=policy.concurrency)
        self._guard = _AddressGuard(policy, resolver or socket.getaddrinfo)
        self._clock = clock or _utc_now
        self._sleep = sleep or time.sleep
        self._monotonic = monotonic or time.monotonic
        self._cache = cache
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._gate = _HostGate(self._monotonic, self._sleep)
        self._slots = threading.BoundedSemaphore(policy.concurrency)
        self._robots = RobotsCache(
            self._load_robots, ttl=policy.robots_ttl, monotonic=self._monotonic
        )
        self._brotli = _bounded_brotli()
        self._accept_encoding = "gzip, deflate, br" if self._brotli else "gzip, deflate"
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
        url = self._checked_url(input_url, input_url)
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
            url = self._checked_url(input_url, target)

    def _checked_url(self, input_url: str, candidate: str | httpx.URL) -> httpx.URL:
        """Parse ``candidate`` and refuse what the fetcher never requests.

        Credentials in a URL are refused rather than sent: they would go to every redirect hop
        and into every log line that prints the URL.
        """
        try:
            url = candidate if isinstance(candidate, httpx.URL) else httpx.URL(candidate)
        except (httpx.InvalidURL, TypeError) as exc:
            raise FetchError(
                input_url, f"{candidate!r} is not a valid URL: {exc}", reason="invalid-url"
            ) from exc
        if url.scheme and url.scheme not in _DEFAULT_PORTS:
            raise FetchError(
                input_url,
                f"only http and https URLs are fetched, got scheme {url.scheme!r} in {url}",
                reason="bad-scheme",
            )
        if not url.is_absolute_url or not url.host:
            raise FetchError(
                input_url,
                f"expected an absolute http(s) URL with a host, got {str(candidate)!r}",
                reason="invalid-url",
            )
        if url.userinfo:
            raise FetchError(
                input_url,
                "URLs with credentials (user:password@) are refused; they would be sent to "
                "every redirect hop. Remove them from the URL",
                reason="invalid-url",
            )
        return url

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
                wait = self._backoff(attempt)
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
                asked = _retry_after(exchange.headers.get("retry-after"), self._clock())
                if asked is not None and asked > self.policy.max_wait:
                    raise FetchError(
                        input_url,
                        f"{url} answered HTTP {status} and asked to retry after {asked:.0f}s, "
                        f"longer than max_wait={self.policy.max_wait}s",
                        reason=f"http-{status}",
                    )
                wait = asked if asked is not None else self._backoff(attempt)
            if wait > 0:
                self._sleep(wait)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half drawn from the seeded RNG."""
        ceiling = min(self.policy.max_wait, self.policy.backoff * 2.0**attempt)
        with self._rng_lock:
            share = self._rng.random()
        return ceiling / 2 + share * ceiling / 2

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
            ("Accept-Encoding", self._accept_encoding),
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
            extensions={"timeout": self._timeouts, _ADDRESSES: addresses, _DEADLINE: deadline},
        )
        response = self._transport.handle_request(request)
        try:
            content = b""
            if 200 <= response.status_code < 300:
                content = self._read_body(input_url, url, response, deadline, limit, truncate)
        finally:
            response.close()
        return _Exchange(url, response.status_code, response.headers, content, self._clock())

    def _read_body(
        self,
        input_url: str,
        url: httpx.URL,
        response: httpx.Response,
        deadline: float,
        limit: int,
        truncate: bool,
    ) -> bytes:
        """Stream and decode the body, stopping at the size, ratio and time limits.

        With ``truncate`` (robots.txt), the first ``limit`` decoded bytes are kept instead of
        failing with ``too-large``.
        """
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise FetchError(
                input_url,
                f"{url} declares a {declared}-byte body, more than max_bytes={limit}",
                reason="too-large",
            )
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        decoder = self._decoder(input_url, url, encoding)
        encoded = encoding not in ("", "identity")
        parts: list[bytes] = []
        raw_size = 0
        size = 0

        def accept(pieces: Iterator[bytes]) -> bool:
            """Add decoded pieces; return False once a truncating read has enough."""
            nonlocal size
            for piece in pieces:
                size += len(piece)
                if (
                    encoded
                    and size > min(_RATIO_GRACE, limit)
                    and size > self.policy.max_ratio * max(raw_size, 1)
                ):
                    raise FetchError(
                        input_url,
                        f"{url} ({encoding}) decodes to over {self.policy.max_ratio:g} times its "
                        f"{raw_size} encoded bytes: refusing a likely decompression bomb",
                        reason="decompression-bomb",
                    )
                if size > limit:
                    if truncate:
                        parts.append(piece[: len(piece) - (size - limit)])
                        return False
                    raise FetchError(
                        input_url,
                        f"{url} body exceeds max_bytes={limit}"
                        + (f" once decoded from {encoding}" if encoded else ""),
                        reason="too-large",
                    )
                parts.append(piece)
            return True

        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise UsageError(f"the transport returned an async stream for {url}; use a sync one")
        try:
            for chunk in stream:
                raw_size += len(chunk)
                if raw_size > limit and not truncate:
                    raise FetchError(
                        input_url, f"{url} body exceeds max_bytes={limit}", reason="too-large"
                    )
                if not accept(decoder.feed(chunk)):
                    return b"".join(parts)
                # The transport also enforces this at socket level; this check covers injected
                # transports, which may deliver chunks slowly without any socket timeout firing.
                if time.monotonic() > deadline:
                    raise FetchError(
                        input_url,
                        f"{url} took longer than timeout={self.policy.timeout}s to send its body",
                        reason="timeout",
                    )
            accept(decoder.flush())
        except (zlib.error, _brotli_error(self._brotli)) as exc:
            raise FetchError(
                input_url, f"{url} sent a corrupt {encoding} body: {exc}", reason="bad-encoding"
            ) from exc
        return b"".join(parts)

    def _decoder(self, input_url: str, url: httpx.URL, encoding: str) -> _Decoder:
        if encoding in ("", "identity"):
            return _Identity()
        if encoding in ("gzip", "x-gzip"):
            return _ZlibDecoder(16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return _ZlibDecoder(zlib.MAX_WBITS, raw_fallback=True)
        if encoding == "br" and self._brotli is not None:
            return _BrotliDecoder(self._brotli)
        hint = " (install brotli>=1.2 to accept br)" if encoding == "br" else ""
        raise FetchError(
            input_url,
            f"{url} sent Content-Encoding {encoding!r}; expected one of "
            f"{self._accept_encoding}{hint}",
            reason="unsupported-encoding",
        )


def _brotli_error(brotli: ModuleType | None) -> type[Exception]:
    """The exception brotli raises on corrupt input (a never-raised stand-in without brotli)."""
    if brotli is None:
        return zlib.error
    error: type[Exception] = brotli.error
    return error


def _phrase(status: int) -> str:
    try:
        return str(http.HTTPStatus(status).phrase)
    except ValueError:
        return ""
