"""Numbered schema migrations of both backends, and the rules for applying them.

Each backend has an ordered tuple of :class:`Migration` numbered 1, 2, 3, ... A store applies,
at open, every migration newer than the newest recorded in its ``schema_migrations`` table, one
transaction per migration (so a failing migration leaves the previous version intact), and
refuses a database whose recorded version is newer than the newest it knows: an older tidings
cannot know what a newer schema means, so writing to it could corrupt it.

Migrations are append-only: a released migration is never edited; a change is a new migration.
The two lists describe the same logical schema:

``articles``        one row per article: ``seq`` (arrival order), ``id``, ``title``, ``text``,
                    ``outlet_key`` (case-folded outlet), ``dated`` (published, else crawled),
                    ``record`` (the lossless JSON of the rest, ``tidings.serialize``)
``rejections``      one row per (run, rejection), keyed by a content id so re-recording is a no-op
``stories``         one row per story: ``title``, ``brief_text`` (its latest brief, searchable),
                    ``latest_revision``, ``opened``, ``last_seen``, ``closed``, ``size``, ``record``
``story_articles``  membership; ``article`` is the key, so an article is in at most one story
``revisions``       one row per (story, revision), immutable: the brief as JSON plus its text
``analyses``        the latest analysis of each story and the revision it was made at
``story_entities``  (story, name, kind, alias_key): every name and variant of its entities
``state``           key -> bytes, the incremental clusterer's checkpoints

Full-text search: SQLite keeps external-content FTS5 tables (``articles_fts`` over title and
text, ``stories_fts`` over title and brief text), synchronised by triggers, so an index row is
written in the same transaction as its row; PostgreSQL keeps a generated ``tsvector`` column
with a GIN index on both tables. Both stem English (Porter / ``english``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import UsageError
from .base import StoreError

__all__ = ["POSTGRES_MIGRATIONS", "SQLITE_MIGRATIONS", "Migration", "check_migrations", "pending"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of a schema's history.

    Attributes:
        version: its number; a backend's migrations are numbered 1, 2, 3, ... with no gap.
        name: what it does, in a few words (recorded in ``schema_migrations``).
        statements: SQL statements run in order, in one transaction.
    """

    version: int
    name: str
    statements: tuple[str, ...]


def check_migrations(migrations: Sequence[Migration]) -> None:
    """Check that ``migrations`` are numbered 1, 2, 3, ... in order.

    Raises:
        UsageError: a gap, a repeat or a wrong order, naming the first bad migration.
    """
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise UsageError(
                f"migrations must be numbered 1, 2, 3, ... in order; migration {migration.name!r} "
                f"is number {migration.version} where {expected} was expected"
            )


def pending(migrations: Sequence[Migration], current: int, target: str) -> list[Migration]:
    """The migrations to apply to a database at version ``current``.

    Args:
        migrations: the backend's migrations (checked by :func:`check_migrations`).
        current: the newest version recorded in the database (0 for a new database).
        target: the database's name, for the error message.

    Returns:
        The migrations numbered above ``current``, in order.

    Raises:
        StoreError: reason ``schema-too-new`` when ``current`` is newer than every migration.
    """
    latest = len(migrations)
    if current > latest:
        raise StoreError(
            f"the store {target} has schema version {current}, but this tidings knows versions up "
            f"to {latest} only: it was written by a newer tidings. Upgrade tidings "
            "(pip install -U tidings) to open it; an older version could corrupt it.",
            reason="schema-too-new",
        )
    return list(migrations[current:])


SCHEMA_MIGRATIONS_TABLE = {
    "sqlite": """CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
    )""",
    "postgres": """CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )""",
}

# Porter stemming over unicode61 with diacritics folded: the closest FTS5 match to PostgreSQL's
# 'english' configuration (no stop words in FTS5, so "the" is searchable there).
_FTS5_TOKENIZE = "porter unicode61 remove_diacritics 2"


def _fts5_sync(table: str, key: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The triggers that keep an external-content FTS5 table in step with its table.

    Triggers run inside the writing statement's transaction, so the index can never hold a row
    the table does not (or miss one it does), even if the process dies mid-transaction.
    """
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    return (
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
        f"content_rowid='{key}', tokenize='{_FTS5_TOKENIZE}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new}); END",
    )


# Datetimes are INTEGER microseconds since the epoch (UTC): exact, and ordered as numbers. The
# `seq INTEGER PRIMARY KEY` columns alias the rowid, which VACUUM would otherwise be free to
# renumber under the FTS index.
SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        (
            """CREATE TABLE articles (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                title TEXT,
                text TEXT NOT NULL,
                outlet_key TEXT,
                dated_us INTEGER,
                record TEXT NOT NULL
            )""",
            "CREATE INDEX articles_outlet ON articles (outlet_key)",
            "CREATE INDEX articles_dated ON articles (dated_us)",
            *_fts5_sync("articles", "seq", ("title", "text")),
            """CREATE TABLE rejections (
                seq INTEGER PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                run TEXT NOT NULL,
                input TEXT NOT NULL,
                stage TEXT NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT NOT NULL
            )""",
            "CREATE INDEX rejections_run ON rejections (run, seq)",
            """CREATE TABLE stories (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                title TEXT,
                brief_text TEXT,
                latest_revision INTEGER,
                opened_us INTEGER,
                last_seen_us INTEGER,
                closed INTEGER NOT NULL CHECK (closed IN (0, 1)),
                size INTEGER NOT NULL,
                record TEXT NOT NULL
            )""",
            "CREATE INDEX stories_newest ON stories (last_seen_us DESC, id)",
            "CREATE INDEX stories_biggest ON stories (size DESC, last_seen_us DESC, id)",
            *_fts5_sync("stories", "seq", ("title", "brief_text")),
            """CREATE TABLE story_articles (
                article TEXT PRIMARY KEY REFERENCES articles (id),
                story TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                UNIQUE (story, position)
            )""",
            """CREATE TABLE revisions (
                story TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                revision INTEGER NOT NULL CHECK (revision >= 1),
                made_us INTEGER,
                brief_text TEXT NOT NULL,
                update_text TEXT NOT NULL,
                record TEXT NOT NULL,
                PRIMARY KEY (story, revision)
            )""",
            """CREATE TABLE analyses (
                story TEXT PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
                revision INTEGER NOT NULL,
                record TEXT NOT NULL
            )""",
            """CREATE TABLE story_entities (
                story TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                alias_key TEXT NOT NULL,
                PRIMARY KEY (alias_key, story, name, kind)
            )""",
            "CREATE INDEX story_entities_story ON story_entities (story)",
            "CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
        ),
    ),
)

# 'english'::regconfig written out so the generated columns' expressions are immutable, as
# PostgreSQL requires of a stored generated column. Titles weigh more than bodies (A over B).
POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        (
            """CREATE TABLE articles (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                title TEXT,
                text TEXT NOT NULL,
                outlet_key TEXT,
                dated TIMESTAMPTZ,
                record JSONB NOT NULL,
                search TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
                    || setweight(to_tsvector('english'::regconfig, text), 'B')
                ) STORED
            )""",
            "CREATE INDEX articles_outlet ON articles (outlet_key)",
            "CREATE INDEX articles_dated ON articles (dated)",
            "CREATE INDEX articles_search ON articles USING GIN (search)",
            """CREATE TABLE rejections (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                run TEXT NOT NULL,
                input TEXT NOT NULL,
                stage TEXT NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT NOT NULL
            )""",
            "CREATE INDEX rejections_run ON rejections (run, seq)",
            """CREATE TABLE stories (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                title TEXT,
                brief_text TEXT,
                latest_revision INTEGER,
                opened TIMESTAMPTZ,
                last_seen TIMESTAMPTZ,
                closed BOOLEAN NOT NULL,
                size INTEGER NOT NULL,
                record JSONB NOT NULL,
                search TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
                    || setweight(to_tsvector('english'::regconfig, coalesce(brief_text, '')), 'B')
                ) STORED
            )""",
            "CREATE INDEX stories_newest ON stories (last_seen DESC NULLS LAST, id)",
            "CREATE INDEX stories_biggest ON stories (size DESC, last_seen DESC NULLS LAST, id)",
            "CREATE INDEX stories_search ON stories USING GIN (search)",
            """CREATE TABLE story_articles (
                article TEXT PRIMARY KEY REFERENCES articles (id),
                story TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                UNIQUE (story, position)
            )""",
            """CREATE TABLE revisions (
                story TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                revision INTEGER NOT NULL CHECK (revision >= 1),
                made TIMESTAMPTZ,
                brief_text TEXT NOT NULL,
                update_text TEXT NOT NULL,
                record JSONB NOT NULL,
                PRIMARY KEY (story, revision)
            )""",
            """CREATE TABLE analyses (
                story TEXT PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
                revision INTEGER NOT NULL,
                record JSONB NOT NULL
            )""",
            """CREATE TABLE story_entities (
                story TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                alias_key TEXT NOT NULL,
                PRIMARY KEY (alias_key, story, name, kind)
            )""",
            "CREATE INDEX story_entities_story ON story_entities (story)",
            "CREATE TABLE state (key TEXT PRIMARY KEY, value BYTEA NOT NULL)",
        ),
    ),
)
