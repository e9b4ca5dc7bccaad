"""Dates in a plain-text capture: the site's clock, publication statements and wire datelines.

A bare clock-and-date line with a time zone is the site's clock at capture time
(:func:`crawl_stamp`); only an explicit statement gives a publication date (:func:`publication`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["crawl_stamp", "dateline_outlet", "is_date_line", "publication"]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_RES = [
    re.compile(
        rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH},?\s*(?P<year>(?:19|"
        rf"20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"{_MONTH}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<year>(?:19|20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)[-/.](?P<num>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<day>\d{1,2})\.(?P<num>\d{1,2})\.(?P<year>(?:19|20)\d\d)(?!\d)"),
    re.compile(r"(?<!\d)(?P<num>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d\d)(?!\d)"),
]
_MONTH_RE = re.compile(_MONTH, re.IGNORECASE)
_TIME_RE = re.compile(
    r"(?<![\d:])(?P<h>[01]?\d|"
    r"2[0-3])[:.h](?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
    r"(?:\s*\(?(?P<tz>gmt|utc|z|[ecmp][sd]t|[ecmp]t|bst|cet|cest|eet|eest|msk|jst|aest|aedt|"
    r"ist)\)?(?![a-z]))?"
    r"(?:\s*(?P<off>[+-]\d{1,2}(?::?\d\d)?))?",
    re.IGNORECASE,
)
# Zone abbreviations news sites print, in hours from UTC. "GMT04 March" is a zone glued to a day.
_TZ_HOURS = {
    "gmt": 0, "utc": 0, "z": 0, "est": -5, "edt": -4, "et": -5, "cst": -6, "cdt": -5, "ct": -6,
    "mst": -7, "mdt": -6, "mt": -7, "pst": -8, "pdt": -7, "pt": -8, "bst": 1, "cet": 1, "cest": 2,
    "eet": 2, "eest": 3, "msk": 3, "jst": 9, "aest": 10, "aedt": 11, "ist": 5.5,
}  # fmt: skip
# Every date, clock or "3 hours ago" has one of these; one search spares the full parse.
_DATEISH = re.compile(r"\d[:./-]\d|(?:19|20)\d\d|\d\s*\w+\s+ago\b", re.IGNORECASE)
_AGO_RE = re.compile(
    r"\b\d+\s*(?:min|minutes?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b", re.IGNORECASE
)
# Words that may stand around a date in a bare date line ("Updated 1:39 am EST, Wednesday, ...").
_DATE_FILLER = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:at|on|the|of|am|pm|a\.m\.|p\.m\.|gmt|utc|"
    r"[ecmp][sd]?t|bst|ist|msk|cet|cest"
    r"|updated|published|posted|modified|last|first|date|time|today|yesterday|ago|just now|now|min|"
    r"mins|minutes?|hours?|hrs?"
    r"|days?|weeks?|months?|years?|read|reading|sec|seconds?)\b|[\d\W_]+",
    re.IGNORECASE,
)
_PUBLISHED_RE = re.compile(
    r"(?:first\s+)?(?:published|posted|publication date|date published|released)\b\s*(?:on|at|"
    r":)?\s*(?P<rest>.*)",
    re.IGNORECASE,
)
_UPDATED_RE = re.compile(r"\b(?:updated|modified|last updated)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Stamp:
    when: datetime
    has_time: bool
    has_zone: bool


def _find_stamp(text: str) -> _Stamp | None:
    """The first valid date in ``text``, with the clock time next to it if there is one."""
    found = [m for m in (rx.search(text) for rx in _DATE_RES) if m]
    if not found:
        return None
    m = min(found, key=lambda x: x.start())
    groups = m.groupdict()
    try:
        year, day = int(groups["year"]), int(groups["day"])
        if groups.get("mon"):
            month = _MONTHS[groups["mon"][:3].lower()]
        else:
            month = int(groups["num"])
            if month > 12 >= day:  # a day-first slash date such as 25/12/2019
                month, day = day, month
        date = datetime(year, month, day)
    except (ValueError, KeyError):
        return None
    hour = minute = second = 0
    zone: timezone | None = None
    has_time = False
    for t in _TIME_RE.finditer(text):
        if m.start() < t.end() and t.start() < m.end():
            continue  # inside the date itself ("04.03.2021")
        # The clock must touch the date: only a few filler characters between them.
        gap = text[t.end() : m.start()] if t.end() <= m.start() else text[m.end() : t.start()]
        if len(gap) > 24 or _DATE_FILLER.sub("", gap).strip():
            continue
        hour, minute, second = int(t["h"]), int(t["m"]), int(t["s"] or 0)
        ampm = (t["ampm"] or "").lower()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
        if t["tz"]:
            zone = timezone(timedelta(hours=_TZ_HOURS[t["tz"].lower()]))
        if t["off"]:
            digits = t["off"][1:].replace(":", "")
            hours, minutes = (
                (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
            )
            if hours <= 14:
                zone = timezone(
                    (-1 if t["off"][0] == "-" else 1) * timedelta(hours=hours, minutes=minutes)
                )
        has_time = True
        break
    when = date.replace(hour=hour, minute=minute, second=second, tzinfo=zone or UTC)
    return _Stamp(when, has_time, zone is not None)


def is_date_line(text: str) -> bool:
    """A line that holds a date or a clock and nothing else worth reading."""
    if len(text) > 120 or not _DATEISH.search(text):
        return False
    if _find_stamp(text) is None and not _TIME_RE.search(text) and not _AGO_RE.search(text):
        return False
    rest = text
    for rx in _DATE_RES:
        rest = rx.sub(" ", rest)
    return not _DATE_FILLER.sub("", _MONTH_RE.sub(" ", rest)).strip()


def crawl_stamp(text: str) -> datetime | None:
    """The time of a bare site-clock line ("16:52 GMT04 March 2021"): date, clock and zone only."""
    if len(text) > 60 or not is_date_line(text):
        return None
    stamp = _find_stamp(text)
    return stamp.when if stamp is not None and stamp.has_time and stamp.has_zone else None


def publication(text: str) -> tuple[bool, datetime | None]:
    """Tell whether a line is a publication statement, and return its date if it has one."""
    m = _PUBLISHED_RE.match(text)
    if m is None or len(text.split()) > 20:
        return False, None
    stamp = _find_stamp(_UPDATED_RE.split(m["rest"], maxsplit=1)[0])
    return True, stamp.when if stamp else None


_DATELINE_RE = re.compile(
    r"(?:[A-Z\u00c0-\u00de][A-Za-z\u00c0-\u00ff.'\u2019-]*(?:[ ,/]+[\w.'\u2019-]+){0,6},?\s+)?"
    r"\((?P<outlet>[A-Z][\w.&'\u2019 -]{1,40}?)\)\s*(?:[-\u2013\u2014:]|--)\s"
)


def dateline_outlet(text: str) -> str | None:
    """The outlet of a wire dateline at the start of a paragraph: "MOSCOW (Sputnik) - ..."."""
    m = _DATELINE_RE.match(text)
    if m is None:
        return None
    head = text[: m.start("outlet") - 1].strip(" ,")
    # The place before the outlet is in capitals ("MOSCOW", "LONDON, Nov 12"); a mixed-case
    # sentence that happens to start with a parenthesis is no dateline.
    if head and not (head.split(",")[0].isupper() or _find_stamp(head)):
        return None
    outlet = m["outlet"].strip()
    return None if _find_stamp(outlet) or len(outlet.split()) > 4 else outlet
