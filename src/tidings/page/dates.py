"""An HTML page's publication and update dates, from the page alone (never from the clock).

The order of the sources and the rules for zones and placeholders are described in
:mod:`tidings.html`; :func:`page_dates` applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from .meta import PageMeta, fold, ld_text

__all__ = ["MONTHS", "htmldate_params", "page_dates"]

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
MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|" + "|".join(_FOREIGN_MONTHS)
)
_VISIBLE_DATE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    rf"|(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:{MONTHS})\.?,?\s+\d{{4}}"
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


def page_dates(
    tree: Any, meta: PageMeta, traf: Mapping[str, Any], url: str | None, max_date: datetime | None
) -> tuple[datetime | None, datetime | None]:
    article = meta.article
    stamped = (
        ld_text(article.get("datePublished")),
        *(meta.tag(key) for key in _PUBLISHED_TAGS),
        ld_text(article.get("dateModified")),
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
        valid(ld_text(article.get("datePublished"))),
        *(valid(meta.tag(key)) for key in _PUBLISHED_TAGS),
        valid(_time_element(tree, "publish", "posted")) if tree is not None else None,
        valid(label_pub),
    )
    updated = _first(
        valid(ld_text(article.get("dateModified"))),
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
        text = fold(container.text_content()) if container is not None else fold(str(node))
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
    text = fold(value)
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


def htmldate_params(original_date: bool, max_date: datetime | None) -> dict[str, Any]:
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
        result: str | None = find_date(tree, url=url, **htmldate_params(original_date, max_date))
    except Exception:  # htmldate's parsers raise assorted errors on odd markup
        return None
    return result
