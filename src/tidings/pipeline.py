"""The brief pipeline: inputs -> articles -> near-duplicates collapsed -> sentences -> cited brief.

Reading happens at the edge (:mod:`tidings.sources`); every other step is a pure stage function.
Before a brief is returned its citations are checked mechanically (:func:`verify_brief`): a
citation that does not resolve to its span is a bug, and such a brief is never returned.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from .dedupe import Deduper
from .errors import CitationError, NothingUsableError, UsageError
from .extract import MIN_WORDS, Extractor, furniture_of
from .fetch import Fetcher
from .records import (
    Analysis,
    Article,
    Brief,
    BriefSentence,
    Citation,
    DuplicateGroup,
    RawDocument,
    Rejection,
)
from .segment import SEGMENTER_NAME, segment
from .sources import (
    DEFAULT_MAX_BYTES,
    documents_from_texts,
    fetch_each,
    is_url,
    iter_inputs,
)
from .summarize import ConceptSummarizer

__all__ = ["brief", "brief_articles", "load", "source_labels", "update_summary", "verify_brief"]

Input = str | Path | Mapping[str, Any]


def load(
    inputs: Iterable[Input],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    min_words: int = MIN_WORDS,
    fetcher: Fetcher | None = None,
    workers: int = 1,
    progress: Callable[[int, int | None], None] | None = None,
) -> tuple[list[Article], list[Rejection]]:
    """Read, fetch and extract inputs into articles.

    Args:
        inputs: paths (``Path`` or ``str``), ``http(s)://`` URLs (pages or feeds), texts, or
            record mappings. A ``str`` is a URL when it is one, a path when
            such a file or folder exists; a string with a line break, or with at least
            ``min_words`` words, is a text (a plain-text capture); any other string is taken as
            a path, so a mistyped path is reported as missing rather than read as text.
        max_bytes: the largest file read.
        min_words: the shortest extracted text accepted as an article.
        fetcher: fetches URLs (default: a polite :class:`~tidings.fetch.Fetcher` that refuses
            private addresses).
        workers: processes that extract HTML pages in parallel (the same result for any number).
        progress: called as ``progress(done, None)`` as documents are extracted (how many there
            are is known only at the end of a streamed input), and ``progress(done, done)`` once
            all are.

    Returns:
        ``(articles, rejections)``: articles in input order (an article read twice is kept
        once); rejections from reading, then fetching, then extracting.
    """
    paths: list[str | Path] = []
    texts: list[str | Mapping[str, Any]] = []
    for item in inputs:
        if isinstance(item, Path):
            paths.append(item)
        elif isinstance(item, str):
            if is_url(item) or os.path.exists(item):
                paths.append(item)
            elif "\n" in item or len(item.split()) >= min_words:
                texts.append(item)
            else:
                paths.append(item)
        elif isinstance(item, Mapping):
            texts.append(item)
        else:
            raise UsageError(
                f"inputs must be paths, texts or record dicts, got {type(item).__name__}"
            )
    # Pages and records are extracted as they are read, a chunk at a time, so an archive of many
    # thousand pages is never held whole: only its articles are. URLs (fetched together) and
    # plain-text captures (cleaned against the lines that recur across all of them) wait for the
    # end of the input. Every article keeps its input's place: (position, part of it).
    read_rejected: list[Rejection] = []
    fetch_rejected: list[Rejection] = []
    extract_rejected: list[Rejection] = []
    placed: dict[tuple[int, int], Article] = {}
    held: dict[int, RawDocument] = {}
    chunk: list[tuple[int, RawDocument]] = []
    done = 0
    streams = chain(iter_inputs(paths, max_bytes=max_bytes), _text_documents(texts))

    def extract_chunk(
        items: Sequence[tuple[tuple[int, int], RawDocument]],
        furniture: frozenset[str] = frozenset(),
    ) -> None:
        nonlocal done
        outcomes = extractor.each([doc for _, doc in items], recurring=furniture)
        for (key, _), outcome in zip(items, outcomes, strict=True):
            if isinstance(outcome, Rejection):
                extract_rejected.append(outcome)
            else:
                placed[key] = outcome
            done += 1
            if progress is not None:
                progress(done, None)

    with Extractor(workers=workers, min_words=min_words) as extractor:
        for position, read in enumerate(streams):
            if isinstance(read, Rejection):
                read_rejected.append(read)
            elif read.kind in ("url", "text"):
                held[position] = read
            else:
                chunk.append((position, read))
                if len(chunk) >= _STREAM_CHUNK:
                    extract_chunk([((p, 0), d) for p, d in chunk])
                    chunk = []
        extract_chunk([((p, 0), d) for p, d in chunk])
        later: list[tuple[tuple[int, int], RawDocument]] = []
        urls = {p: d for p, d in held.items() if d.kind == "url"}
        for position, one in zip(
            urls, fetch_each(list(urls.values()), fetcher=fetcher), strict=True
        ):
            later += [((position, k), doc) for k, doc in enumerate(one.documents)]
            fetch_rejected += one.rejected
        later += [((p, 0), d) for p, d in held.items() if d.kind == "text"]
        later.sort(key=lambda pair: pair[0])
        furniture = furniture_of(d for _, d in later)
        for start in range(0, len(later), _STREAM_CHUNK):
            extract_chunk(later[start : start + _STREAM_CHUNK], furniture)
    articles: list[Article] = []
    seen: set[str] = set()
    for key in sorted(placed):
        if placed[key].id not in seen:
            seen.add(placed[key].id)
            articles.append(placed[key])
    if progress is not None:
        progress(done, done)
    return articles, read_rejected + fetch_rejected + extract_rejected


# Documents extracted together while a large input streams in.
_STREAM_CHUNK = 256


def _text_documents(texts: Sequence[str | Mapping[str, Any]]) -> Iterator[RawDocument | Rejection]:
    read = documents_from_texts(texts)
    yield from read.documents
    yield from read.rejected


def brief(
    inputs: Iterable[Input],
    *,
    max_words: int | None = 150,
    max_sentences: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    summarizer: ConceptSummarizer | None = None,
    deduper: Deduper | None = None,
    fetcher: Fetcher | None = None,
    analysis: bool = True,
) -> Brief:
    """Make a cited brief of the story told by ``inputs``.

    Args:
        inputs: see :func:`load`.
        max_words: word budget of the summary (``None`` for none; then set ``max_sentences``).
        max_sentences: sentence budget.
        max_bytes: the largest file read.
        summarizer: the summariser (default ``extractive.v1`` with its default settings).
        deduper: the near-duplicate detector (default ``minhash-lsh.v1``).
        fetcher: fetches URL inputs (see :func:`load`).
        analysis: also find quotes, entities, timeline and disagreements (needs the spaCy
            model; about a second per few thousand words).

    Returns:
        The brief; ``brief.rejected`` lists every input that could not be used and why.

    Raises:
        NothingUsableError: no input gave an article (its ``rejected`` attribute lists why).
        UsageError: a budget is not a positive integer.
    """
    for name, value in (("max_words", max_words), ("max_sentences", max_sentences)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise UsageError(
                f"the {name} parameter of brief must be a positive integer or None, got {value!r}"
            )
    if max_words is None and max_sentences is None:
        raise UsageError("brief needs a budget: set max_words, max_sentences or both")
    articles, rejected = load(inputs, max_bytes=max_bytes, fetcher=fetcher)
    if not articles:
        raise NothingUsableError(_nothing_message(rejected), rejected=tuple(rejected))
    return brief_articles(
        articles,
        rejected=rejected,
        max_words=max_words,
        max_sentences=max_sentences,
        summarizer=summarizer,
        deduper=deduper,
        analysis=analysis,
    )


def brief_articles(
    articles: Sequence[Article],
    *,
    rejected: Sequence[Rejection] = (),
    max_words: int | None = 150,
    max_sentences: int | None = None,
    summarizer: ConceptSummarizer | None = None,
    deduper: Deduper | None = None,
    analysis: bool = False,
) -> Brief:
    """Make a cited brief from articles already extracted (the pure part of :func:`brief`).

    ``analysis`` adds quotes, entities, timeline and disagreements (off by default here, as the
    bulk callers, story tracking and benchmarks, decide for themselves)."""
    summarizer = summarizer or ConceptSummarizer()
    deduper = deduper or Deduper()
    groups = deduper.groups(articles)
    copies = {c for g in groups for c in g.copies}
    independent = [a for a in articles if a.id not in copies]
    sentences = {a.id: segment(a) for a in independent}
    labels = source_labels(articles, groups)
    summary = summarizer.summarize(
        independent,
        sentences,
        source_keys=labels,
        max_words=max_words,
        max_sentences=max_sentences,
    )
    found = None
    if analysis:
        from .analyze import analyze

        found = analyze(independent, sentences, source_keys=labels)
    methods = {
        "extract": ",".join(sorted({a.extractor for a in articles})),
        "segment": SEGMENTER_NAME,
        "dedupe": "minhash-lsh.v1",
        "summarize": "extractive.v1",
    }
    if found is not None:
        methods.update({f"analyze.{k}": v for k, v in found.methods.items()})
    result = Brief(
        sentences=summary,
        articles=tuple(articles),
        duplicates=groups,
        rejected=tuple(rejected),
        methods=methods,
        max_words=max_words,
        max_sentences=max_sentences,
        analysis=found,
    )
    verify_brief(result)
    return result


def update_summary(
    new: Sequence[Article],
    known: Sequence[Article],
    *,
    max_words: int | None = 100,
    max_sentences: int | None = None,
    summarizer: ConceptSummarizer | None = None,
    deduper: Deduper | None = None,
) -> tuple[BriefSentence, ...]:
    """What ``new`` articles add to a story the reader knows from ``known`` articles.

    Args:
        new: the articles that arrived since the last revision.
        known: the articles of earlier revisions.
        max_words / max_sentences: the budget of the update.

    Returns:
        Update sentences from the new articles, cited like a brief; empty when they say
        nothing new. New articles that copy a known one are ignored.
    """
    summarizer = summarizer or ConceptSummarizer()
    deduper = deduper or Deduper()
    everything = [*known, *new]
    groups = deduper.groups(everything)
    copies = {c for g in groups for c in g.copies}
    known_ids = {a.id for a in known}
    # A new article that copies a known one brings nothing new.
    shadowed = {
        c
        for g in groups
        for c in (g.kept, *g.copies)
        if any(m in known_ids for m in (g.kept, *g.copies))
    }
    fresh = [
        a for a in new if a.id not in copies and a.id not in shadowed and a.id not in known_ids
    ]
    if not fresh:
        return ()
    labels = source_labels(everything, groups)
    return summarizer.summarize(
        fresh,
        {a.id: segment(a) for a in fresh},
        source_keys=labels,
        max_words=max_words,
        max_sentences=max_sentences,
        background={a.id: segment(a) for a in known},
    )


def source_labels(
    articles: Sequence[Article], groups: Sequence[DuplicateGroup] = ()
) -> dict[str, str]:
    """Name the independent source behind each article, for corroboration counts and display.

    Articles with the same outlet are one source. Articles whose outlet is unknown but which
    share a site template (see ``Article.site_key``) are one source too, named "unnamed site A",
    "B", ...; any other article of unknown outlet is its own source, named after its file or URL.
    A collapsed copy takes its representative's source only when it has no outlet of its own.

    Returns:
        ``{article id: source label}``.
    """
    by_template: dict[str, str] = {}
    labels: dict[str, str] = {}
    # A template seen on one article only says nothing about independence: name it by its file.
    shared = Counter(a.site_key for a in articles if a.site_key and not a.outlet)
    for article in articles:
        if article.outlet:
            labels[article.id] = article.outlet
        elif article.site_key and article.site_key.startswith("host:"):
            labels[article.id] = article.site_key.removeprefix("host:")
        elif article.site_key and shared[article.site_key] > 1:
            if article.site_key not in by_template:
                by_template[article.site_key] = (
                    f"unnamed site {chr(ord('A') + len(by_template) % 26)}"
                )
            labels[article.id] = by_template[article.site_key]
        else:
            labels[article.id] = Path(article.source).name or article.source
    for group in groups:
        for copy in group.copies:
            copy_article = next(a for a in articles if a.id == copy)
            if not copy_article.outlet:
                labels[copy] = labels[group.kept]
    return labels


def verify_brief(result: Brief) -> None:
    """Check every citation of ``result`` against its article's text.

    Raises:
        CitationError: a citation names an unknown article, has an empty or out-of-range span,
            or a sentence's text is not exactly its first citation's span.
    """
    texts = {a.id: a.text for a in result.articles}
    for number, sentence in enumerate(result.sentences, start=1):
        if not sentence.citations:
            raise CitationError(f"summary sentence {number} has no citation: {sentence.text!r}")
        for citation in sentence.citations:
            text = texts.get(citation.article)
            if text is None:
                raise CitationError(
                    f"summary sentence {number} cites unknown article {citation.article}"
                )
            if not 0 <= citation.start < citation.end <= len(text):
                raise CitationError(
                    f"summary sentence {number} cites {citation.article}[{citation.start}:{citation.end}],"
                    f" outside its {len(text)} characters"
                )
        first = sentence.citations[0]
        if texts[first.article][first.start : first.end] != sentence.text:
            raise CitationError(f"summary sentence {number} does not match its own source span")
    if result.analysis is not None:
        _verify_analysis(result.analysis, texts)


def _verify_analysis(analysis: Analysis, texts: Mapping[str, str]) -> None:
    spans: list[tuple[str, Citation]] = []
    for quote in analysis.quotes:
        spans += [(f"quote {quote.text[:40]!r}", c) for c in quote.citations]
        first = quote.citations[0] if quote.citations else None
        if first is None or texts.get(first.article, "")[first.start : first.end] != quote.text:
            raise CitationError(f"quote {quote.text[:40]!r} does not match its own source span")
    for event in analysis.timeline:
        spans += [(f"timeline event {event.expression!r}", c) for c in event.citations]
    for disagreement in analysis.disagreements:
        for side in disagreement.sides:
            spans += [(f"disagreement side {side.claim[:40]!r}", c) for c in side.citations]
    for what, citation in spans:
        text = texts.get(citation.article)
        if text is None or not 0 <= citation.start < citation.end <= len(text):
            raise CitationError(
                f"{what} cites {citation.article}[{citation.start}:{citation.end}], which does not resolve"
            )


def _nothing_message(rejected: Sequence[Rejection]) -> str:
    if not rejected:
        return "no inputs were given"
    return f"none of the {len(rejected)} input(s) gave a usable article"
