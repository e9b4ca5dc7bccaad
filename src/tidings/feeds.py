"""RSS and Atom feeds, and plain lists of URLs, turned into what the reading edge needs.

Nothing here fetches anything: every function takes bytes or text the caller already has. A feed
is parsed with feedparser into a :class:`Feed` of :class:`FeedEntry` records. An entry that carries
its full article (``content:encoded``, Atom ``content``) becomes an HTML ``RawDocument`` directly
(:func:`entry_document`); any other entry becomes a ``kind="url"`` document that the caller fetches,
with :func:`entry_meta` holding what the feed said about it.

Dates, titles and bylines from a feed are evidence, not the last word: the article page's own
publication date is preferred when the page is extracted, and ``meta["from_feed"]`` says where
these values came from.
"""

from __future__ import annotations

import html
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import FormatError, MissingDependencyError, UsageError
from .records import RawDocument, Rejection

__all__ = [
    "FULL_CONTENT_MIN_CHARS",
    "Feed",
    "FeedEntry",
    "entry_document",
    "entry_meta",
    "looks_like_feed",
    "parse_feed",
    "parse_url_list",
]

#: Characters of text an entry's content must have to stand in for the article page. Teasers and
#: "continue reading" stubs are shorter; a news article is rarely shorter.
FULL_CONTENT_MIN_CHARS = 500

# The root element of RSS 2.0 / 0.9x, Atom and RSS 1.0 (RDF), with or without a namespace prefix.
_FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|rdf)[\s>/]")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_EMAIL_AND_NAME = re.compile(r"\s*[^\s@()]+@[^\s@()]+\s*\((.*\S.*)\)\s*$")
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p",
        "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a feed, as the feed describes it.

    Attributes:
        link: the article's absolute http(s) URL (relative links are resolved against
            ``xml:base``, the feed's URL and the feed's site link), or ``None`` if it has none.
        title: the headline as plain text.
        published, updated: from the feed, aware UTC datetimes, or ``None``.
        authors: bylines in feed order (RSS ``author`` / ``dc:creator``, Atom ``author``).
        summary: the description or summary as plain text (HTML stripped).
        content_html: the full content (RSS ``content:encoded``, Atom ``content``) as HTML,
            sanitised by feedparser, or ``None`` when the feed carries none.
        id: the ``guid`` / Atom ``id``.
    """

    link: str | None
    title: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    summary: str | None = None
    content_html: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed.

    Attributes:
        source: the URL or path the feed was read from.
        title: the feed's title (usually the outlet's name) as plain text.
        link: the site the feed belongs to.
        entries: the entries, in feed order.
        warnings: what was wrong with the feed but did not stop it from being read (feedparser's
            complaint about malformed XML or a wrong encoding, entries skipped and why).
    """

    source: str
    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...] = ()


def looks_like_feed(content: bytes) -> bool:
    """Cheaply guess whether ``content`` is an RSS or Atom feed, to route bytes to a parser.

    Only the first KB is looked at, for the root element of an RSS, Atom or RDF feed.

    Args:
        content: the raw bytes of a document.

    Returns:
        True when a feed's root element appears in the first KB (UTF-8, Latin-1 or UTF-16).
    """
    head = bytes(content[:1024])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return _FEED_ROOT.search(head.lower()) is not None


def parse_feed(content: bytes, *, source: str) -> Feed:
    """Parse an RSS or Atom feed.

    A feed that is malformed but still yields entries is returned, with feedparser's complaint in
    ``Feed.warnings``; entries with neither link, title nor content are left out, with a warning.

    Args:
        content: the feed's raw bytes (their encoding is detected from the XML declaration).
        source: the feed's URL (used to resolve relative links) or the path it was read from.

    Returns:
        The feed and its entries.

    Raises:
        FormatError: ``not-a-feed`` when the bytes are not a feed (an HTML page, for one);
            ``malformed-feed`` when no entry could be read from a broken feed.
        UsageError: ``content`` is not bytes.
        MissingDependencyError: feedparser is not installed.
    """
    if not isinstance(content, bytes | bytearray | memoryview):
        raise UsageError(
            "the content parameter of parse_feed must be the feed's raw bytes, "
            f"got {type(content).__name__} (hint: pass the body before decoding it)"
        )
    try:
        import feedparser
    except ImportError as exc:
        raise MissingDependencyError(
            "reading feeds needs feedparser, a dependency of tidings; run: pip install feedparser"
        ) from exc
    # The content-type header makes feedparser apply XML's encoding rules (UTF-8 unless declared);
    # content-location is the base for relative links when the feed has no xml:base.
    headers = {"content-type": "application/xml"}
    if _is_http_url(source):
        headers["content-location"] = source
    try:
        # A file object, never raw bytes: feedparser opens bytes that look like a path as a file.
        parsed = feedparser.parse(io.BytesIO(bytes(content)), response_headers=headers)
    except Exception as exc:  # feedparser documents no exceptions; any is a feed it cannot read
        raise FormatError(
            source,
            f"the feed could not be parsed ({type(exc).__name__}: {exc})",
            reason="malformed-feed",
        ) from exc

    channel = dict.get(parsed, "feed") or {}
    version = dict.get(parsed, "version") or ""
    raw_entries = dict.get(parsed, "entries") or []
    problem = dict.get(parsed, "bozo_exception") if dict.get(parsed, "bozo") else None
    if not raw_entries and not version and not looks_like_feed(content):
        raise FormatError(source, _not_a_feed(content), reason="not-a-feed")

    warnings = [f"feedparser reported {_describe(problem)}"] if problem is not None else []
    site = _absolute_http(dict.get(channel, "link"), None)
    entries = []
    for number, raw in enumerate(raw_entries, start=1):
        entry = _entry(raw, site, warnings, number)
        if entry is not None:
            entries.append(entry)
    if not entries and problem is not None:
        raise FormatError(
            source,
            f"the feed is malformed and no entry could be read from it ({_describe(problem)})",
            reason="malformed-feed",
        )
    return Feed(
        source=source,
        title=_plain(dict.get(channel, "title"), dict.get(channel, "title_detail")),
        link=site,
        entries=tuple(entries),
        warnings=tuple(warnings),
    )


def entry_meta(entry: FeedEntry, feed: Feed) -> dict[str, Any]:
    """What a feed says about an entry, for the ``meta`` of the entry's article document.

    Args:
        entry: an entry of ``feed``.
        feed: the feed it came from.

    Returns:
        ``title``, ``published``, ``updated`` (aware datetimes or ``None``), ``authors``,
        ``outlet`` (the feed's title), ``url`` (the entry's link), ``from_feed`` (always True:
        these values are the feed's, and the page's own metadata is preferred where it has
        some), ``feed_summary``, ``feed`` (the feed's source) and ``feed_entry_id``.
    """
    return {
        "title": entry.title,
        "published": entry.published,
        "updated": entry.updated,
        "authors": entry.authors,
        "outlet": feed.title,
        "url": entry.link,
        "from_feed": True,
        "feed_summary": entry.summary,
        "feed": feed.source,
        "feed_entry_id": entry.id,
    }


def entry_document(
    entry: FeedEntry, *, feed: Feed, min_text_chars: int = FULL_CONTENT_MIN_CHARS
) -> RawDocument:
    """The document to read for an entry: its own full content, or its link to fetch.

    Args:
        entry: an entry of ``feed``.
        feed: the feed it came from.
        min_text_chars: characters of text ``content_html`` must have to count as the full
            article rather than a teaser.

    Returns:
        ``RawDocument(kind="html", source=<link>, content=<content_html as UTF-8>)`` when the
        entry carries its full article, else ``RawDocument(kind="url", source=<link>)`` for the
        caller to fetch. ``meta`` is :func:`entry_meta` (plus ``charset`` for HTML content).

    Raises:
        FormatError: ``no-content`` when the entry has neither enough content nor a link.
        UsageError: ``min_text_chars`` is negative.
    """
    if min_text_chars < 0:
        raise UsageError(
            f"the min_text_chars parameter of entry_document must be >= 0, got {min_text_chars!r}"
        )
    meta = entry_meta(entry, feed)
    text_chars = len(_html_to_text(entry.content_html)) if entry.content_html else 0
    label = entry.link or f"{feed.source}#{entry.id or entry.title or 'entry'}"
    if entry.content_html and text_chars >= min_text_chars:
        meta["charset"] = "utf-8"
        return RawDocument(
            source=label, kind="html", content=entry.content_html.encode("utf-8"), meta=meta
        )
    if entry.link:
        return RawDocument(source=entry.link, kind="url", meta=meta)
    raise FormatError(
        label,
        f"the feed entry has no link and only {text_chars} characters of content "
        f"(at least {min_text_chars} are needed to read it without its page)",
        reason="no-content",
    )


def parse_url_list(text: str, *, source: str) -> tuple[list[str], list[Rejection]]:
    """Read a text file that lists URLs, one per line.

    Blank lines and lines starting with ``#`` are ignored, as is a ``# comment`` after a URL.
    Duplicates are kept (the pipeline's deduplication sees through them).

    Args:
        text: the file's text.
        source: the file's path, for rejections.

    Returns:
        The http(s) URLs in file order, and a ``Rejection`` (stage ``parse``, reason
        ``invalid-url``, input ``<source>:<line>``) for every other non-comment line.
    """
    urls: list[str] = []
    rejected: list[Rejection] = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        url, _, rest = stripped.partition(" ")
        rest = rest.strip()
        problem = _url_problem(url)
        if problem is None and rest and not rest.startswith("#"):
            problem = "it contains spaces (one URL per line; spaces in a URL are written %20)"
        if problem is None:
            urls.append(url)
        else:
            where = f"{source}:{number}"
            rejected.append(
                Rejection(
                    where,
                    "parse",
                    "invalid-url",
                    f"{where}: {stripped[:200]!r} is not a valid URL: {problem}",
                )
            )
    return urls, rejected


def _html_to_text(fragment: str) -> str:
    """Strip the markup from an HTML fragment: its text, one line per block, spaces collapsed.

    Args:
        fragment: HTML, such as a feed summary.

    Returns:
        The visible text; script and style contents are dropped.
    """
    collector = _TextCollector()
    try:
        collector.feed(fragment)
        collector.close()
        raw = "".join(collector.parts)
    except Exception:  # html.parser still trips on some broken declarations; fall back to a regex
        raw = html.unescape(re.sub(r"<[^>]*>", " ", fragment))
    lines = (" ".join(line.split()) for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _entry(
    raw: dict[str, Any], site: str | None, warnings: list[str], number: int
) -> FeedEntry | None:
    """Build one FeedEntry from feedparser's dict, or None (with a warning) if it is empty."""
    # dict.get, not feedparser's own get: that maps missing keys to others and warns about it.
    title = _plain(dict.get(raw, "title"), dict.get(raw, "title_detail"))
    summary = _plain(dict.get(raw, "summary"), dict.get(raw, "summary_detail"))
    content_html = _content_html(dict.get(raw, "content"))
    given = dict.get(raw, "link") or _alternate_link(dict.get(raw, "links"))
    link = _absolute_http(given, site)
    if given and link is None:
        warnings.append(f"entry {number}: link {str(given)[:200]!r} is not an absolute http(s) URL")
    if link is None and title is None and content_html is None and summary is None:
        warnings.append(f"entry {number} has no link, title or content; skipped")
        return None
    entry_id = dict.get(raw, "id")
    return FeedEntry(
        link=link,
        title=title,
        published=_utc(dict.get(raw, "published_parsed")),
        updated=_utc(dict.get(raw, "updated_parsed")),
        authors=_authors(raw),
        summary=summary,
        content_html=content_html,
        id=(entry_id.strip() or None) if isinstance(entry_id, str) else None,
    )


def _alternate_link(links: object) -> str | None:
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and dict.get(link, "rel", "alternate") == "alternate":
            href = dict.get(link, "href")
            if isinstance(href, str) and href:
                return href
    return None


def _absolute_http(link: object, base: str | None) -> str | None:
    """``link`` made absolute against ``base`` if need be, when that gives an http(s) URL."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if base and not urlsplit(link).scheme:
        link = urljoin(base, link)
    return link if _is_http_url(link) else None


def _content_html(contents: object) -> str | None:
    """The longest full-content block of an entry, as HTML (plain text is escaped into HTML)."""
    if not isinstance(contents, list):
        return None
    best: str | None = None
    for content in contents:
        if not isinstance(content, dict):
            continue
        value = dict.get(content, "value")
        if not isinstance(value, str) or not value.strip():
            continue
        if dict.get(content, "type") not in _HTML_TYPES:
            paragraphs = [p.strip() for p in value.split("\n\n") if p.strip()]
            value = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        if best is None or len(value) > len(best):
            best = value
    return best


def _plain(value: object, detail: object) -> str | None:
    """A feed text construct as plain text: HTML stripped unless the feed declared plain text."""
    if not isinstance(value, str):
        return None
    kind = dict.get(detail, "type") if isinstance(detail, dict) else None
    text = " ".join(value.split()) if kind == "text/plain" else _html_to_text(value)
    return text or None


def _authors(raw: dict[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for author in dict.get(raw, "authors") or []:
        name = dict.get(author, "name") if isinstance(author, dict) else None
        if isinstance(name, str) and name.strip() and name.strip() not in names:
            names.append(" ".join(name.split()))
    single = dict.get(raw, "author")
    # RSS's "email (Name)": feedparser's address pattern stops at four-letter top-level domains
    # and mangles the name for longer ones ("desk@news.example (Desk)" gives "ple (Desk").
    rss_style = _EMAIL_AND_NAME.match(single) if isinstance(single, str) else None
    if rss_style and len(names) <= 1:
        return (" ".join(rss_style.group(1).split()),)
    if not names and isinstance(single, str) and single.strip() and "@" not in single:
        names.append(" ".join(single.split()))
    return tuple(names)


def _utc(value: object) -> datetime | None:
    """feedparser's parsed date (a UTC ``struct_time``) as an aware datetime."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None  # feedparser passes impossible dates (month 13) through


def _is_http_url(text: str) -> bool:
    return _url_problem(text) is None


def _url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL, or None if it is one."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "it contains spaces or control characters"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return str(exc)
    if parts.scheme.lower() not in ("http", "https"):
        if not parts.scheme and "." in url.split("/", 1)[0]:
            return f"it has no scheme (did you mean https://{url}?)"
        return f"only http and https URLs can be read, got scheme {parts.scheme or 'none'!r}"
    if not parts.hostname:
        return "it has no host name"
    return None


def _describe(exc: object) -> str:
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _not_a_feed(content: bytes) -> str:
    head = bytes(content[:2048]).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "the input is empty; expected an RSS or Atom feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return (
            "this is an HTML page, not an RSS or Atom feed (hint: a site's feed is linked from "
            'its pages as <link rel="alternate" type="application/rss+xml" href="...">)'
        )
    return f"expected an RSS or Atom feed, got {bytes(content[:40])!r}"
