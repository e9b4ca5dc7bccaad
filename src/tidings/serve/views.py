"""What the pages and feeds show, computed from stored records: plain values for the templates.

The templates only lay these out; every decision (citation numbering, which URL may become a
link, where a highlighted span starts and ends) is made here, where it can be tested without
HTML. Text from articles is never marked safe: the templates escape it (Jinja autoescape).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import quote, urlsplit

from ..pipeline import source_labels
from ..records import (
    Analysis,
    Article,
    Brief,
    BriefRevision,
    BriefSentence,
    Citation,
    Story,
)
from ..render import briefed_latest, last_label

__all__ = [
    "ArticleView",
    "Cite",
    "ListItem",
    "Paragraph",
    "StoryView",
    "article_href",
    "article_view",
    "list_item",
    "parse_span",
    "safe_url",
    "story_view",
]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

EXCERPT_CHARS = 280


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used cache (values must be immutable)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute ``http(s)`` URL (fit for an ``href``), else ``None``.

    Escaping does not make a ``javascript:`` or ``data:`` URL safe in an ``href``; only a scheme
    allow-list does.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def article_href(article_id: str, start: int | None = None, end: int | None = None) -> str:
    """The page of an article, highlighting ``[start, end)`` and scrolled to it when given."""
    path = f"/articles/{quote(article_id, safe='')}"
    if start is None or end is None:
        return path
    return f"{path}?hl={start}-{end}#hl"


_SPAN = re.compile(r"(\d{1,9})-(\d{1,9})")


def parse_span(value: str | None, length: int) -> tuple[int, int] | None:
    """Read a ``start-end`` highlight; ``None`` unless ``0 <= start < end <= length``."""
    if not value:
        return None
    match = _SPAN.fullmatch(value.strip())
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return (start, end) if 0 <= start < end <= length else None


def clip(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


# -- stories ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cite:
    """A citation as shown: the source's number and name, and the link to the exact span."""

    n: int
    article: str
    start: int
    end: int
    label: str
    href: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class SentenceView:
    text: str
    cites: tuple[Cite, ...]
    outlets: tuple[str, ...]
    corroboration: int


@dataclass(frozen=True, slots=True)
class SourceView:
    n: int
    id: str
    title: str | None
    label: str
    published: datetime | None
    url: str | None
    href: str
    copy_of: int | None


@dataclass(frozen=True, slots=True)
class UpdateView:
    revision: int
    made: datetime | None
    articles: int
    sentences: tuple[SentenceView, ...]


@dataclass(frozen=True, slots=True)
class EventView:
    date: str | None
    expression: str
    text: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class QuoteView:
    text: str
    speaker: str | None
    speaker_title: str | None
    cue: str | None
    kind: str
    cites: tuple[Cite, ...]
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SideView:
    claim: str
    cites: tuple[Cite, ...]
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DisagreementView:
    topic: str
    kind: str
    sides: tuple[SideView, ...]


@dataclass(frozen=True, slots=True)
class EntityView:
    name: str
    kind: str
    mentions: int


@dataclass(frozen=True, slots=True)
class StoryView:
    """Everything the story page shows."""

    story: Story
    title: str
    outlets: tuple[str, ...]
    made: datetime | None
    sentences: tuple[SentenceView, ...]
    updates: tuple[UpdateView, ...]
    timeline: tuple[EventView, ...]
    quotes: tuple[QuoteView, ...]
    disagreements: tuple[DisagreementView, ...]
    entities: tuple[EntityView, ...]
    sources: tuple[SourceView, ...]
    methods: tuple[tuple[str, str], ...]
    briefed: int | None  # articles the latest brief read, when fewer than the story's
    last_label: str  # "last report", or "last captured" when the dates are crawl times


class _Numbering:
    """Numbers a story's articles as the brief cites them: first cited first, then the rest."""

    def __init__(self, brief: Brief | None, lookup: Callable[[Sequence[str]], list[Article]]):
        self.lookup = lookup
        self.articles: dict[str, Article] = {a.id: a for a in brief.articles} if brief else {}
        self.labels = source_labels(brief.articles, brief.duplicates) if brief else {}
        self.copy_of = {c: g.kept for g in brief.duplicates for c in g.copies} if brief else {}
        self.number: dict[str, int] = {}
        if brief:
            for sentence in brief.sentences:
                for citation in sentence.citations:
                    self._number(citation.article)
            for article in brief.articles:
                if article.id not in self.copy_of:
                    self._number(article.id)
            for article in brief.articles:
                self._number(article.id)

    def _number(self, article_id: str) -> int:
        if article_id not in self.number:
            self.number[article_id] = len(self.number) + 1
        return self.number[article_id]

    def need(self, ids: Sequence[str]) -> None:
        """Load articles cited outside the brief (an update or the analysis may cite them)."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.articles]
        if missing:
            for article in self.lookup(missing):
                self.articles[article.id] = article
                self.labels.setdefault(article.id, article.source_label)

    def cite(self, citation: Citation) -> Cite:
        article = self.articles.get(citation.article)
        text = article.text[citation.start : citation.end] if article else ""
        return Cite(
            n=self._number(citation.article),
            article=citation.article,
            start=citation.start,
            end=citation.end,
            label=self.labels.get(citation.article, citation.article),
            href=article_href(citation.article, citation.start, citation.end),
            excerpt=clip(text),
        )

    def cites(self, citations: Sequence[Citation]) -> tuple[Cite, ...]:
        return tuple(self.cite(c) for c in citations)

    def sentence(self, s: BriefSentence) -> SentenceView:
        return SentenceView(s.text, self.cites(s.citations), s.outlets, s.corroboration)

    def sources(self) -> tuple[SourceView, ...]:
        out = []
        for article_id, n in sorted(self.number.items(), key=lambda kv: kv[1]):
            article = self.articles.get(article_id)
            kept = self.copy_of.get(article_id)
            out.append(
                SourceView(
                    n=n,
                    id=article_id,
                    title=article.title if article else None,
                    label=self.labels.get(article_id, article_id),
                    published=(article.published or article.crawled) if article else None,
                    url=safe_url(article.url or article.source) if article else None,
                    href=article_href(article_id),
                    copy_of=self.number.get(kept) if kept else None,
                )
            )
        return tuple(out)


def story_view(
    story: Story,
    revisions: Sequence[BriefRevision],
    analysis: Analysis | None,
    lookup: Callable[[Sequence[str]], list[Article]],
) -> StoryView:
    """The story page's content.

    Args:
        story: the story.
        revisions: its revisions, oldest first (only the latest is needed for a feed entry).
        analysis: its analysis, if any.
        lookup: loads articles by id (for citations outside the latest brief); articles that
            cannot be loaded are left out.
    """
    latest = revisions[-1] if revisions else None
    numbering = _Numbering(latest.brief if latest else None, lookup)
    cited: list[str] = [c.article for r in revisions for s in r.update for c in s.citations]
    if analysis is not None:
        cited += [c.article for q in analysis.quotes for c in q.citations]
        cited += [c.article for e in analysis.timeline for c in e.citations]
        cited += [c.article for d in analysis.disagreements for s in d.sides for c in s.citations]
    numbering.need(cited)
    sentences = tuple(numbering.sentence(s) for s in latest.brief.sentences) if latest else ()
    updates = tuple(
        UpdateView(
            revision=r.revision,
            made=r.made,
            articles=len(r.articles),
            sentences=tuple(numbering.sentence(s) for s in r.update),
        )
        for r in reversed(revisions)
    )
    timeline: tuple[EventView, ...] = ()
    quotes: tuple[QuoteView, ...] = ()
    disagreements: tuple[DisagreementView, ...] = ()
    entities: tuple[EntityView, ...] = ()
    if analysis is not None:
        timeline = tuple(
            EventView(e.date, e.expression, e.text, numbering.cites(e.citations))
            for e in analysis.timeline
        )
        quotes = tuple(
            QuoteView(
                q.text,
                q.speaker,
                q.speaker_title,
                q.cue,
                q.kind,
                numbering.cites(q.citations),
                q.outlets,
            )
            for q in analysis.quotes
        )
        disagreements = tuple(
            DisagreementView(
                d.topic,
                d.kind,
                tuple(SideView(s.claim, numbering.cites(s.citations), s.outlets) for s in d.sides),
            )
            for d in analysis.disagreements
        )
        entities = tuple(
            EntityView(e.name, e.kind, e.mentions)
            for e in sorted(analysis.entities, key=lambda e: (-e.mentions, e.name))
        )
    methods = dict(latest.brief.methods) if latest else {}
    if analysis is not None:
        methods.update({f"analysis {k}": v for k, v in analysis.methods.items()})
    return StoryView(
        story=story,
        title=story.title or "(untitled story)",
        outlets=tuple(sorted(set(numbering.labels.values()))) if latest else (),
        made=latest.made if latest else None,
        sentences=sentences,
        updates=updates,
        timeline=timeline,
        quotes=quotes,
        disagreements=disagreements,
        entities=entities,
        sources=numbering.sources(),
        methods=tuple(methods.items()),
        briefed=briefed_latest(story, latest),
        last_label=last_label(latest),
    )


@dataclass(frozen=True, slots=True)
class ListItem:
    """A story as listed on the front page, in the API list and in feeds."""

    story: Story
    outlets: tuple[str, ...]
    lead: str | None
    made: datetime | None


def list_item(story: Story, latest: BriefRevision | None) -> ListItem:
    """The listing of ``story`` given its latest revision (``None`` before the first brief)."""
    if latest is None:
        return ListItem(story, (), None, None)
    brief = latest.brief
    outlets = tuple(sorted(set(source_labels(brief.articles, brief.duplicates).values())))
    lead = brief.sentences[0].text if brief.sentences else None
    return ListItem(story, outlets, lead, latest.made)


# -- articles ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of an article: its offset in ``Article.text`` and its pieces, each marked or
    not. The pieces joined are exactly ``text[start:end]``, so offsets survive into the page."""

    start: int
    pieces: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class ArticleView:
    article: Article
    paragraphs: tuple[Paragraph, ...]
    highlight: tuple[int, int] | None
    url: str | None
    story: str | None


_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?!\n))+")


def article_view(
    article: Article, highlight: tuple[int, int] | None, story: str | None
) -> ArticleView:
    """The article page's content, with ``highlight`` (``[start, end)``) marked."""
    paragraphs = []
    for match in _PARAGRAPH.finditer(article.text):
        # Trimmed, so a paragraph shown with ``white-space: pre-line`` does not open or close
        # with a blank line; the offsets still point into the article's text.
        segment = match.group()
        start = match.start() + len(segment) - len(segment.lstrip())
        end = match.end() - (len(segment) - len(segment.rstrip()))
        if start >= end:
            continue
        pieces: list[tuple[str, bool]] = []
        if highlight and highlight[0] < end and highlight[1] > start:
            a, b = max(start, highlight[0]), min(end, highlight[1])
            pieces += [(article.text[start:a], False), (article.text[a:b], True)]
            pieces.append((article.text[b:end], False))
        else:
            pieces.append((article.text[start:end], False))
        paragraphs.append(Paragraph(start, tuple(p for p in pieces if p[0])))
    return ArticleView(
        article=article,
        paragraphs=tuple(paragraphs),
        highlight=highlight,
        url=safe_url(article.url or article.source),
        story=story,
    )
