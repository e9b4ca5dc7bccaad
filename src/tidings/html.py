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

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import ExtractionError, MissingDependencyError
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

#: A page with paywall markers whose extracted text is shorter than this is flagged as a teaser.
TEASER_MAX_WORDS = 150


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
    meta = _PageMeta.read(tree) if tree is not None else _PageMeta.empty()
    canonical = _canonical_url(meta, url)
    max_date = crawled + timedelta(days=1) if crawled is not None else None

    text, method, traf = _main_text(html, canonical, max_date)
    if not text:
        raise ExtractionError(
            label,
            "no article text found in the page (is it an index, a login or a consent page?)",
            reason="no-article",
        )
    outlet = _outlet(meta, traf)
    published, updated = _dates(tree, meta, traf, canonical, max_date)
    return HtmlExtraction(
        text=text,
        title=_title(meta, traf, outlet, canonical),
        outlet=outlet,
        authors=_authors(meta, traf, outlet),
        published=published,
        updated=updated,
        language=_language(text, meta.lang),
        url=canonical,
        paywalled=_paywalled(meta, tree, text),
        method=method,
    )


# --- charset -------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x"> and the XML
# declaration's encoding="x". Browsers look at the first 1024 bytes; real pages put the tag after
# long comment or script blocks, so a larger prefix is scanned.
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 65536
# WHATWG Encoding: these labels mean windows-1252 on the web (pages labelled latin-1 use its
# 0x80-0x9f punctuation); GB2312 and GBK are decoded as their superset GB18030.
_ALIASES = {
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}


def decode_html(content: bytes, *, charset: str | None = None) -> str:
    """Decode an HTML page's bytes to text.

    Order: a byte-order mark; UTF-8 when the bytes are valid UTF-8 (whatever is declared); the
    page's ``<meta>`` / XML declaration; the HTTP header's ``charset``; charset_normalizer's
    guess; windows-1252, which decodes any byte sequence. A declared charset is used only if the
    bytes decode in it without error.

    Args:
        content: the raw page.
        charset: the HTTP ``Content-Type`` charset, if any (may be wrong).

    Returns:
        The decoded text (never raises on undecodable bytes: the last resort replaces them).
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, "replace")
    try:
        # Valid UTF-8 is taken before any declaration: see the module docstring.
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = [m.group(1) or m.group(2) for m in _DECLARED.finditer(content[:_PRESCAN_BYTES])]
    labels: list[str | None] = [*(d.decode("ascii") for d in declared), charset]
    for label in labels:
        codec = _codec(label)
        # UTF-8 already failed above; a UTF-16 label inside an ASCII-compatible page is a lie.
        if codec is None or codec.startswith(("utf-8", "utf-16", "utf-32")):
            continue
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(content[:200_000]).best()
    except ImportError:  # pragma: no cover - charset_normalizer comes with trafilatura
        best = None
    guessed = _codec(best.encoding) if best is not None else None
    return content.decode(guessed or "cp1252", "replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


# --- parsing and page metadata -------------------------------------------------------------------

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


@dataclass(frozen=True, slots=True)
class _PageMeta:
    """Statements a page makes about itself, read once from its ``<head>`` and JSON-LD."""

    tags: Mapping[str, tuple[str, ...]]  # meta property / name / itemprop (lowercased) -> values
    article: Mapping[str, Any]  # the JSON-LD object describing the article (or {})
    ld_objects: tuple[Mapping[str, Any], ...]  # every JSON-LD object, flattened
    canonical: str | None
    lang: str | None
    h1: str | None
    head_title: str | None

    @staticmethod
    def empty() -> _PageMeta:
        return _PageMeta({}, {}, (), None, None, None, None)

    @staticmethod
    def read(tree: Any) -> _PageMeta:
        tags: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            key = el.get("property") or el.get("name") or el.get("itemprop")
            value = el.get("content")
            if key and value and value.strip():
                tags.setdefault(key.strip().lower(), []).append(_fold(value))
        # Microdata outside <meta>: <time itemprop="datePublished" datetime="...">.
        for el in tree.xpath("//*[@itemprop and not(self::meta)][@datetime or @content]"):
            key = el.get("itemprop").strip().lower()
            value = el.get("datetime") or el.get("content")
            if value and value.strip():
                tags.setdefault(key, []).append(_fold(value))
        objects = tuple(_json_ld(tree))
        article = next((o for o in objects if _is_article(o)), None)
        if article is None:
            # A WebPage's dates and publisher describe the article on a single-article page.
            article = next((o for o in objects if _types(o) & {"WebPage", "ItemPage"}), {})
        canonical = next(
            (
                el.get("href")
                for el in tree.xpath("//link[@href]")
                if "canonical" in (el.get("rel") or "").lower().split()
            ),
            None,
        )
        h1 = next(
            (_fold(el.text_content()) for el in tree.iter("h1") if el.text_content().strip()), None
        )
        title_el = tree.find(".//title")
        return _PageMeta(
            tags={k: tuple(v) for k, v in tags.items()},
            article=article,
            ld_objects=objects,
            canonical=canonical.strip() if canonical else None,
            lang=(
                tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or None
            ),
            h1=h1,
            head_title=_fold(title_el.text_content()) if title_el is not None else None,
        )

    def tag(self, *keys: str) -> str | None:
        """The first value of the first of ``keys`` the page has."""
        for key in keys:
            values = self.tags.get(key)
            if values:
                return values[0]
        return None


_ARTICLE_TYPES = frozenset(
    {"BlogPosting", "LiveBlogPosting", "Report", "SocialMediaPosting", "DiscussionForumPosting"}
)


def _types(obj: Mapping[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    # Types may be written as URLs ("http://schema.org/NewsArticle").
    return {v.rstrip("/").rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _is_article(obj: Mapping[str, Any]) -> bool:
    return any(t.endswith("Article") or t in _ARTICLE_TYPES for t in _types(obj))


def _json_ld(tree: Any) -> Iterator[Mapping[str, Any]]:
    """Every JSON-LD object of the page, breadth first, so the page's own article comes before
    articles nested in it (related links, ``hasPart``)."""
    queue: list[Any] = []
    for script in tree.xpath('//script[contains(translate(@type, "JSONLD", "jsonld"), "ld+json")]'):
        data = _load_json(script.text_content())
        if data is not None:
            queue.append(data)
    seen = 0
    while queue and seen < 500:  # bounded: a hostile page must not make this quadratic
        item = queue.pop(0)
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            seen += 1
            yield item
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart"):
                value = item.get(key)
                if isinstance(value, (dict, list)):
                    queue.append(value)


def _load_json(text: str) -> Any:
    text = text.strip()
    for candidate in (
        text,
        re.sub(r"^\s*(?://)?\s*<!\[CDATA\[|\]\]>\s*$|<!--|-->", "", text).strip(),
    ):
        try:
            return json.loads(candidate, strict=False)  # strict=False: raw newlines in strings
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            continue
    return None


def _fold(text: str) -> str:
    return " ".join(text.split())


def _ld_text(value: Any) -> str | None:
    """A JSON-LD value as text: a string, or the ``name`` of an object, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and value.strip():
        return _fold(value)
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
            # several, see _dates. trafilatura's "filedate" (today) is never read.
            date_extraction_params=_htmldate_params(original_date=True, max_date=max_date),
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


# --- dates ---------------------------------------------------------------------------------------

_PUBLISHED_TAGS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dcterms.issued",
    "dc.date.issued",
    "dcterms.created",
    "dc.date.created",
    "datecreated",
)
_UPDATED_TAGS = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "datemodified",
    "article.updated",
    "dcterms.modified",
    "dc.date.modified",
    "lastmod",
)
# Visible labels: "Published: March 3, 2021", "Last updated 3 March 2021 10:05 GMT", "Aktualisiert
# am 03.03.2021". The date itself is parsed by _parse_when.
_LABEL = re.compile(
    r"\b(?:(?P<pub>published|posted|first published|publication date"
    r"|veröffentlicht|publiziert|publié)"
    r"|(?P<upd>updated|last updated|last modified|modified|aktualisiert|mis à jour))"
    r"(?:\s+(?:on|am|le|at))?\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
# German and French month names are translated before parsing (the labels above cover them).
_FOREIGN_MONTHS = {
    "januar": "january", "jänner": "january", "februar": "february", "märz": "march", "mai": "may",
    "juni": "june", "juli": "july", "oktober": "october", "dezember": "december",
    "janvier": "january", "février": "february", "mars": "march", "avril": "april", "juin": "june",
    "juillet": "july", "août": "august", "septembre": "september", "octobre": "october",
    "novembre": "november", "décembre": "december",
}  # fmt: skip
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|" + "|".join(_FOREIGN_MONTHS)
)
_VISIBLE_DATE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    r"|\d{1,2}\.\d{1,2}\.\d{4})"
    r"(?:,?\s*(?:at\s+|um\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*uhr)?)?"
    # A zone written after the time; case-sensitive, so that a following word is not taken for one.
    r"(?:\s*\(?(?-i:[A-Z]{2,5})\)?(?!\w)|\s*[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
# Zone abbreviations with one meaning in news bylines. Ambiguous ones are refused, not guessed:
# IST is India, Israel or Ireland; AST Atlantic or Arabia. CST is US Central here (not China).
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11,
    "NZST": 12, "NZDT": 13, "ET": -5, "EST": -5, "EDT": -4, "CT": -6, "CST": -6, "CDT": -5,
    "MT": -7, "MST": -7, "MDT": -6, "PT": -8, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8,
    "HST": -10,
}  # fmt: skip
_TZINFOS = {name: hours * 3600 for name, hours in _ZONES.items()}
_DATE_WORDS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat",
        "sun", "am", "pm", "t", "st", "nd", "rd", "th",
    }
)  # fmt: skip
_EPOCH_DAY = datetime(1970, 1, 1, tzinfo=UTC)


def _dates(
    tree: Any, meta: _PageMeta, traf: Mapping[str, Any], url: str | None, max_date: datetime | None
) -> tuple[datetime | None, datetime | None]:
    article = meta.article
    stamped = (
        _ld_text(article.get("datePublished")),
        *(meta.tag(key) for key in _PUBLISHED_TAGS),
        _ld_text(article.get("dateModified")),
        *(meta.tag(key) for key in _UPDATED_TAGS),
    )
    zone = _page_zone(stamped)

    def valid(value: str | None) -> datetime | None:
        parsed = _parse_when(value, zone) if value else None
        if parsed is None:
            return None
        # 1970-01-01 is the Unix-epoch placeholder CMSs emit for a missing date; years before 1800
        # are "0001-01-01"-style placeholders. Digitised archives do carry genuine old dates.
        if parsed.year < 1800 or _EPOCH_DAY <= parsed < _EPOCH_DAY + timedelta(days=1):
            return None
        if max_date is not None and parsed > max_date:
            return None
        return parsed

    label_pub, label_upd = _visible_dates(tree) if tree is not None else (None, None)
    published = _first(
        valid(_ld_text(article.get("datePublished"))),
        *(valid(meta.tag(key)) for key in _PUBLISHED_TAGS),
        valid(_time_element(tree, "publish", "posted")) if tree is not None else None,
        valid(label_pub),
    )
    updated = _first(
        valid(_ld_text(article.get("dateModified"))),
        *(valid(meta.tag(key)) for key in _UPDATED_TAGS),
        valid(_time_element(tree, "update", "modified")) if tree is not None else None,
        valid(label_upd),
    )
    if published is None:
        original = valid(traf.get("date"))
        # The page marks no publication date. htmldate then often returns the update date itself
        # ("Updated: ...", <time class="updated">): on the update's day it is no evidence of
        # when the article first came out, and no publication date is invented.
        if original is not None and not (updated is not None and original.date() == updated.date()):
            published = original
    if tree is not None and published is not None and updated is None:
        # htmldate's latest date counts as an update only on a later day: it is date-only, and
        # the same day is the publication itself.
        latest = valid(_htmldate(tree, url, original_date=False, max_date=max_date))
        if latest is not None and latest.date() > published.date():
            updated = latest
    if updated is not None and published is not None and updated <= published:
        updated = None
    return published, updated


def _page_zone(stamps: Iterable[str | None]) -> tzinfo:
    """The zone a page writes its own timestamps in: the first non-UTC offset among its
    zone-marked metadata dates, else UTC. Printed times ("Published 1:38 pm") are local."""
    for stamp in stamps:
        parsed = _parse_when(stamp, None) if stamp else None
        if parsed is not None and parsed.tzinfo is not None and parsed.utcoffset():
            return parsed.tzinfo
    return UTC


def _first(*values: datetime | None) -> datetime | None:
    return next((v for v in values if v is not None), None)


def _time_element(tree: Any, *words: str) -> str | None:
    """``<time datetime>`` marked as a publication (or update) time by ``pubdate`` or its class."""
    for el in tree.iter("time"):
        value = el.get("datetime")
        if not value:
            continue
        marks = " ".join(
            filter(
                None,
                (
                    el.get("class"),
                    el.get("id"),
                    el.getparent().get("class") if el.getparent() is not None else None,
                ),
            )
        ).lower()
        if ("publish" in words and el.get("pubdate") is not None) or any(w in marks for w in words):
            return str(value)
    return None


def _visible_dates(tree: Any) -> tuple[str | None, str | None]:
    """Dates printed next to a "Published" / "Updated" label in the page body, as written."""
    published = updated = None
    seen = 0
    for node in tree.xpath("//body//text()[normalize-space()]"):
        # A tail text ("<b>x</b> Updated: ...") belongs to its element's parent, and that element
        # may be a comment.
        parent = node.getparent()
        if parent is not None and node.is_tail:
            parent = parent.getparent()
        if parent is None or not isinstance(parent.tag, str) or len(node) > 200:
            continue
        if parent.tag in ("script", "style", "noscript", "title") or not _LABEL.search(node):
            continue
        seen += 1
        if seen > 50:  # bounded: a label word repeated all over a page is not a dateline
            break
        # The date may sit in a child element ("Updated: <time>...</time>") or a <time datetime>.
        container = parent if len(parent.text_content()) < 200 else None
        text = _fold(container.text_content()) if container is not None else _fold(str(node))
        stamps = container.xpath(".//time[@datetime]") if container is not None else []
        for label in _LABEL.finditer(text):
            match = _VISIBLE_DATE.match(text, label.end())
            # The printed date first; a lone <time datetime> when the print is "2 hours ago".
            when = match.group(0) if match else None
            if when is None and len(stamps) == 1:
                when = stamps[0].get("datetime")
            if when is None or _parse_when(when) is None:
                continue
            if label.group("pub") and published is None:
                published = when
            elif label.group("upd") and updated is None:
                updated = when
        if published is not None and updated is not None:
            break
    return published, updated


# The email parser is lenient: it reads "Nov 20, 2019 01:38 PM IST" as 01:38 UTC. Only strict
# RFC 2822 shapes ("Tue, 19 Nov 2019 10:00:00 GMT") go to it.
_RFC2822 = re.compile(
    r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|[A-Z]{2,4})$"
)


def _parse_when(value: str, zone: tzinfo | None = UTC) -> datetime | None:
    """A date as pages write it (ISO 8601, RFC 2822, "Nov. 19, 2019 at 10:05 a.m. ET",
    "19.11.2019 10:05 Uhr"), or None. A value without a zone gets ``zone`` (naive if None)."""
    text = _fold(value)
    if not text or len(text) > 100:
        return None
    parsed: datetime | None = None
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None and _RFC2822.match(text):
        from email.utils import parsedate_to_datetime

        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        parsed = _parse_loose(text)
    if parsed is None or parsed.tzinfo is not None or zone is None:
        return parsed
    return parsed.replace(tzinfo=zone)


def _parse_loose(text: str) -> datetime | None:
    from dateutil import parser as du_parser

    cleaned = re.sub(r"(?i)\b([ap])\.m\.?", r"\1m", text)
    cleaned = re.sub(
        r"[^\W\d_]+", lambda m: _FOREIGN_MONTHS.get(m.group(0).casefold(), m.group(0)), cleaned
    )
    cleaned = re.sub(r"(?i)\b(?:at|um|uhr)\b|,", " ", cleaned)
    # Every word must be a month, a weekday, am/pm or a known zone: an unknown zone would be
    # silently dropped by the parser (a wrong time), and other words mean this is prose.
    for word in re.findall(r"[^\W\d_]+", cleaned):
        if word.casefold() not in _DATE_WORDS and word not in _ZONES:
            return None
    dayfirst = bool(re.match(r"\d{1,2}\.\d{1,2}\.\d{4}", cleaned))
    try:
        # Two defaults: a value that depends on them is a partial date ("November 2019"), and a
        # day is not invented for it.
        a = du_parser.parse(
            cleaned, dayfirst=dayfirst, tzinfos=_TZINFOS, default=datetime(1900, 1, 1)
        )
        b = du_parser.parse(
            cleaned, dayfirst=dayfirst, tzinfos=_TZINFOS, default=datetime(1904, 2, 2)
        )
    except (ValueError, OverflowError):
        return None
    return a if a == b else None


def _htmldate_params(original_date: bool, max_date: datetime | None) -> dict[str, Any]:
    # extensive_search=False: the free-text search invents January 1st from a copyright year and
    # the 1st of the month from "11/2019". Without max_date htmldate bounds dates by today.
    params: dict[str, Any] = {"extensive_search": False, "original_date": original_date}
    if max_date is not None:
        params["max_date"] = max_date.strftime("%Y-%m-%d")
    return params


def _htmldate(
    tree: Any, url: str | None, *, original_date: bool, max_date: datetime | None
) -> str | None:
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - htmldate comes with trafilatura
        return None
    try:
        result: str | None = find_date(tree, url=url, **_htmldate_params(original_date, max_date))
    except Exception:  # htmldate's parsers raise assorted errors on odd markup
        return None
    return result


# --- title, outlet, authors, url, language, paywall ----------------------------------------------


def _canonical_url(meta: _PageMeta, url: str | None) -> str | None:
    for candidate in (meta.canonical, meta.tag("og:url")):
        if not candidate:
            continue
        absolute = urljoin(url, candidate) if url else candidate
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).netloc:
            return absolute
    return url


def _outlet(meta: _PageMeta, traf: Mapping[str, Any]) -> str | None:
    publisher = meta.article.get("publisher")
    candidates = (
        meta.tag("og:site_name"),
        _ld_text(publisher),
        meta.tag("application-name"),
        _ld_text(
            next(
                (
                    o
                    for o in meta.ld_objects
                    if _types(o) & {"NewsMediaOrganization", "Organization"}
                ),
                None,
            )
        ),
        traf.get("sitename"),
    )
    for value in candidates:
        if isinstance(value, str) and value.strip():
            value = _fold(value)
            # trafilatura falls back to the host name ("nytimes.com"), and some pages put their URL
            # in og:site_name: a domain is not a name, and the caller decides whether to use it.
            if "://" in value or re.fullmatch(r"(?:www\.)?[\w-]+(?:\.[\w-]+)+", value):
                continue
            # A footer's "Copyright 2014" is not a name; "@politifact" is a Twitter handle.
            if re.match(r"(?i)(?:copyright|©)", value):
                continue
            return value.lstrip("@") or None
    return None


_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—·•»]\s+|\s*::?\s+")


def _title(
    meta: _PageMeta, traf: Mapping[str, Any], outlet: str | None, url: str | None
) -> str | None:
    candidates = (
        meta.tag("og:title", "twitter:title"),
        _ld_text(meta.article.get("headline")),
        meta.h1,
        meta.head_title,
        traf.get("title"),
    )
    names = {_name_key(outlet)} if outlet else set()
    host = urlsplit(url).hostname if url else None
    if host:
        labels = host.removeprefix("www.").split(".")
        names.add(_name_key(labels[0]))
        names.add(_name_key(".".join(labels)))
    names.discard("")
    # Some sites put their own name in og:title on every page: that is not this page's headline.
    title = next(
        (
            _fold(c)
            for c in candidates
            if isinstance(c, str) and c.strip() and _name_key(c) not in names
        ),
        None,
    )
    if title is None:
        return None
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and _name_key(parts[-1]) in names:
        title = title[: title.rfind(parts[-1])].rstrip(" |-–—:·•»")
    elif len(parts) > 1 and _name_key(parts[0]) in names:
        title = title[len(parts[0]) :].lstrip(" |-–—:·•»")
    return title.strip() or None


def _name_key(name: str | None) -> str:
    key = re.sub(r"[\W_]+", "", (name or "").casefold())
    return key.removeprefix("the") if len(key) > 6 else key


def _authors(meta: _PageMeta, traf: Mapping[str, Any], outlet: str | None) -> tuple[str, ...]:
    names: list[str] = []
    ld_author = meta.article.get("author")
    for item in ld_author if isinstance(ld_author, list) else [ld_author]:
        names.extend(_split_names(_ld_text(item)))
    if not names:
        names.extend(
            _split_names(meta.tag("author", "article:author", "parsely-author", "sailthru.author"))
        )
    if not names:
        names.extend(_split_names(traf.get("author")))
    out: list[str] = []
    outlet_key = _name_key(outlet)
    for name in names:
        # Profile URLs, the outlet itself and job titles ("AP Sports Writer") are not bylines.
        if name.startswith(("http://", "https://", "/")) or (
            outlet_key and _name_key(name) == outlet_key
        ):
            continue
        if _JOB_TITLE.search(name) or name in out:
            continue
        out.append(name)
    return tuple(out)


_BYLINE_PREFIX = re.compile(
    r"^(?:(?:analysis|commentary|opinion|text|story|words)\s+)?by\s+|^текст\s+", re.I
)
# Bylines scraped from page text run into the dateline: "Jeff Foust Monday, November 18, 2019".
_BYLINE_TAIL = re.compile(
    rf"(?:\s+(?:published|updated|posted|on|{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b\.?)+$",
    re.I,
)
_JOB_TITLE = re.compile(
    r"\b(?:writer|editor(?:-at-large)?|correspondent|reporter|columnist)$", re.I
)


def _split_names(value: object) -> Iterable[str]:
    if not isinstance(value, str):
        return ()
    parts = re.split(
        r"\s*;\s*|\s*\|\s*|\s+and\s+|\s*&\s*|,\s*(?=[A-Z][\w.'-]+\s+[A-Z])|,\s*(?=\d|[A-Z][a-z]+day\b)",
        value,
    )
    names = (_BYLINE_TAIL.sub("", _BYLINE_PREFIX.sub("", _fold(p))).strip(" ,") for p in parts)
    return [
        n
        for n in names
        if n and not n.isdigit() and not re.fullmatch(rf"(?i)(?:{_MONTHS}|\d|\W)+", n)
    ]


def _language(text: str, html_lang: str | None) -> str | None:
    from .langid import identify

    code, _confidence = identify(text)
    if code is not None:
        return code
    # <html lang> is a template setting, often left at "en" on translated pages: it is only a
    # hint, used when the text itself is too short to tell.
    primary = (html_lang or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if re.fullmatch(r"[a-z]{2}", primary) else None


_PAYWALL_MARKUP = re.compile(
    r"paywall|regwall|piano-(?:offer|inline|container)|subscriber-only|meteredcontent", re.I
)
_PAYWALL_TEXT = re.compile(
    r"subscribe (?:now )?to (?:continue|keep) reading"
    r"|to (?:continue|keep) reading,? (?:please )?(?:subscribe|sign in|log in)"
    r"|(?:already|existing) (?:a )?subscriber\??\s*(?:sign|log) in"
    r"|(?:this|the) (?:article|story|content) is (?:only )?(?:available|reserved|exclusive) "
    r"(?:only )?(?:to|for) (?:subscribers|members)"
    r"|subscribers? only|nur für abonnenten|réservé aux abonnés",
    re.I,
)


def _paywalled(meta: _PageMeta, tree: Any, text: str) -> bool:
    for obj in meta.ld_objects:
        if obj is meta.article or _is_article(obj) or _types(obj) & {"WebPage", "WebPageElement"}:
            free = obj.get("isAccessibleForFree")
            if free is False or (isinstance(free, str) and free.strip().lower() == "false"):
                return True
    if (meta.tag("article:content_tier") or "").lower() == "locked":
        return True
    if tree is None or word_count(text) >= TEASER_MAX_WORDS:
        return False
    markup = any(
        _PAYWALL_MARKUP.search(f"{el.get('class') or ''} {el.get('id') or ''}")
        for el in tree.xpath("//body//*[@class or @id]")
    )
    if markup:
        return True
    body = tree.find("body")
    return bool(body is not None and _PAYWALL_TEXT.search(_fold(body.text_content())[:200_000]))
