"""Tests for the plain-text capture cleaner: a golden batch of real captures, invariants, edges."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.clean import CleanedCapture, clean_capture, normalise_line, recurring_lines
from tidings.errors import TidingsError, UsageError

EXAMPLES = Path(__file__).parent.parent / "examples" / "inf-treaty"


def paragraphs(result: CleanedCapture) -> list[str]:
    return result.text.split("\n\n") if result.text else []


# --------------------------------------------------------------------------------------------
# Golden batch: the five bundled captures of one story, cleaned together


@pytest.fixture(scope="module")
def batch() -> dict[str, CleanedCapture]:
    files = sorted(EXAMPLES.glob("*.txt"))
    assert len(files) == 5, f"expected the five bundled captures in {EXAMPLES}"
    texts = [f.read_text(encoding="utf-8") for f in files]
    recurring = recurring_lines(texts)
    return {
        f.name[:3]: clean_capture(t, recurring=recurring) for f, t in zip(files, texts, strict=True)
    }


# Furniture seen in the captures: none of it may survive anywhere in a body.
FURNITURE_ANYWHERE = [
    "Listen Live",
    "Get short URL",
    "Enable Read mode",
    "Font Size",
    "Published:",
    "READ MORE",
    "EU Hoping INF Treaty May Still Be Salvaged",
    "missiles, INF Treaty, NATO",
    "Community standards",
    "Top Content Trending",
    "GMT04 March 2021",
    "GMT11 May 2021",
    "Russian MP Denies US Claims of Iskander-M Testing",
    "US's INF Move Could Prove Fatal",
    "Ex-Pentagon Analyst: US INF Ultimatum",
    "Moscow Hopes London Will Take Constructive Stance",
]
# Short furniture that is also a word of the article ("MOSCOW (Sputnik) - ..."): never a paragraph.
FURNITURE_PARAGRAPHS = ["World", "Sputnik", "Discuss"]

BODY = {
    "000": [
        "MOSCOW (Sputnik) - Moscow does not understand why US leadership wants to eliminate the "
        "existing international",
        "Russian Foreign Minister Sergei Lavrov stressed that Russia and the United States have "
        "the largest nuclear",
        "Lavrov further stated that Moscow considered this 'school of thought' to be "
        "'short-sighted and dangerous.",
        "Meanwhile, according to the minister, the number of threats and challenges requiring "
        "joint work",
        "Lavrov's comments come following Donald Trump's announcement made last month",
        "The leaders agreed to destroy all cruise or ground-launched ballistic missiles with "
        "ranges between 500 and 5,500 kilometers (310 and 3,400 miles).",
    ],
    "001": [
        "Russian Foreign Minister Sergey Lavrov said that Washington has already made its final "
        "decision",
        "“We will never do it through such costly methods",
        "said Kremlin Spokesman Dmitry Peskov, as cited by Interfax.",
        "During the talks, Putin called Washington “belligerent”.",
        "Notice of withdrawal must be given in six months.",
    ],
    "002": [
        "Russian Foreign Minister Sergei Lavrov said on Wednesday that Moscow was ready to work "
        "with Washington",
        "“We are still ready to work to save the Intermediate-Range Nuclear Forces Treaty,” Lavrov "
        "told reporters.",
        "Russia denies it has violated the treaty, which forbids ground-launched short- and "
        "intermediate-range missiles.",
        "would be at risk of a Russian attack.",
        "but put no restrictions on other major military actors like China.",
    ],
    "003": [
        "President Trump has threatened to scrap the Intermediate-Range Nuclear Forces Treaty",
        "\"We are interested in saving [the INF] and regret the US' announced intention to "
        'withdraw from the treaty," Lavrov said',
        "Moscow is interested in the resumption of a variety of formats on dialogue with "
        "Washington",
        'we can forget about stability and security."',
        "prohibits military maneuvers, military bases, and the testing of weapons of any kind on "
        "celestial bodies, including the Moon.",
    ],
    "004": [
        "The Russian Foreign Ministry’s response comes after US Secretary of State Mike Pompeo "
        "announced",
        "According to the diplomat, Washington is also creating new risks for Europe by attempting "
        'to "bury the INF Treaty".',
        "EU diplomacy chief Federica Mogherini, who met with Lavrov on the sidelines of the 25th "
        "OSCE Ministerial Council",
        "Russia has denied the accusations, also noting that the United States was deploying "
        "launchers for Tomahawk missiles in Romania and Poland, which was prohibited by the "
        "treaty.",
    ],
}

FIRST_AND_LAST = {
    "000": ("MOSCOW (Sputnik) - ", "(310 and 3,400 miles)."),
    "001": (
        "Russian Foreign Minister Sergey Lavrov said",
        "Notice of withdrawal must be given in six months.",
    ),
    "002": ("Russian Foreign Minister Sergei Lavrov said on Wednesday", "like China."),
    "003": ("President Trump has threatened", "including the Moon."),
    "004": ("The Russian Foreign Ministry’s response", "which was prohibited by the treaty."),
}


def test_golden_no_furniture_survives(batch: dict[str, CleanedCapture]) -> None:
    for name, result in batch.items():
        for junk in FURNITURE_ANYWHERE:
            assert junk not in result.text, f"{name}: furniture {junk!r} survived"
        for junk in FURNITURE_PARAGRAPHS:
            assert junk not in paragraphs(result), f"{name}: furniture line {junk!r} survived"


def test_golden_body_is_kept(batch: dict[str, CleanedCapture]) -> None:
    for name, sentences in BODY.items():
        for sentence in sentences:
            assert sentence in batch[name].text, f"{name}: lost body text {sentence!r}"
        first, last = FIRST_AND_LAST[name]
        assert paragraphs(batch[name])[0].startswith(first), name
        assert paragraphs(batch[name])[-1].endswith(last), name


def test_golden_paragraph_counts(batch: dict[str, CleanedCapture]) -> None:
    # Every body paragraph of each capture, subheadings included, and nothing else.
    assert [len(paragraphs(batch[n])) for n in sorted(batch)] == [7, 8, 13, 14, 6]
    assert "Russia denies violations" in paragraphs(batch["002"])
    assert "Russia Wants Talks on Militarization of Space" in paragraphs(batch["003"])


def test_golden_titles(batch: dict[str, CleanedCapture]) -> None:
    assert (
        batch["000"].title
        == "Moscow Reiterates Its Position on INF Treaty Amid Uncertain US Commitment"
    )
    assert batch["001"].title == (
        "Russian Foreign Minister: US to withdraw from Intermediate-Range Nuclear Forces Treaty in "
        "coming months"
    )
    assert batch["002"].title == "Russia ready to work with US to save arms treaty, says Lavrov"
    # 003 and 004 start with the site's clock and widgets: the capture has no headline.
    assert batch["003"].title is None
    assert batch["004"].title is None
    for result in batch.values():
        assert result.title is None or result.title not in result.text


def test_golden_dates_and_outlet(batch: dict[str, CleanedCapture]) -> None:
    assert batch["003"].crawled == datetime(2021, 3, 4, 16, 52, tzinfo=UTC)
    assert batch["004"].crawled == datetime(2021, 5, 11, 18, 19, tzinfo=UTC)
    for name in ("000", "001", "002"):
        assert batch[name].crawled is None
    assert all(result.published is None for result in batch.values())
    assert batch["000"].dateline_outlet == "Sputnik"
    assert all(batch[name].dateline_outlet is None for name in ("001", "002", "003", "004"))


def test_golden_removed_and_template(batch: dict[str, CleanedCapture]) -> None:
    assert batch["003"].removed == (
        "16:52 GMT04 March 2021",
        "Listen Live",
        "Get short URL",
        "Community standardsDiscussion",
    )
    assert "EU Hoping INF Treaty May Still Be Salvaged - Mogherini" in batch["000"].removed
    assert batch["001"].removed == ()
    # The two captures from one site share their template lines; dates are no template.
    assert {"listen live", "get short url"} <= set(batch["003"].template) & set(
        batch["004"].template
    )
    assert not any("gmt" in line for result in batch.values() for line in result.template)


def test_golden_is_idempotent(batch: dict[str, CleanedCapture]) -> None:
    for result in batch.values():
        again = clean_capture(render(result))
        assert (again.title, again.text) == (result.title, result.text)


# --------------------------------------------------------------------------------------------
# Invariants


def render(result: CleanedCapture) -> str:
    return (result.title + "\n\n" if result.title else "") + result.text


def visible_words(text: str) -> list[str]:
    """The input's words as the cleaner sees them: invisible characters dropped, split on spaces."""
    kept = (
        ch
        for ch in text
        if not (unicodedata.category(ch) in ("Cc", "Cs") and not ch.isspace())
        and ch not in "\u00ad\u200b\u2060\ufeff"
    )
    return "".join(kept).split()


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    it = iter(whole)
    return all(word in it for word in part)


LINES = st.sampled_from(
    [
        "World",
        "Share",
        "READ MORE: Putin Says Russia Will Respond",
        "16:52 GMT04 March 2021",
        "Published: 12 Nov 2018 10:00 GMT",
        "Russia denies violations",
        "missiles, INF Treaty, NATO, Mike Pompeo, Sergei Lavrov, US, Russia",
        "MOSCOW (Sputnik) - Moscow does not understand why the arms control regime should be "
        "dismantled now.",
        "Lavrov said the treaty was key to European security and that Russia remained ready to "
        "talk about it.",
        "“We are still ready to work to save the treaty,” Lavrov told reporters in Moscow on "
        "Wednesday.",
        "Comments",
        "Related Stories",
        "Moscow Hopes London Will Take Constructive Stance in INF Talks",
        "",
        "   ",
        "\u00a0indented\u00a0line with\u00a0nbsp",
    ]
)
CAPTURES = st.one_of(
    st.text(),
    st.lists(st.one_of(LINES, st.text(max_size=80)), max_size=30).map("\n".join),
    st.lists(LINES, max_size=30).map("\n\n".join),
)


@settings(max_examples=200, deadline=None)
@given(CAPTURES)
def test_idempotent(raw: str) -> None:
    first = clean_capture(raw)
    again = clean_capture(render(first))
    assert (again.title, again.text) == (first.title, first.text)


@settings(max_examples=200, deadline=None)
@given(CAPTURES)
def test_output_words_come_from_input_in_order(raw: str) -> None:
    result = clean_capture(raw)
    assert is_subsequence(render(result).split(), visible_words(raw))
    for paragraph in paragraphs(result):
        assert paragraph and paragraph == paragraph.strip() and "\n" not in paragraph


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=400))
def test_never_crashes_on_any_text(raw: str) -> None:
    result = clean_capture(raw)
    assert isinstance(result.text, str)
    assert all(line == line.strip() and line for line in result.removed)
    result.text.encode("utf-8")  # no lone surrogates survive


@settings(max_examples=60, deadline=None)
@given(st.lists(CAPTURES, max_size=6))
def test_recurring_lines_are_normalised_and_never_prose(texts: list[str]) -> None:
    lines = recurring_lines(texts)
    assert all(line == normalise_line(line) for line in lines)
    assert (
        normalise_line(
            "Lavrov said the treaty was key to European security and that Russia remained ready to "
            "talk about it."
        )
        not in lines
    )


@pytest.mark.parametrize(
    "raw", ["", " ", "\n\n\n", "\x00\x01", "\u2028\u2029", "a", "\ud800", "Share\nTweet\nEmail"]
)
def test_degenerate_inputs(raw: str) -> None:
    result = clean_capture(raw)
    assert result.text == "" or result.text.strip()
    assert result.crawled is None and result.published is None


# --------------------------------------------------------------------------------------------
# Tricky cases

P1 = (
    "The finance ministers of the group agreed on Tuesday to extend the emergency credit line "
    "for another year."
)
P2 = (
    "Officials said the decision followed weeks of talks in which several members had asked "
    "for stricter conditions."
)
P3 = (
    "The fund will be reviewed again next spring, when the ministers meet in Lisbon to discuss "
    "the budget for 2020."
)
HEADLINE = "Finance Ministers Extend Emergency Credit Line for a Year"


def test_syndicated_pair_keeps_shared_headline_and_paragraphs() -> None:
    site_a = "\n\n".join(
        ["Home", "World", HEADLINE, P1, P2, P3, "Share this article", "Subscribe to our newsletter"]
    )
    site_b = "\n\n".join(["Menu", HEADLINE, P1, P2, P3, "Follow us"])
    flood = (
        "Heavy rain flooded the coastal towns overnight and forced hundreds of families to leave "
        "their homes."
    )
    other = "\n\n".join(
        ["Home", "World", "Floods Hit the Coast Again", flood, "Share this article"]
    )
    recurring = recurring_lines([site_a, site_b, other])
    assert normalise_line(HEADLINE) not in recurring  # two copies of one article count once
    assert normalise_line(P1) not in recurring
    assert {
        "home",
        "world",
        "share this article",
    } <= recurring  # furniture of one site, two articles
    for raw in (site_a, site_b):
        result = clean_capture(raw, recurring=recurring)
        assert result.title == HEADLINE
        assert paragraphs(result) == [P1, P2, P3]


def test_recurring_removes_site_lines_that_patterns_miss() -> None:
    widget = "Weekend Specials Desk Picks"
    docs = ["\n\n".join([widget, P1, P2]), "\n\n".join([P3, widget, P2.replace("weeks", "months")])]
    recurring = recurring_lines(docs)
    assert normalise_line(widget) in recurring
    assert widget not in clean_capture(docs[1], recurring=recurring).text
    assert widget in clean_capture(docs[1]).text  # alone, it reads like a subheading


def test_wrapped_lines_are_joined_and_lists_are_not() -> None:
    wrapped = (
        "The committee said on Monday that it would publish its findings\n"
        "before the end of the month, after a review that took more than\n"
        "two years and heard evidence from over three hundred witnesses.\n"
    )
    result = clean_capture("Committee To Publish Findings\n\n" + wrapped + "\n" + P1)
    assert paragraphs(result)[0] == " ".join(wrapped.split())
    assert result.title == "Committee To Publish Findings"
    headlines = "Flood Warnings Issued\nMarkets Close Higher\nNew Stadium Opens Downtown\n"
    assert (
        "Flood Warnings Issued Markets"
        not in clean_capture(P1 + "\n\n" + headlines + "\n" + P2).text
    )


def test_read_more_line_is_removed_between_paragraphs() -> None:
    raw = "\n\n".join(
        [
            P1,
            "READ MORE: Ministers Clash Over Budget Rules",
            P2,
            "Read more: Why the credit line matters",
            P3,
        ]
    )
    result = clean_capture(raw)
    assert paragraphs(result) == [P1, P2, P3]
    assert result.removed == (
        "READ MORE: Ministers Clash Over Budget Rules",
        "Read more: Why the credit line matters",
    )


def test_tag_lines_are_removed_but_comma_sentences_stay() -> None:
    sentence = (
        "Greece, Portugal, Ireland and Cyprus all drew on the line, officials said, and all have "
        "repaid it."
    )
    raw = "\n\n".join(
        [
            P1,
            sentence,
            P2,
            "Tags: finance, credit, ministers",
            "missiles, INF Treaty, NATO, US, Russia",
        ]
    )
    result = clean_capture(raw)
    assert paragraphs(result) == [P1, sentence, P2]


def test_curly_quotes_and_short_quoted_paragraphs() -> None:
    quote = "“We will not let them fail,” she said."
    title = "‘We Will Not Let Them Fail’, Minister Says"
    result = clean_capture("\n\n".join([title, P1, quote, P2]))
    assert result.title == title
    assert paragraphs(result) == [P1, quote, P2]


def test_indentation_and_nbsp_do_not_matter() -> None:
    plain = clean_capture("\n\n".join([HEADLINE, P1, P2]))
    indented = clean_capture(
        "\n\n".join("    " + p.replace(" ", "\u00a0", 3) for p in [HEADLINE, P1, P2])
    )
    assert (indented.title, indented.text) == (plain.title, plain.text)


def test_comments_section_is_not_body() -> None:
    comment = (
        "I have been saying this for years and nobody in the ministry ever listens to ordinary "
        "savers like me."
    )
    raw = "\n\n".join(
        [
            HEADLINE,
            P1,
            P2,
            P3,
            "42 Comments",
            "jdoe",
            "2 days ago",
            comment,
            "asmith",
            comment.replace("years", "ages"),
        ]
    )
    assert paragraphs(clean_capture(raw)) == [P1, P2, P3]


def test_published_statement_and_crawl_stamp_are_kept_apart() -> None:
    raw = "\n\n".join(
        [
            "09:15 GMT 12.11.2018",
            HEADLINE,
            "Published: 12 Nov 2018 08:30 GMT Updated: 13 Nov 2018",
            P1,
            P2,
        ]
    )
    result = clean_capture(raw)
    assert result.crawled == datetime(2018, 11, 12, 9, 15, tzinfo=UTC)
    assert result.published == datetime(2018, 11, 12, 8, 30, tzinfo=UTC)
    assert result.title == HEADLINE and paragraphs(result) == [P1, P2]
    # A bare date inside the body is neither a crawl stamp nor a publication date.
    dated = clean_capture("\n\n".join([P1, "November 20, 2019 4:02 pm EST", P2]))
    assert dated.crawled is None and dated.published is None
    assert clean_capture("Posted on March 3, 2019 at 10:00 am EST\n\n" + P1).published == datetime(
        2019, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=-5))
    )


@pytest.mark.parametrize(
    ("lede", "outlet"),
    [
        ("(Reuters) - " + P1, "Reuters"),
        ("WASHINGTON (AP) — " + P1, "AP"),
        ("LONDON, Nov 12 (Reuters) - " + P1, "Reuters"),
        ("The group (founded in 1999) - a lobby - said it " + P1, None),
        (P1, None),
    ],
)
def test_dateline_outlet(lede: str, outlet: str | None) -> None:
    assert clean_capture("\n\n".join([lede, P2])).dateline_outlet == outlet


def test_usage_errors_name_the_parameter() -> None:
    with pytest.raises(UsageError, match=r"raw parameter.*decode"):
        clean_capture(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="recurring parameter"):
        clean_capture("text", recurring=["a list"])  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="wrap it in a list"):
        recurring_lines("one text")
    with pytest.raises(UsageError, match="min_docs"):
        recurring_lines(["a", "b"], min_docs=0)
    assert issubclass(UsageError, TidingsError)


def test_large_input_is_fast_enough() -> None:
    import time

    raw = "\n\n".join([HEADLINE, *([P1, "Share", P2, "Advertisement", P3] * 2000)])  # about 700 kB
    started = time.process_time()
    result = clean_capture(raw)
    assert time.process_time() - started < 2.0  # linear: about 0.1 s here; generous for slow CI
    assert len(paragraphs(result)) == 6000
