"""What both backends share: turning records into rows and back, and checking arguments.

Pure functions only; the connections and the SQL are :mod:`._sql`'s and the backends'.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from ..errors import UsageError
from ..records import Analysis, Article, Brief, BriefRevision, Rejection, Story, content_id
from ..serialize import from_dict, to_dict
from .base import StoreError, StoryOrder

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ORDERS: tuple[str, ...] = get_args(StoryOrder)
# Rows a single IN (...) list may hold: far below SQLite's bound-parameter limit (999 before
# 3.32), and a fair page size for PostgreSQL arrays too.
CHUNK = 500


def dumps(data: Any) -> str:
    """Compact JSON; NaN and infinity are refused because PostgreSQL's JSONB cannot hold them."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def aware(value: datetime | None, param: str, method: str) -> datetime | None:
    """Return ``value`` after checking it is ``None`` or timezone-aware.

    Raises:
        UsageError: ``value`` is naive or not a datetime.
    """
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise UsageError(
            f"the {param} parameter of {method} must be a timezone-aware datetime, got {value!r}; "
            "add a zone, e.g. value.replace(tzinfo=datetime.UTC)"
        )
    return value


def micros(value: datetime | None) -> int | None:
    """Microseconds since the Unix epoch (UTC) of an aware datetime: exact and sortable."""
    if value is None:
        return None
    return (value - _EPOCH) // timedelta(microseconds=1)


def fold(text: str | None) -> str | None:
    """The key names are compared by: case-folded in Python, so both backends agree."""
    return None if text is None else text.casefold()


def unique_articles(articles: Sequence[Article]) -> list[Article]:
    """The articles with repeated ids dropped (the first one wins, as in the store)."""
    seen: set[str] = set()
    out = []
    for article in articles:
        if not isinstance(article, Article):
            raise UsageError(f"add_articles needs Article records, got {type(article).__name__}")
        if article.id not in seen:
            seen.add(article.id)
            out.append(article)
    return out


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """The columns of an article: its searchable text apart, the rest as lossless JSON."""

    id: str
    title: str | None
    text: str
    outlet_key: str | None
    dated: datetime | None
    record: str


def article_row(article: Article) -> ArticleRow:
    """The row of ``article``.

    The text is kept once, in its own column (the full-text index reads it there), and left out
    of the JSON, which holds everything else with datetimes' original offsets.
    """
    data = to_dict(article)
    del data["text"]
    return ArticleRow(
        id=article.id,
        title=article.title,
        text=article.text,
        outlet_key=fold(article.outlet),
        dated=article.published or article.crawled,
        record=dumps(data),
    )


def article_from(record: str | dict[str, Any], text: str) -> Article:
    """Rebuild an article from its row (``record`` as JSON text or already parsed)."""
    data = json.loads(record) if isinstance(record, str) else dict(record)
    data["text"] = text
    return from_dict(Article, data)


def check_story(story: Story) -> Story:
    """Return ``story`` after checking what the schema cannot.

    Raises:
        UsageError: not a Story, an article listed twice, or a naive datetime.
    """
    if not isinstance(story, Story):
        raise UsageError(f"put_story needs a Story record, got {type(story).__name__}")
    seen: set[str] = set()
    for article_id in story.articles:
        if article_id in seen:
            raise UsageError(f"story {story.id} lists article {article_id} twice")
        seen.add(article_id)
    aware(story.opened, "story.opened", "put_story")
    aware(story.last_seen, "story.last_seen", "put_story")
    return story


def story_from(record: str | dict[str, Any]) -> Story:
    """Rebuild a story from its JSON."""
    return from_dict(Story, json.loads(record) if isinstance(record, str) else record)


def brief_text(brief: Brief) -> str:
    """The searchable text of a brief: its sentences, in reading order."""
    return " ".join(s.text for s in brief.sentences)


@dataclass(frozen=True, slots=True)
class RevisionRow:
    """The columns of a brief revision."""

    story: str
    revision: int
    made: datetime | None
    brief_text: str
    update_text: str
    record: str


def check_revision(rev: BriefRevision) -> None:
    """Raises UsageError: not a BriefRevision, or a revision number < 1."""
    if not isinstance(rev, BriefRevision):
        raise UsageError(f"add_revision needs a BriefRevision record, got {type(rev).__name__}")
    if type(rev.revision) is not int or rev.revision < 1:
        raise UsageError(f"revision numbers start at 1, got {rev.revision!r} for story {rev.story}")


def revision_row(rev: BriefRevision, shared: Collection[str] = ()) -> RevisionRow:
    """The row of ``rev``. The brief's articles whose ids are in ``shared`` (stored, unchanged, in
    the articles table) are recorded by id alone, so a revision does not copy their text: a story
    revised ten times would otherwise hold ten copies of its articles.

    Raises:
        UsageError: not a BriefRevision, a revision number < 1, or a naive datetime.
    """
    check_revision(rev)
    record = to_dict(rev)
    if shared:
        brief = record["brief"]
        brief["articles"] = [a["id"] if a["id"] in shared else a for a in brief["articles"]]
    return RevisionRow(
        story=rev.story,
        revision=rev.revision,
        made=rev.made,
        brief_text=brief_text(rev.brief),
        update_text=" ".join(s.text for s in rev.update),
        record=dumps(record),
    )


def _revision_data(record: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(record) if isinstance(record, str) else record


def referenced(record: str | dict[str, Any]) -> list[str]:
    """Ids of the articles a stored revision refers to by id (see :func:`revision_row`)."""
    return [a for a in _revision_data(record)["brief"]["articles"] if isinstance(a, str)]


def revision_from(
    record: str | dict[str, Any], articles: Mapping[str, Article] | None = None
) -> BriefRevision:
    """Rebuild a revision from its JSON; ``articles`` supplies those it refers to by id.

    Raises:
        StoreError: reason ``corrupt`` when a referenced article is not in ``articles``.
    """
    data = _revision_data(record)
    listed = data["brief"]["articles"]
    refs = [a for a in listed if isinstance(a, str)]
    if not refs:
        return from_dict(BriefRevision, data)
    missing = [i for i in refs if articles is None or i not in articles]
    if missing or articles is None:
        raise StoreError(
            f"revision {data.get('revision')} of story {data.get('story')} refers to"
            f" {len(missing)} article(s) the store does not have, such as {missing[0]}",
            reason="corrupt",
        )
    # Parse the articles kept in full, then put the joined ones back in their places.
    inline = [a for a in listed if not isinstance(a, str)]
    rev = from_dict(BriefRevision, {**data, "brief": {**data["brief"], "articles": inline}})
    parsed = iter(rev.brief.articles)
    joined = tuple(articles[a] if isinstance(a, str) else next(parsed) for a in listed)
    return replace(rev, brief=replace(rev.brief, articles=joined))


def analysis_from(record: str | dict[str, Any]) -> Analysis:
    """Rebuild an analysis from its JSON."""
    return from_dict(Analysis, json.loads(record) if isinstance(record, str) else record)


def check_analysis(analysis: Analysis, revision: int) -> str:
    """The JSON of ``analysis`` after checking the arguments of ``put_analysis``.

    Raises:
        UsageError: not an Analysis, or ``revision`` is not an int >= 0.
    """
    if not isinstance(analysis, Analysis):
        raise UsageError(f"put_analysis needs an Analysis record, got {type(analysis).__name__}")
    if type(revision) is not int or revision < 0:
        raise UsageError(
            f"the revision parameter of put_analysis must be an int >= 0, got {revision!r}"
        )
    return dumps(to_dict(analysis))


def entity_rows(analysis: Analysis) -> list[tuple[str, str, str]]:
    """``(name, kind, alias_key)`` for each entity's name and variants, without repeats.

    ``alias_key`` is the case-folded surface form that ``stories(entity=...)`` looks up, so a
    story naming "Sergei Lavrov" is found by "lavrov" when "Lavrov" was one of its variants.
    """
    rows: dict[tuple[str, str, str], None] = {}
    for entity in analysis.entities:
        for alias in (entity.name, *entity.variants):
            key = fold(alias)
            if key:
                rows[(entity.name, entity.kind, key)] = None
    return list(rows)


def rejection_key(run: str, rejection: Rejection) -> str:
    """A content id for one rejection of one run: recording it again is a no-op."""
    return content_id(
        run, rejection.input, rejection.stage, rejection.reason, rejection.detail, length=32
    )


def check_rejections(rejections: Sequence[Rejection], run: str) -> list[Rejection]:
    """The rejections as a list, after checking their types and the run label.

    Raises:
        UsageError: a non-Rejection, or ``run`` is not a non-empty string.
    """
    if not isinstance(run, str) or not run:
        raise UsageError(
            f"the run parameter of add_rejections must be a non-empty string, got {run!r}"
        )
    out = list(rejections)
    for rejection in out:
        if not isinstance(rejection, Rejection):
            raise UsageError(
                f"add_rejections needs Rejection records, got {type(rejection).__name__}"
            )
    return out


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """The checked filters of ``stories`` / ``count_stories``; ``None`` means no filter."""

    closed: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    outlet_key: str | None = None
    entity_key: str | None = None
    query: str | None = None


def story_filter(
    method: str,
    *,
    closed: bool | None,
    since: datetime | None,
    until: datetime | None,
    outlet: str | None,
    entity: str | None,
    query: str | None,
) -> StoryFilter:
    """Check the story filters and fold the names.

    Raises:
        UsageError: a naive datetime or a value of the wrong type.
    """
    if closed is not None and type(closed) is not bool:
        raise UsageError(
            f"the closed parameter of {method} must be True, False or None, got {closed!r}"
        )
    for param, value in (("outlet", outlet), ("entity", entity), ("query", query)):
        if value is not None and not isinstance(value, str):
            raise UsageError(
                f"the {param} parameter of {method} must be a string or None, got {value!r}"
            )
    return StoryFilter(
        closed=closed,
        since=aware(since, "since", method),
        until=aware(until, "until", method),
        outlet_key=fold(outlet),
        entity_key=fold(entity),
        query=clean_query(query) if query is not None else None,
    )


def check_page(order: str, limit: int, offset: int, method: str = "stories") -> None:
    """Check a page request.

    Raises:
        UsageError: an unknown ``order``, ``limit`` < 1 or ``offset`` < 0.
    """
    if order not in _ORDERS:
        raise UsageError(
            f"the order parameter of {method} must be one of {', '.join(_ORDERS)}, got {order!r}"
        )
    if type(limit) is not int or limit < 1:
        raise UsageError(f"the limit parameter of {method} must be an int >= 1, got {limit!r}")
    if type(offset) is not int or offset < 0:
        raise UsageError(f"the offset parameter of {method} must be an int >= 0, got {offset!r}")


def check_search(query: str, limit: int, kind: str | None) -> str:
    """The cleaned query after checking the arguments of ``search``.

    Raises:
        UsageError: ``query`` is not a string, ``limit`` < 1, or an unknown ``kind``.
    """
    if not isinstance(query, str):
        raise UsageError(f"the query parameter of search must be a string, got {query!r}")
    if type(limit) is not int or limit < 1:
        raise UsageError(f"the limit parameter of search must be an int >= 1, got {limit!r}")
    if kind not in (None, "article", "story"):
        raise UsageError(
            f"the kind parameter of search must be 'article', 'story' or None, got {kind!r}"
        )
    return clean_query(query)


def clean_query(query: str) -> str:
    """A user query without NUL characters, which PostgreSQL text cannot hold."""
    return query.replace("\x00", " ")


def check_state(key: str, value: bytes | None = None) -> None:
    """Check a state key (and value).

    Raises:
        UsageError: ``key`` is not a non-empty string, or ``value`` is not bytes.
    """
    if not isinstance(key, str) or not key:
        raise UsageError(f"state keys must be non-empty strings, got {key!r}")
    if value is not None and not isinstance(value, bytes | bytearray | memoryview):
        raise UsageError(f"state values must be bytes, got {type(value).__name__}; encode it first")


def not_found(what: str, ids: Iterable[str]) -> StoreError:
    """The error for ids that are not stored (the first few named)."""
    missing = list(dict.fromkeys(ids))
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return StoreError(f"no {what} with id {shown} is stored", reason="not-found")


def check_batch(batch: int) -> None:
    """Check the ``batch`` parameter of ``iter_articles``.

    Raises:
        UsageError: ``batch`` is not an int >= 1.
    """
    if type(batch) is not int or batch < 1:
        raise UsageError(f"the batch parameter of iter_articles must be an int >= 1, got {batch!r}")


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Stories whose denormalised columns (size, latest_revision) disagree with their member and
#: revision rows; the same SQL runs on both backends.
SUMMARY_CHECK = """
    SELECT s.id, s.size, (SELECT count(*) FROM story_articles sa WHERE sa.story = s.id),
           s.latest_revision, (SELECT max(r.revision) FROM revisions r WHERE r.story = s.id)
    FROM stories s
    WHERE s.size != (SELECT count(*) FROM story_articles sa WHERE sa.story = s.id)
       OR coalesce(s.latest_revision, 0)
          != coalesce((SELECT max(r.revision) FROM revisions r WHERE r.story = s.id), 0)
"""


def summary_problems(rows: Sequence[Sequence[Any]]) -> list[str]:
    """Messages for the rows of :data:`SUMMARY_CHECK`."""
    return [
        f"story {sid}: size {size} but {members} member rows, "
        f"or latest revision {latest} but {newest} stored"
        for sid, size, members, latest, newest in rows
    ]


def raise_member_errors(story: Story, missing: list[str], taken: dict[str, str]) -> None:
    """Raise the error of ``put_story``'s membership check, if any.

    Raises:
        StoreError: reason ``not-found`` for ``missing`` articles, ``conflict`` for articles
            ``taken`` by another story (article id -> story id).
    """
    if missing:
        raise StoreError(
            f"story {story.id} lists {len(missing)} article(s) that are not stored "
            f"({', '.join(missing[:5])}); add_articles them first",
            reason="not-found",
        )
    if taken:
        article, other = next(iter(taken.items()))
        raise StoreError(
            f"article {article} of story {story.id} already belongs to story {other}; put story "
            f"{other} without it first (in the same transaction) to move it",
            reason="conflict",
        )


def check_same_revision(
    rev: BriefRevision, stored: str | dict[str, Any], articles: Mapping[str, Article]
) -> None:
    """Check that a revision stored again is the same revision (then storing it is a no-op).

    Raises:
        StoreError: reason ``conflict`` when ``stored`` holds other content.
    """
    if revision_from(stored, articles) != rev:
        raise StoreError(
            f"story {rev.story} already has a revision {rev.revision} with other content; "
            "revisions are immutable: add the next number instead",
            reason="conflict",
        )
