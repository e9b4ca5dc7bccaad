"""The PostgreSQL store (``postgres.v1``): psycopg 3, JSONB records, ``tsvector`` search.

psycopg is imported when a store is opened, never when tidings is imported; without it, opening
raises :class:`~tidings.errors.MissingDependencyError` naming the extra to install.

The connection runs in autocommit mode and every write is wrapped in ``conn.transaction()``,
which is a transaction at the top level and a savepoint inside one: this matters more here than
in SQLite, because after a failed statement PostgreSQL refuses every later statement of the
transaction, so a failed write inside a caller's transaction must be undone to its savepoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ..errors import MissingDependencyError
from ..records import Analysis, Article, BriefRevision, Rejection, Story
from ..serialize import to_dict
from . import _common as c
from ._websearch import parse
from .base import HIGHLIGHT, STORES, SearchHit, StoreError, StoryOrder
from .migrations import (
    POSTGRES_MIGRATIONS,
    SCHEMA_MIGRATIONS_TABLE,
    Migration,
    check_migrations,
    pending,
)

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
class PostgresStore:
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

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: int = 10,
        migrations: Sequence[Migration] = POSTGRES_MIGRATIONS,
    ) -> None:
        check_migrations(migrations)
        self._pg = import_psycopg()
        self.url = redact(url)
        self._migrations = tuple(migrations)
        self._conn: psycopg.Connection[Any] | None = None
        try:
            conn = self._pg.connect(
                url, autocommit=True, connect_timeout=connect_timeout, application_name="tidings"
            )
        except self._pg.Error as exc:
            raise StoreError(
                f"cannot open the PostgreSQL store {self.url}: {exc}", reason="open-failed"
            ) from exc
        try:
            # Timestamps come back in UTC whatever the server's default zone; records keep their
            # own offsets in their JSON anyway.
            conn.execute("SET TIME ZONE 'UTC'")
            self._conn = conn
            self._migrate()
        except BaseException:
            self._conn = None
            conn.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _db(self, what: str) -> Iterator[psycopg.Connection[Any]]:
        """The open connection; psycopg's errors raised inside become StoreErrors."""
        if self._conn is None:
            raise StoreError(f"cannot {what}: the store {self.url} is closed", reason="closed")
        pg = self._pg
        try:
            yield self._conn
        except pg.IntegrityError as exc:
            raise StoreError(f"cannot {what} in {self.url}: {exc}", reason="conflict") from exc
        except pg.DataError as exc:
            # Values PostgreSQL cannot hold though Python can, such as NUL characters in text.
            raise StoreError(f"cannot {what} in {self.url}: {exc}", reason="bad-value") from exc
        except pg.Error as exc:
            raise StoreError(f"cannot {what} in {self.url}: {exc}", reason="backend") from exc

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A transaction, or a savepoint inside the current one (errors untranslated)."""
        if self._conn is None:
            raise StoreError(f"cannot write: the store {self.url} is closed", reason="closed")
        with self._conn.transaction():
            yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically; see :meth:`tidings.store.Store.transaction`."""
        with self._db("run a transaction"), self._tx():
            yield

    def _version(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        with self._db("read the schema version") as conn:
            with self._tx():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(SCHEMA_MIGRATIONS_TABLE["postgres"])
            current = self._version(conn)
        for migration in pending(self._migrations, current, self.url):
            try:
                with self._db(f"apply migration {migration.version}") as conn, self._tx():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    # Another process may have applied it between our look and our lock.
                    if self._version(conn) >= migration.version:
                        continue
                    for statement in migration.statements:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
            except StoreError as exc:
                raise StoreError(
                    f"migration {migration.version} ({migration.name}) failed on {self.url}, "
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
        inserted: set[str] = set()
        with self._db("add articles") as conn, self._tx():
            for chunk in c.chunks(rows):
                # One statement per chunk; ORDER BY ord keeps arrival order in seq.
                cursor = conn.execute(
                    "INSERT INTO articles (id, title, text, outlet_key, dated, record) "
                    "SELECT id, title, text, outlet_key, dated, record::jsonb FROM unnest("
                    "%s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::text[]"
                    ") WITH ORDINALITY AS t (id, title, text, outlet_key, dated, record, ord) "
                    "ORDER BY ord ON CONFLICT (id) DO NOTHING RETURNING id",
                    (
                        [r.id for r in chunk],
                        [r.title for r in chunk],
                        [r.text for r in chunk],
                        [r.outlet_key for r in chunk],
                        [r.dated for r in chunk],
                        [r.record for r in chunk],
                    ),
                )
                inserted.update(r[0] for r in cursor.fetchall())
        return [r.id for r in rows if r.id in inserted]

    def get_article(self, article_id: str) -> Article:
        """The stored article ``article_id``. See :class:`Store`."""
        with self._db("read an article") as conn:
            row = conn.execute(
                "SELECT record, text FROM articles WHERE id = %s", (article_id,)
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
                for record, text in conn.execute(
                    "SELECT record, text FROM articles WHERE id = ANY(%s)", (list(chunk),)
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
        return self._iter_articles(since, batch)

    def _iter_articles(self, since: datetime | None, batch: int) -> Iterator[Article]:
        # Keyset pages on seq, one query each: no server-side cursor (which would need a
        # transaction held open across yields).
        last = 0
        while True:
            with self._db("iterate articles") as conn:
                if since is None:
                    page = conn.execute(
                        "SELECT seq, record, text FROM articles WHERE seq > %s "
                        "ORDER BY seq LIMIT %s",
                        (last, batch),
                    ).fetchall()
                else:
                    page = conn.execute(
                        "SELECT seq, record, text FROM articles WHERE seq > %s AND dated >= %s "
                        "ORDER BY seq LIMIT %s",
                        (last, since, batch),
                    ).fetchall()
            if not page:
                return
            for _, record, text in page:
                yield c.article_from(record, text)
            last = page[-1][0]

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self._db("count articles") as conn:
            return _one_int(conn.execute("SELECT count(*) FROM articles").fetchone())

    def has_article(self, article_id: str) -> bool:
        """Whether ``article_id`` is stored."""
        with self._db("look up an article") as conn:
            return (
                conn.execute("SELECT 1 FROM articles WHERE id = %s", (article_id,)).fetchone()
                is not None
            )

    # --- rejections -------------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection], *, run: str) -> None:
        """Record the rejections of ``run``. See :class:`Store`."""
        checked = c.check_rejections(rejections, run)
        with self._db("add rejections") as conn, self._tx():
            for chunk in c.chunks(checked):
                conn.execute(
                    "INSERT INTO rejections (key, run, input, stage, reason, detail) "
                    "SELECT k, %s, i, s, r, d FROM unnest("
                    "%s::text[], %s::text[], %s::text[], %s::text[], %s::text[]"
                    ") WITH ORDINALITY AS t (k, i, s, r, d, ord) ORDER BY ord "
                    "ON CONFLICT (key) DO NOTHING",
                    (
                        run,
                        [c.rejection_key(run, r) for r in chunk],
                        [r.input for r in chunk],
                        [r.stage for r in chunk],
                        [r.reason for r in chunk],
                        [r.detail for r in chunk],
                    ),
                )

    def rejections(self, run: str | None = None) -> list[Rejection]:
        """The rejections of ``run`` (of all runs when ``None``), in the order recorded."""
        with self._db("read rejections") as conn:
            if run is None:
                rows = conn.execute(
                    "SELECT input, stage, reason, detail FROM rejections ORDER BY seq"
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT input, stage, reason, detail FROM rejections WHERE run = %s "
                    "ORDER BY seq",
                    (run,),
                ).fetchall()
        return [Rejection(*row) for row in rows]

    # --- stories ----------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        """Insert or replace a story and its membership. See :class:`Store`."""
        c.check_story(story)
        record = c.dumps(to_dict(story))
        ids = list(story.articles)
        with self._db(f"put story {story.id}") as conn, self._tx():
            present = {
                r[0] for r in conn.execute("SELECT id FROM articles WHERE id = ANY(%s)", (ids,))
            }
            taken = dict(
                conn.execute(
                    "SELECT article, story FROM story_articles "
                    "WHERE article = ANY(%s) AND story <> %s",
                    (ids, story.id),
                ).fetchall()
            )
            c.raise_member_errors(story, [i for i in ids if i not in present], taken)
            conn.execute(
                "INSERT INTO stories (id, title, opened, last_seen, closed, size, record) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (id) DO UPDATE SET "
                "title = excluded.title, opened = excluded.opened, last_seen = excluded.last_seen, "
                "closed = excluded.closed, size = excluded.size, record = excluded.record",
                (
                    story.id,
                    story.title,
                    story.opened,
                    story.last_seen,
                    story.closed,
                    len(ids),
                    record,
                ),
            )
            conn.execute("DELETE FROM story_articles WHERE story = %s", (story.id,))
            conn.execute(
                "INSERT INTO story_articles (article, story, position) "
                "SELECT a, %s, ord - 1 FROM unnest(%s::text[]) WITH ORDINALITY AS t (a, ord)",
                (story.id, ids),
            )

    def get_story(self, story_id: str) -> Story:
        """Story ``story_id``. See :class:`Store`."""
        with self._db("read a story") as conn:
            row = conn.execute("SELECT record FROM stories WHERE id = %s", (story_id,)).fetchone()
        if row is None:
            raise c.not_found("story", [story_id])
        return c.story_from(row[0])

    def _where(self, f: c.StoryFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if f.closed is not None:
            clauses.append("s.closed = %s")
            params.append(f.closed)
        if f.since is not None:
            clauses.append("coalesce(s.last_seen, s.opened) >= %s")
            params.append(f.since)
        if f.until is not None:
            clauses.append("coalesce(s.opened, s.last_seen) < %s")
            params.append(f.until)
        if f.outlet_key is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM story_articles sa JOIN articles a ON a.id = sa.article "
                "WHERE sa.story = s.id AND a.outlet_key = %s)"
            )
            params.append(f.outlet_key)
        if f.entity_key is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM story_entities e WHERE e.story = s.id AND e.alias_key = %s)"
            )
            params.append(f.entity_key)
        if f.query is not None:
            if not parse(f.query):
                clauses.append("FALSE")  # nothing searchable in the query: nothing matches
            else:
                clauses.append(f"s.search @@ websearch_to_tsquery({_CONFIG}, %s)")
                params.append(f.query)
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
        newest = "s.last_seen DESC NULLS LAST, s.id"
        by = newest if order == "newest" else f"s.size DESC, {newest}"
        with self._db("list stories") as conn:
            rows = conn.execute(
                f"SELECT s.record FROM stories s{where} ORDER BY {by} LIMIT %s OFFSET %s",
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
            return _one_int(
                conn.execute(f"SELECT count(*) FROM stories s{where}", params).fetchone()
            )

    def story_of(self, article_id: str) -> str | None:
        """The story holding ``article_id``, if any."""
        with self._db("look up a story") as conn:
            row = conn.execute(
                "SELECT story FROM story_articles WHERE article = %s", (article_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def _require_story(self, conn: psycopg.Connection[Any], story_id: str) -> None:
        if conn.execute("SELECT 1 FROM stories WHERE id = %s", (story_id,)).fetchone() is None:
            raise c.not_found("story", [story_id])

    # --- revisions --------------------------------------------------------------------------

    def add_revision(self, rev: BriefRevision) -> None:
        """Store a brief revision (storing it again is a no-op). See :class:`Store`."""
        row = c.revision_row(rev)
        with self._db(f"add revision {rev.revision} of story {rev.story}") as conn, self._tx():
            self._require_story(conn, rev.story)
            existing = conn.execute(
                "SELECT record FROM revisions WHERE story = %s AND revision = %s",
                (row.story, row.revision),
            ).fetchone()
            if existing is not None:
                c.check_same_revision(rev, existing[0])
                return
            conn.execute(
                "INSERT INTO revisions (story, revision, made, brief_text, update_text, record) "
                "VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
                (row.story, row.revision, row.made, row.brief_text, row.update_text, row.record),
            )
            conn.execute(
                "UPDATE stories SET brief_text = %s, latest_revision = %s "
                "WHERE id = %s AND (latest_revision IS NULL OR latest_revision < %s)",
                (row.brief_text, row.revision, row.story, row.revision),
            )

    def revisions(self, story_id: str) -> list[BriefRevision]:
        """Every revision of a story, oldest first. See :class:`Store`."""
        with self._db("read revisions") as conn:
            self._require_story(conn, story_id)
            rows = conn.execute(
                "SELECT record FROM revisions WHERE story = %s ORDER BY revision", (story_id,)
            ).fetchall()
        return [c.revision_from(r[0]) for r in rows]

    def latest_revision(self, story_id: str) -> BriefRevision | None:
        """The story's newest revision, if any. See :class:`Store`."""
        with self._db("read the latest revision") as conn:
            self._require_story(conn, story_id)
            row = conn.execute(
                "SELECT record FROM revisions WHERE story = %s ORDER BY revision DESC LIMIT 1",
                (story_id,),
            ).fetchone()
        return None if row is None else c.revision_from(row[0])

    # --- analysis ---------------------------------------------------------------------------

    def put_analysis(self, story_id: str, analysis: Analysis, revision: int) -> None:
        """Insert or replace a story's analysis. See :class:`Store`."""
        record = c.check_analysis(analysis, revision)
        rows = c.entity_rows(analysis)
        with self._db(f"put the analysis of story {story_id}") as conn, self._tx():
            self._require_story(conn, story_id)
            conn.execute(
                "INSERT INTO analyses (story, revision, record) VALUES (%s, %s, %s::jsonb) "
                "ON CONFLICT (story) DO UPDATE SET "
                "revision = excluded.revision, record = excluded.record",
                (story_id, revision, record),
            )
            conn.execute("DELETE FROM story_entities WHERE story = %s", (story_id,))
            conn.execute(
                "INSERT INTO story_entities (story, name, kind, alias_key) "
                "SELECT %s, n, k, a FROM unnest(%s::text[], %s::text[], %s::text[]) AS t (n, k, a)",
                (story_id, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]),
            )

    def get_analysis(self, story_id: str) -> Analysis | None:
        """The story's analysis, if one was stored. See :class:`Store`."""
        with self._db("read an analysis") as conn:
            self._require_story(conn, story_id)
            row = conn.execute(
                "SELECT record FROM analyses WHERE story = %s", (story_id,)
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
        cleaned = c.check_search(query, limit, kind)
        # Same rule as the SQLite backend: a query with no positive term finds nothing (in
        # PostgreSQL '-word' alone would match every document without the word).
        if not parse(cleaned):
            return []
        tables: tuple[tuple[Literal["article", "story"], str, str], ...] = (
            ("article", "articles", "t.text"),
            ("story", "stories", "coalesce(t.brief_text, t.title, '')"),
        )
        hits: list[SearchHit] = []
        with self._db("search") as conn:
            for hit_kind, table, body in tables:
                if kind is not None and kind != hit_kind:
                    continue
                # Rank and cut first, then build headlines for the hits only: ts_headline
                # re-parses the whole text, which would be costly for every match.
                rows = conn.execute(
                    f"WITH q AS (SELECT websearch_to_tsquery({_CONFIG}, %(q)s) AS q), "
                    f"m AS (SELECT t.seq, ts_rank(t.search, q.q) AS score FROM {table} t, q "
                    f"WHERE t.search @@ q.q ORDER BY score DESC, t.id LIMIT %(limit)s) "
                    f"SELECT t.id, t.title, ts_headline({_CONFIG}, {body}, q.q, %(opts)s), m.score "
                    f"FROM m JOIN {table} t ON t.seq = m.seq, q",
                    {"q": cleaned, "limit": limit, "opts": _HEADLINE},
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
                "INSERT INTO state (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, bytes(value)),
            )

    def get_state(self, key: str) -> bytes | None:
        """The state blob ``key``, if set."""
        c.check_state(key)
        with self._db(f"read state {key!r}") as conn:
            row = conn.execute("SELECT value FROM state WHERE key = %s", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    # --- lifecycle --------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Check the stories' summary columns against their rows.

        PostgreSQL checks its pages and foreign keys itself and derives the search vectors from
        the rows, so what is left to check is what the store keeps in step by hand.
        """
        with self._db("check integrity") as conn:
            return c.summary_problems(conn.execute(c.SUMMARY_CHECK).fetchall())

    def close(self) -> None:
        """Close the store (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _one_int(row: Sequence[Any] | None) -> int:
    return int(row[0]) if row else 0
