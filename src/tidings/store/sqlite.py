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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from os import PathLike
from types import TracebackType
from typing import Any, Literal

from ..records import Analysis, Article, BriefRevision, Rejection, Story
from ..serialize import to_dict
from . import _common as c
from ._websearch import fts5_query
from .base import HIGHLIGHT, STORES, SearchHit, StoreError, StoryOrder
from .migrations import (
    SCHEMA_MIGRATIONS_TABLE,
    SQLITE_MIGRATIONS,
    Migration,
    check_migrations,
    pending,
)

__all__ = ["SQLiteStore"]

# BM25 column weights: a word in the title counts as much as three in the body.
_ARTICLE_WEIGHTS = "3.0, 1.0"
_STORY_WEIGHTS = "3.0, 1.0"
_SNIPPET_TOKENS = 16


@STORES.register("sqlite.v1")
class SQLiteStore:
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

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        timeout: float = 5.0,
        migrations: Sequence[Migration] = SQLITE_MIGRATIONS,
    ) -> None:
        check_migrations(migrations)
        self.path = str(path)
        self._migrations = tuple(migrations)
        self._depth = 0
        self._conn: sqlite3.Connection | None = None
        try:
            # isolation_level=None: the module never opens transactions behind our back; we
            # issue BEGIN / SAVEPOINT / COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the SQLite store {self.path}: {exc}", reason="open-failed"
            ) from exc
        try:
            _configure(conn, self.path)
            self._conn = conn
            self._migrate()
        except BaseException:
            self._conn = None
            conn.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _db(self, what: str) -> Iterator[sqlite3.Connection]:
        """The open connection; SQLite's errors raised inside become StoreErrors."""
        if self._conn is None:
            raise StoreError(f"cannot {what}: the store {self.path} is closed", reason="closed")
        try:
            yield self._conn
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"cannot {what} in {self.path}: {exc}", reason="conflict") from exc
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            hint = " (another process held the write lock; open the store with a longer timeout)"
            hint = hint if busy else ""
            raise StoreError(
                f"cannot {what} in {self.path}: {exc}{hint}", reason="busy" if busy else "backend"
            ) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what} in {self.path}: {exc}", reason="backend") from exc

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A transaction, or a savepoint inside the current one (errors untranslated)."""
        conn = self._conn
        if conn is None:
            raise StoreError(f"cannot write: the store {self.path} is closed", reason="closed")
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically; see :meth:`tidings.store.Store.transaction`."""
        with self._db("run a transaction"), self._tx():
            yield

    def _version(self, conn: sqlite3.Connection) -> int:
        return int(
            conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
        )

    def _migrate(self) -> None:
        with self._db("read the schema version") as conn:
            with self._tx():
                conn.execute(SCHEMA_MIGRATIONS_TABLE["sqlite"])
            current = self._version(conn)
        for migration in pending(self._migrations, current, self.path):
            try:
                with self._db(f"apply migration {migration.version}") as conn, self._tx():
                    # BEGIN IMMEDIATE serialises openers: another process may have applied it
                    # between our look and our lock.
                    if self._version(conn) >= migration.version:
                        continue
                    for statement in migration.statements:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (?, ?, ?)",
                        (migration.version, migration.name, datetime.now(UTC).isoformat()),
                    )
            except StoreError as exc:
                raise StoreError(
                    f"migration {migration.version} ({migration.name}) failed on {self.path}, "
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
        new = []
        with self._db("add articles") as conn, self._tx():
            for row in rows:
                cursor = conn.execute(
                    "INSERT INTO articles (id, title, text, outlet_key, dated_us, record) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (row.id, row.title, row.text, row.outlet_key, c.micros(row.dated), row.record),
                )
                if cursor.rowcount == 1:
                    new.append(row.id)
        return new

    def get_article(self, article_id: str) -> Article:
        """The stored article ``article_id``. See :class:`Store`."""
        with self._db("read an article") as conn:
            row = conn.execute(
                "SELECT record, text FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
        if row is None:
            raise c.not_found("article", [article_id])
        return c.article_from(row[0], row[1])

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """The articles with ``ids``, in that order. See :class:`Store`."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Article] = {}
        with self._db("read articles") as conn:
            for chunk in c.chunks(wanted):
                marks = ", ".join("?" * len(chunk))
                for record, text in conn.execute(
                    f"SELECT record, text FROM articles WHERE id IN ({marks})", tuple(chunk)
                ):
                    article = c.article_from(record, text)
                    found[article.id] = article
        missing = [i for i in wanted if i not in found]
        if missing:
            raise c.not_found("article", missing)
        return [found[i] for i in ids]

    def iter_articles(
        self, *, since: datetime | None = None, batch: int = 500
    ) -> Iterator[Article]:
        """Yield stored articles in arrival order. See :class:`Store`."""
        c.aware(since, "since", "iter_articles")
        c.check_batch(batch)
        return self._iter_articles(c.micros(since), batch)

    def _iter_articles(self, since_us: int | None, batch: int) -> Iterator[Article]:
        # Keyset pages on seq, one query each: no cursor stays open across yields, so the caller
        # may write to the store while iterating.
        sql = "SELECT seq, record, text FROM articles WHERE seq > ?"
        if since_us is not None:
            sql += " AND dated_us >= ?"
        sql += " ORDER BY seq LIMIT ?"
        last = 0
        while True:
            with self._db("iterate articles") as conn:
                params = (last, since_us, batch) if since_us is not None else (last, batch)
                page = conn.execute(sql, params).fetchall()
            if not page:
                return
            for _, record, text in page:
                yield c.article_from(record, text)
            last = page[-1][0]

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self._db("count articles") as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def has_article(self, article_id: str) -> bool:
        """Whether ``article_id`` is stored."""
        with self._db("look up an article") as conn:
            return (
                conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
                is not None
            )

    # --- rejections -------------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection], *, run: str) -> None:
        """Record the rejections of ``run``. See :class:`Store`."""
        checked = c.check_rejections(rejections, run)
        with self._db("add rejections") as conn, self._tx():
            conn.executemany(
                "INSERT INTO rejections (key, run, input, stage, reason, detail) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                [
                    (c.rejection_key(run, r), run, r.input, r.stage, r.reason, r.detail)
                    for r in checked
                ],
            )

    def rejections(self, run: str | None = None) -> list[Rejection]:
        """The rejections of ``run`` (of all runs when ``None``), in the order recorded."""
        sql = "SELECT input, stage, reason, detail FROM rejections"
        params: tuple[str, ...] = ()
        if run is not None:
            sql, params = sql + " WHERE run = ?", (run,)
        with self._db("read rejections") as conn:
            return [Rejection(*row) for row in conn.execute(sql + " ORDER BY seq", params)]

    # --- stories ----------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        """Insert or replace a story and its membership. See :class:`Store`."""
        c.check_story(story)
        record = c.dumps(to_dict(story))
        with self._db(f"put story {story.id}") as conn, self._tx():
            self._check_members(conn, story)
            conn.execute(
                "INSERT INTO stories (id, title, opened_us, last_seen_us, closed, size, record) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "title = excluded.title, "
                "opened_us = excluded.opened_us, last_seen_us = excluded.last_seen_us, "
                "closed = excluded.closed, size = excluded.size, record = excluded.record",
                (
                    story.id,
                    story.title,
                    c.micros(story.opened),
                    c.micros(story.last_seen),
                    int(story.closed),
                    len(story.articles),
                    record,
                ),
            )
            conn.execute("DELETE FROM story_articles WHERE story = ?", (story.id,))
            conn.executemany(
                "INSERT INTO story_articles (article, story, position) VALUES (?, ?, ?)",
                [(a, story.id, i) for i, a in enumerate(story.articles)],
            )

    def _check_members(self, conn: sqlite3.Connection, story: Story) -> None:
        """Raise StoreError unless every article of ``story`` is stored and in no other story."""
        ids = list(story.articles)
        present: set[str] = set()
        taken: dict[str, str] = {}
        for chunk in c.chunks(ids):
            marks = ", ".join("?" * len(chunk))
            present.update(
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM articles WHERE id IN ({marks})", tuple(chunk)
                )
            )
            taken.update(
                conn.execute(
                    "SELECT article, story FROM story_articles "
                    f"WHERE article IN ({marks}) AND story != ?",
                    (*chunk, story.id),
                ).fetchall()
            )
        c.raise_member_errors(story, [i for i in ids if i not in present], taken)

    def get_story(self, story_id: str) -> Story:
        """Story ``story_id``. See :class:`Store`."""
        with self._db("read a story") as conn:
            row = conn.execute("SELECT record FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            raise c.not_found("story", [story_id])
        return c.story_from(row[0])

    def _where(self, f: c.StoryFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if f.closed is not None:
            clauses.append("s.closed = ?")
            params.append(int(f.closed))
        if f.since is not None:
            clauses.append("coalesce(s.last_seen_us, s.opened_us) >= ?")
            params.append(c.micros(f.since))
        if f.until is not None:
            clauses.append("coalesce(s.opened_us, s.last_seen_us) < ?")
            params.append(c.micros(f.until))
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
            expr = fts5_query(f.query)
            if expr is None:
                clauses.append("0")  # nothing searchable in the query: nothing matches
            else:
                clauses.append("s.seq IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?)")
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
        newest = "s.last_seen_us IS NULL, s.last_seen_us DESC, s.id"
        by = newest if order == "newest" else f"s.size DESC, {newest}"
        with self._db("list stories") as conn:
            rows = conn.execute(
                f"SELECT s.record FROM stories s{where} ORDER BY {by} LIMIT ? OFFSET ?",
                (*params, limit, offset),
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
            return int(conn.execute(f"SELECT count(*) FROM stories s{where}", params).fetchone()[0])

    def story_of(self, article_id: str) -> str | None:
        """The story holding ``article_id``, if any."""
        with self._db("look up a story") as conn:
            row = conn.execute(
                "SELECT story FROM story_articles WHERE article = ?", (article_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def _require_story(self, conn: sqlite3.Connection, story_id: str) -> None:
        if conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is None:
            raise c.not_found("story", [story_id])

    # --- revisions --------------------------------------------------------------------------

    def add_revision(self, rev: BriefRevision) -> None:
        """Store a brief revision (storing it again is a no-op). See :class:`Store`."""
        row = c.revision_row(rev)
        with self._db(f"add revision {rev.revision} of story {rev.story}") as conn, self._tx():
            self._require_story(conn, rev.story)
            existing = conn.execute(
                "SELECT record FROM revisions WHERE story = ? AND revision = ?",
                (row.story, row.revision),
            ).fetchone()
            if existing is not None:
                c.check_same_revision(rev, existing[0])
                return
            conn.execute(
                "INSERT INTO revisions (story, revision, made_us, brief_text, update_text, record) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row.story,
                    row.revision,
                    c.micros(row.made),
                    row.brief_text,
                    row.update_text,
                    row.record,
                ),
            )
            conn.execute(
                "UPDATE stories SET brief_text = ?, latest_revision = ? "
                "WHERE id = ? AND (latest_revision IS NULL OR latest_revision < ?)",
                (row.brief_text, row.revision, row.story, row.revision),
            )

    def revisions(self, story_id: str) -> list[BriefRevision]:
        """Every revision of a story, oldest first. See :class:`Store`."""
        with self._db("read revisions") as conn:
            self._require_story(conn, story_id)
            rows = conn.execute(
                "SELECT record FROM revisions WHERE story = ? ORDER BY revision", (story_id,)
            ).fetchall()
        return [c.revision_from(r[0]) for r in rows]

    def latest_revision(self, story_id: str) -> BriefRevision | None:
        """The story's newest revision, if any. See :class:`Store`."""
        with self._db("read the latest revision") as conn:
            self._require_story(conn, story_id)
            row = conn.execute(
                "SELECT record FROM revisions WHERE story = ? ORDER BY revision DESC LIMIT 1",
                (story_id,),
            ).fetchone()
        return None if row is None else c.revision_from(row[0])

    # --- analysis ---------------------------------------------------------------------------

    def put_analysis(self, story_id: str, analysis: Analysis, revision: int) -> None:
        """Insert or replace a story's analysis. See :class:`Store`."""
        record = c.check_analysis(analysis, revision)
        with self._db(f"put the analysis of story {story_id}") as conn, self._tx():
            self._require_story(conn, story_id)
            conn.execute(
                "INSERT INTO analyses (story, revision, record) VALUES (?, ?, ?) "
                "ON CONFLICT (story) DO UPDATE SET "
                "revision = excluded.revision, record = excluded.record",
                (story_id, revision, record),
            )
            conn.execute("DELETE FROM story_entities WHERE story = ?", (story_id,))
            conn.executemany(
                "INSERT INTO story_entities (story, name, kind, alias_key) VALUES (?, ?, ?, ?)",
                [(story_id, *row) for row in c.entity_rows(analysis)],
            )

    def get_analysis(self, story_id: str) -> Analysis | None:
        """The story's analysis, if one was stored. See :class:`Store`."""
        with self._db("read an analysis") as conn:
            self._require_story(conn, story_id)
            row = conn.execute(
                "SELECT record FROM analyses WHERE story = ?", (story_id,)
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
        expr = fts5_query(c.check_search(query, limit, kind))
        if expr is None:
            return []
        start, stop = HIGHLIGHT
        hits: list[SearchHit] = []
        # The FTS functions run in an inner query over the FTS table alone: SQLite refuses
        # snippet()/bm25() where the planner might not drive the query from the MATCH.
        tables: tuple[tuple[Literal["article", "story"], str, str], ...] = (
            ("article", "articles", _ARTICLE_WEIGHTS),
            ("story", "stories", _STORY_WEIGHTS),
        )
        with self._db("search") as conn:
            for hit_kind, table, weights in tables:
                if kind is not None and kind != hit_kind:
                    continue
                rows = conn.execute(
                    f"SELECT t.id, t.title, m.snip, m.score FROM ("
                    f"SELECT rowid AS seq, "
                    f"snippet({table}_fts, -1, ?, ?, '…', {_SNIPPET_TOKENS}) AS snip, "
                    f"-bm25({table}_fts, {weights}) AS score FROM {table}_fts "
                    f"WHERE {table}_fts MATCH ? ORDER BY score DESC LIMIT ?"
                    f") m JOIN {table} t ON t.seq = m.seq",
                    (start, stop, expr, limit),
                ).fetchall()
                hits.extend(
                    SearchHit(hit_kind, i, title, snip or "", float(score))
                    for i, title, snip, score in rows
                )
        hits.sort(key=lambda h: (-h.score, h.kind, h.id))
        return hits[:limit]

    # --- state ------------------------------------------------------------------------------

    def put_state(self, key: str, value: bytes) -> None:
        """Set the state blob ``key``."""
        c.check_state(key, value)
        with self._db(f"put state {key!r}") as conn, self._tx():
            conn.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, bytes(value)),
            )

    def get_state(self, key: str) -> bytes | None:
        """The state blob ``key``, if set."""
        c.check_state(key)
        with self._db(f"read state {key!r}") as conn:
            row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    # --- lifecycle --------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Check pages, foreign keys, both FTS indexes and the stories' summary columns."""
        problems: list[str] = []
        with self._db("check integrity") as conn:
            problems += [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
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
            problems += c.summary_problems(conn.execute(c.SUMMARY_CHECK).fetchall())
        return problems

    def close(self) -> None:
        """Close the store (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            # Cheap, and keeps the planner's statistics fresh for the next opener; closing must
            # not fail over an optimisation hint.
            with suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _configure(conn: sqlite3.Connection, path: str) -> None:
    """Set the connection's pragmas (see the module docstring), failing early on a bad file."""
    try:
        if not conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0]:
            raise StoreError(
                f"cannot open the SQLite store {path}: this Python's SQLite "
                f"{sqlite3.sqlite_version} was built without FTS5, which the store's search needs",
                reason="open-failed",
            )
        # 'memory' for :memory: databases, which have no file to share; WAL everywhere else.
        conn.execute("PRAGMA journal_mode=WAL").fetchone()
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise StoreError(
            f"cannot open the SQLite store {path}: {exc} (is it a tidings store?)",
            reason="open-failed",
        ) from exc
