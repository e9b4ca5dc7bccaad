"""Unit tests of the pure stages: dates, dedupe, summarise, sources, registry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import tidings
from tidings.dates import parse_date
from tidings.dedupe import Deduper
from tidings.errors import CitationError, UsageError
from tidings.records import Article, Brief, BriefSentence, Citation
from tidings.registry import Registry
from tidings.summarize import ConceptSummarizer, trim_dateline

STORY = [
    "The river Aln burst its banks on Tuesday, flooding 300 homes in the town of Alnwick. "
    "Emergency crews evacuated 1,200 residents overnight. The county council opened two shelters. "
    "Forecasters expect more heavy rain on Thursday.",
    "Floods hit Alnwick after the river Aln burst its banks on Tuesday, flooding 300 homes. "
    "Officials said 1,200 residents were evacuated overnight by emergency crews. "
    "A local school was closed as a precaution.",
    "In Alnwick, 300 homes were flooded when the river Aln burst its banks on Tuesday. "
    "The prime minister promised help for the town. Forecasters expect more heavy rain on Thursday.",
]


def records(texts, outlets=("North Post", "Daily Wire", "Coast FM")):
    return [
        {"text": t, "outlet": o, "title": f"Story {i}"}
        for i, (t, o) in enumerate(zip(texts, outlets, strict=False))
    ]


def test_parse_date_keeps_zones_and_refuses_partial_dates():
    assert parse_date("2018-11-14") == datetime(2018, 11, 14, tzinfo=UTC)
    assert parse_date("Wed, 14 Nov 2018 10:00:00 +0300").utcoffset().total_seconds() == 3 * 3600
    assert parse_date("November 2018") is None
    assert parse_date("not a date") is None
    assert parse_date(None) is None


def test_shared_fact_is_stated_once_and_cites_every_outlet():
    result = tidings.brief(records(STORY), max_words=60)
    flood = [s for s in result.sentences if "burst its banks" in s.text]
    assert len(flood) == 1
    assert flood[0].corroboration == 3
    assert set(flood[0].outlets) == {"North Post", "Daily Wire", "Coast FM"}


def test_budget_in_sentences():
    result = tidings.brief(records(STORY), max_words=None, max_sentences=1)
    assert len(result.sentences) == 1


def test_unsupported_detail_is_not_corroborated():
    result = tidings.brief(records(STORY), max_words=200)
    for sentence in result.sentences:
        if "school was closed" in sentence.text:
            assert sentence.corroboration == 1


def test_syndicated_copies_are_collapsed_and_named():
    copy = STORY[0].replace("Tuesday", "Tuesday evening")
    result = tidings.brief(
        records([STORY[0], copy, STORY[2]], ("North Post", "Syndicate Daily", "Coast FM"))
    )
    assert len(result.duplicates) == 1
    group = result.duplicates[0]
    carried = {result.article(i).outlet for i in (group.kept, *group.copies)}
    assert carried == {"North Post", "Syndicate Daily"}
    cited = {c.article for s in result.sentences for c in s.citations}
    assert not cited & set(group.copies)
    from tidings.render import render_brief

    assert "also carried as a near-copy" in render_brief(result)


def test_deduper_keeps_distinct_reports_apart():
    articles = [Article(id=str(i), source=str(i), text=t) for i, t in enumerate(STORY)]
    assert Deduper().groups(articles) == ()


def test_deduper_prefers_the_earliest_published_copy():
    base = STORY[0] * 3
    early = Article(id="early", source="a", text=base, published=datetime(2020, 1, 1, tzinfo=UTC))
    late = Article(
        id="late", source="b", text=base + " Updated.", published=datetime(2020, 1, 2, tzinfo=UTC)
    )
    (group,) = Deduper().groups([late, early])
    assert group.kept == "early" and group.copies == ("late",)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        (
            "PHOENIX _ Victoria Molina wants strangers to know.",
            "Victoria Molina wants strangers to know.",
        ),
        ("MOSCOW (Sputnik) - Moscow does not understand.", "Moscow does not understand."),
        ("WASHINGTON (AP) — The Senate voted.", "The Senate voted."),
        ("The US-led talks - as expected - failed.", "The US-led talks - as expected - failed."),
    ],
)
def test_trim_dateline(text, rest):
    assert text[trim_dateline(text) :] == rest


def test_summarizer_rejects_bad_budgets():
    with pytest.raises(UsageError, match=r"max_words"):
        tidings.brief(records(STORY), max_words=0)
    with pytest.raises(UsageError, match="budget"):
        tidings.brief(records(STORY), max_words=None)
    with pytest.raises(UsageError):
        ConceptSummarizer().summarize([], {}, source_keys={}, max_words=None)


def test_verify_brief_refuses_a_bad_citation():
    article = Article(id="a", source="s", text="One sentence here.")
    bad = Brief(
        sentences=(
            BriefSentence("One sentence", (Citation("a", 0, 12),), ("s",)),
            BriefSentence("nothing", (Citation("a", 5, 500),), ("s",)),
        ),
        articles=(article,),
    )
    with pytest.raises(CitationError, match="outside"):
        tidings.verify_brief(bad)


def test_registry_names_must_be_versioned_and_errors_list_choices():
    reg: Registry[int] = Registry("thing")
    reg.register("alpha.v1")(1)
    with pytest.raises(UsageError, match="versioned"):
        reg.register("beta")(2)
    with pytest.raises(UsageError, match=r"alpha\.v1"):
        reg.get("gamma.v1")


def test_python_api_accepts_texts_and_reports_missing_paths(example_dir):
    result = tidings.brief([*STORY, "no/such/file.txt"], max_words=50)
    assert [r.reason for r in result.rejected] == ["missing"]
    assert len(result.articles) == 3


def test_nothing_usable_carries_the_rejections():
    with pytest.raises(tidings.NothingUsableError) as info:
        tidings.brief(["missing-a.txt", "missing-b.txt"])
    assert [r.input for r in info.value.rejected] == ["missing-a.txt", "missing-b.txt"]


def test_a_wire_label_is_not_the_story_headline():
    """A wire report headed "URGENT" may be the one a brief cites most; the story's headline is
    then the next article's real title."""
    from tidings.render import headline

    urgent = Article(
        id="a1", source="wire", text="Iran lifted the bounty on Monday.", title="URGENT"
    )
    titled = Article(
        id="a2", source="site", text="The bounty was lifted.", title="Iran lifts Rushdie bounty"
    )

    def cite(article: Article) -> BriefSentence:
        return BriefSentence(article.text, (Citation(article.id, 0, len(article.text)),), ("x",))

    brief = Brief(sentences=(cite(urgent), cite(urgent), cite(titled)), articles=(urgent, titled))
    assert headline(brief) == "Iran lifts Rushdie bounty"
    entity = Article(id="a3", source="wire", text="The bounty stands.", title="&HT;")
    assert headline(Brief(sentences=(cite(entity),), articles=(entity, titled))) == titled.title
    # With no real title anywhere, the brief's first sentence is the headline; a label only
    # when there is not even a sentence.
    alone = Brief(sentences=(cite(urgent),), articles=(urgent,))
    assert headline(alone) == "Iran lifted the bounty on Monday."
    assert headline(Brief(sentences=(), articles=(urgent,))) == "URGENT"
    untitled = Article(id="a4", source="x", text=" ".join(["The bounty was lifted"] * 12) + ".")
    long = headline(Brief(sentences=(cite(untitled),), articles=(untitled,)))
    assert long is not None and long.endswith("…") and len(long) <= 100
    assert untitled.text.startswith(long[:-1] + " ")  # cut between words
    assert headline(Brief(sentences=(), articles=(untitled,))) is None
    # Entities left in a title are decoded, or dropped when they are not HTML's.
    marked = Article(id="a5", source="x", text="x", title="Acupuncture &amp; facelifts &HT;")
    assert headline(Brief(sentences=(), articles=(marked,))) == "Acupuncture & facelifts"
