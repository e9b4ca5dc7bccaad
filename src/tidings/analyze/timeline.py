"""The timeline: dated events of the story, each citing the sentence that states it.

Backend ``timex-rules.v1``:

* Every sentence is tagged by :func:`tidings.analyze.timex.tag` with the article's own
  publication date (``Article.published``) as the anchor; a crawl time is never used, so
  without a publication date relative expressions ("last month", "on Wednesday", "February 2")
  stay undated: the event is kept with its expression and ``date=None``.
* One event per (sentence, expression). Expressions that do not date an event are skipped:
  durations ("six months", but a deadline such as "within 60 days" is kept), "now"/"recently",
  and a year used as a modifier of a noun ("the 1987 treaty", "the 1967 Outer Space Treaty"),
  which dates the thing named, not the sentence's event. So are crawl stamps, fragments of
  fewer than four words, and "Published:/Updated:" furniture.
* The same event reported by several articles becomes one event with several citations: the
  same date (or, when both are undated, the same expression) and at least two shared content
  words within twelve words of the expression ("signed", "treaty").
* Events are sorted by the start of their period (a year before its months, a month before its
  days), undated events last in reading order.

Cost: linear in the text, plus a comparison of the events that share a date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..records import Article, Citation, Sentence, TimelineEvent
from ..registry import Registry
from ._topics import topic_stems
from .timex import TIMEX_NAME, Timex, tag

__all__ = ["TIMELINE_BUILDERS", "TIMELINE_NAME", "build_timeline", "period_start"]

TIMELINE_NAME = TIMEX_NAME

_MIN_WORDS = 4
_WINDOW_WORDS = 12
_SHARED_TO_MERGE = 2
_FURNITURE = re.compile(
    r"^\s*(?:published|updated|posted|last updated|first published)\b", re.IGNORECASE
)
_SEASON_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}


@dataclass(frozen=True, slots=True)
class _Event:
    order: int
    article_id: str
    sentence: Sentence
    timex: Timex
    stems: frozenset[str]


def build_timeline(
    articles: Sequence[Article], sentences: Mapping[str, Sequence[Sentence]]
) -> tuple[TimelineEvent, ...]:
    """The ``timex-rules.v1`` backend: dated, cited, merged and sorted events.

    Args:
        articles: the story's articles; each one's ``published`` anchors its relative dates.
        sentences: each article's sentences (an article without any gives no events).

    Returns:
        The timeline, earliest first, undated events last.
    """
    events: list[_Event] = []
    for article in articles:
        anchor = article.published.date() if article.published else None
        for sentence in sentences.get(article.id, ()):
            if len(sentence.text.split()) < _MIN_WORDS or _FURNITURE.match(sentence.text):
                continue
            for timex in tag(article.text, anchor, sentence.start, sentence.end):
                if timex.datable and not _modifier_year(article.text, timex, sentence):
                    events.append(
                        _Event(
                            len(events),
                            article.id,
                            sentence,
                            timex,
                            _window_stems(article.text, timex, sentence),
                        )
                    )
    groups = _merge(events)
    out = [
        TimelineEvent(
            date=g[0].timex.date,
            expression=g[0].timex.text,
            text=g[0].sentence.text,
            citations=tuple(
                dict.fromkeys(Citation(e.article_id, e.sentence.start, e.sentence.end) for e in g)
            ),
        )
        for g in groups
    ]
    keyed = sorted(
        zip(out, groups, strict=True), key=lambda pair: _sort_key(pair[0].date, pair[1][0].order)
    )
    return tuple(event for event, _ in keyed)


def period_start(value: str) -> tuple[date, int] | None:
    """The first day of the period a timeline date names, and its granularity (0 = coarsest).

    Args:
        value: ``"19"`` (century), ``"198"`` (decade), ``"1987"``, ``"1998-Q3"``, ``"1998-SU"``,
            ``"1998-H1"``, ``"1998-02"``, ``"1998-W08"`` or ``"1998-02-13"``.

    Returns:
        ``(first day, granularity)``, or ``None`` for a value that names no calendar period.
    """
    try:
        if re.fullmatch(r"\d{2}", value):
            return date(int(value) * 100 or 1, 1, 1), 0
        if re.fullmatch(r"\d{3}", value):
            return date(int(value) * 10 or 1, 1, 1), 1
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 1, 1), 2
        m = re.fullmatch(r"(\d{4})-(Q|H)(\d)", value)
        if m:
            months = 3 if m.group(2) == "Q" else 6
            return date(int(m.group(1)), (int(m.group(3)) - 1) * months + 1, 1), 3
        m = re.fullmatch(r"(\d{4})-(SP|SU|FA|WI)", value)
        if m:
            return date(int(m.group(1)), _SEASON_MONTH[m.group(2)], 1), 3
        m = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if m:
            return date(int(m.group(1)), int(m.group(2)), 1), 4
        m = re.fullmatch(r"(\d{4})-W(\d{2})", value)
        if m:
            return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1), 5
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), 6
    except ValueError:
        return None
    return None


TIMELINE_BUILDERS: Registry[Callable[..., tuple[TimelineEvent, ...]]] = Registry("timeline builder")
TIMELINE_BUILDERS.register(TIMELINE_NAME)(build_timeline)


def _modifier_year(text: str, timex: Timex, sentence: Sentence) -> bool:
    """True for a bare year written before a noun it modifies: "the 1987 treaty"."""
    if not re.fullmatch(r"\d{4}", timex.text):
        return False
    before = text[max(sentence.start, timex.start - 12) : timex.start].rstrip().lower()
    after = text[timex.end : min(sentence.end, timex.end + 30)]
    follows_word = bool(re.match(r"\s+[A-Za-z]", after)) and not re.match(
        r"\s+(?:and|or|to|when|after|before|until|by|in|on|at|as|with|but|the|that|which|who)\b",
        after,
    )
    return follows_word and bool(re.search(r"(?:\bthe|\ba|\ban|\bits|\btheir|['’]s)$", before))


def _window_stems(text: str, timex: Timex, sentence: Sentence) -> frozenset[str]:
    left = text[sentence.start : timex.start].split()[-_WINDOW_WORDS:]
    right = text[timex.end : sentence.end].split()[:_WINDOW_WORDS]
    return topic_stems(" ".join(left + right))


def _merge(events: list[_Event]) -> list[list[_Event]]:
    groups: list[list[_Event]] = []
    for event in events:
        for group in groups:
            head = group[0]
            same_date = event.timex.date is not None and event.timex.date == head.timex.date
            same_expression = (
                event.timex.date is None
                and head.timex.date is None
                and event.timex.text.lower() == head.timex.text.lower()
            )
            if (same_date or same_expression) and any(
                len(event.stems & member.stems) >= _SHARED_TO_MERGE for member in group
            ):
                if all(m.sentence != event.sentence for m in group):
                    group.append(event)
                break
        else:
            groups.append([event])
    return groups


def _sort_key(value: str | None, order: int) -> tuple[int, date, int, int]:
    start = period_start(value) if value else None
    if start is None:
        return (1, date.min, 0, order)
    return (0, start[0], start[1], order)
