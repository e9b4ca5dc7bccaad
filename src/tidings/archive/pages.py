"""What one WARC record becomes: a ``RawDocument`` for an HTML page, a ``Rejection``, or nothing.

The table in :mod:`tidings.warc` lists the outcome for each record type; :func:`read_record` reads
a record's block and applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import ReadError
from ..records import RawDocument, Rejection
from .payload import decode_payload, parse_content_type, parse_http
from .stream import CHUNK, ArchiveStream

if TYPE_CHECKING:
    from fastwarc.warc import WarcRecord

__all__ = ["read_record"]

# Records that are not inputs: they describe the crawl, or (revisit) point at another capture.
_SKIPPED_TYPES = frozenset(
    {"warcinfo", "request", "metadata", "revisit", "conversion", "continuation"}
)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Types servers send when they do not know better; the body decides whether it is a page.
_GENERIC_TYPES = frozenset(
    {"application/octet-stream", "binary/octet-stream", "application/unknown", "text/plain"}
)
_ASSET_PREFIXES = ("image/", "audio/", "video/", "font/", "application/font", "application/x-font")
_ASSET_TYPES = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/json",
        "application/ld+json",
        "application/manifest+json",
        "application/wasm",
        "application/vnd.ms-fontobject",
    }
)


def read_record(
    record: WarcRecord,
    fields: Mapping[str, str],
    stream: ArchiveStream,
    offset: int,
    length: int,
    label: str,
    limit: int,
) -> tuple[RawDocument | Rejection | None, bool]:
    """Read one record's block and turn it into an item; also say whether the block was complete.

    Args:
        record: the FastWARC record, positioned at its block.
        fields: its WARC header fields, names lower-cased.
        stream: the archive stream, for offsets.
        offset: where the record starts in the decompressed stream.
        length: its block length (``Content-Length``).
        label: the archive's name.
        limit: ``max_record_bytes``.
    """
    kind = fields.get("warc-type", "").strip().lower()
    if kind not in ("response", "resource"):
        complete = record.consume() == length
        if kind in _SKIPPED_TYPES or not complete:
            return None, complete
        # A type outside the standard is most likely a damaged header, and may hide a page.
        uri = fields.get("warc-target-uri", "").strip()
        about = f" (WARC-Target-URI {uri})" if uri else ""
        what = f"an unknown WARC-Type {kind!r}" if kind else "no WARC-Type"
        detail = f"{label}: the record at {stream.locate(offset)}{about} has {what}; skipped"
        return Rejection(label, "read", "corrupt-archive", detail), True
    # An oversized record is only sampled, enough to tell a page from an asset; the rest is skipped.
    block = _read_exactly(record.reader, length if length <= limit else min(length, CHUNK))
    got = len(block) + (record.consume() if len(block) < length else 0)
    if got != length:
        return None, False
    head = _WarcHead(
        kind=kind,
        uri=fields.get("warc-target-uri", "").strip() or None,
        record_id=fields.get("warc-record-id"),
        date=_parse_warc_date(fields.get("warc-date")),
        content_type=fields.get("content-type", "").strip().lower(),
        truncated=fields.get("warc-truncated"),
        segmented="warc-segment-number" in fields,
        offset=stream.record_offset(offset),
        where=stream.locate(offset),
    )
    return _to_item(head, block, oversize=length > limit, label=label, limit=limit), True


def _read_exactly(reader: Any, size: int) -> bytes:
    parts = []
    remaining = size
    while remaining > 0:
        part = reader.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class _WarcHead:
    """The WARC header fields of one record that decide what becomes of it."""

    kind: str
    uri: str | None
    record_id: str | None
    date: datetime | None
    content_type: str
    truncated: str | None
    segmented: bool
    offset: int | None
    where: str


def _to_item(
    head: _WarcHead, block: bytes, *, oversize: bool, label: str, limit: int
) -> RawDocument | Rejection | None:
    """Turn one response or resource record into a document, a Rejection, or nothing (an asset).

    Args:
        head: the record's WARC header fields.
        block: the record's block; only its first bytes when ``oversize``.
        oversize: the block is larger than ``limit``.
        label: the archive's name.
        limit: largest block or decoded body accepted, in bytes.
    """
    name = head.uri or f"{label}#{head.offset if head.offset is not None else head.where}"
    try:
        if head.kind == "resource":
            status, headers, body = None, {"content-type": head.content_type}, block
            mime, charset = parse_content_type(head.content_type)
            if not _is_page(mime, body):
                return None  # crawl logs, screenshots and the like; only captured pages matter here
        else:
            # DNS lookups and other non-HTTP exchanges are stored as responses too, under their
            # own Content-Type; a block that is not HTTP without one is damage, reported below.
            if (
                not block.startswith(b"HTTP/")
                and head.content_type
                and not head.content_type.startswith("application/http")
            ):
                return None
            if head.segmented:
                raise ReadError(
                    name,
                    "the response is split over several WARC records, which is not supported",
                    reason="segmented-record",
                )
            status, headers, body = parse_http(block, name, complete=not oversize)
            mime, charset = parse_content_type(headers.get("content-type"))
            if _is_asset(mime, head.uri):
                return None
            if not 200 <= status < 300:
                location = headers.get("location")
                moved = f", redirecting to {location}" if location and 300 <= status < 400 else ""
                raise ReadError(
                    name,
                    f"HTTP status {status}{moved}; only 2xx pages are read",
                    reason=f"http-{status}",
                )
        if oversize:
            raise ReadError(
                name, f"the record is larger than max_record_bytes={limit}", reason="too-large"
            )
        body, truncated = decode_payload(body, headers, name, limit)
        if not _is_page(mime, body):
            raise ReadError(
                name,
                f"the content type is {mime or 'missing'} and the body does not look like HTML",
                reason="not-html",
            )
        if not body or body.isspace():
            raise ReadError(name, "the HTTP body is empty", reason="empty")
    except ReadError as err:
        where = f"{head.kind} record at {head.where} of {label}"
        return Rejection(err.input, err.stage, err.reason, f"{err.detail} ({where})")

    meta: dict[str, Any] = {
        "url": head.uri,
        "http_status": status,
        "content_type": mime,
        "charset": charset,
        "warc_record_id": head.record_id,
        "warc_date": head.date.isoformat() if head.date else None,
        "archive": label,
        "warc_offset": head.offset,
    }
    if "last-modified" in headers:
        meta["last_modified"] = headers["last-modified"]
    truncated = head.truncated or truncated
    if truncated:
        meta["truncated"] = truncated
    return RawDocument(source=name, kind="html", content=body, meta=meta, crawled=head.date)


def _is_asset(mime: str | None, uri: str | None) -> bool:
    """Whether a response is part of a page (image, style, script, data) rather than a page."""
    if uri and uri.split("?", 1)[0].lower().endswith("/robots.txt"):
        return True
    return mime is not None and (mime in _ASSET_TYPES or mime.startswith(_ASSET_PREFIXES))


def _is_page(mime: str | None, body: bytes) -> bool:
    """Whether a body is an HTML page: declared so, or undeclared or generic and looking so."""
    if mime in _HTML_TYPES:
        return True
    if mime is not None and mime not in _GENERIC_TYPES:
        return False
    start = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head")) or b"<html" in start


def _parse_warc_date(value: str | None) -> datetime | None:
    """Parse a WARC-Date (W3C ISO 8601, UTC) into an aware UTC datetime, or None if malformed."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    # The WARC standard mandates UTC, so a date without an offset is UTC, not local time.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
