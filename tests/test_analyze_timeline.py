"""Temporal expressions and the timeline (no spaCy needed: the tagger is rules only)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tidings.analyze.timeline import build_timeline, period_start
from tidings.analyze.timex import tag
from tidings.records import Article, content_id
from tidings.segment import segment

# 2018-11-14 was a Wednesday.
PUBLISHED = date(2018, 11, 14)


def one(text: str, dct: date | None = PUBLISHED):
    found = tag(text, dct)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "expression", "value"),
    [
        ("Trump announced the decision last month.", "last month", "2018-10"),
        ("Lavrov said on Wednesday that Moscow was ready.", "Wednesday", "2018-11-14"),
        ("Diplomats met on Tuesday in Geneva.", "Tuesday", "2018-11-13"),
        ("Diplomats met on Thursday in Geneva.", "Thursday", "2018-11-08"),
        ("The ministers will meet on Friday in Geneva.", "Friday", "2018-11-16"),
        ("They met last Wednesday.", "last Wednesday", "2018-11-07"),
        ("He spoke yesterday.", "yesterday", "2018-11-13"),
        ("He spoke today.", "today", "2018-11-14"),
        ("The talks collapsed last week.", "last week", "2018-W45"),
        ("The treaty expires next year.", "next year", "2019"),
        ("It happened two years ago.", "two years ago", "2016"),
        ("The decision was announced in October.", "October", "2018-10"),
        ("Americans confirmed the exit from February 2.", "February 2", "2019-02-02"),
        ("The treaty was signed in 1987.", "1987", "1987"),
        ("It was signed on Dec. 8, 1987, in Washington.", "Dec. 8, 1987", "1987-12-08"),
        ("It was signed on 8 December 1987.", "8 December 1987", "1987-12-08"),
        ("Prices fell in March 1998.", "March 1998", "1998-03"),
        ("Tensions grew in the 1980s.", "the 1980s", "198"),
        ("Profits rose in the third quarter.", "the third quarter", "2018-Q3"),
        ("The plan is in place now.", "now", "PRESENT_REF"),
    ],
)
def test_expressions_resolve_against_the_publication_date(sentence, expression, value):
    timex = one(sentence)
    assert (timex.text, timex.value) == (expression, value)
    assert sentence[timex.start : timex.end] == timex.text


def test_durations_and_deadlines():
    sentence = "Washington said it would withdraw from the INF treaty within 60 days."
    timex = one(sentence)
    # A deadline: TimeML duration, dated at the end of the period for the timeline.
    assert (timex.text, timex.type, timex.value, timex.date) == (
        "within 60 days",
        "DURATION",
        "P60D",
        "2019-01-13",
    )
    assert timex.datable
    months = one("In less than two months the White House will formally withdraw.")
    assert (months.value, months.date) == ("P2M", "2019-01")
    plain = one("Notice of withdrawal must be given six months ahead.")
    assert (plain.type, plain.value, plain.datable) == ("DURATION", "P6M", False)
    assert not one("It was the biggest drop in 10 years.").datable  # not a deadline


def test_unknown_publication_date_leaves_relative_dates_unresolved():
    for sentence in (
        "Trump announced the decision last month.",
        "Lavrov said on Wednesday that Moscow was ready.",
        "Americans confirmed the exit from February 2.",
        "The decision was announced in October.",
        "Washington said it would withdraw within 60 days.",
        "The treaty expires next year.",
    ):
        timex = one(sentence, None)
        assert timex.date is None and timex.datable, sentence
        # A duration's own value needs no anchor ("P60D"); every other value does.
        assert timex.value is None or timex.type == "DURATION", sentence
    assert one("The treaty was signed in 1987.", None).value == "1987"


def test_crawl_stamps_and_counts_are_not_dates():
    assert tag("16:52 GMT04 March 2021", PUBLISHED) == []
    assert tag("18:19 GMT11 May 2021\nListen Live", None) == []
    assert tag("The army sent 2000 troops and 1500 tanks.", PUBLISHED) == []
    assert tag("It costs $2000 and 1,987 people came.", PUBLISHED) == []
    assert [t.text for t in tag("May we go? We may.", PUBLISHED)] == []


def test_period_start_orders_partial_dates():
    assert period_start("1987") == (date(1987, 1, 1), 2)
    assert period_start("2018-W45") == (date(2018, 11, 5), 5)
    assert period_start("2018-Q3") == (date(2018, 7, 1), 3)
    assert period_start("PRESENT_REF") is None


def make(
    text: str, source: str, published: date | None = None, crawled: datetime | None = None
) -> Article:
    when = (
        datetime(published.year, published.month, published.day, tzinfo=UTC) if published else None
    )
    return Article(
        id=content_id(source, text), source=source, text=text, published=when, crawled=crawled
    )


def timeline(*arts: Article):
    return build_timeline(arts, {a.id: segment(a) for a in arts})


def test_same_event_from_several_articles_is_merged_and_sorted():
    a = make(
        "The INF Treaty was signed in 1987 by Soviet leader Mikhail Gorbachev and US President Ronald Reagan. "
        "Last month, Washington said it would withdraw from the treaty.",
        "a.txt",
        PUBLISHED,
    )
    b = make(
        "Signed in 1987 by then US president Ronald Reagan and Soviet leader Mikhail Gorbachev, the treaty "
        "bans ground-launched missiles. The treaty was praised by many in 1988 and later.",
        "b.txt",
    )
    events = timeline(a, b)
    assert [e.date for e in events] == ["1987", "1988", "2018-10"]
    assert len(events[0].citations) == 2 and {c.article for c in events[0].citations} == {
        a.id,
        b.id,
    }
    texts = {a.id: a.text, b.id: b.text}
    for event in events:
        first = event.citations[0]
        assert texts[first.article][first.start : first.end] == event.text


def test_crawl_time_never_resolves_relative_dates():
    crawled = datetime(2021, 3, 4, 16, 52, tzinfo=UTC)
    art = make(
        "Trump announced the decision last month, officials said on Wednesday.",
        "c.txt",
        None,
        crawled,
    )
    events = timeline(art)
    assert [(e.expression, e.date) for e in events] == [("last month", None), ("Wednesday", None)]


def test_modifier_years_and_furniture_are_not_events():
    art = make(
        "Published: 12 March 2021\n\nRussia and the US are parties to the 1967 Outer Space Treaty, which bans "
        "weapons in orbit.\n\nThe 1987 deal collapsed.",
        "d.txt",
        PUBLISHED,
    )
    assert timeline(art) == ()
