"""robots.txt rules and a per-origin cache of them (RFC 9309).

The rules themselves are parsed by the standard library's :mod:`urllib.robotparser`. Getting the
file is not this module's business: :class:`RobotsCache` takes a ``load`` callable (the fetcher
passes one that goes through its own guarded client), so the cache can be tested without a network.

How a response becomes rules follows RFC 9309 section 2.3.1:

* 2xx: the file is parsed (only its first :data:`MAX_ROBOTS_BYTES`; the RFC requires at least
  500 KiB to be read, and the rest may be ignored);
* 4xx: "unavailable", everything is allowed -- except 429, which we read as the server being
  overloaded and so treat like 5xx;
* 5xx, 429, or no answer at all: "unreachable", everything is disallowed.

Known approximation: :mod:`urllib.robotparser` takes the first matching rule instead of the longest,
and does not understand the ``*`` and ``$`` path wildcards of RFC 9309. A file that relies on those
is read more loosely than a Google-style crawler would read it.
"""

from __future__ import annotations

import threading
import urllib.parse
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAX_ROBOTS_BYTES", "RobotsCache", "RobotsRules"]

#: How much of a robots.txt file is parsed; RFC 9309 asks crawlers to read at least 500 KiB.
MAX_ROBOTS_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """The robots.txt rules of one origin (scheme, host, port).

    Attributes:
        parser: the parsed file, or ``None`` when there was no usable file. It is only read
            after construction, so sharing it between threads is safe.
        fallback: the answer for every URL when ``parser`` is ``None`` (allow or disallow all).
    """

    parser: urllib.robotparser.RobotFileParser | None
    fallback: bool = False

    @classmethod
    def parse(cls, text: str) -> RobotsRules:
        """Return the rules written in ``text``, the body of a robots.txt file."""
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        return cls(parser)

    @classmethod
    def allow_all(cls) -> RobotsRules:
        """Return rules that allow everything (robots.txt answered 4xx)."""
        return cls(None, fallback=True)

    @classmethod
    def disallow_all(cls) -> RobotsRules:
        """Return rules that allow nothing (robots.txt answered 5xx or could not be reached)."""
        return cls(None, fallback=False)

    @classmethod
    def from_response(cls, status: int, body: bytes) -> RobotsRules:
        """Turn the final answer to a robots.txt request into rules, as RFC 9309 prescribes.

        Args:
            status: the HTTP status after redirects were followed.
            body: the body (only read for 2xx); decoded as UTF-8, the RFC's encoding, with bad
                bytes replaced so one stray byte cannot void the whole file.

        Returns:
            The parsed rules for 2xx, allow-all for 4xx other than 429, disallow-all otherwise.
        """
        if 200 <= status < 300:
            return cls.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace"))
        if 400 <= status < 500 and status != 429:
            return cls.allow_all()
        return cls.disallow_all()

    def allows(self, url: str, agent: str) -> bool:
        """Return whether ``agent`` (a product token such as ``"tidings"``) may fetch ``url``."""
        if self.parser is None:
            return self.fallback
        return self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float | None:
        """Return the ``Crawl-delay`` (seconds) the file asks of ``agent``, or ``None``."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return None if delay is None else float(delay)


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of ``url``: robots.txt applies per origin, not per host."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class RobotsCache:
    """Rules per origin, loaded once and kept for ``ttl`` seconds.

    Concurrent callers asking for the same origin wait for a single load rather than each fetching
    robots.txt. The cache grows by one small entry per origin seen; a fetcher's lifetime is
    expected to be one run.

    Args:
        load: called with an origin's robots.txt URL, returns its rules. It should not raise for
            network or HTTP failures (those become :meth:`RobotsRules.disallow_all`); whatever it
            does raise propagates and nothing is cached.
        ttl: seconds a loaded entry is used; RFC 9309 says a cached copy SHOULD NOT be used for
            more than 24 hours.
        monotonic: the clock the ttl is measured on (``time.monotonic`` in production).
    """

    def __init__(
        self,
        load: Callable[[str], RobotsRules],
        *,
        ttl: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._monotonic = monotonic
        self._entries: dict[str, tuple[RobotsRules, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def rules(self, url: str) -> RobotsRules:
        """Return the rules governing ``url``, loading its origin's robots.txt when needed."""
        origin = origin_of(url)
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            entry = self._entries.get(origin)
            if entry is not None and self._monotonic() - entry[1] < self._ttl:
                return entry[0]
            rules = self._load(f"{origin}/robots.txt")
            self._entries[origin] = (rules, self._monotonic())
            return rules
