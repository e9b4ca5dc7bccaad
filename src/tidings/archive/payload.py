"""The HTTP response stored in a WARC record: status line, headers, and the decoded body.

Transfer and content codings are undone within the record size limit, so that a decompression
bomb stops at the limit instead of filling memory.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping

from ..errors import ReadError

__all__ = ["blank_line", "decode_payload", "parse_content_type", "parse_http"]

_HTTP_STATUS = re.compile(rb"HTTP/\d(?:\.\d)?[ \t]+(\d{3})(?![0-9])")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


def parse_http(block: bytes, name: str, *, complete: bool) -> tuple[int, dict[str, str], bytes]:
    """Split an HTTP response into status, headers (lower-cased names) and raw body.

    Raises:
        ReadError: ``malformed-http`` when the block does not start with an HTTP status line.
    """
    end, sep = blank_line(block)
    if end < 0:
        if not complete:
            raise ReadError(name, "the HTTP header is too long", reason="malformed-http")
        head, body = block, b""
    else:
        head, body = block[:end], block[end + sep :]
    lines = head.split(b"\n")
    match = _HTTP_STATUS.match(lines[0].strip())
    if match is None:
        raise ReadError(
            name,
            f"the response record does not start with an HTTP status line; got {lines[0][:60]!r}",
            reason="malformed-http",
        )
    headers: dict[str, str] = {}
    last = None
    for raw_line in lines[1:]:
        line = raw_line.rstrip(b"\r").decode("latin-1")
        if line[:1] in (" ", "\t") and last is not None:
            headers[last] += " " + line.strip()  # an obsolete folded continuation line
            continue
        key, colon, value = line.partition(":")
        if not colon:
            continue  # a stray line in the header; browsers ignore it too
        last = key.strip().lower()
        if last in headers and last in ("content-encoding", "transfer-encoding"):
            headers[last] += ", " + value.strip()
        else:
            headers.setdefault(last, value.strip())
    return int(match.group(1)), headers, body


def decode_payload(
    body: bytes, headers: Mapping[str, str], name: str, limit: int
) -> tuple[bytes, str | None]:
    """Undo the transfer and content encodings of an HTTP body.

    Returns:
        The decoded body and, when it is incomplete, which layer was cut short.

    Raises:
        ReadError: ``unsupported-encoding``, ``undecodable-body`` or ``too-large``.
    """
    truncated = None
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, complete = _dechunk(body)
        if not complete:
            truncated = "chunked-encoding"
    codings = [
        c.strip().lower() for c in headers.get("content-encoding", "").split(",") if c.strip()
    ]
    for coding in reversed(codings):
        body, complete = _decode_content(body, coding, name, limit)
        if not complete:
            truncated = truncated or "content-encoding"
    if len(body) > limit:
        raise ReadError(
            name, f"the decoded body is larger than max_record_bytes={limit}", reason="too-large"
        )
    return body, truncated


def _dechunk(body: bytes) -> tuple[bytes, bool]:
    """Undo chunked transfer encoding; return the data and whether the final chunk was reached.

    A body that does not start with a chunk-size line is returned unchanged: some archivers store
    the de-chunked payload but keep the ``Transfer-Encoding`` header.
    """
    parts: list[bytes] = []
    pos = 0
    while True:
        eol = body.find(b"\n", pos)
        line = body[pos:eol].split(b";", 1)[0].strip() if eol >= 0 else b""
        if eol < 0 or not _CHUNK_SIZE.fullmatch(line):
            return (body, True) if pos == 0 else (b"".join(parts), False)
        size = int(line, 16)
        pos = eol + 1
        if size == 0:
            return b"".join(parts), True
        chunk = body[pos : pos + size]
        parts.append(chunk)
        if len(chunk) < size:
            return b"".join(parts), False
        pos += size
        if body.startswith(b"\r\n", pos):
            pos += 2
        elif body.startswith(b"\n", pos):
            pos += 1


def _decode_content(body: bytes, coding: str, name: str, limit: int) -> tuple[bytes, bool]:
    """Undo one content coding; return the data and whether the compressed stream was complete.

    Raises:
        ReadError: ``unsupported-encoding``, ``undecodable-body`` or ``too-large``.
    """
    if coding in ("identity", "none"):
        return body, True
    if coding in ("gzip", "x-gzip", "deflate"):
        decode = _inflate_body
    elif coding == "br":
        decode = _unbrotli_body
    else:
        raise ReadError(
            name, f"unsupported Content-Encoding {coding!r}", reason="unsupported-encoding"
        )
    try:
        # One byte over the limit is enough to know the body is too large (a decompression bomb
        # stops there instead of filling memory).
        data, complete = decode(body, name, limit + 1)
    except ReadError as err:
        # Some archivers store the decoded payload but keep the Content-Encoding header; markup
        # that fails to decompress is taken to be such a body rather than thrown away.
        if err.reason == "undecodable-body" and body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
            return body, True
        raise
    if len(data) > limit:
        raise ReadError(
            name, f"the decoded body is larger than max_record_bytes={limit}", reason="too-large"
        )
    return data, complete


def _inflate_body(body: bytes, name: str, max_length: int) -> tuple[bytes, bool]:
    # 47 accepts a gzip or a zlib wrapper: servers send either under both names.
    inflater = zlib.decompressobj(47)
    try:
        return inflater.decompress(body, max_length), inflater.eof
    except zlib.error:
        pass
    inflater = zlib.decompressobj(-15)  # raw deflate, which some servers send as "deflate"
    try:
        return inflater.decompress(body, max_length), inflater.eof
    except zlib.error as exc:
        raise ReadError(
            name, f"the body cannot be decompressed ({exc})", reason="undecodable-body"
        ) from exc


def _unbrotli_body(body: bytes, name: str, max_length: int) -> tuple[bytes, bool]:
    try:
        import brotli  # type: ignore[import-untyped]
    except ImportError:
        raise ReadError(
            name,
            "the body is brotli-compressed and the brotli package is not installed "
            "(FastWARC depends on it: pip install brotli)",
            reason="unsupported-encoding",
        ) from None
    decompressor = brotli.Decompressor()
    try:
        data: bytes = decompressor.process(body, output_buffer_limit=max_length)
    except brotli.error as exc:
        raise ReadError(
            name, f"the body cannot be decompressed ({exc})", reason="undecodable-body"
        ) from exc
    return data, bool(decompressor.is_finished())


def blank_line(data: bytes) -> tuple[int, int]:
    """Find the blank line ending a header block: (index, separator length), or (-1, 0)."""
    crlf = data.find(b"\r\n\r\n")
    # Only an LF-only blank line before the first CRLF one counts, so the body is not scanned.
    lf = data.find(b"\n\n", 0, crlf + 2 if crlf >= 0 else len(data))
    if lf >= 0 and (crlf < 0 or lf < crlf):
        return lf, 2
    return (crlf, 4) if crlf >= 0 else (-1, 0)


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """Split a Content-Type header into its lower-cased media type and charset parameter."""
    if not value:
        return None, None
    mime, *params = value.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("'\"").lower() or None
    return mime.strip().lower() or None, charset
