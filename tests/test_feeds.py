"""Tests of tidings.feeds: RSS 2.0 and Atom 1.0 feeds written inline, URL lists, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.errors import FormatError, UsageError
from tidings.feeds import (
    Feed,
    FeedEntry,
    entry_document,
    entry_meta,
    looks_like_feed,
    parse_feed,
    parse_url_list,
)
from tidings.records import Rejection

LONG_TEXT = " ".join(["The treaty was signed in Geneva after three years of talks."] * 12)

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel xml:base="https://news.example/world/">
  <title>Example &amp; Co News</title>
  <link>https://news.example/</link>
  <description>World news</description>
  <item>
    <title>Treaty signed in Geneva</title>
    <link>2024/01/treaty.html</link>
    <guid isPermaLink="false">tag:news.example,2024:treaty</guid>
    <pubDate>Tue, 02 Jan 2024 10:30:00 +0100</pubDate>
    <dc:creator>Ann Author</dc:creator>
    <dc:creator>Bob Writer</dc:creator>
    <description>&lt;p&gt;Leaders &lt;b&gt;signed&lt;/b&gt; the treaty &amp;amp; left.&lt;/p&gt;
    </description>
    <content:encoded><![CDATA[<p>{LONG_TEXT}</p>
      <p>More at <a href="/world/more.html">the archive</a>.</p>]]></content:encoded>
  </item>
  <item>
    <title>Rates held</title>
    <link>/markets/rates.html</link>
    <pubDate>Wed, 03 Jan 2024 08:00:00 -0500</pubDate>
    <author>desk@news.example (Markets Desk)</author><!-- a TLD feedparser's regex mangles -->
    <description>The central bank held rates.</description>
  </item>
  <item>
    <title>Only a permalink</title>
    <guid isPermaLink="true">https://news.example/world/permalink.html</guid>
  </item>
</channel>
</rss>
""".encode()

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/">
  <title type="html">Atom &lt;i&gt;Wire&lt;/i&gt;</title>
  <link rel="alternate" href="/"/>
  <link rel="self" href="feed.atom"/>
  <id>urn:uuid:feed</id>
  <updated>2024-01-04T00:00:00Z</updated>
  <entry xml:base="posts/">
    <title type="html">A &lt;em&gt;big&lt;/em&gt; story</title>
    <link rel="alternate" href="big-story.html"/>
    <id>urn:uuid:big</id>
    <published>2024-01-02T10:00:00+05:30</published>
    <updated>2024-01-03T00:00:00Z</updated>
    <author><name>Cat Reporter</name></author>
    <author><name>Dan Editor</name><email>dan@atom.example</email></author>
    <summary type="html">&lt;p&gt;Summary &lt;a href="x"&gt;here&lt;/a&gt;&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;{LONG_TEXT}&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Short xhtml</title>
    <link href="https://elsewhere.example/short"/>
    <id>urn:uuid:short</id>
    <updated>2024-01-04T00:00:00-08:00</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
      <p>Just <b>a teaser</b>.</p></div></content>
  </entry>
  <entry>
    <title>Plain text</title>
    <link href="plain.html"/>
    <id>urn:uuid:plain</id>
    <content type="text">First paragraph &lt;not a tag&gt;.

Second paragraph.</content>
  </entry>
</feed>
""".encode()


def test_rss_entries_resolve_links_dates_authors_and_content() -> None:
    feed = parse_feed(RSS, source="https://news.example/feeds/world.xml")

    assert (feed.source, feed.title, feed.link) == (
        "https://news.example/feeds/world.xml",
        "Example & Co News",
        "https://news.example/",
    )
    assert feed.warnings == ()
    first, second, third = feed.entries
    assert first.link == "https://news.example/world/2024/01/treaty.html"
    assert first.title == "Treaty signed in Geneva"
    assert first.published == datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
    assert first.updated is None
    assert first.authors == ("Ann Author", "Bob Writer")
    assert first.summary == "Leaders signed the treaty & left."
    assert first.id == "tag:news.example,2024:treaty"
    assert first.content_html is not None
    assert LONG_TEXT in first.content_html
    assert 'href="https://news.example/world/more.html"' in first.content_html

    assert second == FeedEntry(
        link="https://news.example/markets/rates.html",
        title="Rates held",
        published=datetime(2024, 1, 3, 13, 0, tzinfo=UTC),
        updated=None,
        authors=("Markets Desk",),
        summary="The central bank held rates.",
        content_html=None,
        id=None,
    )
    assert third.link == "https://news.example/world/permalink.html"
    assert third.id == "https://news.example/world/permalink.html"


def test_atom_entries_resolve_nested_xml_base_and_keep_offsets_as_utc() -> None:
    feed = parse_feed(ATOM, source="/data/feeds/wire.atom")  # a path: xml:base alone resolves

    assert (feed.title, feed.link, feed.warnings) == ("Atom Wire", "https://atom.example/", ())
    big, short, plain = feed.entries
    assert big.link == "https://atom.example/blog/posts/big-story.html"
    assert big.title == "A big story"
    assert big.published == datetime(2024, 1, 2, 4, 30, tzinfo=UTC)
    assert big.updated == datetime(2024, 1, 3, tzinfo=UTC)
    assert big.authors == ("Cat Reporter", "Dan Editor")
    assert big.summary == "Summary here"
    assert big.id == "urn:uuid:big"
    assert big.content_html == f"<p>{LONG_TEXT}</p>"

    assert short.link == "https://elsewhere.example/short"
    assert short.updated == datetime(2024, 1, 4, 8, 0, tzinfo=UTC)
    assert short.published is None
    assert short.content_html == "<p>Just <b>a teaser</b>.</p>"

    assert plain.link == "https://atom.example/blog/plain.html"
    assert plain.content_html == "<p>First paragraph &lt;not a tag&gt;.</p><p>Second paragraph.</p>"


def test_relative_links_fall_back_to_the_feed_url_then_the_site_link() -> None:
    rss = b"""<rss version="2.0"><channel><title>T</title><link>https://site.example/home/</link>
    <item><title>A</title><link>a.html</link></item></channel></rss>"""
    from_url = parse_feed(rss, source="https://feeds.example/x/rss.xml")
    assert from_url.entries[0].link == "https://feeds.example/x/a.html"
    from_file = parse_feed(rss, source="downloads/rss.xml")
    assert from_file.entries[0].link == "https://site.example/home/a.html"


def test_unusable_links_are_dropped_with_a_warning() -> None:
    rss = b"""<rss version="2.0"><channel><title>T</title>
    <item><title>A</title><link>javascript:alert(1)</link></item></channel></rss>"""
    feed = parse_feed(rss, source="feed.xml")
    assert feed.entries[0].link is None
    assert any("entry 1" in w and "http(s)" in w for w in feed.warnings)


def test_malformed_feed_with_entries_is_returned_with_warnings() -> None:
    broken = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title>
    <item><title>One</title><link>https://b.example/1</link></item>
    <item><title>Two & three</title><link>https://b.example/2</link></item>
    <item><title>Cut off"""

    feed = parse_feed(broken, source="https://b.example/rss")

    assert [e.link for e in feed.entries] == ["https://b.example/1", "https://b.example/2"]
    assert feed.entries[1].title == "Two & three"
    assert feed.warnings[0].startswith("feedparser reported SAXParseException")
    assert "entry 3 has no link, title or content; skipped" in feed.warnings


def test_broken_feed_without_entries_is_a_format_error() -> None:
    with pytest.raises(FormatError) as info:
        parse_feed(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>', source="f.xml"
        )
    assert info.value.reason == "malformed-feed"
    assert info.value.input == "f.xml"
    assert "no element found" in info.value.detail  # feedparser's own message


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>",
            "HTML page",
        ),
        (b"", "empty"),
        (b"\x00\x01\x02 binary junk", "expected an RSS or Atom feed"),
        (b'{"items": []}', "expected an RSS or Atom feed"),
    ],
    ids=["html", "empty", "binary", "json"],
)
def test_input_that_is_not_a_feed_is_a_format_error(content: bytes, hint: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_feed(content, source="https://site.example/")
    assert info.value.reason == "not-a-feed"
    assert hint in info.value.detail


def test_text_instead_of_bytes_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="content parameter of parse_feed"):
        parse_feed(RSS.decode(), source="f.xml")  # type: ignore[arg-type]


def test_valid_feed_without_items_is_an_empty_feed() -> None:
    feed = parse_feed(
        b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>', source="q.xml"
    )
    assert feed == Feed(source="q.xml", title="Quiet", link=None, entries=(), warnings=())


def test_bytes_that_look_like_a_path_are_parsed_not_opened(tmp_path: object) -> None:
    # feedparser opens raw bytes naming an existing file; parse_feed must never read the disk.
    with pytest.raises(FormatError) as info:
        parse_feed(b"/etc/hostname", source="x")
    assert info.value.reason == "not-a-feed"


def test_encodings_follow_the_xml_declaration() -> None:
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Café</title><item><title>Señor</title><link>https://e.example/1</link></item></channel></rss>'
    assert parse_feed(latin1.encode("latin-1"), source="f").entries[0].title == "Señor"
    utf16 = latin1.replace("ISO-8859-1", "UTF-16")
    assert parse_feed(utf16.encode("utf-16"), source="f").title == "Café"
    undeclared = latin1.replace(' encoding="ISO-8859-1"', "")
    assert parse_feed(undeclared.encode("utf-8"), source="f").title == "Café"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (RSS, True),
        (ATOM, True),
        (
            b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            True,
        ),
        (b'<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">', True),
        ('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0">'.encode("utf-16"), True),
        (b"<!DOCTYPE html><html><head><title>News</title></head></html>", False),
        (b'<html><link rel="alternate" type="application/rss+xml" href="/rss"></html>', False),
        (b"", False),
        (b" " * 2000 + b"<rss>", False),  # only the first KB is looked at
    ],
)
def test_looks_like_feed(content: bytes, expected: bool) -> None:
    assert looks_like_feed(content) is expected


def test_entry_with_full_content_is_an_html_document() -> None:
    feed = parse_feed(RSS, source="https://news.example/feeds/world.xml")
    entry = feed.entries[0]

    doc = entry_document(entry, feed=feed)

    assert (doc.kind, doc.source, doc.text) == ("html", entry.link, None)
    assert entry.content_html is not None
    assert doc.content == entry.content_html.encode("utf-8")
    assert dict(doc.meta) == {
        "title": "Treaty signed in Geneva",
        "published": datetime(2024, 1, 2, 9, 30, tzinfo=UTC),
        "updated": None,
        "authors": ("Ann Author", "Bob Writer"),
        "outlet": "Example & Co News",
        "url": "https://news.example/world/2024/01/treaty.html",
        "from_feed": True,
        "feed_summary": "Leaders signed the treaty & left.",
        "feed": "https://news.example/feeds/world.xml",
        "feed_entry_id": "tag:news.example,2024:treaty",
        "charset": "utf-8",
    }


def test_entry_without_full_content_is_a_url_to_fetch_with_the_feed_evidence() -> None:
    feed = parse_feed(ATOM, source="https://atom.example/feed")
    short = feed.entries[1]

    doc = entry_document(short, feed=feed)

    assert (doc.kind, doc.source, doc.content) == ("url", "https://elsewhere.example/short", b"")
    assert dict(doc.meta) == entry_meta(short, feed)
    assert doc.meta["outlet"] == "Atom Wire"
    assert doc.meta["from_feed"] is True
    # The threshold is a parameter: a lower one accepts the teaser as the article.
    assert entry_document(short, feed=feed, min_text_chars=10).kind == "html"


def test_entry_with_neither_link_nor_content_cannot_be_read() -> None:
    feed = Feed(source="f.xml", title="F", link=None, entries=())
    entry = FeedEntry(link=None, title="Teaser", content_html="<p>Short</p>", id="42")
    with pytest.raises(FormatError) as info:
        entry_document(entry, feed=feed)
    assert (info.value.reason, info.value.input) == ("no-content", "f.xml#42")
    with pytest.raises(UsageError, match="min_text_chars parameter of entry_document"):
        entry_document(entry, feed=feed, min_text_chars=-1)


def test_url_list_skips_comments_and_rejects_bad_lines_by_number() -> None:
    text = (
        "\ufeff# Morning reading\n"
        "https://news.example/a.html\n"
        "\n"
        "   http://news.example/b?x=1#frag   # the second one\n"
        "news.example/c.html\n"
        "ftp://files.example/d\n"
        "https://\n"
        "https://news.example/e f\n"
        "https://news.example:99999/g\n"
        "  # indented comment\n"
        "HTTPS://NEWS.EXAMPLE/H\n"
    )

    urls, rejected = parse_url_list(text, source="lists/today.txt")

    assert urls == [
        "https://news.example/a.html",
        "http://news.example/b?x=1#frag",
        "HTTPS://NEWS.EXAMPLE/H",
    ]
    assert [(r.input, r.stage, r.reason) for r in rejected] == [
        ("lists/today.txt:5", "parse", "invalid-url"),
        ("lists/today.txt:6", "parse", "invalid-url"),
        ("lists/today.txt:7", "parse", "invalid-url"),
        ("lists/today.txt:8", "parse", "invalid-url"),
        ("lists/today.txt:9", "parse", "invalid-url"),
    ]
    assert "did you mean https://news.example/c.html" in rejected[0].detail
    assert "'ftp'" in rejected[1].detail
    assert all(isinstance(r, Rejection) and r.detail.startswith(r.input) for r in rejected)


def test_empty_url_list() -> None:
    assert parse_url_list("", source="empty.txt") == ([], [])
    assert parse_url_list("# nothing\n\n", source="empty.txt") == ([], [])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_feed_raises_only_format_error_on_arbitrary_bytes(content: bytes) -> None:
    try:
        feed = parse_feed(content, source="fuzz")
    except FormatError as err:
        assert err.reason in {"not-a-feed", "malformed-feed"}
    else:
        assert all(
            e.link is None or e.link.startswith(("http://", "https://")) for e in feed.entries
        )


FEED_PIECES = st.sampled_from(
    [
        "<rss version='2.0'>", "<channel>", "<item>", "</item>", "<title>", "</title>",
        "<link>", "</link>", "http://a.example/x", "../rel", "<pubDate>", "</pubDate>",
        "Tue, 02 Jan 2024 10:00:00 +0100", "Feb 30 2024", "<description>", "&lt;p&gt;",
        "<![CDATA[<p>x</p>]]>", "&amp;", "&bogus;", "<feed xmlns='http://www.w3.org/2005/Atom'>",
        "<entry>", "</entry>", "<content type='html'>", "</content>", "<link href='/a'/>",
        "<published>", "2024-13-45T99:00:00Z", "</published>", "xml:base='::'", "\x00", "é",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(FEED_PIECES, max_size=40))
def test_parse_feed_raises_only_format_error_on_feed_like_garbage(pieces: list[str]) -> None:
    try:
        feed = parse_feed("".join(pieces).encode(), source="https://fuzz.example/feed")
    except FormatError as err:
        assert err.reason in {"not-a-feed", "malformed-feed"}
    else:
        for entry in feed.entries:
            document_or_error(entry, feed)


def document_or_error(entry: FeedEntry, feed: Feed) -> None:
    try:
        doc = entry_document(entry, feed=feed)
    except FormatError as err:
        assert err.reason == "no-content"
    else:
        assert doc.kind in {"html", "url"}
