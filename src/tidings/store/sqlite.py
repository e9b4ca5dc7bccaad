"""The SQLite store (``sqlite.v1``): one file, the standard library's ``sqlite3``, FTS5 search.

Connection settings, and why:

* ``journal_mode=WAL``: readers never block the writer nor the writer readers, so a CLI or a
  server can read while an ingest runs; commits append to the WAL instead of rewriting pages.
* ``synchronous=NORMAL``: in WAL mode this is still durable against a crash of the *process*
  (a killed ingest never loses or corrupts a committed transaction: the WAL is written before
  COMMIT returns) and the database is never corrupted; only a power loss or OS crash can lose
  the last few commits, which re-running the idempotent ingest restores. ``FULL`` would fsync
  at every commit, several times slower for small batches, to guard against that alone.
* ``foreign_keys=ON``: memberships, revisions and analyses must point at stored rows.
* a busy timeout (``timeout``, 5 s by default): a second writer waits for the lock instead of
  failing at once; write transactions start with ``BEGIN IMMEDIATE`` so they take the lock up
  front and cannot deadlock upgrading a read lock.

The queries are :class:`~tidings.store._sql.SQLStore`'s; this module holds SQLite's dialect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from os import PathLike
from typing import Any

from . import _common as c
from ._sql import SQLStore
from ._websearch import fts5_query
from .base import HIGHLIGHT, STORES, StoreError
from .migrations import SQLITE_MIGRATIONS, Migration

__all__ = ["SQLiteStore"]

# BM25 column weights by table: a word in the title counts as much as three in the body.
_WEIGHTS = {"articles": "3.0, 1.0", "stories": "3.0, 1.0"}
_SNIPPET_TOKENS = 16


@STORES.register("sqlite.v1")
class SQLiteStore(SQLStore[sqlite3.Connection]):
    """A store in one SQLite file (or in memory).

    Args:
        path: the database file (created if missing; its directory must exist), or
            ``":memory:"`` for a private in-memory store.
        timeout: seconds to wait for another process's write lock before failing.
        migrations: the schema history to apply (the real one unless testing migrations).

    Raises:
        StoreError: reason ``open-failed`` (not a database, no FTS5, unreadable),
            ``schema-too-new`` or ``migration-failed``.
    """

    backend = "sqlite.v1"
    _dialect = "sqlite"
    # Datetimes are integer microseconds since the epoch (UTC), in columns named *_us.
    _time_suffix = "_us"
    _newest_first = "s.last_seen_us IS NULL, s.last_seen_us DESC, s.id"
    _match_stories = "s.seq IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?)"
    _rank_stories = (
        f"JOIN (SELECT rowid AS seq, -bm25(stories_fts, {_WEIGHTS['stories']}) AS score"
        " FROM stories_fts WHERE stories_fts MATCH ?) m ON m.seq = s.seq"
    )
    _driver_error = sqlite3.Error

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        timeout: float = 5.0,
        migrations: Sequence[Migration] = SQLITE_MIGRATIONS,
    ) -> None:
        super().__init__(str(path), migrations)
        self.path = self._name
        self._depth = 0
        try:
            # isolation_level=None: the module never opens transactions behind our back; we
            # issue BEGIN / SAVEPOINT / COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the SQLite store {self.path}: {exc}", reason="open-failed"
            ) from exc
        self._open(conn)

    def _configure(self, conn: sqlite3.Connection) -> None:
        """Set the connection's pragmas (see the module docstring), failing early on a bad file."""
        try:
            if not conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0]:
                raise StoreError(
                    f"cannot open the SQLite store {self.path}: this Python's SQLite "
                    f"{sqlite3.sqlite_version} was built without FTS5, which the store's search "
                    "needs",
                    reason="open-failed",
                )
            # 'memory' for :memory: databases, which have no file to share; WAL everywhere else.
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the SQLite store {self.path}: {exc} (is it a tidings store?)",
                reason="open-failed",
            ) from exc

    def _disconnect(self, conn: sqlite3.Connection) -> None:
        """Close the connection, first refreshing the planner's statistics."""
        # Cheap, and keeps the statistics fresh for the next opener; closing must not fail over
        # an optimisation hint.
        with suppress(sqlite3.Error):
            conn.execute("PRAGMA optimize")
        conn.close()

    def _store_error(self, message: str, exc: Exception) -> StoreError:
        """The error of reason ``conflict``, ``busy`` or ``backend`` for a sqlite3 error."""
        if isinstance(exc, sqlite3.IntegrityError):
            return StoreError(message, reason="conflict")
        if isinstance(exc, sqlite3.OperationalError) and (
            "locked" in str(exc) or "busy" in str(exc)
        ):
            hint = " (another process held the write lock; open the store with a longer timeout)"
            return StoreError(message + hint, reason="busy")
        return StoreError(message, reason="backend")

    @contextmanager
    def _atomic(self, conn: sqlite3.Connection) -> Iterator[None]:
        """A transaction, or a savepoint inside the current one (errors untranslated)."""
        if self._depth == 0:
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                # Some errors (disk full, I/O) make SQLite roll back on its own already.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._depth = 0
            if not conn.in_transaction:
                raise StoreError(
                    f"the transaction on {self.path} was rolled back by SQLite after an error "
                    "inside it; nothing of it was committed",
                    reason="backend",
                )
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return
        if not conn.in_transaction:
            # A savepoint here would silently start a new transaction outside the caller's.
            raise StoreError(
                f"the enclosing transaction on {self.path} was already rolled back after an "
                "error; leave the with-block and start again",
                reason="backend",
            )
        name = f"tidings_{self._depth}"
        conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        self._depth -= 1
        conn.execute(f"RELEASE {name}")

    def _record_migration(self, conn: sqlite3.Connection, migration: Migration) -> None:
        """Add ``migration`` to ``schema_migrations``, applied now (ISO 8601, UTC)."""
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, datetime.now(UTC).isoformat()),
        )

    def _insert(
        self,
        conn: sqlite3.Connection,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        key: str | None = None,
    ) -> set[Any]:
        """Insert ``rows`` into ``table``; see :meth:`SQLStore._insert`."""
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if key is None:
            conn.executemany(sql, rows)
            return set()
        # Row by row: executemany's rowcount is a total, and which rows were new is wanted.
        sql += f" ON CONFLICT ({key}) DO NOTHING"
        at = columns.index(key)
        return {row[at] for row in rows if conn.execute(sql, row).rowcount == 1}

    def _time(self, value: datetime | None) -> int | None:
        """Microseconds since the epoch: exact, and ordered as numbers."""
        return c.micros(value)

    def _search_expr(self, query: str) -> str | None:
        """The FTS5 expression of ``query``, every word quoted (see :mod:`._websearch`)."""
        return fts5_query(query)

    def _search(self, conn: sqlite3.Connection, table: str, expr: str, limit: int) -> list[Any]:
        """The best matches in ``table``'s FTS5 index, ranked by BM25."""
        start, stop = HIGHLIGHT
        # The FTS functions run in an inner query over the FTS table alone: SQLite refuses
        # snippet()/bm25() where the planner might not drive the query from the MATCH.
        return conn.execute(
            f"SELECT t.id, t.title, m.snip, m.score FROM ("
            f"SELECT rowid AS seq, "
            f"snippet({table}_fts, -1, ?, ?, '…', {_SNIPPET_TOKENS}) AS snip, "
            f"-bm25({table}_fts, {_WEIGHTS[table]}) AS score FROM {table}_fts "
            f"WHERE {table}_fts MATCH ? ORDER BY score DESC LIMIT ?"
            f") m JOIN {table} t ON t.seq = m.seq",
            (start, stop, expr, limit),
        ).fetchall()

    def _engine_problems(self, conn: sqlite3.Connection) -> list[str]:
        """Problems in the pages, the foreign keys and both FTS indexes."""
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            f"foreign key violation: {table} row {rowid} points at a missing {parent}"
            for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check")
        ]
        for fts in ("articles_fts", "stories_fts"):
            try:
                # FTS5's own check: every index entry matches the content table, both ways.
                conn.execute(f"INSERT INTO {fts} ({fts}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"{fts}: {exc}")
        return problems
