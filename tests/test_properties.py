"""Invariants checked on generated inputs: offsets round-trip, citations resolve, budgets hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tidings
from tidings.records import Article
from tidings.segment import segment

WORDS = st.sampled_from(
    [
        "the",
        "treaty",
        "Moscow",
        "Washington",
        "said",
        "on",
        "Monday",
        "missiles",
        "range",
        "talks",
        "Lavrov",
        "U.S.",
        "Dr.",
        "St.",
        "1987",
        "5,500",
        "“quoted”",
        "‘inner’",
        "(aside)",
        "—",
        "...",
        "!",
        "?",
        "Mr.",
        "e.g.",
        "i.e.",
        "withdrawal",
        "NATO",
        "ban",
        "signed",
        "leaders",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=25).map(lambda ws: " ".join(ws))
SEPARATORS = st.sampled_from([". ", "? ", "! ", ".\n", "\n\n", ".\n\n  ", " \t", "\r\n"])
TEXT = st.lists(st.tuples(SENTENCE, SEPARATORS), min_size=1, max_size=20).map(
    lambda parts: "".join(s + sep for s, sep in parts)
)


@given(TEXT)
@settings(max_examples=150, deadline=None)
def test_sentence_offsets_round_trip(text):
    article = Article(id="a", source="s", text=text)
    previous_end = 0
    for sentence in segment(article):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip() and sentence.text
        assert sentence.start >= previous_end
        previous_end = sentence.end


@given(st.text(max_size=400))
@settings(max_examples=150, deadline=None)
def test_segmenting_any_text_never_fails(text):
    article = Article(id="a", source="s", text=text)
    for sentence in segment(article):
        assert text[sentence.start : sentence.end] == sentence.text


ARTICLE_TEXT = st.lists(
    SENTENCE.map(lambda s: s[:1].upper() + s[1:] + "."), min_size=3, max_size=12
).map(lambda ss: "\n\n".join(" ".join(ss[i : i + 2]) for i in range(0, len(ss), 2)))


@given(st.lists(ARTICLE_TEXT, min_size=1, max_size=5), st.integers(min_value=5, max_value=120))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_brief_citations_always_resolve_and_budget_holds(texts, budget):
    records = [{"text": t, "outlet": f"outlet {i % 3}"} for i, t in enumerate(texts)]
    try:
        result = tidings.brief(records, max_words=budget)
    except tidings.NothingUsableError:
        return
    tidings.verify_brief(result)
    assert sum(len(s.text.split()) for s in result.sentences) <= budget
    for sentence in result.sentences:
        for c in sentence.citations:
            assert result.article(c.article).text[c.start : c.end]
        assert 1 <= sentence.corroboration <= len(sentence.citations)
