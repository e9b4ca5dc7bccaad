"""The query and transaction logic both SQL backends share, written once against a dialect.

:class:`SQLStore` implements every method of :class:`~tidings.store.Store`; a backend subclasses
it and supplies only what differs by dialect:

* the driver: its connection (``_configure``, ``_disconnect``), its error class and how its
  errors map to reasons (``_driver_error``, ``_store_error``), its parameter style
  (``_execute``: the shared SQL marks parameters with ``?``);
* transactions and savepoints (``_atomic``), and how migrating openers are serialised and
  recorded (``_lock_migrations``, ``_record_migration``);
* bulk inserts (``_insert``);
* how times are stored (``_time_suffix``, ``_time``: SQLite keeps integer microseconds in
  ``*_us`` columns, PostgreSQL ``timestamptz`` columns) and the newest-first order;
* full-text search (``_search_expr``, ``_match_stories``, ``_search``): SQLite FTS5 or
  PostgreSQL ``tsvector``;
* the database's own health checks (``_engine_problems``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, ClassVar, Generic, Literal, Protocol, Self, TypeVar

from ..errors import UsageError
from ..records import Analysis, Article, BriefRevision, Rejection, Story
from ..serialize import to_dict
from . import _common as c
from .base import SearchHit, StoreError, StoryOrder
from .migrations import SCHEMA_MIGRATIONS_TABLE, Migration, check_migrations, pending

__all__ = ["Connection", "Cursor", "SQLStore"]

# What search looks through: each hit kind and the table holding it.
_SEARCHED: tuple[tuple[Literal["article", "story"], str], ...] = (
    ("article", "articles"),
    ("story", "stories"),
)


class Cursor(Protocol):
    """What the shared code reads from a DB-API cursor."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the shared code needs of a DB-API connection (``sqlite3`` or psycopg 3)."""

    def execute(self, sql: str, params: Any = ..., /) -> Cursor: ...

    def close(self) -> None: ...


ConnT = TypeVar("ConnT", bound=Connection)


def _marks(n: int) -> str:
    """``n`` parameter marks for an ``IN (...)`` list."""
    return ", ".join("?" * n)


class SQLStore(ABC, Generic[ConnT]):
    """A :class:`~tidings.store.Store` over one SQL connection; subclasses supply the dialect.

    Args:
        name: where the store is (a path, a redacted URL), for messages and the repr.
        migrations: the schema history to apply when the store is opened.

    Raises:
        UsageError: the migrations are not numbered 1, 2, 3, ...
    """

    #: the registered backend name, such as ``"sqlite.v1"``
    backend: str
    #: the key of the backend's ``schema_migrations`` table in :mod:`.migrations`
    _dialect: ClassVar[str]
    #: appended to the names of time columns (``opened``, ``last_seen``, ``dated``, ``made``)
    _time_suffix: ClassVar[str]
    #: the ORDER BY of stories, newest first: undated last, ties by id
    _newest_first: ClassVar[str]
    #: a condition on stories ``s`` whose title or latest brief match the one parameter
    _match_stories: ClassVar[str]
    #: a join giving ``m.score``, the relevance of each story ``s`` that matches the one
    #: parameter (higher is better)
    _rank_stories: ClassVar[str]
    #: the base class of the driver's errors, which :meth:`_db` turns into StoreErrors
    _driver_error: type[Exception]

    def __init__(self, name: str, migrations: Sequence[Migration]) -> None:
        check_migrations(migrations)
        self._name = name
        self._migrations = tuple(migrations)
        self._conn: ConnT | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name!r})"

    # --- dialect ----------------------------------------------------------------------------

    @abstractmethod
    def _configure(self, conn: ConnT) -> None:
        """Set up a new connection before the schema is read."""

    def _disconnect(self, conn: ConnT) -> None:
        """Close the connection."""
        conn.close()

    @abstractmethod
    def _store_error(self, message: str, exc: Exception) -> StoreError:
        """The StoreError, with its reason, for a driver error; ``message`` already names it."""

    def _execute(self, conn: ConnT, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        """Run one statement of the shared SQL, whose parameters are marked ``?``."""
        return conn.execute(sql, params) if params is not None else conn.execute(sql)

    @abstractmethod
    def _atomic(self, conn: ConnT) -> AbstractContextManager[object]:
        """A transaction, or a savepoint inside the current one (errors untranslated)."""

    def _lock_migrations(self, conn: ConnT) -> None:
        """Serialise openers migrating one database, inside the transaction.

        Nothing to do where starting the transaction takes the write lock already, as
        SQLite's ``BEGIN IMMEDIATE`` does.
        """

    @abstractmethod
    def _record_migration(self, conn: ConnT, migration: Migration) -> None:
        """Add ``migration`` to the ``schema_migrations`` table."""

    @abstractmethod
    def _insert(
        self,
        conn: ConnT,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        key: str | None = None,
    ) -> set[Any]:
        """Insert ``rows`` (values in ``columns`` order) into ``table``, in order.

        Args:
            key: a unique column: a row whose key is stored already is skipped, not an error.

        Returns:
            The keys of the rows inserted when ``key`` is given, else an empty set.
        """

    @abstractmethod
    def _time(self, value: datetime | None) -> Any:
        """The stored form of an aware datetime (``None`` stays ``None``)."""

    @abstractmethod
    def _search_expr(self, query: str) -> str | None:
        """The parameter of a full-text match for a cleaned user query.

        Returns:
            ``None`` when nothing in the query is searchable: then nothing matches.
        """

    @abstractmethod
    def _search(self, conn: ConnT, table: str, expr: str, limit: int) -> list[Any]:
        """The best ``limit`` matches of ``expr`` in ``table``: ``(id, title, snippet, score)``."""

    @abstractmethod
    def _engine_problems(self, conn: ConnT) -> list[str]:
        """The problems the database engine finds in its pages, keys and search index."""

    # --- plumbing ---------------------------------------------------------------------------

    def _open(self, conn: ConnT) -> None:
        """Adopt a new connection: configure it and migrate the schema, or close it."""
        try:
            self._configure(conn)
            self._conn = conn
            self._migrate()
        except BaseException:
            self._conn = None
            conn.close()
            raise

    @contextmanager
    def _db(self, what: str) -> Iterator[ConnT]:
        """The open connection; the driver's errors raised inside become StoreErrors."""
        if self._conn is None:
            raise StoreError(f"cannot {what}: the store {self._name} is closed", reason="closed")
        try:
            yield self._conn
        except self._driver_error as exc:
            raise self._store_error(f"cannot {what} in {self._name}: {exc}", exc) from exc

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A transaction, or a savepoint inside the current one (errors untranslated)."""
        if self._conn is None:
            raise StoreError(f"cannot write: the store {self._name} is closed", reason="closed")
        with self._atomic(self._conn):
            yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically; see :meth:`tidings.store.Store.transaction`."""
        with self._db("run a transaction"), self._tx():
            yield

    def _version(self, conn: ConnT) -> int:
        sql = "SELECT coalesce(max(version), 0) FROM schema_migrations"
        return int(self._execute(conn, sql).fetchone()[0])

    def _migrate(self) -> None:
        with self._db("read the schema version") as conn:
            with self._tx():
                self._lock_migrations(conn)
                conn.execute(SCHEMA_MIGRATIONS_TABLE[self._dialect])
            current = self._version(conn)
        for migration in pending(self._migrations, current, self._name):
            try:
                with self._db(f"apply migration {migration.version}") as conn, self._tx():
                    self._lock_migrations(conn)
                    # Another process may have applied it between our look and our lock.
                    if self._version(conn) >= migration.version:
                        continue
                    for statement in migration.statements:
                        # Run as written, with no parameters: the driver reads no marks in it.
                        conn.execute(statement)
                    self._record_migration(conn, migration)
            except StoreError as exc:
                raise StoreError(
                    f"migration {migration.version} ({migration.name}) failed on {self._name}, "
                    f"which stays at schema version {migration.version - 1}: {exc.message}",
                    reason="migration-failed",
                ) from exc

    def schema_version(self) -> int:
        """The newest migration applied to the database."""
        with self._db("read the schema version") as conn:
            return self._version(conn)

    # --- articles ---------------------------------------------------------------------------

    def add_articles(self, articles: Sequence[Article]) -> list[str]:
        """Store the articles not stored yet; return the new ids. See :class:`Store`."""
        rows = [c.article_row(a) for a in c.unique_articles(articles)]
        columns = ("id", "title", "text", "outlet_key", f"dated{self._time_suffix}", "record")
        values = [
            (r.id, r.title, r.text, r.outlet_key, self._time(r.dated), r.record) for r in rows
        ]
        with self._db("add articles") as conn, self._tx():
            new = self._insert(conn, "articles", columns, values, key="id")
        return [r.id for r in rows if r.id in new]

    def get_article(self, article_id: str) -> Article:
        """The stored article ``article_id``. See :class:`Store`."""
        with self._db("read an article") as conn:
            row = self._execute(
                conn, "SELECT record, text FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
        if row is None:
            raise c.not_found("article", [article_id])
        return c.article_from(row[0], row[1])

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """The articles with ``ids``, in that order. See :class:`Store`."""
        wanted = list(dict.fromkeys(ids))
        with self._db("read articles") as conn:
            found = self._articles_in(conn, wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise c.not_found("article", missing)
        return [found[i] for i in ids]

    def _articles_in(self, conn: ConnT, ids: Iterable[str]) -> dict[str, Article]:
        """The stored articles among ``ids``, by id."""
        found: dict[str, Article] = {}
        for chunk in c.chunks(list(dict.fromkeys(ids))):
            for record, text in self._execute(
                conn,
                f"SELECT record, text FROM articles WHERE id IN ({_marks(len(chunk))})",
                tuple(chunk),
            ):
                article = c.article_from(record, text)
                found[article.id] = article
        return found

    def iter_articles(
        self, *, since: datetime | None = None, batch: int = 500
    ) -> Iterator[Article]:
        """Yield stored articles in arrival order. See :class:`Store`."""
        c.aware(since, "since", "iter_articles")
        c.check_batch(batch)
        return self._iter_articles(self._time(since), batch)

    def _iter_articles(self, since: Any, batch: int) -> Iterator[Article]:
        # Keyset pages on seq, one query each: no cursor stays open across yields (in PostgreSQL
        # it would need a transaction held open), so the caller may write while iterating.
        sql = "SELECT seq, record, text FROM articles WHERE seq > ?"
        if since is not None:
            sql += f" AND dated{self._time_suffix} >= ?"
        sql += " ORDER BY seq LIMIT ?"
        last = 0
        while True:
            with self._db("iterate articles") as conn:
                params = (last, since, batch) if since is not None else (last, batch)
                page = self._execute(conn, sql, params).fetchall()
            if not page:
                return
            for _, record, text in page:
                yield c.article_from(record, text)
            last = page[-1][0]

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self._db("count articles") as conn:
            return int(self._execute(conn, "SELECT count(*) FROM articles").fetchone()[0])

    def has_article(self, article_id: str) -> bool:
        """Whether ``article_id`` is stored."""
        with self._db("look up an article") as conn:
            return (
                self._execute(conn, "SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
                is not None
            )

    # --- rejections -------------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection], *, run: str) -> None:
        """Record the rejections of ``run``. See :class:`Store`."""
        checked = c.check_rejections(rejections, run)
        columns = ("key", "run", "input", "stage", "reason", "detail")
        rows = [
            (c.rejection_key(run, r), run, r.input, r.stage, r.reason, r.detail) for r in checked
        ]
        with self._db("add rejections") as conn, self._tx():
            self._insert(conn, "rejections", columns, rows, key="key")

    def rejections(self, run: str | None = None) -> list[Rejection]:
        """The rejections of ``run`` (of all runs when ``None``), in the order recorded."""
        sql = "SELECT input, stage, reason, detail FROM rejections"
        params: tuple[str, ...] = ()
        if run is not None:
            sql, params = sql + " WHERE run = ?", (run,)
        with self._db("read rejections") as conn:
            return [Rejection(*row) for row in self._execute(conn, sql + " ORDER BY seq", params)]

    # --- stories ----------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        """Insert or replace a story and its membership. See :class:`Store`."""
        c.check_story(story)
        record = c.dumps(to_dict(story))
        t = self._time_suffix
        with self._db(f"put story {story.id}") as conn, self._tx():
            members = [
                r[0]
                for r in self._execute(
                    conn,
                    "SELECT article FROM story_articles WHERE story = ? ORDER BY position",
                    (story.id,),
                )
            ]
            # A story that grows keeps its members and appends: only the new ones are checked
            # and written, so a revision costs what it adds, not the whole story again.
            grows = tuple(members) == story.articles[: len(members)]
            self._check_members(conn, story, story.articles[len(members) :] if grows else None)
            self._execute(
                conn,
                f"INSERT INTO stories (id, title, opened{t}, last_seen{t}, closed, size, record) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "title = excluded.title, "
                f"opened{t} = excluded.opened{t}, last_seen{t} = excluded.last_seen{t}, "
                "closed = excluded.closed, size = excluded.size, record = excluded.record",
                (
                    story.id,
                    story.title,
                    self._time(story.opened),
                    self._time(story.last_seen),
                    story.closed,  # sqlite3 binds a bool as the integer 0 or 1
                    len(story.articles),
                    record,
                ),
            )
            start = len(members) if grows else 0
            if not grows:
                self._execute(conn, "DELETE FROM story_articles WHERE story = ?", (story.id,))
            self._insert(
                conn,
                "story_articles",
                ("article", "story", "position"),
                [(a, story.id, i) for i, a in enumerate(story.articles[start:], start)],
            )

    def _check_members(self, conn: ConnT, story: Story, added: Sequence[str] | None = None) -> None:
        """Raise StoreError unless every article of ``story`` (or only those ``added`` to it) is
        stored and in no other story."""
        ids = list(story.articles if added is None else added)
        present: set[str] = set()
        taken: dict[str, str] = {}
        for chunk in c.chunks(ids):
            marks = _marks(len(chunk))
            present.update(
                r[0]
                for r in self._execute(
                    conn, f"SELECT id FROM articles WHERE id IN ({marks})", tuple(chunk)
                )
            )
            taken.update(
                self._execute(
                    conn,
                    "SELECT article, story FROM story_articles "
                    f"WHERE article IN ({marks}) AND story != ?",
                    (*chunk, story.id),
                ).fetchall()
            )
        c.raise_member_errors(story, [i for i in ids if i not in present], taken)

    def get_story(self, story_id: str) -> Story:
        """Story ``story_id``. See :class:`Store`."""
        with self._db("read a story") as conn:
            row = self._execute(
                conn, "SELECT record FROM stories WHERE id = ?", (story_id,)
            ).fetchone()
        if row is None:
            raise c.not_found("story", [story_id])
        return c.story_from(row[0])

    def _where(self, f: c.StoryFilter) -> tuple[str, list[Any]]:
        t = self._time_suffix
        clauses: list[str] = []
        params: list[Any] = []
        if f.closed is not None:
            clauses.append("s.closed = ?")
            params.append(f.closed)
        if f.since is not None:
            clauses.append(f"coalesce(s.last_seen{t}, s.opened{t}) >= ?")
            params.append(self._time(f.since))
        if f.until is not None:
            clauses.append(f"coalesce(s.opened{t}, s.last_seen{t}) < ?")
            params.append(self._time(f.until))
        if f.outlet_key is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM story_articles sa JOIN articles a ON a.id = sa.article "
                "WHERE sa.story = s.id AND a.outlet_key = ?)"
            )
            params.append(f.outlet_key)
        if f.entity_key is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM story_entities e WHERE e.story = s.id AND e.alias_key = ?)"
            )
            params.append(f.entity_key)
        if f.query is not None:
            expr = self._search_expr(f.query)
            if expr is None:
                clauses.append("1 = 0")  # nothing searchable in the query: nothing matches
            else:
                clauses.append(self._match_stories)
                params.append(expr)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def stories(
        self,
        *,
        closed: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
        entity: str | None = None,
        query: str | None = None,
        order: StoryOrder = "newest",
        limit: int = 50,
        offset: int = 0,
    ) -> list[Story]:
        """List stories matching every filter. See :class:`Store`."""
        f = c.story_filter(
            "stories",
            closed=closed,
            since=since,
            until=until,
            outlet=outlet,
            entity=entity,
            query=query,
        )
        c.check_page(order, limit, offset)
        where, params = self._where(f)
        newest = self._newest_first
        join, joined = "", []
        if order == "relevance":
            if f.query is None:
                raise UsageError("the order 'relevance' of stories needs a query")
            expr = self._search_expr(f.query)
            if expr is None:
                return []  # nothing searchable in the query: nothing matches
            join, joined, by = f" {self._rank_stories}", [expr], f"m.score DESC, {newest}"
        else:
            by = newest if order == "newest" else f"s.size DESC, {newest}"
        with self._db("list stories") as conn:
            rows = self._execute(
                conn,
                f"SELECT s.record FROM stories s{join}{where} ORDER BY {by} LIMIT ? OFFSET ?",
                (*joined, *params, limit, offset),
            ).fetchall()
        return [c.story_from(r[0]) for r in rows]

    def count_stories(
        self,
        *,
        closed: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
        entity: str | None = None,
        query: str | None = None,
    ) -> int:
        """How many stories match every filter. See :class:`Store`."""
        f = c.story_filter(
            "count_stories",
            closed=closed,
            since=since,
            until=until,
            outlet=outlet,
            entity=entity,
            query=query,
        )
        where, params = self._where(f)
        with self._db("count stories") as conn:
            sql = f"SELECT count(*) FROM stories s{where}"
            return int(self._execute(conn, sql, params).fetchone()[0])

    def story_of(self, article_id: str) -> str | None:
        """The story holding ``article_id``, if any."""
        with self._db("look up a story") as conn:
            row = self._execute(
                conn, "SELECT story FROM story_articles WHERE article = ?", (article_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def _require_story(self, conn: ConnT, story_id: str) -> None:
        sql = "SELECT 1 FROM stories WHERE id = ?"
        if self._execute(conn, sql, (story_id,)).fetchone() is None:
            raise c.not_found("story", [story_id])

    # --- revisions --------------------------------------------------------------------------

    def add_revision(self, rev: BriefRevision) -> None:
        """Store a brief revision (storing it again is a no-op). See :class:`Store`."""
        c.check_revision(rev)
        with self._db(f"add revision {rev.revision} of story {rev.story}") as conn, self._tx():
            self._require_story(conn, rev.story)
            # Articles stored as they are in the brief are kept by id only (no second copy).
            stored = self._articles_in(conn, (a.id for a in rev.brief.articles))
            row = c.revision_row(rev, {a.id for a in rev.brief.articles if stored.get(a.id) == a})
            existing = self._execute(
                conn,
                "SELECT record FROM revisions WHERE story = ? AND revision = ?",
                (row.story, row.revision),
            ).fetchone()
            if existing is not None:
                c.check_same_revision(
                    rev, existing[0], self._articles_in(conn, c.referenced(existing[0]))
                )
                return
            self._execute(
                conn,
                f"INSERT INTO revisions (story, revision, made{self._time_suffix}, brief_text, "
                "update_text, record) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row.story,
                    row.revision,
                    self._time(row.made),
                    row.brief_text,
                    row.update_text,
                    row.record,
                ),
            )
            self._execute(
                conn,
                "UPDATE stories SET brief_text = ?, latest_revision = ? "
                "WHERE id = ? AND (latest_revision IS NULL OR latest_revision < ?)",
                (row.brief_text, row.revision, row.story, row.revision),
            )

    def revisions(self, story_id: str) -> list[BriefRevision]:
        """Every revision of a story, oldest first. See :class:`Store`."""
        with self._db("read revisions") as conn:
            self._require_story(conn, story_id)
            rows = self._execute(
                conn, "SELECT record FROM revisions WHERE story = ? ORDER BY revision", (story_id,)
            ).fetchall()
            articles = self._articles_in(conn, (i for r in rows for i in c.referenced(r[0])))
        return [c.revision_from(r[0], articles) for r in rows]

    def latest_revision(self, story_id: str) -> BriefRevision | None:
        """The story's newest revision, if any. See :class:`Store`."""
        with self._db("read the latest revision") as conn:
            self._require_story(conn, story_id)
            row = self._execute(
                conn,
                "SELECT record FROM revisions WHERE story = ? ORDER BY revision DESC LIMIT 1",
                (story_id,),
            ).fetchone()
            articles = self._articles_in(conn, c.referenced(row[0])) if row is not None else {}
        return None if row is None else c.revision_from(row[0], articles)

    # --- analysis ---------------------------------------------------------------------------

    def put_analysis(self, story_id: str, analysis: Analysis, revision: int) -> None:
        """Insert or replace a story's analysis. See :class:`Store`."""
        record = c.check_analysis(analysis, revision)
        with self._db(f"put the analysis of story {story_id}") as conn, self._tx():
            self._require_story(conn, story_id)
            self._execute(
                conn,
                "INSERT INTO analyses (story, revision, record) VALUES (?, ?, ?) "
                "ON CONFLICT (story) DO UPDATE SET "
                "revision = excluded.revision, record = excluded.record",
                (story_id, revision, record),
            )
            self._execute(conn, "DELETE FROM story_entities WHERE story = ?", (story_id,))
            self._insert(
                conn,
                "story_entities",
                ("story", "name", "kind", "alias_key"),
                [(story_id, *row) for row in c.entity_rows(analysis)],
            )

    def get_analysis(self, story_id: str) -> Analysis | None:
        """The story's analysis, if one was stored. See :class:`Store`."""
        with self._db("read an analysis") as conn:
            self._require_story(conn, story_id)
            row = self._execute(
                conn, "SELECT record FROM analyses WHERE story = ?", (story_id,)
            ).fetchone()
        return None if row is None else c.analysis_from(row[0])

    # --- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        kind: Literal["article", "story"] | None = None,
    ) -> list[SearchHit]:
        """Full-text search, best first. See :class:`Store`."""
        expr = self._search_expr(c.check_search(query, limit, kind))
        if expr is None:
            return []
        hits: list[SearchHit] = []
        with self._db("search") as conn:
            for hit_kind, table in _SEARCHED:
                if kind is not None and kind != hit_kind:
                    continue
                hits.extend(
                    SearchHit(hit_kind, i, title, snip or "", float(score))
                    for i, title, snip, score in self._search(conn, table, expr, limit)
                )
        hits.sort(key=lambda h: (-h.score, h.kind, h.id))
        return hits[:limit]

    # --- state ------------------------------------------------------------------------------

    def put_state(self, key: str, value: bytes) -> None:
        """Set the state blob ``key``."""
        c.check_state(key, value)
        with self._db(f"put state {key!r}") as conn, self._tx():
            self._execute(
                conn,
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, bytes(value)),
            )

    def get_state(self, key: str) -> bytes | None:
        """The state blob ``key``, if set."""
        c.check_state(key)
        with self._db(f"read state {key!r}") as conn:
            row = self._execute(conn, "SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    # --- lifecycle --------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Check the database, its search index and the stories' summary columns."""
        with self._db("check integrity") as conn:
            problems = self._engine_problems(conn)
            return problems + c.summary_problems(self._execute(conn, c.SUMMARY_CHECK).fetchall())

    def close(self) -> None:
        """Close the store (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._disconnect(conn)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
