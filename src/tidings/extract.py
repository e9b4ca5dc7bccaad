"""Extraction: ``RawDocument`` records become ``Article`` records (clean text plus metadata).

* ``text``: plain-text captures of web pages, cleaned by our own line classifier with
  cross-document furniture detection (:mod:`tidings.clean`);
* ``html``: :mod:`tidings.html` (trafilatura with a readability-lxml fallback; title, outlet,
  authors, published and updated dates from JSON-LD, OpenGraph and htmldate; language);
* ``record``: text that already is an article (JSON records); only whitespace is normalised.

The batch function :func:`extract_all` is pure: the same documents give the same articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from .dates import parse_date
from .errors import ExtractionError, InputError
from .records import Article, RawDocument, Rejection, content_id
from .registry import Registry
from .textutil import word_count

__all__ = [
    "EXTRACTORS",
    "MIN_WORDS",
    "Extractor",
    "extract",
    "extract_all",
    "furniture_of",
    "normalise_paragraphs",
]

#: Fewer words than this after extraction is not an article (a teaser, a failed extraction).
MIN_WORDS = 15

EXTRACTORS: Registry[str] = Registry("extractor")
TEXT_EXTRACTOR = EXTRACTORS.register("capture-cleaner.v1")("capture-cleaner.v1")
# html.v2: trafilatura (precision settings) with a readability-lxml fallback, metadata from
# JSON-LD / OpenGraph / htmldate, language id; v1 was plain trafilatura.
HTML_EXTRACTOR = EXTRACTORS.register("html.v2")("html.v2")
RECORD_EXTRACTOR = EXTRACTORS.register("record.v1")("record.v1")

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\n\s*\n")


def normalise_paragraphs(text: str) -> str:
    """Fold runs of spaces, strip lines, and separate paragraphs by exactly one blank line.

    A single line break inside a paragraph becomes a paragraph break too: in extracted and
    scraped text a line is a block (a paragraph, a heading), and soft-wrapped prose is rare.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def extract_all(
    documents: Sequence[RawDocument],
    *,
    min_words: int = MIN_WORDS,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Article], list[Rejection]]:
    """Extract every document; the ones that fail become rejections.

    Plain-text captures are cleaned as a batch: a short line that recurs across several captures
    is site furniture, which no single capture can show.

    Args:
        documents: raw documents, in order.
        min_words: texts shorter than this after extraction are rejected as ``too-short``.
        workers: processes that extract in parallel (HTML pages cost some 70 ms each, 13.7
            pages/s on the Zyte pages; records and captures far less). The result is the same
            for any number.
        progress: called as ``progress(done, total)`` as documents are extracted.

    Returns:
        ``(articles, rejections)``; articles keep the input order, and an article read twice
        (same id) is kept once.
    """
    articles: list[Article] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    total = len(documents)
    with Extractor(workers=workers, min_words=min_words) as extractor:
        outcomes = extractor.each(documents, recurring=furniture_of(documents))
        for done, outcome in enumerate(outcomes, start=1):
            if isinstance(outcome, Rejection):
                rejected.append(outcome)
            elif outcome.id not in seen:
                seen.add(outcome.id)
                articles.append(outcome)
            if progress is not None:
                progress(done, total)
    return articles, rejected


def furniture_of(documents: Iterable[RawDocument]) -> frozenset[str]:
    """The lines that recur across the plain-text captures among ``documents`` (site furniture
    no single capture can show); empty with fewer than two captures."""
    captures = [d.text for d in documents if d.kind == "text" and d.text is not None]
    if len(captures) < 2:
        return frozenset()
    from .clean import recurring_lines

    return recurring_lines(captures)


class Extractor:
    """Extracts documents, on worker processes when there are enough HTML pages to repay
    starting them (the pool is started once, at the first such call, and closed on exit).

    Args:
        workers: most processes (1: always in this process).
        min_words: the shortest text accepted as an article.
    """

    def __init__(self, *, workers: int = 1, min_words: int = MIN_WORDS) -> None:
        self.workers = workers
        self.min_words = min_words
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def each(
        self, documents: Sequence[RawDocument], *, recurring: frozenset[str] = frozenset()
    ) -> Iterator[Article | Rejection]:
        """The article, or the rejection, of each document, in order."""
        task = partial(_extract_or_reject, recurring=recurring, min_words=self.min_words)
        pages = sum(1 for d in documents if d.kind == "html")
        if self.workers > 1 and pages >= _PARALLEL_PAGES:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers)
            return iter(self._pool.map(task, documents, chunksize=_CHUNK))
        return map(task, documents)


# Below this many HTML pages, starting worker processes costs more than it saves.
_PARALLEL_PAGES = 32
_CHUNK = 8


def _extract_or_reject(
    doc: RawDocument, *, recurring: frozenset[str], min_words: int
) -> Article | Rejection:
    try:
        return extract(doc, recurring=recurring, min_words=min_words)
    except InputError as err:
        return Rejection(err.input, err.stage, err.reason, err.detail)


def extract(
    doc: RawDocument, *, recurring: frozenset[str] = frozenset(), min_words: int = MIN_WORDS
) -> Article:
    """Extract one document into an article.

    Args:
        doc: the raw document.
        recurring: normalised furniture lines seen across the batch (plain-text captures only).
        min_words: the shortest text accepted as an article.

    Raises:
        ExtractionError: no article text could be found, or it is too short.
        FetchError: the document is a bare URL (fetching happens before extraction).
    """
    if doc.kind == "text":
        article = _from_capture(doc, recurring)
    elif doc.kind == "html":
        article = _from_html(doc)
    elif doc.kind == "record":
        article = _from_record(doc)
    else:
        raise ExtractionError(
            doc.source, f"cannot extract a document of kind {doc.kind!r}", reason="unsupported"
        )
    words = word_count(article.text)
    if words < min_words:
        raise ExtractionError(
            doc.source,
            f"extracted text is too short to be an article ({words} words, need {min_words})",
            reason="too-short",
        )
    return article


def _from_capture(doc: RawDocument, recurring: frozenset[str]) -> Article:
    from .clean import clean_capture

    raw = doc.text if doc.text is not None else doc.content.decode("utf-8", "replace")
    cleaned = clean_capture(raw, recurring=recurring)
    text = normalise_paragraphs(cleaned.text)
    if not text:
        raise ExtractionError(
            doc.source, "no article text left after removing page furniture", reason="no-article"
        )
    meta = doc.meta
    title = _str(meta.get("title")) or cleaned.title
    outlet = _str(meta.get("outlet")) or cleaned.dateline_outlet
    site_key = None
    if len(cleaned.template) >= 2:
        # Captures sharing two or more template lines ("Listen Live", "Get short URL") come from
        # one site, even when no line names it: they are not independent corroboration.
        site_key = "template:" + content_id(*sorted(set(cleaned.template)), length=12)
    return _article(
        doc,
        text=text,
        title=title,
        outlet=outlet,
        published=parse_date(meta.get("published")) or cleaned.published,
        crawled=doc.crawled or cleaned.crawled,
        extractor=TEXT_EXTRACTOR,
        removed=cleaned.removed,
        site_key=site_key,
    )


def _from_record(doc: RawDocument) -> Article:
    text = normalise_paragraphs(doc.text or "")
    if not text:
        raise ExtractionError(doc.source, "record text is empty", reason="empty")
    return _article(
        doc,
        text=text,
        title=_str(doc.meta.get("title")),
        outlet=_str(doc.meta.get("outlet")),
        published=parse_date(doc.meta.get("published")),
        crawled=doc.crawled,
        extractor=RECORD_EXTRACTOR,
    )


def _from_html(doc: RawDocument) -> Article:
    from .html import extract_html

    meta = doc.meta
    url = _str(meta.get("url")) or (
        doc.source if doc.source.startswith(("http://", "https://")) else None
    )
    try:
        page = extract_html(
            doc.content, url=url, charset=_str(meta.get("charset")), crawled=doc.crawled
        )
    except ExtractionError as err:
        # extract_html names "<html>" when it has no URL; the rejection must name the input.
        raise ExtractionError(
            doc.source, err.detail.removeprefix(f"{err.input}: "), reason=err.reason
        ) from err
    link = page.url or url
    host = urlsplit(link).hostname if link else None
    # A record's title is the user's word; a feed's is only evidence, second to the page's own.
    given_title = _str(meta.get("title"))
    title = (page.title or given_title) if meta.get("from_feed") else (given_title or page.title)
    return _article(
        doc,
        text=normalise_paragraphs(page.text),
        title=title,
        outlet=_str(meta.get("outlet")) or page.outlet or _bare_host(host),
        published=_published(meta, page.published),
        updated=page.updated,
        crawled=doc.crawled,
        authors=_authors(meta.get("authors")) or page.authors,
        language=_str(meta.get("language")) or page.language,
        url=page.url or url,
        extractor=HTML_EXTRACTOR,
        site_key=f"host:{_bare_host(host)}" if host else None,
        paywalled=page.paywalled,
    )


def _published(meta: Mapping[str, Any], page_date: datetime | None) -> datetime | None:
    """Choose the publication date. A record's own date (the user's word) beats the page's; a
    feed's date is only evidence, used when the page states none. trafilatura's "filedate" (the
    time of extraction) is never used, nor is a fetch or crawl time."""
    given = parse_date(meta.get("published"))
    if meta.get("from_feed"):
        return page_date or given
    return given or page_date


def _article(doc: RawDocument, *, text: str, title: str | None, **fields: Any) -> Article:
    meta = doc.meta
    fields.setdefault("authors", _authors(meta.get("authors")))
    fields.setdefault("language", _str(meta.get("language")))
    fields.setdefault("url", _str(meta.get("url")))
    updated = fields.pop("updated", None) or parse_date(meta.get("updated"))
    return Article(
        id=content_id(title or "", text),
        source=doc.source,
        text=text,
        title=title,
        updated=updated,
        **fields,
    )


def _str(value: object) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _bare_host(host: str | None) -> str | None:
    if not host:
        return None
    return host.removeprefix("www.")


def _authors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        parts: Iterable[str] = re.split(r";|\band\b|,(?=\s*[A-Z][a-z]+\s+[A-Z])", value)
    elif isinstance(value, (list, tuple)):
        parts = (v for v in value if isinstance(v, str))
    else:
        return ()
    return tuple(p.strip() for p in parts if p.strip())
