"""Parsing of publication dates given as strings (JSON records, page metadata, feeds).

Every date tidings keeps is timezone-aware. A date without a zone is taken as UTC, which is what
news metadata without an offset almost always means; the caller never gets a naive datetime.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

__all__ = ["parse_date"]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: object) -> datetime | None:
    """Parse an ISO 8601 or RFC 2822-like date into an aware ``datetime``.

    Args:
        value: a string, ``datetime`` or ``date``; ``None`` and ``""`` give ``None``.

    Returns:
        The date, timezone-aware (UTC when no zone was given), or ``None`` when ``value`` is
        empty or cannot be read as a date. Callers that must report bad dates check for a
        non-empty input that came back ``None``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_loose(text)
        if parsed is None:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_loose(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    import warnings

    from dateutil import parser as du_parser

    try:
        with warnings.catch_warnings():
            # An unknown zone name ("IST" is three different zones) would be silently dropped and
            # the time be wrong by hours: refuse the date instead.
            warnings.simplefilter("error", du_parser.UnknownTimezoneWarning)
            # A default of Jan 1 would invent a day for "November 2018"; refuse partial dates.
            a = du_parser.parse(text, default=datetime(1900, 1, 1))
            b = du_parser.parse(text, default=datetime(1904, 2, 2))
    except (ValueError, OverflowError, du_parser.UnknownTimezoneWarning):
        return None
    return a if a == b else None
