"""Atom 1.0 (RFC 4287) and JSON Feed 1.1 documents of stories.

Each story is one entry whose id is its page's URL, so a reader shows a story once and replaces
it when it changes: ``updated`` is the time of the story's latest brief revision. The entry
body is the brief as HTML; in Atom it goes in ``<content type="html">`` as escaped text (the
HTML's own article-derived text was escaped once when it was rendered, and the XML writer
escapes the whole again, as the format requires).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

__all__ = ["ATOM_TYPE", "JSON_FEED_TYPE", "Entry", "FeedMeta", "atom", "json_feed"]

ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# A feed with no entries still needs an `updated`; a fixed instant keeps its bytes stable.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Characters XML 1.0 cannot carry at all, even escaped (control characters other than tab,
# newline and carriage return; lone surrogates; U+FFFE/U+FFFF). Article text can hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True, slots=True)
class Entry:
    """One story in a feed.

    Attributes:
        id: the stable entry id (the story page's absolute URL).
        url: the story page.
        title: the story's headline.
        html: the brief as an HTML fragment (article text already escaped).
        summary: the brief's lead sentence as plain text.
        updated: the time of the story's latest revision.
        published: when the story opened.
        tags: the story's outlets.
    """

    id: str
    url: str
    title: str
    html: str
    summary: str | None
    updated: datetime
    published: datetime | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """A feed's own fields: its title, its URL (``self``), the matching web page, a description."""

    title: str
    feed_url: str
    home_url: str
    description: str
    generator: str = "tidings"


def _iso(value: datetime) -> str:
    # RFC 3339 as Atom requires; UTC with a Z so readers never have to parse offsets.
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(meta: FeedMeta, entries: Sequence[Entry]) -> bytes:
    """The Atom 1.0 document of ``entries`` (UTF-8 bytes, with an XML declaration)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", meta.feed_url)
    sub(feed, "title", meta.title, type="text")
    sub(feed, "subtitle", meta.description, type="text")
    updated = max((e.updated for e in entries), default=EPOCH)
    sub(feed, "updated", _iso(updated))
    sub(feed, "link", rel="self", type="application/atom+xml", href=meta.feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=meta.home_url)
    author = sub(feed, "author")
    sub(author, "name", meta.generator)
    sub(feed, "generator", meta.generator)
    for entry in entries:
        item = sub(feed, "entry")
        sub(item, "id", entry.id)
        sub(item, "title", entry.title, type="text")
        sub(item, "updated", _iso(entry.updated))
        if entry.published is not None:
            sub(item, "published", _iso(entry.published))
        sub(item, "link", rel="alternate", type="text/html", href=entry.url)
        for tag in entry.tags:
            sub(item, "category", term=xml_text(tag))
        if entry.summary:
            sub(item, "summary", entry.summary, type="text")
        sub(item, "content", entry.html, type="html")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def json_feed(meta: FeedMeta, entries: Sequence[Entry]) -> bytes:
    """The JSON Feed 1.1 document of ``entries`` (UTF-8 bytes)."""
    doc = {
        "version": JSON_FEED_VERSION,
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.feed_url,
        "description": meta.description,
        "authors": [{"name": meta.generator}],
        "items": [
            {
                "id": entry.id,
                "url": entry.url,
                "title": entry.title,
                "content_html": entry.html,
                **({"summary": entry.summary} if entry.summary else {}),
                "date_modified": _iso(entry.updated),
                **({"date_published": _iso(entry.published)} if entry.published else {}),
                **({"tags": list(entry.tags)} if entry.tags else {}),
            }
            for entry in entries
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
