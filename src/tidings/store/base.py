"""The contract every store backend keeps: the :class:`Store` protocol, its hits and its error.

A store is the edge where records are kept between runs: articles as they arrive, the rejections
of each run, stories and their membership, every brief revision, each story's analysis, and a
little key/value state for the incremental clusterer. Records go in and come out unchanged
(:mod:`tidings.serialize` is the storage form); datetimes must be timezone-aware both ways.

One store object is one database connection: use it from one thread at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Literal, Protocol, runtime_checkable

from ..errors import StoreError
from ..records import Analysis, Article, BriefRevision, Rejection, Story
from ..registry import Registry

__all__ = ["HIGHLIGHT", "STORES", "SearchHit", "Store", "StoreError", "StoryOrder"]

#: The marks put around matched words in :attr:`SearchHit.snippet` (Markdown bold, so the CLI's
#: Markdown output shows them as is).
HIGHLIGHT = ("**", "**")

StoryOrder = Literal["newest", "biggest", "relevance"]

#: Store backends by versioned name (``"sqlite.v1"``, ``"postgres.v1"``); a change to the schema's
#: meaning is a new name, a compatible change is a new migration.
STORES: Registry[type] = Registry("store")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One full-text search result.

    Attributes:
        kind: ``"article"`` or ``"story"``.
        id: the article or story id.
        title: its title, if it has one.
        snippet: a short excerpt around the matched words, marked with :data:`HIGHLIGHT`.
        score: relevance, higher is better. Scores come from the backend's ranking (BM25 in
            SQLite, ``ts_rank`` in PostgreSQL): comparable within one search, not across backends.
    """

    kind: Literal["article", "story"]
    id: str
    title: str | None
    snippet: str
    score: float


@runtime_checkable
class Store(Protocol):
    """What tidings needs from a database. Implemented by ``SQLiteStore`` and ``PostgresStore``.

    Every write method outside :meth:`transaction` is its own transaction; inside one, it joins
    it. A method that raises leaves the store as it was before the call.
    """

    #: the registered backend name, such as ``"sqlite.v1"``
    backend: str

    # --- articles -------------------------------------------------------------------------

    def add_articles(self, articles: Sequence[Article]) -> list[str]:
        """Store articles that are not stored yet.

        Ingest is idempotent: an article whose id is already stored (or repeated in
        ``articles``) is left as first stored, so adding the same articles twice changes nothing.

        Args:
            articles: the articles, in arrival order (kept as the store's iteration order).

        Returns:
            The ids that were new, in input order.

        Raises:
            UsageError: an article has a naive datetime or a value its type does not allow.
            StoreError: the database failed.
        """
        ...

    def get_article(self, article_id: str) -> Article:
        """Return the stored article ``article_id``.

        Raises:
            StoreError: reason ``not-found`` when it is not stored.
        """
        ...

    def get_articles(self, ids: Sequence[str]) -> list[Article]:
        """Return the articles with ``ids``, in the order of ``ids`` (repeats repeated).

        Raises:
            StoreError: reason ``not-found`` naming the ids that are not stored.
        """
        ...

    def iter_articles(
        self, *, since: datetime | None = None, batch: int = 500
    ) -> Iterator[Article]:
        """Yield stored articles in arrival order, reading ``batch`` at a time.

        Articles added while iterating are included. Memory is O(batch).

        Args:
            since: keep articles dated at or after this instant, their date being ``published``
                else ``crawled``; articles with neither are left out. ``None`` keeps all.
            batch: articles read per query (>= 1).

        Raises:
            UsageError: ``since`` is naive or ``batch`` < 1.
        """
        ...

    def count_articles(self) -> int:
        """How many articles are stored."""
        ...

    def has_article(self, article_id: str) -> bool:
        """Whether ``article_id`` is stored."""
        ...

    # --- rejections -----------------------------------------------------------------------

    def add_rejections(self, rejections: Sequence[Rejection], *, run: str) -> None:
        """Record the rejections of run ``run``; a rejection already recorded for it is skipped.

        Args:
            rejections: the rejections.
            run: a label for the run (a timestamp, a job id): groups them for :meth:`rejections`.
        """
        ...

    def rejections(self, run: str | None = None) -> list[Rejection]:
        """The rejections of ``run`` (of every run when ``None``), in the order recorded."""
        ...

    # --- stories --------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        """Insert or replace a story, and its article membership.

        Args:
            story: the story. Its articles must be stored already, and no other story may hold
                one of them (to move an article, first put the story that loses it, in the same
                transaction).

        Raises:
            UsageError: the story lists an article twice, or has a naive datetime.
            StoreError: reason ``not-found`` for an article that is not stored; ``conflict`` for
                an article held by another story.
        """
        ...

    def get_story(self, story_id: str) -> Story:
        """Return story ``story_id``.

        Raises:
            StoreError: reason ``not-found``.
        """
        ...

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
        """List stories matching every filter given.

        Args:
            closed: only closed (``True``) or open (``False``) stories.
            since / until: only stories that overlap ``[since, until)``: last seen at or after
                ``since`` and opened before ``until``. Stories without dates are left out.
            outlet: only stories with an article from this outlet (case-insensitive).
            entity: only stories whose analysis names this entity, by its name or one of its
                variants (case-insensitive).
            query: only stories whose title or latest brief match this full-text query (the
                syntax of :meth:`search`).
            order: ``"newest"`` (latest ``last_seen`` first), ``"biggest"`` (most articles
                first) or ``"relevance"`` (best match to ``query`` first, by the ranking of
                :meth:`search`; needs ``query``); ties are broken by newest, then id, so pages
                are stable.
            limit / offset: the page (``limit`` >= 1, ``offset`` >= 0).

        Raises:
            UsageError: a bad ``order``, ``limit`` or ``offset``, a naive datetime, or the
                order ``"relevance"`` without a ``query``.
        """
        ...

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
        """How many stories :meth:`stories` would list with these filters and no page limit."""
        ...

    def story_of(self, article_id: str) -> str | None:
        """The id of the story holding ``article_id``, or ``None`` when no story holds it."""
        ...

    # --- revisions ------------------------------------------------------------------------

    def add_revision(self, rev: BriefRevision) -> None:
        """Store a brief revision. Revisions are immutable; storing the same one again is a no-op.

        The story's searchable text becomes this brief's when it is the story's newest revision.

        Raises:
            UsageError: ``rev.revision`` < 1, or a naive datetime.
            StoreError: reason ``not-found`` when the story is not stored; ``conflict`` when the
                story already has this revision number with other content.
        """
        ...

    def revisions(self, story_id: str) -> list[BriefRevision]:
        """Every revision of a story, oldest first.

        Raises:
            StoreError: reason ``not-found`` when the story is not stored.
        """
        ...

    def latest_revision(self, story_id: str) -> BriefRevision | None:
        """The story's newest revision, or ``None`` when it has none yet.

        Raises:
            StoreError: reason ``not-found`` when the story is not stored.
        """
        ...

    # --- analysis -------------------------------------------------------------------------

    def put_analysis(self, story_id: str, analysis: Analysis, revision: int) -> None:
        """Insert or replace the analysis of a story, made at brief revision ``revision``.

        Its entities (names and variants) become what :meth:`stories` filters ``entity=`` on.

        Raises:
            StoreError: reason ``not-found`` when the story is not stored.
        """
        ...

    def get_analysis(self, story_id: str) -> Analysis | None:
        """The story's analysis, or ``None`` when none was stored.

        Raises:
            StoreError: reason ``not-found`` when the story is not stored.
        """
        ...

    # --- search ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        kind: Literal["article", "story"] | None = None,
    ) -> list[SearchHit]:
        """Full-text search over article titles and texts and stories' titles and latest briefs.

        The query syntax is the web-search one of PostgreSQL's ``websearch_to_tsquery``: words
        must all match, ``"quoted words"`` match as a phrase, ``or`` between words means either,
        ``-word`` excludes. Any string is accepted: stray quotes, operators and punctuation never
        raise (a query with nothing searchable finds nothing). Words are stemmed (English).

        Args:
            query: the user's query.
            limit: the most hits to return (>= 1).
            kind: only ``"article"`` or only ``"story"`` hits; both when ``None``.

        Returns:
            Hits, best first.
        """
        ...

    # --- state ----------------------------------------------------------------------------

    def put_state(self, key: str, value: bytes) -> None:
        """Set the state blob ``key`` (the incremental clusterer's checkpoint)."""
        ...

    def get_state(self, key: str) -> bytes | None:
        """The state blob ``key``, or ``None`` when it was never set."""
        ...

    # --- lifecycle ------------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes atomically: ``with store.transaction(): ...``.

        All writes in the block commit together when the outermost block exits normally, and
        none do when it raises. A nested block joins the outer transaction; an exception
        leaving a nested block undoes that block's writes only (a savepoint), and then the
        outer block decides.
        """
        ...

    def schema_version(self) -> int:
        """The number of the newest migration applied to the database."""
        ...

    def integrity_check(self) -> list[str]:
        """Check the database and its search index; return the problems found (empty: healthy)."""
        ...

    def close(self) -> None:
        """Close the connection (idempotent). Later calls raise StoreError reason ``closed``."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
