"""Temporal expressions: find them in text and normalise them to TimeML values.

Backend ``timex-rules.v1`` (the tagger behind the timeline). Rules in the style of HeidelTime,
written for English news, with no model and no network:

* **Absolute** dates keep their own precision: "1987" -> ``1987``, "March 1998" -> ``1998-03``,
  "Feb. 2, 2019" -> ``2019-02-02``, "the 1980s" -> ``198``, "the 20th century" -> ``19``.
* **Relative** expressions are resolved against the document creation time ``dct`` (the
  article's publication date), following TimeML: "last month" in a March 1998 article is
  ``1998-02``, "last week" an ISO week (``1998-W08``), "two years ago" a year, "yesterday" a day.
  A weekday ("on Wednesday") is the nearest such day on or before ``dct``, or on or after it
  when the sentence speaks of the future ("will", "is due", "scheduled"); "last"/"next" force
  the direction. A month or a day without a year ("in October", "February 2") takes the year
  that puts it nearest to ``dct`` (on or after it for the future).
* **Without** ``dct`` a relative or year-less expression is kept with value ``None``. It is
  never resolved against today, the crawl time, or another year found in the text (the year of
  a background fact, such as a treaty signed in 1987, is usually not the year of the news).
* **Durations** get a TimeML ``P...`` value ("60 days" -> ``P60D``). One introduced by
  "in"/"within"/"in less than" reads as a deadline; its :attr:`Timex.date` is ``dct`` plus the
  duration, at the duration's unit (so "within 60 days" of 2018-12-04 is ``2019-02-02``).
* "now"/"currently" are ``PRESENT_REF``, "recently"/"the past" ``PAST_REF``, "the future"
  ``FUTURE_REF``: TimeML values, but never timeline dates.
* **Crawl stamps** ("16:52 GMT04 March 2021") are recognised and dropped with everything that
  overlaps them: they date the capture, not the story.

Cost: a fixed set of regular expressions, linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from ..textutil import NUMBER_WORDS

__all__ = ["TIMEX_NAME", "Timex", "tag"]

TIMEX_NAME = "timex-rules.v1"

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_NUMBERS: dict[str, float] = {
    "a": 1,
    "an": 1,
    **NUMBER_WORDS,
    "a couple of": 2,
    "a dozen": 12,
    "half a": 0.5,
}
_VAGUE_NUMBERS = {"a few", "few", "several", "many", "some", "recent"}
_UNITS = {
    "day": "D",
    "days": "D",
    "week": "W",
    "weeks": "W",
    "month": "M",
    "months": "M",
    "year": "Y",
    "years": "Y",
    "decade": "DE",
    "decades": "DE",
    "quarter": "Q",
    "quarters": "Q",
    "hour": "H",
    "hours": "H",
    "minute": "MIN",
    "minutes": "MIN",
    "century": "CE",
    "centuries": "CE",
}
_SEASONS = {
    "spring": ("SP", 3),
    "summer": ("SU", 6),
    "fall": ("FA", 9),
    "autumn": ("FA", 9),
    "winter": ("WI", 12),
}
_PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
}

_MONTH_RE = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAY_RE = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY_RE = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR_RE = r"(?P<year>1[6-9]\d\d|20\d\d)"
_NUM_WORDS = "|".join(sorted((re.escape(k) for k in _NUMBERS), key=len, reverse=True))
_NUM_RE = (
    rf"(?P<num>\d+(?:\.\d+)?|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-]"
    rf"(?:one|two|three|four|five|six|seven|eight|nine)|{_NUM_WORDS}|a few|few|several)"
)
_UNIT_RE = (
    r"(?P<unit>days?|weeks?|months?|years?|decades?|quarters?|hours?|minutes?|century|centuries)"
)
_FUTURE = re.compile(
    r"\b(?:will|won['’]t|shall|['’]ll|going to|is to|are to|is due|are due|due to|scheduled|"
    r"expected to|set to|plans? to|planning to|intends? to|upcoming)\b",
    re.IGNORECASE,
)
_WOULD = re.compile(r"\b(?:would|was to|were to)\b", re.IGNORECASE)
# Only words that fix the direction on their own: "since March", "the year ended March 31".
# A general past-tense test (any "-ed" word nearby) was measured on TimeBank and lost value F1:
# reported speech ("had confirmed the exit from February 2") names future dates in past tense.
_PAST = re.compile(r"\b(?:since|ended)\b", re.IGNORECASE)
_LOCAL_CHARS = 30
_STAMP = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:GMT|UTC|[AP]M)?\s*[+-]?\d{0,2}\s*"
    + _MONTH_RE.replace("?P<month>", "?:")
    + r"\s+\d{4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:GMT|UTC)\b",
)
_TIME_PREPS = frozenset(
    """in since until till by of from to before after during through between early late mid the
    year fiscal and or around circa c. ca. spring summer fall autumn winter end start beginning
    middle than at on
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_DEADLINE_PREPS = re.compile(
    r"(?:\bwithin|\bin(?:\s+(?:less|more|fewer)\s+than|\s+under|\s+about|\s+around|\s+just)?)"
    r"(?:\s+the\s+next)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Timex:
    """A temporal expression and its normalised value.

    Attributes:
        start, end: offsets into the text given to :func:`tag`.
        text: the expression as written.
        type: TimeML type: ``DATE``, ``TIME``, ``DURATION`` or ``SET``.
        value: the TimeML value (``"1998-02"``, ``"P60D"``, ``"PRESENT_REF"``), or ``None`` when
            it needs a publication date that is unknown.
        date: the calendar date the expression puts an event at (ISO 8601, possibly partial),
            or ``None`` when it cannot be resolved; for a deadline ("within 60 days") the end
            of the period.
        datable: whether the expression dates an event of the story (a calendar date, a
            deadline, or an unresolved relative date); false for durations, ``PRESENT_REF``
            and the like.
    """

    start: int
    end: int
    text: str
    type: str
    value: str | None
    date: str | None
    datable: bool


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    type: str
    value: str | None
    date: str | None
    datable: bool


_Handler = Callable[[re.Match[str], str, "date | None"], "_Found | None"]


def tag(text: str, dct: date | None, start: int = 0, end: int | None = None) -> list[Timex]:
    """Find and normalise the temporal expressions of ``text[start:end]``.

    Args:
        text: the text; offsets of the result index it.
        dct: the document creation (publication) date, or ``None`` when unknown.
        start, end: the stretch to tag (a sentence, for the timeline).

    Returns:
        Non-overlapping expressions in order (the longest wins an overlap).
    """
    end = len(text) if end is None else end
    stamps = [(m.start(), m.end()) for m in _STAMP.finditer(text, start, end)]
    found: list[_Found] = []
    for pattern, handler in _RULES:
        for m in pattern.finditer(text, start, end):
            if any(a < m.end() and m.start() < b for a, b in stamps):
                continue
            hit = handler(m, text, dct)
            if hit is not None:
                found.append(hit)
    found.sort(key=lambda f: (-(f.end - f.start), f.start))
    chosen: list[_Found] = []
    for f in found:
        if all(f.end <= c.start or c.end <= f.start for c in chosen):
            chosen.append(f)
    chosen.sort(key=lambda f: f.start)
    return [
        Timex(f.start, f.end, text[f.start : f.end], f.type, f.value, f.date, f.datable)
        for f in chosen
    ]


# --- calendar helpers -----------------------------------------------------------------------


def _fmt_day(d: date) -> str:
    return d.isoformat()


def _fmt_month(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _fmt_week(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso[0]:04d}-W{iso[1]:02d}"


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    total = y * 12 + (m - 1) + n
    return total // 12, total % 12 + 1


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _future(text: str, at: int, until: int, *, reported: bool = False) -> bool:
    """Whether the sentence around ``at`` speaks of the future (a crude, cheap tense test).

    With ``reported``, the future in the past ("said it would withdraw") counts too.
    """
    left = max(
        text.rfind(".", 0, at),
        text.rfind("\n", 0, at),
        text.rfind("!", 0, at),
        text.rfind("?", 0, at),
    )
    right_candidates = [i for i in (text.find(".", until), text.find("\n", until)) if i != -1]
    right = min(right_candidates) if right_candidates else len(text)
    if _FUTURE.search(text, left + 1, right):
        return True
    return reported and bool(_WOULD.search(text, left + 1, right))


def _tense(text: str, at: int, until: int) -> str | None:
    """``"past"``, ``"future"`` or ``None`` for the clause an expression sits in.

    "since" or "ended" just before the expression makes it past; a future marker in its
    sentence makes it future. Anything else is left to the caller (nearest date).
    """
    window = text[max(0, at - _LOCAL_CHARS) : at]
    window = re.split(r"[.;!?\n]", window)[-1]
    if _FUTURE.search(window):
        return "future"
    if _PAST.search(window):
        return "past"
    return "future" if _future(text, at, until) else None


def _nearest_year(dct: date, month: int, day: int | None, tense: str | None) -> int | None:
    """The year that puts month(/day) nearest ``dct``: on or after it for the future, on or
    before it for the past."""
    best: tuple[int, int] | None = None
    for y in (dct.year - 1, dct.year, dct.year + 1):
        d = _safe_date(y, month, day or 15)
        if d is None:
            continue
        after = d > dct if day else (y, month) > (dct.year, dct.month)
        before = d < dct if day else (y, month) < (dct.year, dct.month)
        if (tense == "future" and before) or (tense == "past" and after):
            continue
        gap = abs((d - dct).days) if day else abs((y * 12 + month) - (dct.year * 12 + dct.month))
        if best is None or gap < best[0]:
            best = (gap, y)
    return best[1] if best else None


def _number(word: str) -> float | None:
    w = word.lower().replace("-", " ")
    if w in _VAGUE_NUMBERS:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", w):
        return float(w)
    if w in _NUMBERS:
        return float(_NUMBERS[w])
    parts = w.split()
    if len(parts) == 2 and parts[0] in _NUMBERS and parts[1] in _NUMBERS:
        return float(_NUMBERS[parts[0]] + _NUMBERS[parts[1]])
    return None


def _prev_word(text: str, at: int) -> str:
    m = re.search(r"([A-Za-z.\-]+)[\s,]*$", text[max(0, at - 30) : at])
    return m.group(1).lower() if m else ""


def _next_word(text: str, at: int) -> str:
    m = re.match(r"\s*([A-Za-z%]+)", text[at : at + 30])
    return m.group(1) if m else ""


def _month_of(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


# --- handlers -------------------------------------------------------------------------------


def _iso(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return _Found(m.start(), m.end(), "DATE", _fmt_day(d), _fmt_day(d), True) if d else None


def _numeric(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    y = int(m.group(3))
    y = y + (1900 if y >= 50 else 2000) if y < 100 else y
    d = _safe_date(y, int(m.group(1)), int(m.group(2)))
    return _Found(m.start(), m.end(), "DATE", _fmt_day(d), _fmt_day(d), True) if d else None


def _month_day_year(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    d = _safe_date(int(m.group("year")), _month_of(m.group("month")), int(m.group("day")))
    return _Found(m.start(), m.end(), "DATE", _fmt_day(d), _fmt_day(d), True) if d else None


def _month_day(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    month, day = _month_of(m.group("month")), int(m.group("day"))
    if not 1 <= day <= 31 or (m.group("month") == "May" and not _month_context(text, m.start())):
        return None
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    year = _nearest_year(dct, month, day, _tense(text, m.start(), m.end()))
    d = _safe_date(year, month, day) if year else None
    return _Found(m.start(), m.end(), "DATE", _fmt_day(d), _fmt_day(d), True) if d else None


def _month_year(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    value = _fmt_month(int(m.group("year")), _month_of(m.group("month")))
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _month_context(text: str, at: int) -> bool:
    """Whether a capitalised "May" at ``at`` is the month (not the modal verb)."""
    return _prev_word(text, at) in _TIME_PREPS | {"last", "next", "this", "mid-", "early", "late"}


def _bare_month(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    name = m.group("month")
    if len(name) <= 4 and name not in ("May", "June", "July"):
        return None  # "Jan", "Dec.": abbreviations stand alone only in tables and names
    if name == "May" and not _month_context(text, m.start("month")):
        return None
    if (
        name in ("March", "August")
        and _next_word(text, m.end())[:1].islower()
        and _prev_word(text, m.start("month")) not in _TIME_PREPS
    ):
        return None  # "March on", "August body": the verb or the adjective, not the month
    month = _month_of(name)
    rel = (m.group("rel") or "").lower()
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    if rel == "last":
        year = dct.year if month < dct.month else dct.year - 1
    elif rel == "next":
        year = dct.year if month > dct.month else dct.year + 1
    elif rel == "this":
        year = dct.year
    else:
        found = _nearest_year(dct, month, None, _tense(text, m.start(), m.end()))
        if found is None:
            return None
        year = found
    value = _fmt_month(year, month)
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _weekday(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    weekday = _WEEKDAYS[m.group("weekday").lower()]
    rel = (m.group("rel") or "").lower()
    part = (m.group("part") or "").lower()
    kind = "TIME" if part else "DATE"
    if dct is None:
        return _Found(m.start(), m.end(), kind, None, None, True)
    back = (dct.weekday() - weekday) % 7
    ahead = (weekday - dct.weekday()) % 7
    if rel == "last":
        d = dct - timedelta(days=back or 7)
    elif rel == "next":
        d = dct + timedelta(days=ahead or 7)
    elif _tense(text, m.start(), m.end()) == "future":
        d = dct + timedelta(days=ahead)
    else:
        d = dct - timedelta(days=back)
    value = _fmt_day(d) + (f"T{_PARTS_OF_DAY[part]}" if part else "")
    return _Found(m.start(), m.end(), kind, value, _fmt_day(d), True)


def _year(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    s, e = m.start("year"), m.end("year")
    before = text[s - 1] if s > 0 else " "
    after = text[e] if e < len(text) else " "
    if (before in "$#£€.,:/" or (before == "-" and not m.group("mod"))) or after.isalnum():
        return None
    if after in ",-:/" and text[e + 1 : e + 2].isdigit():
        return None
    if after == "%" or text[e : e + 2] in (".0", ",0"):
        return None
    prev = _prev_word(text, s)
    nxt = _next_word(text, e)
    if prev not in _TIME_PREPS and not m.group("mod"):
        # A bare four-digit number followed by a plural noun is a count ("2000 troops").
        if nxt[:1].islower() and nxt.endswith("s") and not nxt.endswith("ss"):
            return None
        if nxt.lower() in (
            "km",
            "kilometers",
            "miles",
            "people",
            "percent",
            "per",
            "metres",
            "meters",
        ):
            return None
    value = m.group("year")
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _decade(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    value = m.group("cent") + m.group("dec")
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _short_decade(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    value = "19" + m.group("dec")
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _century(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    n = int(m.group("n"))
    if not 1 <= n <= 21:
        return None
    value = f"{n - 1:02d}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _deictic_day(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    word = m.group("word").lower()
    part = (m.group("part") or "").lower()
    shift = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}[word]
    if word == "tonight":
        part = "night"
    kind = "TIME" if part else "DATE"
    if dct is None:
        return _Found(m.start(), m.end(), kind, None, None, True)
    d = dct + timedelta(days=shift)
    value = _fmt_day(d) + (f"T{_PARTS_OF_DAY[part]}" if part else "")
    return _Found(m.start(), m.end(), kind, value, _fmt_day(d), True)


def _part_of_day(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    rel, part = m.group("rel").lower(), m.group("part").lower()
    if dct is None:
        return _Found(m.start(), m.end(), "TIME", None, None, True)
    d = dct - timedelta(days=1) if rel == "last" else dct
    if rel == "last" and part != "night":
        return None
    return _Found(
        m.start(), m.end(), "TIME", _fmt_day(d) + "T" + _PARTS_OF_DAY[part], _fmt_day(d), True
    )


def _relative_unit(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    rel = m.group("rel").lower()
    unit = m.group("unit").lower()
    the = bool(m.group("the"))
    if rel in ("same", "following", "previous") or (the and rel in ("current",)):
        return None  # anchored on another event, not on the publication date
    if the and rel in ("past", "last", "next", "coming"):
        if unit in ("weekend",) or unit in _SEASONS:
            return None
        code = {
            "week": "W",
            "month": "M",
            "year": "Y",
            "quarter": "Q",
            "decade": "DE",
            "century": "CE",
        }[unit]
        value = {"Q": "P3M", "DE": "P10Y", "CE": "P100Y"}.get(code, f"P1{code}")
        return _Found(m.start(), m.end(), "DURATION", value, None, False)
    if rel in ("past", "coming"):
        return None
    step = {"this": 0, "current": 0, "last": -1, "next": 1}[rel]
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    if unit == "year":
        value = f"{dct.year + step:04d}"
    elif unit == "month":
        value = _fmt_month(*_add_months(dct.year, dct.month, step))
    elif unit == "week":
        value = _fmt_week(dct + timedelta(weeks=step))
    elif unit == "weekend":
        value = _fmt_week(dct + timedelta(weeks=step)) + "-WE"
    elif unit == "quarter":
        q = (dct.month - 1) // 3 + step
        value = f"{dct.year + (q // 4):04d}-Q{q % 4 + 1}"
    elif unit == "decade":
        value = f"{dct.year // 10 + step:03d}"
    elif unit == "century":
        value = f"{dct.year // 100 + step:02d}"
    else:
        code, first_month = _SEASONS[unit]
        if step == 0:
            year = dct.year
        elif step < 0:
            year = dct.year if dct.month >= first_month + 3 else dct.year - 1
        else:
            year = dct.year if dct.month < first_month else dct.year + 1
        value = f"{year:04d}-{code}"
    date_value = None if unit == "weekend" else value
    return _Found(m.start(), m.end(), "DATE", value, date_value, True)


def _ago(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    n = _number(m.group("num"))
    unit = _UNITS[m.group("unit").lower()]
    if n is None:
        return _Found(m.start(), m.end(), "DATE", "PAST_REF", None, False)
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    k = int(n)
    if k > 2000 or (unit == "DE" and k > 200):
        return None  # not a date of the story (and beyond what the calendar arithmetic accepts)
    if unit == "Y":
        value = f"{dct.year - k:04d}"
    elif unit == "M":
        value = _fmt_month(*_add_months(dct.year, dct.month, -k))
    elif unit == "W":
        value = _fmt_week(dct - timedelta(weeks=k))
    elif unit == "D":
        value = _fmt_day(dct - timedelta(days=k))
    elif unit == "DE":
        value = f"{(dct.year - 10 * k) // 10:03d}"
    else:
        return None
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _duration(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    n = _number(m.group("num"))
    unit = _UNITS[m.group("unit").lower()]
    if m.group("half"):
        n = (n or 0) + 0.5
    amount = "X" if n is None else (str(int(n)) if float(n).is_integer() else str(n))
    value = f"PT{amount}{unit}" if unit in ("H", "MIN") else f"P{amount}{unit}"
    value = value.replace("MIN", "M").replace(
        "P" + amount + "DE", "P" + (amount if n is None else str(int(n * 10))) + "Y"
    )
    prefix = _DEADLINE_PREPS.search(text[max(0, m.start() - 30) : m.start()])
    # "within 60 days" is a deadline; a bare "in 10 years" only in a sentence about the future
    # ("will withdraw in 60 days"), never in "the biggest drop in 10 years".
    deadline = prefix is not None and (
        prefix.group().strip().lower() != "in" or _future(text, m.start(), m.end(), reported=True)
    )
    if not deadline:
        return _Found(m.start(), m.end(), "DURATION", value, None, False)
    start = m.start()
    if prefix is not None:
        start = max(0, start - 30) + prefix.start()
        while text[start].isspace():
            start += 1
    when: str | None = None
    if dct is not None and n is not None and unit in ("D", "W", "M", "Y") and n <= 1000:
        k = n
        if unit == "D":
            when = _fmt_day(dct + timedelta(days=round(k)))
        elif unit == "W":
            when = _fmt_day(dct + timedelta(days=round(7 * k)))
        elif unit == "M":
            when = _fmt_month(*_add_months(dct.year, dct.month, round(k)))
        else:
            when = f"{dct.year + round(k):04d}"
    return _Found(start, m.end(), "DURATION", value, when, True)


def _quarter(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    q = _ORDINALS[m.group("ord").lower()]
    if m.group("year"):
        value = f"{m.group('year')}-Q{q}"
    elif dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    else:
        year = (
            dct.year - 1
            if q > (dct.month - 1) // 3 + 1 and not _future(text, m.start(), m.end())
            else dct.year
        )
        value = f"{year:04d}-Q{q}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _half(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    h = _ORDINALS[m.group("ord").lower()]
    if m.group("year"):
        value = f"{m.group('year')}-H{h}"
    elif dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    else:
        value = f"{dct.year:04d}-H{h}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _season_year(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    value = f"{m.group('year')}-{_SEASONS[m.group('season').lower()][0]}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _month_relative_year(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    """ "June last year", "March of next year"."""
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    step = {"last": -1, "this": 0, "next": 1}[m.group("rel").lower()]
    value = _fmt_month(dct.year + step, _month_of(m.group("month")))
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _spelled_year(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    """ "nineteen ninety-seven", "two thousand" (broadcast transcripts spell years out)."""
    words = m.group("words").lower().replace("-", " ").split()
    if words[:2] == ["two", "thousand"]:
        rest = [w for w in words[2:] if w != "and"]
        tail = _number(" ".join(rest)) if rest else 0.0
        year = 2000 + int(tail or 0)
    else:
        century = _NUMBERS.get(words[0], 0)
        tail = _number(" ".join(words[1:]))
        if not century or tail is None:
            return None
        year = int(century) * 100 + int(tail)
    if not 1600 <= year <= 2099:
        return None
    value = f"{year:04d}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _year_ago(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    """ "a year ago", "a year earlier": in a report on a quarter, that quarter a year before."""
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, True)
    paragraph = text[max(text.rfind("\n\n", 0, m.start()), m.start() - 400, 0) : m.start()]
    quarters = re.findall(r"\b(first|second|third|fourth)[\s-]quarter\b", paragraph, re.IGNORECASE)
    if quarters:
        q = _ORDINALS[quarters[-1].lower()]
        year = dct.year - 1 if q > (dct.month - 1) // 3 + 1 else dct.year
        value = f"{year - 1:04d}-Q{q}"
        return _Found(m.start(), m.end(), "DATE", value, None, False)
    value = f"{dct.year - 1:04d}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _year_quarter(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    """ "the 1988 second quarter"."""
    value = f"{m.group('year')}-Q{_ORDINALS[m.group('ord').lower()]}"
    return _Found(m.start(), m.end(), "DATE", value, value, True)


def _reported_quarter(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    """ "the quarter", "the latest quarter": in financial news, the last quarter that ended."""
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, False)
    q = (dct.month - 1) // 3  # the quarter before dct's, 0 meaning the previous year's fourth
    value = f"{dct.year - 1:04d}-Q4" if q == 0 else f"{dct.year:04d}-Q{q}"
    return _Found(m.start(), m.end(), "DATE", value, None, False)


def _weekend(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    """ "the weekend": the last one, or this week's from Friday on (TimeML ``1990-W32-WE``)."""
    if dct is None:
        return _Found(m.start(), m.end(), "DATE", None, None, False)
    anchor = dct if dct.weekday() >= 4 else dct - timedelta(weeks=1)
    return _Found(m.start(), m.end(), "DATE", _fmt_week(anchor) + "-WE", None, False)


def _reference(value: str) -> _Handler:
    def handler(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
        return _Found(m.start(), m.end(), "DATE", value, None, False)

    return handler


def _clock(m: re.Match[str], text: str, dct: date | None) -> _Found | None:
    return _Found(m.start(), m.end(), "TIME", None, None, False)


_I = re.IGNORECASE
_OPT_WEEKDAY = r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b"), _numeric),
    (
        re.compile(_OPT_WEEKDAY + _MONTH_RE + r"\s+" + _DAY_RE + r",?\s+" + _YEAR_RE + r"\b"),
        _month_day_year,
    ),
    (
        re.compile(
            _OPT_WEEKDAY + _DAY_RE + r"\s+(?:of\s+)?" + _MONTH_RE + r",?\s+" + _YEAR_RE + r"\b"
        ),
        _month_day_year,
    ),
    (re.compile(_OPT_WEEKDAY + _MONTH_RE + r"\s+" + _DAY_RE + r"\b(?![:.,]?\d)"), _month_day),
    (re.compile(r"\b" + _DAY_RE + r"\s+(?:of\s+)?" + _MONTH_RE + r"(?!\w)"), _month_day),
    (
        re.compile(
            r"(?:(?i:early|late|mid-?|the end of|the beginning of|the start of|the middle of)\s*)?"
            + _MONTH_RE
            + r",?\s+(?:of\s+)?"
            + _YEAR_RE
            + r"\b"
        ),
        _month_year,
    ),
    (
        re.compile(
            r"(?:(?i:early|late|mid-?|the end of|the beginning of|the start of|the middle of)\s*)?"
            r"(?:(?P<rel>(?i:last|next|this))\s+)?\b" + _MONTH_RE + r"(?!\w)"
        ),
        _bare_month,
    ),
    (
        re.compile(
            r"\b(?:(?P<rel>(?i:last|next|this|early|late))\s+)?"
            + _WEEKDAY_RE
            + r"(?:\s+(?P<part>(?i:morning|afternoon|evening|night)))?\b"
        ),
        _weekday,
    ),
    (
        re.compile(
            r"(?:\b(?P<mod>(?i:early|late|mid-?|fiscal|the year|the end of|the start of))\s*)?\b"
            + _YEAR_RE
            + r"(?![\d,.]\d)"
        ),
        _year,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?:(?i:early|late|mid-?)\s*)?(?P<cent>1[6-9]|20)(?P<dec>\d)0['’]?s\b", _I
        ),
        _decade,
    ),
    (
        re.compile(r"\b(?:the\s+)?(?:(?i:early|late|mid-?)\s*)?['’](?P<dec>\d)0s\b", _I),
        _short_decade,
    ),
    (re.compile(r"\b(?:the\s+)?(?P<n>\d{1,2})(?:st|nd|rd|th)[\s-]century\b", _I), _century),
    (
        re.compile(
            r"\b(?P<word>today|yesterday|tomorrow|tonight)(?:\s+(?P<part>morning|afternoon|evening|night))?\b",
            _I,
        ),
        _deictic_day,
    ),
    (
        re.compile(r"\b(?P<rel>this|last)\s+(?P<part>morning|afternoon|evening|night)\b", _I),
        _part_of_day,
    ),
    (
        re.compile(
            r"(?:\b(?P<the>the)\s+)?(?:\b(?:early|late|earlier|later|mid-?)\s+)?\b(?P<rel>this|last|next|past|coming|previous|current|following|same)\s+"
            r"(?P<unit>week|month|year|quarter|decade|century|weekend|spring|summer|fall|autumn|winter)\b",
            _I,
        ),
        _relative_unit,
    ),
    # Before the general "N units ago" rule: on a tie of length the earlier rule wins.
    (re.compile(r"\b(?:a|one)\s+year\s+(?:ago|earlier)\b", _I), _year_ago),
    (re.compile(r"\b" + _NUM_RE + r"[\s-]+" + _UNIT_RE + r"\s+ago\b", _I), _ago),
    (
        re.compile(_MONTH_RE + r",?\s+(?:of\s+)?(?P<rel>(?i:last|this|next))\s+year\b"),
        _month_relative_year,
    ),
    (
        re.compile(
            r"\b(?:the\s+year\s+)?(?P<words>(?:nineteen|eighteen)[\s-]+(?:"
            + _NUM_WORDS.replace("a couple of|", "")
            + r")(?:[\s-]+(?:one|two|three|four|five|six|seven"
            r"|eight|nine))?|two\s+thousand(?:\s+(?:and\s+)?(?:one|two|three|four|five|six|seven|eight|nine|ten))?)\b",
            _I,
        ),
        _spelled_year,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?" + _YEAR_RE + r"\s+(?P<ord>first|second|third|fourth)[\s-]quarter\b", _I
        ),
        _year_quarter,
    ),
    (
        re.compile(
            r"\bthe\s+(?:(?:latest|most\s+recent|recent|just-ended|reporting)\s+)?quarter\b", _I
        ),
        _reported_quarter,
    ),
    (re.compile(r"\bthe\s+weekend\b", _I), _weekend),
    (
        re.compile(
            r"\b" + _NUM_RE + r"[\s-]+" + _UNIT_RE + r"(?P<half>\s+and\s+a\s+half)?(?!\s+ago)\b", _I
        ),
        _duration,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]quarter(?:\s+of\s+"
            + _YEAR_RE
            + r")?\b",
            _I,
        ),
        _quarter,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?P<ord>first|second)\s+half\s+of\s+(?:the\s+year\s+)?(?:"
            + _YEAR_RE
            + r")?",
            _I,
        ),
        _half,
    ),
    (
        re.compile(
            r"\b(?P<season>spring|summer|fall|autumn|winter)\s+(?:of\s+)?" + _YEAR_RE + r"\b", _I
        ),
        _season_year,
    ),
    (
        re.compile(r"\b(?:now|currently|at present|nowadays|these days)\b", _I),
        _reference("PRESENT_REF"),
    ),
    (re.compile(r"\b(?:recently|lately|recent (?:days|years))\b", _I), _reference("PAST_REF")),
    (
        re.compile(
            r"\b(?:the future|the coming (?:days|weeks|months|years)|coming (?:days|weeks|months|years))\b",
            _I,
        ),
        _reference("FUTURE_REF"),
    ),
    (
        re.compile(
            r"\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)(?:\s+[A-Z]{2,4}\b)?(?:\s+"
            + _WEEKDAY_RE
            + r")?",
            _I,
        ),
        _clock,
    ),
]
