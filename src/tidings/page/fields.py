"""An HTML page's title, outlet, authors, canonical URL, language and paywall status."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..textutil import word_count
from .dates import MONTHS
from .meta import PageMeta, fold, is_article, ld_text, ld_types

__all__ = [
    "TEASER_MAX_WORDS",
    "authors",
    "canonical_url",
    "headline",
    "language",
    "outlet_name",
    "paywalled",
]

#: A page with paywall markers whose extracted text is shorter than this is flagged as a teaser.
TEASER_MAX_WORDS = 150


def canonical_url(meta: PageMeta, url: str | None) -> str | None:
    for candidate in (meta.canonical, meta.tag("og:url")):
        if not candidate:
            continue
        absolute = urljoin(url, candidate) if url else candidate
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).netloc:
            return absolute
    return url


def outlet_name(meta: PageMeta, traf: Mapping[str, Any]) -> str | None:
    publisher = meta.article.get("publisher")
    candidates = (
        meta.tag("og:site_name"),
        ld_text(publisher),
        meta.tag("application-name"),
        ld_text(
            next(
                (
                    o
                    for o in meta.ld_objects
                    if ld_types(o) & {"NewsMediaOrganization", "Organization"}
                ),
                None,
            )
        ),
        traf.get("sitename"),
    )
    for value in candidates:
        if isinstance(value, str) and value.strip():
            value = fold(value)
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


def headline(
    meta: PageMeta, traf: Mapping[str, Any], outlet: str | None, url: str | None
) -> str | None:
    candidates = (
        meta.tag("og:title", "twitter:title"),
        ld_text(meta.article.get("headline")),
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
            fold(c)
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


def authors(meta: PageMeta, traf: Mapping[str, Any], outlet: str | None) -> tuple[str, ...]:
    names: list[str] = []
    ld_author = meta.article.get("author")
    for item in ld_author if isinstance(ld_author, list) else [ld_author]:
        names.extend(_split_names(ld_text(item)))
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
    rf"(?:\s+(?:published|updated|posted|on|{MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b\.?)+$",
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
    names = (_BYLINE_TAIL.sub("", _BYLINE_PREFIX.sub("", fold(p))).strip(" ,") for p in parts)
    return [
        n
        for n in names
        if n and not n.isdigit() and not re.fullmatch(rf"(?i)(?:{MONTHS}|\d|\W)+", n)
    ]


def language(text: str, html_lang: str | None) -> str | None:
    from ..langid import identify

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


def paywalled(meta: PageMeta, tree: Any, text: str) -> bool:
    for obj in meta.ld_objects:
        if obj is meta.article or is_article(obj) or ld_types(obj) & {"WebPage", "WebPageElement"}:
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
    return bool(body is not None and _PAYWALL_TEXT.search(fold(body.text_content())[:200_000]))
