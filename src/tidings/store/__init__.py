"""Where tidings keeps articles, stories and brief revisions between runs.

::

    from tidings.store import open_store

    with open_store("news.db") as store:            # SQLite (or "sqlite:///news.db", ":memory:")
        new = store.add_articles(articles)           # idempotent: the ids that were new
        with store.transaction():                    # all or nothing
            store.put_story(story)
            store.add_revision(revision)
        hits = store.search('"INF treaty" -Iran')

    open_store("postgresql://user@host/news")       # PostgreSQL: pip install 'tidings[postgres]'

Both backends keep one contract, :class:`Store`, checked by one test suite. Records are stored
losslessly (:mod:`tidings.serialize`), the schema is upgraded by numbered migrations when a
store is opened (:mod:`tidings.store.migrations`), and full-text search uses SQLite FTS5 or
PostgreSQL ``tsvector``.
"""

from __future__ import annotations

from os import PathLike, fspath

from ..errors import UsageError
from .base import HIGHLIGHT, STORES, SearchHit, Store, StoreError, StoryOrder
from .postgres import PostgresStore
from .sqlite import SQLiteStore

__all__ = [
    "HIGHLIGHT",
    "STORES",
    "PostgresStore",
    "SQLiteStore",
    "SearchHit",
    "Store",
    "StoreError",
    "StoryOrder",
    "open_store",
]

_SQLITE_URL = "sqlite:///"


def open_store(target: str | PathLike[str]) -> Store:
    """Open (creating or upgrading it as needed) the store at ``target``.

    Args:
        target: one of

            * a file path (``str`` or ``Path``): a SQLite store in that file;
            * ``"sqlite:///relative/path.db"`` or ``"sqlite:////absolute/path.db"`` (the
              SQLAlchemy spelling), or ``":memory:"`` for a private in-memory SQLite store;
            * ``"postgresql://user:password@host:port/dbname"`` (or ``postgres://``): a
              PostgreSQL store in that existing database (needs the ``postgres`` extra).

    Returns:
        The open store; close it, or use it as a context manager.

    Raises:
        UsageError: ``target`` has a URL scheme that names no backend.
        MissingDependencyError: a PostgreSQL URL, and psycopg is not installed.
        StoreError: the database cannot be opened (reason ``open-failed``), was written by a
            newer tidings (``schema-too-new``), or could not be upgraded (``migration-failed``).
    """
    if isinstance(target, PathLike):
        return SQLiteStore(fspath(target))
    if not isinstance(target, str) or not target:
        raise UsageError(
            f"the target of open_store must be a path or a database URL, got {target!r}"
        )
    scheme, sep, _ = target.partition("://")
    if not sep:
        return SQLiteStore(target)
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return PostgresStore(target)
    if scheme == "sqlite":
        if target[: len(_SQLITE_URL)].lower() != _SQLITE_URL or target == _SQLITE_URL:
            raise UsageError(
                "a SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db, "
                f"got {target!r}"
            )
        return SQLiteStore(target[len(_SQLITE_URL) :])
    raise UsageError(
        f"the target of open_store must be a file path, ':memory:', sqlite:///path or "
        f"postgresql://..., got a {scheme}:// URL (backends: {', '.join(STORES.names())})"
    )
