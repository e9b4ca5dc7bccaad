"""The storage form of records: lossless both ways, strict about what it reads."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings import records
from tidings.errors import FormatError, UsageError
from tidings.records import (
    Analysis,
    Article,
    Brief,
    BriefRevision,
    BriefSentence,
    Citation,
    Disagreement,
    DisagreementSide,
    DuplicateGroup,
    Entity,
    Quote,
    RawDocument,
    Rejection,
    Sentence,
    Story,
    TimelineEvent,
)
from tidings.serialize import RECORD_TYPES, from_dict, to_dict

TEXT = st.text(max_size=30)
OPT_TEXT = st.none() | TEXT
ZONES = st.just(UTC) | st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-(23 * 60 + 59), 23 * 60 + 59)
)
DATES = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES)
OPT_DATE = st.none() | DATES
IDS = st.text("0123456789abcdef", min_size=1, max_size=16)
OFFSET = st.integers(0, 10**7)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def tuples(elements: st.SearchStrategy, max_size: int = 4) -> st.SearchStrategy:
    return st.lists(elements, max_size=max_size).map(tuple)


METHODS = st.dictionaries(TEXT, TEXT, max_size=3)
ARTICLES = st.builds(
    Article,
    id=IDS,
    source=TEXT,
    text=st.text(max_size=200),
    title=OPT_TEXT,
    outlet=OPT_TEXT,
    published=OPT_DATE,
    updated=OPT_DATE,
    crawled=OPT_DATE,
    authors=tuples(TEXT),
    language=OPT_TEXT,
    url=OPT_TEXT,
    extractor=TEXT,
    removed=tuples(TEXT),
    site_key=OPT_TEXT,
)
CITATIONS = st.builds(Citation, article=IDS, start=OFFSET, end=OFFSET)
SENTENCES = st.builds(BriefSentence, text=TEXT, citations=tuples(CITATIONS), outlets=tuples(TEXT))
BRIEFS = st.builds(
    Brief,
    sentences=tuples(SENTENCES, 6),
    articles=tuples(ARTICLES, 3),
    duplicates=tuples(
        st.builds(DuplicateGroup, kept=IDS, copies=tuples(IDS), similarity=tuples(FLOATS))
    ),
    rejected=tuples(st.builds(Rejection, input=TEXT, stage=TEXT, reason=TEXT, detail=TEXT)),
    methods=METHODS,
    max_words=st.none() | st.integers(0, 10**6),
    max_sentences=st.none() | st.integers(0, 1000),
)
REVISIONS = st.builds(
    BriefRevision,
    story=IDS,
    revision=st.integers(1, 10**4),
    brief=BRIEFS,
    update=tuples(SENTENCES),
    articles=tuples(IDS),
    made=OPT_DATE,
)
STORIES = st.builds(
    Story,
    id=IDS,
    articles=tuples(IDS, 8),
    opened=OPT_DATE,
    last_seen=OPT_DATE,
    closed=st.booleans(),
    title=OPT_TEXT,
    revision=st.integers(0, 10**4),
)
ANALYSES = st.builds(
    Analysis,
    quotes=tuples(
        st.builds(
            Quote,
            text=TEXT,
            speaker=OPT_TEXT,
            speaker_title=OPT_TEXT,
            cue=OPT_TEXT,
            kind=st.sampled_from(["direct", "partial"]),
            citations=tuples(CITATIONS),
            outlets=tuples(TEXT),
        )
    ),
    entities=tuples(
        st.builds(
            Entity,
            name=TEXT,
            kind=st.sampled_from(["person", "organization", "place"]),
            mentions=st.integers(0, 10**6),
            articles=tuples(IDS),
            variants=tuples(TEXT),
        )
    ),
    timeline=tuples(
        st.builds(
            TimelineEvent, date=OPT_TEXT, expression=TEXT, text=TEXT, citations=tuples(CITATIONS)
        )
    ),
    disagreements=tuples(
        st.builds(
            Disagreement,
            topic=TEXT,
            kind=st.sampled_from(["denial", "accusation", "figures"]),
            sides=tuples(
                st.builds(
                    DisagreementSide, claim=TEXT, citations=tuples(CITATIONS), outlets=tuples(TEXT)
                )
            ),
        )
    ),
    methods=METHODS,
)


def round_trips(record: object) -> None:
    cls = type(record)
    data = to_dict(record)
    assert data["_type"] == cls.__name__
    assert from_dict(cls, data) == record
    # Through real JSON text too: only JSON values may be in the dict.
    assert from_dict(cls, json.loads(json.dumps(data, allow_nan=False))) == record


@pytest.mark.parametrize(
    "strategy",
    [ARTICLES, BRIEFS, REVISIONS, STORIES, ANALYSES],
    ids=["Article", "Brief", "BriefRevision", "Story", "Analysis"],
)
@settings(max_examples=35, deadline=None)
@given(data=st.data())
def test_records_round_trip(strategy, data):
    round_trips(data.draw(strategy))


@given(DATES)
@settings(max_examples=100, deadline=None)
def test_datetimes_keep_their_offset(when):
    back = from_dict(
        Article, to_dict(Article(id="a", source="s", text="", published=when))
    ).published
    assert back == when
    assert back.utcoffset() == when.utcoffset()


def test_every_record_type_is_serialisable():
    expected = {
        name
        for name in records.__all__
        if isinstance(getattr(records, name), type)
        and dataclasses.is_dataclass(getattr(records, name))
    }
    assert set(RECORD_TYPES) == expected
    for record in (
        RawDocument(
            source="f.html", kind="html", content=b"\x00\xffbytes", meta={"a": [1, {"b": None}]}
        ),
        Sentence(article_id="a", index=0, start=0, end=2, paragraph=0, text="Hi"),
    ):
        round_trips(record)


def test_mappings_come_back_read_only():
    brief = from_dict(
        Brief, to_dict(Brief(sentences=(), articles=(), methods={"summarizer": "x.v1"}))
    )
    with pytest.raises(TypeError):
        brief.methods["summarizer"] = "y"  # type: ignore[index]


def test_naive_datetimes_are_refused_on_the_way_in():
    with pytest.raises(UsageError, match=r"Article\.published must be timezone-aware"):
        to_dict(Article(id="a", source="s", text="", published=datetime(2020, 1, 1)))


@pytest.mark.parametrize(
    "bad",
    [
        Article(id="a", source="s", text="", authors=["list", "not tuple"]),  # type: ignore[arg-type]
        DuplicateGroup(kept="a", copies=("b",), similarity=(float("nan"),)),
        Citation(article="a", start=True, end=1),
    ],
)
def test_values_of_the_wrong_type_are_refused(bad):
    with pytest.raises(UsageError):
        to_dict(bad)


def test_not_a_record():
    with pytest.raises(UsageError, match="to_dict needs a tidings record"):
        to_dict({"id": "a"})
    with pytest.raises(UsageError, match="must be a record type"):
        from_dict(dict, {})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"_type": "Story", "id": "s", "articles": []},
            r"tagged _type='Story'; read it with from_dict\(Story",
        ),
        ({"id": "a", "source": "s", "text": "", "colour": "red"}, r"unknown key\(s\) \['colour'\]"),
        ({"id": "a", "source": "s"}, r"missing key\(s\) \['text'\]"),
        (
            {"id": "a", "source": "s", "text": "", "published": "2020-01-01T00:00:00"},
            "with a UTC offset",
        ),
        ({"id": "a", "source": "s", "text": "", "published": "yesterday"}, "ISO 8601"),
        (
            {"id": "a", "source": "s", "text": "", "authors": "Jane"},
            r"Article\.authors: expected a list",
        ),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_bad_data_names_the_path(data, message):
    with pytest.raises(FormatError, match=message):
        from_dict(Article, data)


def test_nested_path_in_errors():
    data = to_dict(Brief(sentences=(BriefSentence("t", (Citation("a", 0, 1),), ()),), articles=()))
    data["sentences"][0]["citations"][0]["start"] = "0"
    with pytest.raises(
        FormatError, match=r"Brief\.sentences\[0\]\.citations\[0\]\.start: expected an integer"
    ):
        from_dict(Brief, data)


def test_missing_optional_keys_take_defaults():
    assert from_dict(Article, {"id": "a", "source": "s", "text": "t"}) == Article(
        id="a", source="s", text="t"
    )
