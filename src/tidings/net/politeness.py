"""How long a :class:`~tidings.fetch.Fetcher` waits: per-host spacing, backoff, ``Retry-After``."""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .policy import FetchPolicy

__all__ = ["Backoff", "HostGate", "retry_after"]


class HostGate:
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


class Backoff:
    """Exponential backoff with "equal jitter": half fixed, half drawn from a seeded RNG.

    Args:
        policy: supplies ``backoff``, the base, and ``max_wait``, the cap.
        seed: seeds the RNG. It is shared by all threads of a fetcher, so which thread draws
            which number depends on scheduling; a single-threaded run is reproducible.
    """

    def __init__(self, policy: FetchPolicy, seed: int) -> None:
        self._policy = policy
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def wait(self, attempt: int) -> float:
        """Return the seconds to wait after failed attempt ``attempt`` (0 for the first).

        The wait lies between half and all of ``min(max_wait, backoff * 2**attempt)``.
        """
        ceiling = min(self._policy.max_wait, self._policy.backoff * 2.0**attempt)
        with self._lock:
            share = self._rng.random()
        return ceiling / 2 + share * ceiling / 2


def retry_after(value: str | None, now: datetime) -> float | None:
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
