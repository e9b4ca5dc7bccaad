"""The limits a :class:`~tidings.fetch.Fetcher` works under, checked when they are made."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass

from ..errors import UsageError

__all__ = ["FetchPolicy", "split_allow_hosts"]


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """The limits a :class:`~tidings.fetch.Fetcher` works under. All times are seconds, sizes bytes.

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
        split_allow_hosts(self.allow_hosts)


def split_allow_hosts(
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
