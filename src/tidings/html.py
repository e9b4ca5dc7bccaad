"""HTML article extraction: the main text of a page plus metadata a brief can trust.

:func:`extract_html` is a pure function of the page's bytes (no network, no clock of its own): it
decodes them, finds the article text, and reads the page's own statements about itself.

* **Charset.** A byte-order mark wins. Otherwise bytes that are valid UTF-8 and contain non-ASCII
  text are UTF-8 whatever the page or the server claims: legacy-encoded text is practically never
  valid UTF-8 by accident, while a ``latin-1`` label on a UTF-8 page is a common misconfiguration.
  Then the page's ``<meta charset>`` / ``http-equiv``, then the HTTP header's charset, then
  charset_normalizer's guess. ``latin-1`` and ``ascii`` labels mean windows-1252, as in browsers.
* **Text.** trafilatura with ``favor_precision``; see :data:`FALLBACK_RATIO` for when
  readability-lxml's text replaces it (measured in ``benchmarks/bench_extract.py``).
* **Dates** come only from the page, never from the time of extraction (trafilatura's
  ``filedate`` is ignored, and htmldate runs without its "extensive" text search, which invents
  January 1st from a copyright year). ``published`` is the first of: JSON-LD ``datePublished`` of
  the article object, ``article:published_time`` and similar meta tags, microdata / ``<time
  pubdate>``, a visible "Published: ..." label, htmldate's original date. ``updated`` is the first
  of: JSON-LD ``dateModified``, ``article:modified_time`` and similar, microdata, a visible
  "Updated: ..." label, htmldate's latest date when it falls on a later day. An ``updated`` that
  is not later than ``published`` is dropped: it records no update. A page whose only date is an
  update ("Updated: ...", ``<time class="updated">``) gets ``published=None``: the article came
  out at or before that time, which day is unknown, and htmldate's guess on such a page is the
  update itself, so it is not used on the update's day. A time written without a zone takes the
  zone of the page's own zone-marked timestamps, else UTC; an ambiguous zone abbreviation (IST)
  makes the value unusable rather than wrong by hours.
* **Title**: og:title, JSON-LD headline, the first ``<h1>``, ``<title>``, with a " | Site" or
  "Site - " part removed when it names the outlet (or the site's domain).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import ExtractionError, MissingDependencyError
from .page.charset import decode_html
from .page.dates import htmldate_params, page_dates
from .page.fields import (
    TEASER_MAX_WORDS,
    authors,
    canonical_url,
    headline,
    language,
    outlet_name,
    paywalled,
)
from .page.meta import PageMeta
from .textutil import is_printable_text, word_count

__all__ = [
    "FALLBACK_RATIO",
    "TEASER_MAX_WORDS",
    "HtmlExtraction",
    "decode_html",
    "extract_html",
]

#: readability-lxml's text replaces trafilatura's when it has at least this many times as many
#: words. Measured on the dev half of the Zyte benchmark (see ``benchmarks/bench_extract.py``).
FALLBACK_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class HtmlExtraction:
    """What one HTML page says: its article text and the metadata found in the page itself.

    Attributes:
        text: the main article text, paragraphs separated by a blank line (``"\\n\\n"``).
        title: the headline, with a trailing or leading site name removed; ``None`` if none.
        outlet: the publisher's name as the page states it (og:site_name, JSON-LD publisher,
            application-name); ``None`` rather than a guess (callers may fall back to the domain).
        authors: bylines, in page order, without duplicates.
        published: when the article was first published, timezone-aware, or ``None``.
        updated: when it was last updated, timezone-aware and later than ``published``, or ``None``.
        language: ISO 639-1 code of the text (``<html lang>`` when the text is too short to tell).
        url: the canonical URL (``link rel=canonical``, then ``og:url``), else the given URL.
        paywalled: the publisher marks the article as not free, or the page shows paywall
            markers and the text is shorter than :data:`TEASER_MAX_WORDS`.
        method: which extractor produced ``text``: ``"trafilatura"`` or ``"readability"``.
    """

    text: str
    title: str | None
    outlet: str | None
    authors: tuple[str, ...]
    published: datetime | None
    updated: datetime | None
    language: str | None
    url: str | None
    paywalled: bool
    method: str


def extract_html(
    content: bytes | str,
    *,
    url: str | None = None,
    charset: str | None = None,
    crawled: datetime | None = None,
) -> HtmlExtraction:
    """Extract the article text and metadata of one HTML page.

    Cost: a few parses of the page (lxml, trafilatura, readability-lxml, htmldate), about
    0.1-0.2 s for a typical 100-500 kB news page; linear in the page size.

    Args:
        content: the page, as bytes (decoded here, see the module docstring) or already
            decoded text.
        url: where the page came from; used to resolve a relative canonical link, for URL dates,
            and as ``url`` when the page names no canonical URL.
        charset: the charset of the HTTP ``Content-Type`` header, if any. It is a claim, not a
            fact: the bytes and the page's own declaration are checked first.
        crawled: when the page was captured, if known. A date more than a day after it cannot
            be the page's and is ignored (the day of slack absorbs date-only values and zones).

    Returns:
        The extraction; ``text`` is never empty.

    Raises:
        ExtractionError: ``reason="binary"`` when the content is not text, ``"not-html"`` when it
            has no markup at all, ``"no-article"`` when no main text is found.
        MissingDependencyError: trafilatura is not installed.
    """
    label = url or "<html>"
    html = decode_html(content, charset=charset) if isinstance(content, bytes) else content
    if not is_printable_text(html):
        raise ExtractionError(
            label, "content is binary data, expected an HTML page", reason="binary"
        )
    html = _clean_markup(html)
    if not _TAG.search(html):
        raise ExtractionError(
            label,
            "content has no HTML markup, expected an HTML page (is it a plain-text capture?)",
            reason="not-html",
        )
    tree = _parse(html)
    meta = PageMeta.read(tree) if tree is not None else PageMeta.empty()
    canonical = canonical_url(meta, url)
    max_date = crawled + timedelta(days=1) if crawled is not None else None

    text, method, traf = _main_text(html, canonical, max_date)
    if not text:
        raise ExtractionError(
            label,
            "no article text found in the page (is it an index, a login or a consent page?)",
            reason="no-article",
        )
    outlet = outlet_name(meta, traf)
    published, updated = page_dates(tree, meta, traf, canonical, max_date)
    return HtmlExtraction(
        text=text,
        title=headline(meta, traf, outlet, canonical),
        outlet=outlet,
        authors=authors(meta, traf, outlet),
        published=published,
        updated=updated,
        language=language(text, meta.lang),
        url=canonical,
        paywalled=paywalled(meta, tree, text),
        method=method,
    )


# --- parsing -------------------------------------------------------------------------------------

_TAG = re.compile(r"<[A-Za-z!?/]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# C0 controls other than tab, newline and carriage return mean nothing in HTML, and lxml refuses
# strings that contain them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean_markup(html: str) -> str:
    # lxml refuses str input that carries an XML encoding declaration: the text is decoded already.
    return _CONTROL.sub("", _XML_DECLARATION.sub("", html, count=1))


def _parse(html: str) -> Any:
    import lxml.html
    from lxml import etree

    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        # An empty or markup-free document: treated like a page without metadata.
        return None


# --- main text -----------------------------------------------------------------------------------


def _main_text(
    html: str, url: str | None, max_date: datetime | None
) -> tuple[str, str, Mapping[str, Any]]:
    """Return (text, method, trafilatura's metadata)."""
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - trafilatura is a core dependency
        raise MissingDependencyError(
            "HTML extraction needs trafilatura: pip install trafilatura"
        ) from exc
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            # Only markup-based dates (no free-text search); the result is one candidate among
            # several, see page_dates. trafilatura's "filedate" (today) is never read.
            date_extraction_params=htmldate_params(original_date=True, max_date=max_date),
        )
    except Exception:  # trafilatura raises assorted lxml errors on broken markup
        doc = None
    # bare_extraction returns a Document unless as_dict=True is passed, which it is not.
    data: Mapping[str, Any] = doc.as_dict() if doc is not None and not isinstance(doc, dict) else {}
    traf_text = _paragraphs(data.get("text") or "")
    read_text = _readability_text(html, url)
    # readability keeps a page's whole article container; trafilatura sometimes stops after the
    # first block of a long article. When readability has FALLBACK_RATIO times the words, the
    # short trafilatura text was a truncation (see FALLBACK_RATIO for the measurement).
    if read_text and word_count(read_text) >= FALLBACK_RATIO * max(1, word_count(traf_text)):
        return read_text, "readability", data
    return traf_text, "trafilatura", data


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


def _readability_text(html: str, url: str | None) -> str:
    try:
        import lxml.html
        from lxml import etree
        from readability import Document
    except ImportError as exc:
        raise MissingDependencyError(
            "HTML extraction needs readability-lxml for its fallback: pip install readability-lxml"
        ) from exc
    try:
        summary = Document(html, url=url).summary(html_partial=True)
    except Exception:  # readability raises Unparseable and lxml errors alike
        return ""
    if not summary.strip():
        return ""
    try:
        # document_fromstring, not fragment_fromstring: the latter asserts on a summary that is
        # a whole <html> document without a <body> (found by the property test).
        root = lxml.html.document_fromstring(summary)
    except (ValueError, etree.ParserError):
        return ""
    etree.strip_elements(root, "script", "style", "noscript", with_tail=False)
    etree.strip_tags(root, etree.Comment)
    # Iterative, not recursive: nesting depth is the page's to choose.
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        block = el.tag in _BLOCK_TAGS
        if event == "start":
            parts.append("\n" if block else "")
            parts.append(el.text or "")
        else:
            parts.append("\n" if block else "")
            parts.append(el.tail or "")
    return _paragraphs("".join(parts))


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def _paragraphs(text: str) -> str:
    # The same rule as extract.normalise_paragraphs (one line = one block = one paragraph), kept
    # here so that extract.py can import this module without an import cycle.
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n\n".join(line for line in lines if line)
