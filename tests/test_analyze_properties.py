"""Invariants of the analysis stage: it never crashes on scraped text, every citation resolves."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tidings.analyze as stage
from tidings.analyze import analyze, load_model, verify_analysis
from tidings.analyze.quotes import quote_spans
from tidings.analyze.timex import tag
from tidings.errors import MissingDependencyError, UsageError
from tidings.records import Article, Sentence, content_id
from tidings.segment import segment

# Text that looks like scraped news: words, names, numbers, dates, every kind of quote mark.
PIECES = st.sampled_from(
    [
        "Lavrov",
        "said",
        "Sergei",
        "Russia",
        "denies",
        "the",
        "US",
        "accused",
        "Moscow",
        "of",
        "violating",
        "treaty",
        "2,000",
        "residents",
        "were",
        "evacuated",
        "1987",
        "February",
        "2",
        "last",
        "month",
        "on",
        "Wednesday",
        "within",
        "60",
        "days",
        "he",
        "told",
        "reporters",
        "“",
        "”",
        '"',
        "'",
        "‘",
        "’",
        "«",
        "»",
        "``",
        "''",
        ".",
        ",",
        ":",
        "\n",
        "\n\n",
        "16:52",
        "GMT04",
        "March",
        "2021",
        "(INF)",
        "Intermediate-Range",
        "Nuclear",
        "Forces",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=60).map(" ".join)


@pytest.fixture(scope="session")
def nlp():
    return load_model()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(TEXTS, min_size=1, max_size=3),
    published=st.none() | st.dates(date(1990, 1, 1), date(2030, 1, 1)),
)
def test_analyze_never_crashes_and_citations_resolve(nlp, texts, published):
    when = (
        datetime(published.year, published.month, published.day, tzinfo=UTC) if published else None
    )
    arts = [
        Article(id=content_id(str(i), t), source=f"{i}.txt", text=t, published=when)
        for i, t in enumerate(texts)
    ]
    result = analyze(
        arts, {a.id: segment(a) for a in arts}, source_keys={a.id: a.source for a in arts}, nlp=nlp
    )
    verify_analysis(result, arts)
    by_id = {a.id: a.text for a in arts}
    for quote in result.quotes:
        for c in quote.citations:
            assert by_id[c.article][c.start : c.end].strip()
    for event in result.timeline:
        assert event.expression
        if published is None:
            # Without a publication date only absolute dates are resolved.
            assert event.date is None or event.date[:1].isdigit()


@given(text=st.text(max_size=300))
def test_quote_spans_are_well_formed(text):
    spans = quote_spans(text)
    last = 0
    for span in spans:
        assert last <= span.open < span.start < span.end < span.close <= len(text)
        quoted = text[span.start : span.end]
        assert quoted == quoted.strip() and any(ch.isalpha() for ch in quoted)
        last = span.close


@given(text=st.text(max_size=300), dct=st.none() | st.dates())
def test_timexes_are_well_formed(text, dct):
    last = 0
    for timex in tag(text, dct):
        assert last <= timex.start < timex.end <= len(text)
        assert text[timex.start : timex.end] == timex.text
        last = timex.end


def test_backend_names_and_exports_are_pinned():
    assert stage.QUOTE_FINDERS.names() == ("quotes-rules.v1",)
    assert stage.ENTITY_RECOGNIZERS.names() == ("spacy-sm.v1",)
    assert stage.TIMELINE_BUILDERS.names() == ("timex-rules.v1",)
    assert stage.DISAGREEMENT_FINDERS.names() == ("disagreement-rules.v1",)
    assert sorted(stage.__all__) == [
        "DISAGREEMENT_FINDERS",
        "ENTITY_RECOGNIZERS",
        "MODEL_PACKAGE",
        "QUOTE_FINDERS",
        "TIMELINE_BUILDERS",
        "analyze",
        "load_model",
        "verify_analysis",
    ]


def test_errors_name_the_problem(nlp):
    with pytest.raises(MissingDependencyError, match="pip install no-such-model"):
        load_model("no_such_model")
    art = Article(id="a", source="a.txt", text="Lavrov spoke on Monday in Moscow to reporters.")
    with pytest.raises(UsageError, match=r"quote finder backend must be one of quotes-rules\.v1"):
        analyze([art], {"a": segment(art)}, source_keys={}, nlp=nlp, quotes="nope.v1")
    wrong = (Sentence("a", 0, 0, 6, 0, "Lavrov"), Sentence("a", 1, 7, 12, 0, "xxxxx"))
    with pytest.raises(UsageError, match="does not match the article's text"):
        analyze([art], {"a": wrong}, source_keys={}, nlp=nlp)
