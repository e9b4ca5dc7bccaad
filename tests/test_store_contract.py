"""One contract, two backends: every test here runs on SQLite and on PostgreSQL.

The PostgreSQL runs use a fresh database on a server the tests start (see ``pg.py``); they are
skipped, with the reason, when no server can be had.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pg import pg_server, pg_url  # noqa: F401  (fixtures)
from tidings.errors import MissingDependencyError, TidingsError, UsageError
from tidings.records import (
    Analysis,
    Article,
    Brief,
    BriefRevision,
    BriefSentence,
    Citation,
    Entity,
    Rejection,
    Story,
)
from tidings.store import (
    HIGHLIGHT,
    STORES,
    PostgresStore,
    SearchHit,
    SQLiteStore,
    Store,
    StoreError,
    open_store,
)
from tidings.store import __all__ as store_all
from tidings.store.migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, Migration

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# --- fixtures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """Where a test's store lives, so it can be reopened or inspected behind the store's back."""

    name: str
    target: str

    @property
    def cls(self) -> type:
        return SQLiteStore if self.name == "sqlite" else PostgresStore

    @property
    def migrations(self) -> tuple[Migration, ...]:
        return SQLITE_MIGRATIONS if self.name == "sqlite" else POSTGRES_MIGRATIONS

    def open(self, **kwargs: Any) -> Store:
        return self.cls(self.target, **kwargs)  # type: ignore[no-any-return]

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        """Run one statement on a separate raw connection and return its rows."""
        if self.name == "sqlite":
            conn = sqlite3.connect(self.target, isolation_level=None)
            try:
                return conn.execute(statement).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.target, autocommit=True) as pconn:
            cursor = pconn.execute(statement)  # type: ignore[call-overload]
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "store.db"))
    return Backend("postgres", request.getfixturevalue("pg_url"))


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = open_store(backend.target)
    try:
        yield opened
    finally:
        opened.close()


def article(
    n: int,
    *,
    text: str | None = None,
    title: str | None = None,
    outlet: str | None = "Reuters",
    published: datetime | None = None,
    crawled: datetime | None = None,
) -> Article:
    return Article(
        id=f"art{n:03d}",
        source=f"https://example.org/{n}",
        text=text if text is not None else f"Body of article {n}. Nothing to see here.",
        title=title if title is not None else f"Headline {n}",
        outlet=outlet,
        published=published,
        crawled=crawled,
    )


def brief_of(articles: tuple[Article, ...], *texts: str) -> Brief:
    sentences = tuple(
        BriefSentence(
            text,
            (Citation(articles[0].id, 0, 4),),
            tuple(a.outlet or a.source for a in articles[:1]),
        )
        for text in texts
    )
    return Brief(
        sentences=sentences,
        articles=articles,
        methods={"summarizer": "extractive.v1"},
        max_words=80,
    )


def revision(story: Story, n: int, articles: tuple[Article, ...], *texts: str) -> BriefRevision:
    return BriefRevision(
        story=story.id,
        revision=n,
        brief=brief_of(articles, *texts),
        update=brief_of(articles, *texts[-1:]).sentences if n > 1 else (),
        articles=story.articles,
        made=T0 + n * HOUR,
    )


def reason_of(excinfo: pytest.ExceptionInfo[StoreError]) -> str:
    return excinfo.value.reason


# --- surface --------------------------------------------------------------------------------


def test_public_surface_is_pinned():
    assert sorted(store_all) == sorted(
        [
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
    )
    assert STORES.names() == ("postgres.v1", "sqlite.v1")
    assert issubclass(StoreError, TidingsError)


def test_both_backends_keep_the_protocol(store, backend):
    assert isinstance(store, Store)
    assert store.backend == {"sqlite": "sqlite.v1", "postgres": "postgres.v1"}[backend.name]
    assert STORES.get(store.backend) is backend.cls


# --- articles -------------------------------------------------------------------------------


def article_index_rows(backend: Backend) -> int:
    if backend.name == "sqlite":
        # One docsize row per document in the FTS5 index.
        return int(backend.sql("SELECT count(*) FROM articles_fts_docsize")[0][0])
    return int(backend.sql("SELECT count(*) FROM articles WHERE search IS NOT NULL")[0][0])


def test_ingesting_the_same_articles_twice_changes_nothing(store, backend):
    first = [article(i, text=f"Unique word zeta{i} in this body.") for i in range(5)]
    assert store.add_articles(first) == [a.id for a in first]
    before = (
        store.count_articles(),
        [a.id for a in store.iter_articles()],
        article_index_rows(backend),
    )

    assert store.add_articles(first) == []
    assert store.add_articles(list(reversed(first))) == []
    assert (
        store.count_articles(),
        [a.id for a in store.iter_articles()],
        article_index_rows(backend),
    ) == before
    assert before[0] == 5 and before[2] == 5
    assert [h.id for h in store.search("zeta3")] == ["art003"]
    assert store.integrity_check() == []

    # Only the new ones are reported, in input order, a repeat within the batch counted once.
    more = [first[0], article(7), article(6), article(7)]
    assert store.add_articles(more) == ["art007", "art006"]
    assert store.count_articles() == 7
    assert store.add_articles([]) == []


def test_articles_round_trip_losslessly(store):
    full = Article(
        id="full",
        source="https://example.org/full",
        text="Line one.\n\nLine two with “quotes” — and ünïcödé.",
        title="A title",
        outlet="The Outlet",
        published=datetime(2019, 2, 1, 10, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        updated=datetime(2019, 2, 2, tzinfo=timezone(timedelta(hours=-8))),
        crawled=datetime(2019, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
        authors=("Jane Doe", "John Roe"),
        language="en",
        url="https://example.org/full?utm=x",
        extractor="trafilatura.v1",
        removed=("Share this", "Subscribe"),
        site_key="abc123",
    )
    bare = Article(id="bare", source="b.txt", text="")
    store.add_articles([full, bare])
    got = store.get_article("full")
    assert got == full and store.get_article("bare") == bare
    assert got.published is not None and got.published.utcoffset() == timedelta(hours=5, minutes=30)


def test_the_first_stored_version_of_an_id_wins(store):
    store.add_articles([article(1, crawled=T0)])
    assert store.add_articles([article(1, crawled=T0 + HOUR)]) == []
    assert store.get_article("art001").crawled == T0


def test_get_articles_keeps_order_and_names_missing_ids(store):
    store.add_articles([article(i) for i in range(4)])
    assert [a.id for a in store.get_articles(["art003", "art000", "art003"])] == [
        "art003",
        "art000",
        "art003",
    ]
    assert store.get_articles([]) == []
    with pytest.raises(StoreError, match="nope") as excinfo:
        store.get_articles(["art001", "nope"])
    assert reason_of(excinfo) == "not-found"
    with pytest.raises(StoreError, match="no article with id missing") as excinfo:
        store.get_article("missing")
    assert reason_of(excinfo) == "not-found"
    assert store.has_article("art002") and not store.has_article("missing")
    assert store.count_articles() == 4


def test_iter_articles_in_arrival_order_by_batches_and_since(store):
    dated = [
        article(5, published=T0 + 5 * HOUR),
        article(1, published=T0 + 1 * HOUR),
        article(9, crawled=T0 + 9 * HOUR),  # no publication date: its crawl time dates it
        article(3),  # no date at all
        article(7, published=T0 + 7 * HOUR, crawled=T0),
    ]
    store.add_articles(dated)
    order = [a.id for a in dated]
    for batch in (1, 2, 500):
        assert [a.id for a in store.iter_articles(batch=batch)] == order
    since = [a.id for a in store.iter_articles(since=T0 + 5 * HOUR, batch=2)]
    assert since == ["art005", "art009", "art007"]
    # The same instant in another zone filters the same.
    tokyo = (T0 + 5 * HOUR).astimezone(timezone(timedelta(hours=9)))
    assert [a.id for a in store.iter_articles(since=tokyo)] == since


def test_iter_articles_checks_arguments_before_iterating(store):
    with pytest.raises(UsageError, match="timezone-aware"):
        store.iter_articles(since=datetime(2024, 1, 1))
    with pytest.raises(UsageError, match="batch parameter of iter_articles"):
        store.iter_articles(batch=0)


def test_articles_added_while_iterating_are_included(store):
    store.add_articles([article(i) for i in range(3)])
    seen = []
    for a in store.iter_articles(batch=2):
        seen.append(a.id)
        if a.id == "art000":
            store.add_articles([article(10)])
    assert seen == ["art000", "art001", "art002", "art010"]


def test_naive_datetimes_are_refused(store):
    with pytest.raises(UsageError, match="timezone-aware"):
        store.add_articles([article(1, published=datetime(2024, 1, 1))])
    assert store.count_articles() == 0


# --- rejections -----------------------------------------------------------------------------


def test_rejections_by_run_without_repeats(store):
    a = Rejection("a.html", "extract", "no-article", "no text found")
    b = Rejection("b.bin", "read", "binary", "looks binary")
    store.add_rejections([a, b], run="run-1")
    store.add_rejections([a], run="run-1")
    store.add_rejections([a], run="run-2")
    assert store.rejections("run-1") == [a, b]
    assert store.rejections("run-2") == [a]
    assert store.rejections() == [a, b, a]
    assert store.rejections("run-3") == []
    with pytest.raises(UsageError, match="run parameter"):
        store.add_rejections([a], run="")


# --- stories --------------------------------------------------------------------------------


def test_put_and_get_story_round_trip_and_membership(store):
    store.add_articles([article(i) for i in range(4)])
    story = Story(
        "s1", ("art000", "art001"), opened=T0, last_seen=T0 + HOUR, title="First", revision=0
    )
    store.put_story(story)
    assert store.get_story("s1") == story
    assert store.story_of("art001") == "s1" and store.story_of("art003") is None
    assert store.story_of("not-stored") is None

    changed = replace(
        story, articles=("art001", "art002"), closed=True, title="Renamed", revision=2
    )
    store.put_story(changed)
    assert store.get_story("s1") == changed
    assert store.story_of("art000") is None and store.story_of("art002") == "s1"
    assert store.count_stories() == 1
    assert store.integrity_check() == []

    with pytest.raises(StoreError, match="no story with id s9") as excinfo:
        store.get_story("s9")
    assert reason_of(excinfo) == "not-found"


def test_put_story_checks_its_articles(store):
    store.add_articles([article(i) for i in range(3)])
    with pytest.raises(StoreError, match="not stored") as excinfo:
        store.put_story(Story("s1", ("art000", "ghost")))
    assert reason_of(excinfo) == "not-found"
    with pytest.raises(UsageError, match="twice"):
        store.put_story(Story("s1", ("art000", "art000")))
    assert store.count_stories() == 0

    store.put_story(Story("s1", ("art000", "art001")))
    with pytest.raises(StoreError, match="already belongs to story s1") as excinfo:
        store.put_story(Story("s2", ("art001", "art002")))
    assert reason_of(excinfo) == "conflict"

    # Moving an article: the losing story first, in one transaction.
    with store.transaction():
        store.put_story(Story("s1", ("art000",)))
        store.put_story(Story("s2", ("art001", "art002")))
    assert store.story_of("art001") == "s2"


def test_a_growing_story_checks_and_keeps_what_it_gains(store):
    """put_story writes only the articles a growing story appends; they are checked like any."""
    store.add_articles([article(i) for i in range(5)])
    store.put_story(Story("s1", ("art000", "art001")))
    store.put_story(Story("s2", ("art004",)))
    store.put_story(Story("s1", ("art000", "art001", "art002")))
    assert [store.story_of(f"art00{i}") for i in range(5)] == ["s1", "s1", "s1", None, "s2"]
    with pytest.raises(StoreError, match="already belongs to story s2") as excinfo:
        store.put_story(Story("s1", ("art000", "art001", "art002", "art004")))
    assert reason_of(excinfo) == "conflict"
    with pytest.raises(StoreError, match="not stored"):
        store.put_story(Story("s1", ("art000", "art001", "art002", "ghost")))
    assert store.get_story("s1").articles == ("art000", "art001", "art002")
    # Not a growth (a member left): rewritten whole.
    store.put_story(Story("s1", ("art001", "art003")))
    assert [store.story_of(f"art00{i}") for i in range(5)] == [None, "s1", None, "s1", "s2"]
    assert store.integrity_check() == []


@pytest.fixture
def newsroom(store: Store) -> Store:
    """Four stories to filter: sizes 3/1/2/2, spread over four days, two outlets, one closed."""
    arts = [
        article(0, outlet="Reuters"),
        article(1, outlet="AP"),
        article(2, outlet="Reuters"),
        article(3, outlet="BBC News"),
        article(4, outlet="AP"),
        article(5, outlet="AP"),
        article(6, outlet="Reuters"),
        article(7, outlet="AP"),
    ]
    store.add_articles(arts)
    day = timedelta(days=1)
    stories = [
        Story(
            "treaty",
            ("art000", "art001", "art002"),
            opened=T0,
            last_seen=T0 + day,
            title="INF treaty collapses",
        ),
        Story(
            "storm",
            ("art003",),
            opened=T0 + day,
            last_seen=T0 + 2 * day,
            title="Storm hits coast",
            closed=True,
        ),
        Story(
            "vote",
            ("art004", "art005"),
            opened=T0 + 2 * day,
            last_seen=T0 + 3 * day,
            title="Parliament vote",
        ),
        Story(
            "match",
            ("art006", "art007"),
            opened=T0 + 3 * day,
            last_seen=T0 + 4 * day,
            title="Cup final",
        ),
    ]
    for s in stories:
        store.put_story(s)
    by_id = {a.id: a for a in arts}
    store.add_revision(
        revision(
            stories[0],
            1,
            tuple(by_id[i] for i in stories[0].articles),
            "Moscow and Washington traded accusations over missiles.",
        )
    )
    store.add_revision(
        revision(stories[2], 1, (by_id["art004"],), "Lawmakers approved the budget.")
    )
    store.put_analysis(
        "treaty",
        Analysis(
            entities=(
                Entity("Sergei Lavrov", "person", 4, ("art000",), ("Lavrov", "Sergey Lavrov")),
                Entity("NATO", "organization", 2, ("art001",)),
            )
        ),
        revision=1,
    )
    store.put_analysis(
        "vote", Analysis(entities=(Entity("Lavrov", "place", 1, ("art004",)),)), revision=1
    )
    return store


def ids(stories: list[Story]) -> list[str]:
    return [s.id for s in stories]


def test_story_order_and_pagination(newsroom):
    assert ids(newsroom.stories()) == ["match", "vote", "storm", "treaty"]
    # Ties on size (vote, match) are broken by newest, then id.
    assert ids(newsroom.stories(order="biggest")) == ["treaty", "match", "vote", "storm"]
    pages = [ids(newsroom.stories(limit=3, offset=o)) for o in (0, 3, 6)]
    assert pages == [["match", "vote", "storm"], ["treaty"], []]
    assert ids(newsroom.stories(order="biggest", limit=2, offset=1)) == ["match", "vote"]
    assert newsroom.count_stories() == 4


def test_story_filters(newsroom):
    day = timedelta(days=1)
    assert ids(newsroom.stories(closed=True)) == ["storm"]
    assert ids(newsroom.stories(closed=False)) == ["match", "vote", "treaty"]
    # Overlap with [since, until): last seen at or after since, opened before until.
    assert ids(newsroom.stories(since=T0 + 3 * day)) == ["match", "vote"]
    assert ids(newsroom.stories(until=T0 + day)) == ["treaty"]
    assert ids(newsroom.stories(since=T0 + 2 * day, until=T0 + 3 * day)) == ["vote", "storm"]
    assert ids(
        newsroom.stories(since=(T0 + 3 * day).astimezone(timezone(timedelta(hours=-5))))
    ) == ["match", "vote"]
    assert ids(newsroom.stories(outlet="reuters")) == ["match", "treaty"]
    assert ids(newsroom.stories(outlet="BBC NEWS")) == ["storm"]
    assert ids(newsroom.stories(outlet="Nobody")) == []
    assert ids(newsroom.stories(entity="Sergei Lavrov")) == ["treaty"]
    assert ids(newsroom.stories(entity="lavrov")) == ["vote", "treaty"]  # a variant, and a place
    assert ids(newsroom.stories(entity="nato")) == ["treaty"]
    assert ids(newsroom.stories(query="missiles")) == ["treaty"]  # from the latest brief
    assert ids(newsroom.stories(query="cup")) == ["match"]  # from the title
    assert ids(newsroom.stories(query='"traded accusations" -budget')) == ["treaty"]
    assert ids(newsroom.stories(query='"')) == []
    assert ids(newsroom.stories(closed=False, outlet="AP", order="biggest")) == [
        "treaty",
        "match",
        "vote",
    ]
    assert ids(newsroom.stories(closed=False, outlet="AP", limit=1, offset=1)) == ["vote"]
    for filters in (
        {"outlet": "ap"},
        {"entity": "lavrov"},
        {"closed": True},
        {"query": "missiles"},
        {"since": T0 + 2 * day, "until": T0 + 4 * day},
    ):
        assert newsroom.count_stories(**filters) == len(newsroom.stories(**filters))


def test_stories_by_relevance(newsroom):
    # "missiles" is in treaty's brief only; "lawmakers" in vote's; "accusations over missiles"
    # makes treaty the better match of an OR query that both match.
    assert ids(newsroom.stories(query="missiles", order="relevance")) == ["treaty"]
    assert ids(newsroom.stories(query="lawmakers or missiles", order="relevance")) in (
        ["treaty", "vote"],
        ["vote", "treaty"],
    )
    both = "accusations or missiles or moscow or budget"
    assert ids(newsroom.stories(query=both, order="relevance")) == ["treaty", "vote"]
    assert ids(newsroom.stories(query="budget or cup or storm", order="relevance", limit=1)) != []
    # Other filters apply as with any order; a query with nothing searchable matches nothing.
    assert ids(newsroom.stories(query=both, order="relevance", closed=True)) == []
    day = timedelta(days=1)
    assert ids(newsroom.stories(query=both, order="relevance", since=T0 + 2 * day)) == ["vote"]
    assert ids(newsroom.stories(query='"', order="relevance")) == []
    with pytest.raises(UsageError, match="relevance' of stories needs a query"):
        newsroom.stories(order="relevance")


def test_story_listing_arguments_are_checked(store):
    for kwargs, message in [
        (
            {"order": "oldest"},
            "order parameter of stories must be one of newest, biggest, relevance",
        ),
        ({"limit": 0}, "limit parameter of stories"),
        ({"offset": -1}, "offset parameter of stories"),
        ({"since": datetime(2024, 1, 1)}, "since parameter of stories must be a timezone-aware"),
        ({"closed": "yes"}, "closed parameter"),
    ]:
        with pytest.raises(UsageError, match=message):
            store.stories(**kwargs)
    with pytest.raises(UsageError, match="until parameter of count_stories"):
        store.count_stories(until=datetime(2024, 1, 1))


# --- revisions ------------------------------------------------------------------------------


def test_revisions_in_order_immutable_and_idempotent(store):
    arts = (article(1), article(2))
    store.add_articles(list(arts))
    story = Story("s1", ("art001", "art002"), opened=T0, last_seen=T0)
    store.put_story(story)
    assert store.revisions("s1") == [] and store.latest_revision("s1") is None

    r2 = revision(story, 2, arts, "Alpha sentence.", "Quokka news arrived.")
    r1 = revision(story, 1, arts, "Alpha sentence.")
    r3 = revision(story, 3, arts, "Alpha sentence.", "Wombat news arrived.")
    for r in (r2, r1, r3):
        store.add_revision(r)
    assert store.revisions("s1") == [r1, r2, r3]
    assert store.latest_revision("s1") == r3
    store.add_revision(r2)  # the same revision again: a no-op
    assert store.revisions("s1") == [r1, r2, r3]
    with pytest.raises(StoreError, match="already has a revision 2 with other content") as excinfo:
        store.add_revision(replace(r2, made=T0))
    assert reason_of(excinfo) == "conflict"
    with pytest.raises(UsageError, match="revision numbers start at 1"):
        store.add_revision(replace(r1, revision=0))
    with pytest.raises(StoreError, match="no story with id ghost") as excinfo:
        store.add_revision(replace(r1, story="ghost"))
    assert reason_of(excinfo) == "not-found"
    with pytest.raises(StoreError) as excinfo:
        store.revisions("ghost")
    assert reason_of(excinfo) == "not-found"
    assert store.integrity_check() == []


def test_a_revision_keeps_stored_articles_by_id_not_a_copy_of_their_text(store, backend):
    """Each revision used to copy the full text of every article its brief read, so a story
    revised n times held n copies of its articles. Articles stored unchanged are now kept by id,
    and read back whole; an article the store holds differently is still kept in full."""
    marker = "Wallaby marker text that must be stored once."
    arts = (article(1, text=marker), article(2))
    store.add_articles(list(arts))
    story = Story("s1", ("art001", "art002"), opened=T0, last_seen=T0)
    store.put_story(story)
    revisions = [revision(story, n, arts, "Alpha sentence.", f"News {n}.") for n in (1, 2, 3)]
    for r in revisions:
        store.add_revision(r)
    records = [str(row[0]) for row in backend.sql("SELECT record FROM revisions")]
    assert len(records) == 3 and not any(marker in r for r in records)
    assert store.revisions("s1") == revisions
    assert store.latest_revision("s1") == revisions[-1]
    store.add_revision(revisions[1])  # the same revision again is still a no-op
    # A brief that read another version of art002 (same id, other text) keeps that version.
    other = (arts[0], replace(arts[1], text="A different body that the store does not hold."))
    r4 = revision(story, 4, other, "Alpha sentence.")
    store.add_revision(r4)
    assert store.latest_revision("s1") == r4
    assert "A different body" in str(
        backend.sql("SELECT record FROM revisions WHERE revision = 4")[0][0]
    )
    assert store.integrity_check() == []


def test_a_story_is_searched_by_its_latest_brief_only(store):
    arts = (article(1),)
    store.add_articles(list(arts))
    story = Story("s1", ("art001",), title="Plain title")
    store.put_story(story)
    store.add_revision(revision(story, 2, arts, "Wombats were sighted."))
    store.add_revision(revision(story, 1, arts, "Platypus rumours."))  # older: must not take over
    assert [h.id for h in store.search("wombats", kind="story")] == ["s1"]
    assert store.search("platypus", kind="story") == []
    store.add_revision(revision(story, 3, arts, "Echidnas, in the end."))
    assert store.search("wombats", kind="story") == []
    assert [h.id for h in store.search("echidna", kind="story")] == ["s1"]


# --- analysis -------------------------------------------------------------------------------


def test_analysis_round_trip_and_replacement(store):
    store.add_articles([article(1)])
    store.put_story(Story("s1", ("art001",)))
    assert store.get_analysis("s1") is None
    first = Analysis(
        entities=(Entity("Jens Stoltenberg", "person", 3, ("art001",), ("Stoltenberg",)),),
        methods={"analyzer": "rules.v1"},
    )
    store.put_analysis("s1", first, revision=1)
    assert store.get_analysis("s1") == first
    assert ids(store.stories(entity="stoltenberg")) == ["s1"]
    second = Analysis(entities=(Entity("NATO", "organization", 1, ("art001",)),))
    store.put_analysis("s1", second, revision=2)
    assert store.get_analysis("s1") == second
    assert store.stories(entity="stoltenberg") == [] and ids(store.stories(entity="NATO")) == ["s1"]
    with pytest.raises(StoreError) as excinfo:
        store.put_analysis("ghost", second, revision=1)
    assert reason_of(excinfo) == "not-found"
    with pytest.raises(StoreError) as excinfo:
        store.get_analysis("ghost")
    assert reason_of(excinfo) == "not-found"


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def library(store: Store) -> Store:
    store.add_articles(
        [
            article(
                1,
                title="INF treaty: US withdraws",
                text="The INF treaty is dead. The treaty banned "
                "intermediate-range missiles. Treaty talks failed.",
            ),
            article(
                2,
                title="Russia responds",
                text="Russia said the treaty was violated by the US. "
                "Missiles will be deployed, officials said.",
            ),
            article(
                3, title="Weather", text="Rain is expected in the north. The INF office is closed."
            ),
            article(4, title="Sports", text="The treaty of the league: INF players win."),
        ]
    )
    return store


def test_search_ranks_the_most_relevant_first(library):
    hits = library.search("treaty")
    assert hits[0].id == "art001"
    assert {h.id for h in hits} == {"art001", "art002", "art004"}
    assert all(isinstance(h, SearchHit) and h.kind == "article" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = hits[0]
    assert top.title == "INF treaty: US withdraws"
    assert f"{HIGHLIGHT[0]}treaty{HIGHLIGHT[1]}".lower() in top.snippet.lower()


def test_search_syntax(library):
    def found(query: str) -> set[str]:
        return {h.id for h in library.search(query)}

    assert found('"INF treaty"') == {"art001"}  # a phrase: adjacent words only
    assert found("INF treaty") == {"art001", "art004"}  # all words, anywhere
    assert found("treaty -russia") == {"art001", "art004"}
    assert found("rain or missiles") == {"art001", "art002", "art003"}
    assert found("treaties") == {"art001", "art002", "art004"}  # stemmed
    assert found("intermediate-range") == {"art001"}
    assert found("-treaty") == set()  # nothing positive to look for
    assert len(library.search("treaty", limit=1)) == 1
    assert library.search("treaty", kind="story") == []


HOSTILE = [
    '"INF treaty',
    'INF treaty"',
    '"',
    '""',
    '"""',
    "AND",
    "OR",
    "NOT",
    "and or not",
    "treaty AND",
    "OR treaty",
    "-",
    "--",
    "- -treaty",
    "*",
    "treat*",
    "*treaty",
    "NEAR(treaty missiles)",
    "NEAR(",
    "(",
    ")",
    "treaty)",
    "col:treaty",
    "title:INF",
    "^treaty",
    "{title}: treaty",
    "a'b",
    "it's",
    "'",
    "\\",
    "%",
    "_",
    ";DROP TABLE articles;--",
    "\x00",
    "tre\x00aty",
    "🙂",
    "ü",
    "  ",
    "",
    "a" * 2000,
    "!treaty",
    "treaty & missiles",
    "treaty | rain",
    "<->",
    "treaty:*",
    "@@",
]


def test_hostile_queries_never_raise(library):
    library.put_story(Story("s1", ("art001",), title="INF treaty"))
    for query in HOSTILE:
        hits = library.search(query)
        assert isinstance(hits, list), query
        assert len(library.stories(query=query)) == library.count_stories(query=query), query
    # The store is still usable: no failed statement poisoned the connection.
    assert {h.id for h in library.search('"INF treaty')} == {"s1", "art001"}


def test_search_arguments_are_checked(store):
    with pytest.raises(UsageError, match="limit parameter of search"):
        store.search("x", limit=0)
    with pytest.raises(UsageError, match="kind parameter of search"):
        store.search("x", kind="video")  # type: ignore[arg-type]


# --- state ----------------------------------------------------------------------------------


def test_state_bytes(store):
    assert store.get_state("clusterer") is None
    blob = bytes(range(256)) * 3
    store.put_state("clusterer", blob)
    assert store.get_state("clusterer") == blob
    store.put_state("clusterer", b"")
    assert store.get_state("clusterer") == b""
    store.put_state("other", b"\x00")
    assert store.get_state("clusterer") == b"" and store.get_state("other") == b"\x00"
    with pytest.raises(UsageError, match="state values must be bytes"):
        store.put_state("k", "text")  # type: ignore[arg-type]


# --- transactions ---------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_transaction_rolls_back_everything_on_exception(store):
    arts = [article(i, text=f"Kumquat {i}") for i in range(3)]
    with pytest.raises(Boom), store.transaction():
        store.add_articles(arts)
        story = Story("s1", tuple(a.id for a in arts), title="Kumquat story")
        store.put_story(story)
        store.add_revision(revision(story, 1, tuple(arts), "Kumquats."))
        store.put_state("k", b"v")
        raise Boom
    assert store.count_articles() == 0 and store.count_stories() == 0
    assert store.search("kumquat") == [] and store.get_state("k") is None
    assert store.story_of("art000") is None
    assert store.integrity_check() == []
    # The store is usable afterwards.
    assert store.add_articles(arts) == [a.id for a in arts]


def test_transaction_commits_atomically_for_other_connections(store, backend):
    other = backend.open()
    try:
        with store.transaction():
            store.add_articles([article(1), article(2)])
            assert store.count_articles() == 2
            assert other.count_articles() == 0  # not visible before commit
        assert other.count_articles() == 2
    finally:
        other.close()


def test_nested_transactions_join_the_outer_one(store, backend):
    other = backend.open()
    try:
        with store.transaction():
            store.add_articles([article(1)])
            with store.transaction():
                store.add_articles([article(2)])
            try:
                with store.transaction():
                    store.add_articles([article(3)])
                    raise Boom
            except Boom:
                pass
            # A failed write inside a transaction leaves the transaction usable.
            with pytest.raises(StoreError):
                store.put_story(Story("s1", ("ghost",)))
            store.add_articles([article(4)])
            assert other.count_articles() == 0  # nothing committed before the outer block ends
        assert [a.id for a in other.iter_articles()] == ["art001", "art002", "art004"]
    finally:
        other.close()


# --- lifecycle and migrations ---------------------------------------------------------------


def test_close_is_idempotent_and_final(backend):
    with open_store(backend.target) as s:
        s.add_articles([article(1)])
    s.close()
    with pytest.raises(StoreError, match="closed") as excinfo:
        s.count_articles()
    assert reason_of(excinfo) == "closed"
    with pytest.raises(StoreError, match="closed"):
        s.transaction().__enter__()


def test_schema_created_at_v1_and_reopened(backend):
    with open_store(backend.target) as s:
        assert s.schema_version() == len(backend.migrations) == 1
        s.add_articles([article(1)])
    with open_store(backend.target) as s:
        assert s.schema_version() == 1
        assert s.get_article("art001") == article(1)
    rows = backend.sql("SELECT version, name FROM schema_migrations ORDER BY version")
    assert rows == [(1, "initial schema")]


def test_older_database_is_upgraded_and_newer_one_refused(backend):
    with open_store(backend.target) as s:
        s.add_articles([article(1)])
    v2 = Migration(
        2, "add notes", ("CREATE TABLE notes (story TEXT PRIMARY KEY, note TEXT NOT NULL)",)
    )
    with backend.open(migrations=(*backend.migrations, v2)) as s:
        assert s.schema_version() == 2
        assert s.get_article("art001") == article(1)
    assert backend.sql("SELECT count(*) FROM notes")[0][0] == 0
    # Now the database is newer than the code that knows one migration only.
    with pytest.raises(
        StoreError, match="schema version 2, but this tidings knows versions up to 1"
    ) as excinfo:
        open_store(backend.target)
    assert reason_of(excinfo) == "schema-too-new"
    assert "pip install -U tidings" in str(excinfo.value)


def test_a_fake_newer_version_refuses_to_open(backend):
    open_store(backend.target).close()
    backend.sql(
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES (99, 'future', '2099-01-01')"
    )
    with pytest.raises(StoreError, match="schema version 99") as excinfo:
        open_store(backend.target)
    assert reason_of(excinfo) == "schema-too-new"


def test_a_failing_migration_leaves_the_previous_version(backend):
    open_store(backend.target).close()
    broken = Migration(2, "broken", ("CREATE TABLE half (a INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(
        StoreError, match=r"migration 2 \(broken\) failed.*stays at schema version 1"
    ) as excinfo:
        backend.open(migrations=(*backend.migrations, broken))
    assert reason_of(excinfo) == "migration-failed"
    with open_store(backend.target) as s:
        assert s.schema_version() == 1
    # The first statement was rolled back with the rest: creating the table again works.
    fixed = Migration(2, "fixed", ("CREATE TABLE half (a INTEGER)",))
    with backend.open(migrations=(*backend.migrations, fixed)) as s:
        assert s.schema_version() == 2


def test_migrations_must_be_numbered_in_order(backend):
    gap = Migration(3, "gap", ("SELECT 1",))
    with pytest.raises(UsageError, match="number 3 where 2 was expected"):
        backend.open(migrations=(*backend.migrations, gap))


# --- opening --------------------------------------------------------------------------------


def test_open_store_targets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for target, path in [
        ("rel.db", tmp_path / "rel.db"),
        ("sqlite:///url-rel.db", tmp_path / "url-rel.db"),
        (f"sqlite:///{tmp_path}/url-abs.db", tmp_path / "url-abs.db"),
        (tmp_path / "as-path.db", tmp_path / "as-path.db"),
    ]:
        with open_store(target) as s:
            assert isinstance(s, SQLiteStore)
            s.add_articles([article(1)])
        assert path.is_file()
    with open_store(":memory:") as s, open_store("sqlite:///:memory:") as t:
        s.add_articles([article(1)])
        assert s.count_articles() == 1 and t.count_articles() == 0
    for bad in ("mysql://host/db", "sqlite://x.db", "sqlite:///"):
        with pytest.raises(UsageError, match="sqlite:///"):
            open_store(bad)


def test_open_store_failures_are_clear(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"junk\.db.*is it a tidings store") as excinfo:
        open_store(junk)
    assert reason_of(excinfo) == "open-failed"
    with pytest.raises(StoreError, match="no-such-dir") as excinfo:
        open_store(tmp_path / "no-such-dir" / "x.db")
    assert reason_of(excinfo) == "open-failed"


def test_postgres_needs_psycopg(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'tidings\[postgres\]'"):
        open_store("postgresql://localhost/db")


def test_postgres_connection_errors_hide_the_password():
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as excinfo:
        # Port 1 on the loopback: refused at once, no network involved.
        PostgresStore("postgresql://user:s3cret@127.0.0.1:1/db", connect_timeout=2)
    assert reason_of(excinfo) == "open-failed"
    assert "s3cret" not in str(excinfo.value) and "user:***@" in str(excinfo.value)


# --- SQLite specifics -----------------------------------------------------------------------


def test_sqlite_uses_wal(tmp_path):
    db = tmp_path / "wal.db"
    open_store(db).close()
    assert Backend("sqlite", str(db)).sql("PRAGMA journal_mode") == [("wal",)]


def test_sqlite_writer_waits_then_reports_busy(tmp_path):
    db = tmp_path / "busy.db"
    with open_store(db) as holder, SQLiteStore(db, timeout=0.05) as other:
        with holder.transaction():
            holder.add_articles([article(1)])
            assert other.count_articles() == 0  # readers are not blocked in WAL mode
            with pytest.raises(StoreError, match="longer timeout") as excinfo:
                other.add_articles([article(2)])
            assert reason_of(excinfo) == "busy"
        assert other.add_articles([article(2)]) == ["art002"]
