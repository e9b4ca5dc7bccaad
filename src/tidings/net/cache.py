"""The conditional-GET cache: pages kept with their ``ETag`` / ``Last-Modified`` validators."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from ..errors import UsageError

__all__ = ["CachedPage", "MemoryCache", "ValidatorCache"]


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
