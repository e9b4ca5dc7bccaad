"""The SSRF guard: which URLs and addresses a :class:`~tidings.fetch.Fetcher` may request.

Every hop, the first and each redirect target, passes :func:`checked_url` (an absolute ``http``
or ``https`` URL without credentials) and then :meth:`AddressGuard.addresses_for`, which
resolves the host once and returns the addresses the transport may connect to.

How the SSRF guard pins addresses
---------------------------------
Checking a name and then letting the HTTP client resolve it again would let a DNS server answer
with a public address for the check and a private one for the connection (DNS rebinding). So
every hop is resolved exactly once, by the injected ``resolver``, and *every* returned address is
checked (an answer mixing public and private addresses is refused as a whole). The checked
addresses travel with the request (an extension of the ``httpx.Request``) to the fetcher's own
transport (:mod:`tidings.net.transport`), whose network backend connects to those addresses only,
never resolving the name again, and refuses to open any connection for which no checked addresses
were supplied. The URL is left untouched, so the ``Host`` header, TLS SNI and certificate
verification all use the real host name. Pooled keep-alive connections are keyed by that name and
were opened to addresses that passed the same check. The same transport enforces the total
per-request deadline at socket level, so a server that trickles its headers a byte at a time is
cut off too.

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

import ipaddress
import socket
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from ..errors import BlockedAddressError, FetchError
from .policy import FetchPolicy, split_allow_hosts

__all__ = [
    "DEFAULT_PORTS",
    "AddressGuard",
    "Resolver",
    "StaticResolver",
    "address_block_reason",
    "checked_url",
]

#: The schemes the fetcher speaks, and their default ports.
DEFAULT_PORTS = {"http": 80, "https": 443}


def checked_url(input_url: str, candidate: str | httpx.URL) -> httpx.URL:
    """Parse ``candidate`` and refuse what the fetcher never requests.

    Credentials in a URL are refused rather than sent: they would go to every redirect hop
    and into every log line that prints the URL.

    Args:
        input_url: the URL the fetch was asked for, named in errors.
        candidate: the URL of this hop: ``input_url`` itself or a redirect's target.

    Raises:
        FetchError: ``candidate`` is not an absolute ``http(s)`` URL with a host
            (``invalid-url`` or ``bad-scheme``), or carries credentials (``invalid-url``).
    """
    try:
        url = candidate if isinstance(candidate, httpx.URL) else httpx.URL(candidate)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(
            input_url, f"{candidate!r} is not a valid URL: {exc}", reason="invalid-url"
        ) from exc
    if url.scheme and url.scheme not in DEFAULT_PORTS:
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


class AddressGuard:
    """Resolves a hop's host once and refuses it unless every address is allowed."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._resolver = resolver
        self._allow_private = policy.allow_private
        self._names, self._networks = split_allow_hosts(policy.allow_hosts)

    def addresses_for(self, input_url: str, url: httpx.URL) -> tuple[str, ...]:
        """Return the checked addresses to connect to for ``url``, in resolver order.

        Raises:
            BlockedAddressError: the host is a metadata name or an address is refused.
            FetchError: the name does not resolve (``network``).
        """
        host = url.raw_host.decode("ascii").lower().rstrip(".")
        port = url.port or DEFAULT_PORTS[url.scheme]
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
