"""Store access for the server: a few threads, each with its own store connection.

A store object is one database connection and must stay in one thread (SQLite's connections
refuse to be used from another). Request handlers therefore never touch a store: they hand a
function to :meth:`StoreWorkers.run`, which runs it in one of ``threads`` worker threads on that
thread's connection and awaits the result. Connections are opened when a thread starts and
closed by the same thread when the workers stop.

Bounding the threads also bounds the database work in flight: on a small machine, four readers
keep SQLite busy without making fifty concurrent requests fight over two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import UsageError

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["StoreWorkers"]

T = TypeVar("T")

_Task = tuple[Callable[[Any], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():  # the client went away while the work ran
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class StoreWorkers:
    """Run functions of a store in worker threads that each own a connection.

    Args:
        opener: opens a new store connection (called once in each worker thread).
        threads: how many worker threads (and so connections) at most.
    """

    def __init__(self, opener: Callable[[], Store], *, threads: int = 4) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise UsageError(
                f"the store_threads parameter of create_app must be an integer >= 1, got {threads!r}"
            )
        self.opener = opener
        self.threads = threads
        self._queue: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        """Start the worker threads (idempotent; :meth:`run` starts them when needed)."""
        with self._lock:
            if self._stopped:
                raise UsageError("the store workers were stopped; create a new app to serve again")
            while len(self._threads) < self.threads:
                thread = threading.Thread(
                    target=self._work, name=f"tidings-store-{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    async def run(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` in a worker thread and return its result (or raise its error)."""
        if not self._threads:
            self.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((fn, loop, future))
        return await future

    def stop(self, timeout: float = 10.0) -> None:
        """Let the workers finish the work queued, close their connections and end."""
        with self._lock:
            self._stopped = True
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)

    def _work(self) -> None:
        store: Store | None = None
        try:
            while (task := self._queue.get()) is not None:
                fn, loop, future = task
                result: Any = None
                error: BaseException | None = None
                try:
                    if store is None:
                        # Opened on first use, not at thread start, so a store that cannot be
                        # opened fails the request that needed it (with the reason), and the
                        # next request tries again.
                        store = self.opener()
                    result = fn(store)
                except Exception as exc:
                    error = exc
                # RuntimeError: the event loop is closed, so nobody waits for this any more.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, future, result, error)
        finally:
            if store is not None:
                store.close()
