"""Typed records: the contract between the stages of tidings.

All records are frozen, slotted dataclasses. Two rules hold everywhere:

* **Every offset points into ``Article.text``**, the one cleaned text of an article, so any
  citation ``(article, start, end)`` can be checked with ``article.text[start:end]``.
* **Ids are derived from content**, so reading the same article twice yields the same id.

Dates are timezone-aware ``datetime`` values and kept apart: ``published`` and ``updated`` come
from the article itself, ``crawled`` is when it was captured (a fetch time or a crawl stamp), and
a crawl time is never taken as a publication date.
"""

from __future__ import annotations

import copyreg
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

__all__ = [
    "Analysis",
    "Article",
    "Brief",
    "BriefRevision",
    "BriefSentence",
    "Citation",
    "Disagreement",
    "DisagreementSide",
    "DuplicateGroup",
    "Entity",
    "Quote",
    "RawDocument",
    "Rejection",
    "Sentence",
    "Story",
    "TimelineEvent",
    "content_id",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _mapping_proxy(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(data)


def _pickle_mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mapping_proxy, (dict(proxy),)


# Records cross process boundaries (story tracking summarises in worker processes), and their
# read-only mapping fields are MappingProxyType, which pickle refuses: rebuild an equal proxy.
copyreg.pickle(MappingProxyType, _pickle_mapping_proxy)


def content_id(*parts: str, length: int = 16) -> str:
    """Return a stable hex id derived from ``parts``.

    Args:
        parts: strings that together identify the content (joined with a separator that cannot
            occur in normal text, so ``("ab", "c")`` and ``("a", "bc")`` differ).
        length: number of hex characters to keep (64 bits by default).
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input as read at the edge, before extraction.

    Attributes:
        source: the path, URL or ``path#record`` label the document came from.
        content: the raw bytes (HTML or text), or ``b""`` when ``text`` was given directly.
        kind: how to extract it: ``"text"`` (plain-text capture), ``"html"``, or ``"record"``
            (already-structured text from a JSON record).
        text: decoded text, when the edge already decoded it.
        meta: metadata known from outside the content (a JSON record's ``title``, ``published``,
            ``outlet``, ``url``; a feed entry's fields; HTTP headers).
        crawled: when the content was captured, if known.
    """

    source: str
    kind: str
    content: bytes = b""
    text: str | None = None
    meta: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    crawled: datetime | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: the text every citation points into, plus its metadata.

    Attributes:
        id: content-derived id (title and text).
        source: the path or URL it came from.
        text: the cleaned body, paragraphs separated by blank lines.
        title: the headline, if one was found.
        outlet: the publishing outlet, when knowable (``None`` rather than a guess).
        published / updated: from the article itself, timezone-aware, or ``None``.
        crawled: when it was captured; never used as a publication date.
        authors: bylines, in order.
        language: ISO 639-1 code when known.
        url: the canonical URL when known.
        extractor: the registered name of the extractor that made it.
        removed: lines the cleaner dropped as page furniture (kept for auditing).
        site_key: a fingerprint of the page template (shared furniture), used to tell independent
            sources apart when the outlet's name is unknown; ``None`` when there is no evidence.
        paywalled: the page is marked as not free, or looks like a paywall teaser.
    """

    id: str
    source: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    crawled: datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    url: str | None = None
    extractor: str = ""
    removed: tuple[str, ...] = ()
    site_key: str | None = None
    paywalled: bool = False

    @property
    def source_label(self) -> str:
        """The name used for this article's origin: its outlet, else its source path or URL."""
        return self.outlet or self.source


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article, with exact character offsets into ``Article.text``.

    Attributes:
        article_id: the article it belongs to.
        index: position among the article's sentences (0-based).
        start, end: ``article.text[start:end] == text``.
        paragraph: index of the paragraph it sits in (0-based).
        text: the sentence itself.
    """

    article_id: str
    index: int
    start: int
    end: int
    paragraph: int
    text: str


@dataclass(frozen=True, slots=True)
class Citation:
    """An exact span of an article that supports a statement: ``article.text[start:end]``."""

    article: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class BriefSentence:
    """One sentence of a brief with every source span that supports it.

    Attributes:
        text: the sentence as printed (the text of the first citation's span).
        citations: all supporting spans; the first is the sentence's own source.
        outlets: the distinct independent sources behind the citations, in citation order.
    """

    text: str
    citations: tuple[Citation, ...]
    outlets: tuple[str, ...]

    @property
    def corroboration(self) -> int:
        """How many independent sources report this sentence's fact."""
        return len(self.outlets)


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Articles that are copies of one another (syndication, re-posts, edited copies).

    Attributes:
        kept: id of the article that represents the group.
        copies: ids of the other members, collapsed into ``kept``.
        similarity: estimated Jaccard similarity of each copy to ``kept`` (same order).
    """

    kept: str
    copies: tuple[str, ...]
    similarity: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not be used, and why. Nothing is dropped without one.

    Attributes:
        input: the path, URL or record label.
        stage: the stage that refused it (``read``, ``parse``, ``extract``, ``fetch``, ...).
        reason: a short stable code (``empty``, ``binary``, ``too-large``, ...).
        detail: the human-readable explanation.
    """

    input: str
    stage: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Brief:
    """A cited multi-document brief of one story.

    Attributes:
        sentences: the summary, in reading order.
        articles: every article used, including collapsed copies.
        duplicates: groups of near-duplicate articles that were collapsed.
        rejected: every input that could not be used, with its reason.
        methods: registered names of the backends that made the brief (role -> name).
        max_words: the word budget the summary was made for (``None`` if only sentences bounded it).
        max_sentences: the sentence budget, if any.
        analysis: quotes, entities, timeline and disagreements of the articles, when made.
    """

    sentences: tuple[BriefSentence, ...]
    articles: tuple[Article, ...]
    duplicates: tuple[DuplicateGroup, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    methods: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    max_words: int | None = None
    max_sentences: int | None = None
    analysis: Analysis | None = None

    def article(self, article_id: str) -> Article:
        """Return the article with ``article_id``.

        Raises:
            KeyError: no article of this brief has that id.
        """
        for art in self.articles:
            if art.id == article_id:
                return art
        raise KeyError(article_id)


@dataclass(frozen=True, slots=True)
class Quote:
    """Who said what: a direct or partial quotation with its speaker and cue.

    Attributes:
        text: the quoted words, without the quote marks.
        speaker: the speaker's full name as resolved in the article ("Sergei Lavrov"), or ``None``
            when no speaker could be found (never guessed).
        speaker_title: the title kept apart from the name ("Russian Foreign Minister").
        cue: the reporting verb phrase ("said", "told reporters", "stressed").
        kind: ``"direct"`` (a whole quoted sentence or clause) or ``"partial"`` (a few quoted
            words inside a sentence, such as respond "in kind").
        citations: the span of the quotation in every article that reports it (the first is
            where the text shown comes from).
        outlets: the distinct sources that report it.
    """

    text: str
    speaker: str | None
    speaker_title: str | None
    cue: str | None
    kind: str
    citations: tuple[Citation, ...]
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, organisation or place, with its spelling variants merged.

    Attributes:
        name: the canonical (most complete) name ("Sergei Lavrov").
        kind: ``"person"``, ``"organization"``, ``"place"`` or ``"other"`` (treaties, acts).
        mentions: how many times it is mentioned across the articles.
        articles: ids of the articles that mention it.
        variants: every surface form merged into it ("Lavrov", "Sergey Lavrov").
    """

    name: str
    kind: str
    mentions: int
    articles: tuple[str, ...]
    variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A dated event of the story.

    Attributes:
        date: ISO 8601, possibly partial ("1987", "2018-10", "2018-11-14"), or ``None`` when the
            expression could not be resolved (then it is kept, never guessed).
        expression: the date expression as written ("last month", "on February 2").
        text: the sentence that states the event.
        citations: the sentence's span in every article that reports it.
    """

    date: str | None
    expression: str
    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class DisagreementSide:
    """One side of a disagreement: a claim and the spans that make it."""

    claim: str
    citations: tuple[Citation, ...]
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Where sources contradict or dispute each other.

    Attributes:
        topic: what is disputed, in a few words.
        kind: ``"denial"`` (a claim and its denial), ``"accusation"`` (an accusation and a
            counter-accusation) or ``"figures"`` (conflicting numbers for one quantity).
        sides: two or more sides, each cited.
    """

    topic: str
    kind: str
    sides: tuple[DisagreementSide, ...]


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a careful reader assembles by hand from the articles of one story."""

    quotes: tuple[Quote, ...] = ()
    entities: tuple[Entity, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    methods: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Story:
    """A group of articles about one event, tracked as reports arrive.

    Attributes:
        id: stable id (derived from the first article that opened it).
        articles: ids of its articles, in arrival order.
        opened / last_seen: publication (else arrival) time of its first and latest article.
        closed: whether the story left the live window.
        title: the headline that best represents it.
        revision: how many brief revisions it has had.
    """

    id: str
    articles: tuple[str, ...]
    opened: datetime | None = None
    last_seen: datetime | None = None
    closed: bool = False
    title: str | None = None
    revision: int = 0


@dataclass(frozen=True, slots=True)
class BriefRevision:
    """One revision of a story's brief, with what is new since the previous revision.

    Attributes:
        story: the story id.
        revision: 1 for the first brief, then 2, 3, ...
        brief: the full brief at this revision.
        update: the sentences that are new since the previous revision (empty for revision 1),
            cited like the brief.
        articles: the article ids the story had at this revision.
        made: when the revision was made.
    """

    story: str
    revision: int
    brief: Brief
    update: tuple[BriefSentence, ...]
    articles: tuple[str, ...]
    made: datetime | None = None
