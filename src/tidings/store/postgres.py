"""The PostgreSQL store (``postgres.v1``): psycopg 3, JSONB records, ``tsvector`` search.

psycopg is imported when a store is opened, never when tidings is imported; without it, opening
raises :class:`~tidings.errors.MissingDependencyError` naming the extra to install.

The connection runs in autocommit mode and every write is wrapped in ``conn.transaction()``,
which is a transaction at the top level and a savepoint inside one: this matters more here than
in SQLite, because after a failed statement PostgreSQL refuses every later statement of the
transaction, so a failed write inside a caller's transaction must be undone to its savepoint.

The queries are :class:`~tidings.store._sql.SQLStore`'s; this module holds PostgreSQL's dialect.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError
from . import _common as c
from ._sql import Cursor, SQLStore
from ._websearch import parse
from .base import HIGHLIGHT, STORES, StoreError
from .migrations import POSTGRES_MIGRATIONS, Migration

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

INSTALL_HINT = "pip install 'tidings[postgres]'"
# Any fixed 64-bit key: every opener of one database takes this advisory lock while migrating,
# so two processes opening a new database at once do not both create the schema.
_MIGRATION_LOCK = 0x7469_6469_6E67_7301
_CONFIG = "'english'::regconfig"
_HEADLINE = (
    f'StartSel="{HIGHLIGHT[0]}", StopSel="{HIGHLIGHT[1]}", MaxWords=24, MinWords=8, ShortWord=2'
)
# The element types of the arrays bulk inserts unnest, by column; other columns are text.
_ARRAY_TYPES = {"dated": "timestamptz", "position": "integer", "record": "jsonb"}
# What search headlines are cut from, by table.
_BODIES = {"articles": "t.text", "stories": "coalesce(t.brief_text, t.title, '')"}


def import_psycopg() -> ModuleType:
    """Import psycopg 3.

    Raises:
        MissingDependencyError: psycopg is not installed; the message names the extra.
    """
    try:
        import psycopg
    except ImportError as exc:
        raise MissingDependencyError(
            f"the PostgreSQL store needs psycopg 3, which is not installed: {INSTALL_HINT}"
        ) from exc
    return psycopg


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, for error messages and reprs."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


@STORES.register("postgres.v1")
class PostgresStore(SQLStore["psycopg.Connection[Any]"]):
    """A store in a PostgreSQL database.

    Args:
        url: a libpq URL, ``postgresql://user:password@host:port/dbname``. The database must
            exist; the store creates its tables in the connection's default schema.
        connect_timeout: seconds to wait for the server.
        migrations: the schema history to apply (the real one unless testing migrations).

    Raises:
        MissingDependencyError: psycopg is not installed.
        StoreError: reason ``open-failed`` (server unreachable, no such database, refused),
            ``schema-too-new`` or ``migration-failed``.
    """

    backend = "postgres.v1"
    _dialect = "postgres"
    _time_suffix = ""
    _newest_first = "s.last_seen DESC NULLS LAST, s.id"
    _match_stories = f"s.search @@ websearch_to_tsquery({_CONFIG}, ?)"
    _rank_stories = (
        f"CROSS JOIN LATERAL (SELECT ts_rank(s.search, websearch_to_tsquery({_CONFIG}, ?))"
        " AS score) m"
    )

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: int = 10,
        migrations: Sequence[Migration] = POSTGRES_MIGRATIONS,
    ) -> None:
        super().__init__(redact(url), migrations)
        self._pg = import_psycopg()
        self._driver_error = self._pg.Error
        self.url = self._name
        try:
            conn = self._pg.connect(
                url, autocommit=True, connect_timeout=connect_timeout, application_name="tidings"
            )
        except self._pg.Error as exc:
            raise StoreError(
                f"cannot open the PostgreSQL store {self.url}: {exc}", reason="open-failed"
            ) from exc
        self._open(conn)

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        """Make timestamps come back in UTC, whatever the server's default zone.

        Records keep their own offsets in their JSON anyway.
        """
        conn.execute("SET TIME ZONE 'UTC'")

    def _store_error(self, message: str, exc: Exception) -> StoreError:
        """The error of reason ``conflict``, ``bad-value`` or ``backend`` for a psycopg error."""
        if isinstance(exc, self._pg.IntegrityError):
            return StoreError(message, reason="conflict")
        if isinstance(exc, self._pg.DataError):
            # Values PostgreSQL cannot hold though Python can, such as NUL characters in text.
            return StoreError(message, reason="bad-value")
        return StoreError(message, reason="backend")

    def _execute(
        self, conn: psycopg.Connection[Any], sql: str, params: Sequence[Any] | None = None
    ) -> Cursor:
        """Run one statement of the shared SQL, its ``?`` marks made psycopg's ``%s``."""
        # The shared SQL holds no other ? and no %, which psycopg would read as a mark too.
        return conn.execute(sql.replace("?", "%s"), params)

    def _atomic(self, conn: psycopg.Connection[Any]) -> AbstractContextManager[object]:
        """A transaction, or a savepoint inside the current one (errors untranslated)."""
        return conn.transaction()

    def _lock_migrations(self, conn: psycopg.Connection[Any]) -> None:
        """Take the migration lock until the transaction ends."""
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))

    def _record_migration(self, conn: psycopg.Connection[Any], migration: Migration) -> None:
        """Add ``migration`` to ``schema_migrations``, applied at the server's ``now()``."""
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
            (migration.version, migration.name),
        )

    def _insert(
        self,
        conn: psycopg.Connection[Any],
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        key: str | None = None,
    ) -> set[Any]:
        """Insert ``rows`` into ``table``; see :meth:`SQLStore._insert`."""
        names = ", ".join(columns)
        arrays = ", ".join(f"%s::{_ARRAY_TYPES.get(col, 'text')}[]" for col in columns)
        # One statement per chunk, a column an array; ORDER BY ord keeps the rows' order in seq.
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {names} FROM unnest({arrays}) "
            f"WITH ORDINALITY AS t ({names}, ord) ORDER BY ord"
        )
        if key is not None:
            sql += f" ON CONFLICT ({key}) DO NOTHING RETURNING {key}"
        inserted: set[Any] = set()
        for chunk in c.chunks(rows):
            cursor = conn.execute(sql, [list(values) for values in zip(*chunk, strict=True)])
            if key is not None:
                inserted.update(r[0] for r in cursor.fetchall())
        return inserted

    def _time(self, value: datetime | None) -> datetime | None:
        """Datetimes are stored as they are, in ``timestamptz`` columns."""
        return value

    def _search_expr(self, query: str) -> str | None:
        """``query`` itself, which ``websearch_to_tsquery`` parses, if it has a positive term."""
        # Same rule as the SQLite backend: a query with no positive term finds nothing (in
        # PostgreSQL '-word' alone would match every document without the word).
        return query if parse(query) else None

    def _search(
        self, conn: psycopg.Connection[Any], table: str, expr: str, limit: int
    ) -> list[Any]:
        """The best matches of ``table``'s search vectors, ranked by ``ts_rank``."""
        # Rank and cut first, then build headlines for the hits only: ts_headline re-parses
        # the whole text, which would be costly for every match.
        return conn.execute(
            f"WITH q AS (SELECT websearch_to_tsquery({_CONFIG}, %(q)s) AS q), "
            f"m AS (SELECT t.seq, ts_rank(t.search, q.q) AS score FROM {table} t, q "
            f"WHERE t.search @@ q.q ORDER BY score DESC, t.id LIMIT %(limit)s) "
            f"SELECT t.id, t.title, ts_headline({_CONFIG}, {_BODIES[table]}, q.q, %(opts)s), "
            f"m.score FROM m JOIN {table} t ON t.seq = m.seq, q",
            {"q": expr, "limit": limit, "opts": _HEADLINE},
        ).fetchall()

    def _engine_problems(self, conn: psycopg.Connection[Any]) -> list[str]:
        """None to report: PostgreSQL checks its pages and foreign keys itself.

        It derives the search vectors from the rows too, so what is left to check is what the
        store keeps in step by hand: the stories' summary columns, which every backend checks.
        """
        return []
