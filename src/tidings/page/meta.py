"""Statements an HTML page makes about itself: ``<meta>`` tags, microdata and JSON-LD, read once.

:class:`PageMeta` holds them; the helpers read JSON-LD values the way every field needs them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PageMeta", "fold", "is_article", "ld_text", "ld_types"]


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Statements a page makes about itself, read once from its ``<head>`` and JSON-LD."""

    tags: Mapping[str, tuple[str, ...]]  # meta property / name / itemprop (lowercased) -> values
    article: Mapping[str, Any]  # the JSON-LD object describing the article (or {})
    ld_objects: tuple[Mapping[str, Any], ...]  # every JSON-LD object, flattened
    canonical: str | None
    lang: str | None
    h1: str | None
    head_title: str | None

    @staticmethod
    def empty() -> PageMeta:
        return PageMeta({}, {}, (), None, None, None, None)

    @staticmethod
    def read(tree: Any) -> PageMeta:
        tags: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            key = el.get("property") or el.get("name") or el.get("itemprop")
            value = el.get("content")
            if key and value and value.strip():
                tags.setdefault(key.strip().lower(), []).append(fold(value))
        # Microdata outside <meta>: <time itemprop="datePublished" datetime="...">.
        for el in tree.xpath("//*[@itemprop and not(self::meta)][@datetime or @content]"):
            key = el.get("itemprop").strip().lower()
            value = el.get("datetime") or el.get("content")
            if value and value.strip():
                tags.setdefault(key, []).append(fold(value))
        objects = tuple(_json_ld(tree))
        article = next((o for o in objects if is_article(o)), None)
        if article is None:
            # A WebPage's dates and publisher describe the article on a single-article page.
            article = next((o for o in objects if ld_types(o) & {"WebPage", "ItemPage"}), {})
        canonical = next(
            (
                el.get("href")
                for el in tree.xpath("//link[@href]")
                if "canonical" in (el.get("rel") or "").lower().split()
            ),
            None,
        )
        h1 = next(
            (fold(el.text_content()) for el in tree.iter("h1") if el.text_content().strip()), None
        )
        title_el = tree.find(".//title")
        return PageMeta(
            tags={k: tuple(v) for k, v in tags.items()},
            article=article,
            ld_objects=objects,
            canonical=canonical.strip() if canonical else None,
            lang=(
                tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or None
            ),
            h1=h1,
            head_title=fold(title_el.text_content()) if title_el is not None else None,
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


def ld_types(obj: Mapping[str, Any]) -> set[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    # Types may be written as URLs ("http://schema.org/NewsArticle").
    return {v.rstrip("/").rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def is_article(obj: Mapping[str, Any]) -> bool:
    return any(t.endswith("Article") or t in _ARTICLE_TYPES for t in ld_types(obj))


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


def fold(text: str) -> str:
    return " ".join(text.split())


def ld_text(value: Any) -> str | None:
    """A JSON-LD value as text: a string, or the ``name`` of an object, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and value.strip():
        return fold(value)
    return None
