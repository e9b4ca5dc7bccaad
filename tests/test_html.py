"""HTML extraction: text, charset, dates, title, paywall and language, on small inline pages.

Every page here is written for the test, so each checks one behaviour and needs no network.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidings.errors import ExtractionError, UsageError
from tidings.html import HtmlExtraction, decode_html, extract_html
from tidings.langid import LANGUAGE_IDENTIFIERS, Py3LangId, identify

# Three paragraphs of plain news prose: long enough for trafilatura and the language identifier.
STORY = [
    "The city council voted on Tuesday to approve a new budget that raises spending on schools "
    "and road repairs, after a debate that lasted well into the night.",
    "Council members said the plan would be paid for by a small increase in property taxes, "
    "which opponents argued would fall hardest on retired homeowners.",
    "The mayor is expected to sign the budget later this week, and the first projects could "
    "begin in the spring, according to officials familiar with the schedule.",
]
BODY = "".join(f"<p>{p}</p>" for p in STORY)


def page(head: str = "", body: str = f"<article>{BODY}</article>", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


def ld(obj: dict[str, object]) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_json_ld_article_gives_dates_with_zones_authors_and_outlet():
    head = "<title>Council passes budget</title>" + ld(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "Council passes budget after long night",
            "datePublished": "2021-03-02T21:15:00-05:00",
            "dateModified": "2021-03-03T09:30:00+01:00",
            "author": [
                {"@type": "Person", "name": "Ana Lima"},
                {"@type": "Person", "name": "Tom Berg"},
            ],
            "publisher": {"@type": "Organization", "name": "The Daily Planet"},
        }
    )
    result = extract_html(page(head).encode(), url="https://planet.example/news/budget")

    assert isinstance(result, HtmlExtraction)
    assert result.published == datetime(2021, 3, 2, 21, 15, tzinfo=timezone(timedelta(hours=-5)))
    assert result.published.utcoffset() == timedelta(hours=-5)
    assert result.updated == datetime(2021, 3, 3, 8, 30, tzinfo=UTC)
    assert result.title == "Council passes budget after long night"
    assert result.authors == ("Ana Lima", "Tom Berg")
    assert result.outlet == "The Daily Planet"
    assert result.language == "en"
    assert result.url == "https://planet.example/news/budget"
    assert result.method == "trafilatura"
    assert not result.paywalled
    assert result.text.split("\n\n") == STORY


def test_json_ld_wins_over_meta_tags_and_graph_is_searched():
    head = '<meta property="article:published_time" content="2021-01-01T00:00:00Z">' + ld(
        {
            "@graph": [
                {"@type": "WebSite", "name": "Planet"},
                {"@type": ["NewsArticle"], "datePublished": "2021-03-02T10:00:00Z"},
            ]
        }
    )
    assert extract_html(page(head)).published == datetime(2021, 3, 2, 10, 0, tzinfo=UTC)


def test_opengraph_only_page():
    head = (
        '<meta property="og:title" content="Budget approved">'
        '<meta property="og:site_name" content="Daily Planet">'
        '<meta property="og:url" content="https://planet.example/budget">'
        '<meta property="article:published_time" content="2021-03-02T10:00:00+00:00">'
        '<meta property="article:modified_time" content="2021-03-02T12:30:00+00:00">'
        '<meta name="author" content="Ana Lima">'
    )
    result = extract_html(page(head).encode())
    assert result.title == "Budget approved"
    assert result.outlet == "Daily Planet"
    assert result.url == "https://planet.example/budget"
    assert result.published == datetime(2021, 3, 2, 10, 0, tzinfo=UTC)
    assert result.updated == datetime(2021, 3, 2, 12, 30, tzinfo=UTC)
    assert result.authors == ("Ana Lima",)


def test_page_without_any_date_gets_none_not_today_nor_a_copyright_year():
    # A copyright year, a year in the prose and a month-year are not publication dates.
    body = f"<article>{BODY}<p>The law was passed in 2015 and amended in March 2019.</p></article>"
    body += "<footer>© 2019 Daily Planet. All rights reserved.</footer>"
    result = extract_html(page("<title>Budget</title>", body).encode())
    assert result.published is None
    assert result.updated is None


def test_only_a_visible_updated_label_sets_updated_and_leaves_published_unknown():
    # The article came out at or before the update, and which day is unknown: published stays
    # None rather than taking the update time (documented in tidings.html).
    byline = '<p class="byline">Updated: March 3, 2021 10:05 a.m. ET</p>'
    body = f"<article><h1>Budget</h1>{byline}{BODY}</article>"
    result = extract_html(page("<title>Budget</title>", body).encode())
    assert result.updated == datetime(2021, 3, 3, 15, 5, tzinfo=UTC)
    assert result.published is None


def test_visible_published_and_updated_labels_are_kept_apart():
    body = (
        "<article><h1>Budget</h1><p>Published 2 March 2021 09:00 GMT</p>"
        f"<p>Last updated 4 March 2021 17:45 GMT</p>{BODY}</article>"
    )
    result = extract_html(page("", body))
    assert result.published == datetime(2021, 3, 2, 9, 0, tzinfo=UTC)
    assert result.updated == datetime(2021, 3, 4, 17, 45, tzinfo=UTC)


def test_update_not_later_than_publication_is_dropped_and_dates_are_aware():
    head = ld({"@type": "Article", "datePublished": "2021-03-02", "dateModified": "2021-03-02"})
    result = extract_html(page(head))
    assert result.published == datetime(2021, 3, 2, tzinfo=UTC)
    assert result.published.tzinfo is not None
    assert result.updated is None


def test_placeholder_and_impossible_dates_are_ignored():
    head = ld(
        {
            "@type": "NewsArticle",
            "datePublished": "1970-01-01T00:00:00Z",
            "dateModified": "0001-01-01",
        }
    )
    result = extract_html(page(head))
    assert result.published is None
    assert result.updated is None

    # A date after the capture (with a day of slack) cannot be the page's.
    head = '<meta property="article:published_time" content="2030-05-01T10:00:00Z">'
    assert extract_html(page(head), crawled=datetime(2021, 3, 5, tzinfo=UTC)).published is None
    kept = extract_html(page(head), crawled=datetime(2030, 5, 1, 8, 0, tzinfo=UTC)).published
    assert kept == datetime(2030, 5, 1, 10, 0, tzinfo=UTC)


def test_ambiguous_zone_abbreviation_is_refused_and_printed_times_take_the_page_zone():
    # "IST" is India, Israel or Ireland: refused. The page's ISO timestamps are in +05:30, so the
    # printed "First Published on Nov 20, 2019 01:38 pm" is read in that zone.
    head = ld(
        {
            "@type": "NewsArticle",
            "datePublished": "01:38:07 PM IST Nov 20, 2019",
            "dateModified": "2019-11-20T14:41:20+05:30",
        }
    )
    body = f"<article>{BODY}<div>First Published on Nov 20, 2019 01:38 pm</div></article>"
    result = extract_html(page(head, body))
    ist = timezone(timedelta(hours=5, minutes=30))
    assert result.published == datetime(2019, 11, 20, 13, 38, tzinfo=ist)
    assert result.updated == datetime(2019, 11, 20, 14, 41, 20, tzinfo=ist)


@pytest.mark.parametrize(
    ("title", "outlet", "expected"),
    [
        (
            "Budget approved after long night | Daily Planet",
            "Daily Planet",
            "Budget approved after long night",
        ),
        (
            "Budget approved after long night - The Daily Planet",
            "Daily Planet",
            "Budget approved after long night",
        ),
        (
            "Daily Planet: Budget approved after long night",
            "Daily Planet",
            "Budget approved after long night",
        ),
        # A section name is not the outlet and stays.
        (
            "Hong Kong: a city on the brink | Editorial",
            "Daily Planet",
            "Hong Kong: a city on the brink | Editorial",
        ),
    ],
)
def test_title_suffix_naming_the_outlet_is_removed(title, outlet, expected):
    head = f'<title>{title}</title><meta property="og:site_name" content="{outlet}">'
    body = f"<article>{BODY}</article>"
    assert extract_html(page(head, body)).title == expected


def test_title_suffix_naming_the_domain_is_removed_and_site_name_is_not_a_headline():
    head = (
        '<meta property="og:title" content="DailyPlanet">'
        "<title>Budget approved – DailyPlanet</title>"
    )
    result = extract_html(page(head), url="https://www.dailyplanet.example/budget")
    assert result.title == "Budget approved"
    assert result.outlet is None  # no stated name: the caller decides whether to use the domain


def test_relative_canonical_link_is_resolved_against_the_url():
    head = '<link rel="canonical" href="/news/budget">'
    result = extract_html(page(head), url="https://planet.example/amp/news/budget?utm=x")
    assert result.url == "https://planet.example/news/budget"


GERMAN = "Müller sagt: Der Haushalt für Straßen und Schulen wurde am Dienstag verabschiedet."


def charset_page(meta: str = "") -> str:
    body = f"<article><p>{GERMAN}</p>{BODY}</article>"
    return f"<html><head>{meta}<title>Haushalt</title></head><body>{body}</body></html>"


def test_utf8_bytes_with_a_latin1_header_decode_as_utf8():
    raw = charset_page().encode("utf-8")
    assert GERMAN in decode_html(raw, charset="iso-8859-1")
    assert GERMAN in extract_html(raw, charset="iso-8859-1").text


def test_latin1_bytes_with_a_utf8_header_decode_as_windows_1252():
    raw = (charset_page() + "<p>\u201cquoted\u201d</p>").encode("cp1252")
    text = decode_html(raw, charset="utf-8")
    assert GERMAN in text
    assert "\u201cquoted\u201d" in text  # cp1252's 0x93/0x94, which true ISO-8859-1 lacks


def test_meta_charset_beats_a_wrong_header():
    raw = (
        charset_page('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
        .replace(GERMAN, "Правительство объявило во вторник о повышении налогов.")
        .encode("koi8-r")
    )
    assert "Правительство объявило" in decode_html(raw, charset="windows-1252")


def test_byte_order_mark_wins_and_str_input_is_accepted():
    raw = charset_page().encode("utf-16")
    assert GERMAN in decode_html(raw, charset="iso-8859-1")
    assert GERMAN in extract_html(charset_page()).text


def test_publisher_marking_the_article_not_free_sets_paywalled():
    head = ld(
        {
            "@type": "NewsArticle",
            "isAccessibleForFree": "False",
            "hasPart": {
                "@type": "WebPageElement",
                "isAccessibleForFree": "False",
                "cssSelector": ".paid",
            },
        }
    )
    assert extract_html(page(head)).paywalled


def test_short_teaser_behind_paywall_markup_is_paywalled_but_a_full_story_is_not():
    teaser = (
        f"<article><p>{STORY[0]}</p><p>{STORY[1]}</p></article>"
        '<div class="paywall-offer">Subscribe to continue reading. '
        "Already a subscriber? Sign in</div>"
    )
    assert extract_html(page("", teaser)).paywalled
    assert not extract_html(page()).paywalled


def test_readability_takes_over_when_trafilatura_finds_nothing():
    # trafilatura discards <aside> as page furniture; readability scores the paragraphs.
    result = extract_html(page("<title>Budget</title>", f"<aside>{BODY * 2}</aside>"))
    assert result.method == "readability"
    assert STORY[0] in result.text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The government announced on Tuesday that it would raise taxes on fuel next year.", "en"),
        ("Die Regierung kündigte am Dienstag an, die Steuern auf Kraftstoff zu erhöhen.", "de"),
        ("Правительство объявило во вторник о повышении налогов на топливо.", "ru"),
    ],
)
def test_language_of_short_news_sentences(text, code):
    found, confidence = identify(text)
    assert found == code
    assert 0.5 <= confidence <= 1.0


def test_language_declines_on_too_little_text():
    assert identify("Berlin München") == (None, 0.0)
    assert identify("12345 678 --") == (None, 0.0)
    strict = Py3LangId(min_confidence=1.0)
    assert (
        strict.identify("Die Regierung kündigte am Dienstag an, die Steuern zu erhöhen.")[0] is None
    )


def test_language_backend_is_registered_and_checks_its_parameters():
    assert LANGUAGE_IDENTIFIERS.names() == ("py3langid.v1",)
    assert LANGUAGE_IDENTIFIERS.get("py3langid.v1") is Py3LangId
    with pytest.raises(UsageError, match="min_confidence"):
        Py3LangId(min_confidence=1.5)


def test_page_language_comes_from_the_text_not_the_template():
    body = (
        "<article>"
        + "".join(
            f"<p>{s}</p>"
            for s in (
                GERMAN,
                "Die Opposition kritisierte den Plan scharf und kündigte Widerstand im Landtag an.",
                "Nach Angaben der Stadt sollen die Bauarbeiten bereits im Frühjahr beginnen.",
            )
        )
        + "</article>"
    )
    assert extract_html(page("", body, lang="en")).language == "de"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (bytes(range(256)) * 8, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\xff" * 500, "binary"),
        (b"Just a plain line of text without any markup at all.", "not-html"),
        (b"", "not-html"),
        (
            b"<html><head><title>App</title><script>var app = 1;</script></head>"
            b"<body><div id='root'></div></body></html>",
            "no-article",
        ),
    ],
)
def test_unusable_content_raises_extraction_error_with_a_reason(content, reason):
    with pytest.raises(ExtractionError) as info:
        extract_html(content, url="https://example.org/x")
    assert info.value.reason == reason
    assert info.value.input == "https://example.org/x"
    assert info.value.stage == "extract"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_raise_nothing_but_extraction_error(content):
    try:
        result = extract_html(content)
    except ExtractionError:
        return
    assert result.text


_TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<article>",
        "<h1>",
        "<time datetime='2020-02-30'>",
        "<meta property='article:published_time' content='x'>",
        "<script type='application/ld+json'>",
        '{"@type": "NewsArticle", "datePublished": 5}',
        "</script>",
        "<!--",
        "-->",
        "&amp;",
        "\x00",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_TAGS, st.text(max_size=40)), max_size=60))
def test_arbitrary_markup_raises_nothing_but_extraction_error(parts):
    try:
        result = extract_html("".join(parts))
    except ExtractionError:
        return
    assert result.text
    for when in (result.published, result.updated):
        assert when is None or when.tzinfo is not None
