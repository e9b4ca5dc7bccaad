"""Reading a response body within the size, decompression-ratio and time limits.

:class:`BodyReader` streams a body through a bounded decoder for its ``Content-Encoding``
(gzip, deflate, and br when a brotli with bounded output is installed), so that neither a body
over the size limit nor a small one that decodes to a huge one (a decompression bomb) is ever
read whole.
"""

from __future__ import annotations

import importlib
import time
import zlib
from collections.abc import Iterator
from types import ModuleType
from typing import Protocol

import httpx

from ..errors import FetchError, UsageError
from .policy import FetchPolicy

__all__ = ["BodyReader"]

# Decoders hand back at most this much per step, so a tiny compressed chunk can never expand into
# a huge buffer before the size and ratio checks see it.
_DECODE_STEP = 64 * 1024
# Highly repetitive pages legitimately compress 20-50x, and short ones can go far beyond that, so
# the ratio is only judged once the decoded body is past this size.
_RATIO_GRACE = 1024 * 1024


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _ZlibDecoder:
    """gzip or deflate, decoded at most :data:`_DECODE_STEP` bytes at a time."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflate = zlib.decompressobj(wbits)
        # Some servers label raw deflate (no zlib header) as "deflate"; browsers accept both.
        self._raw_fallback = raw_fallback
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self._raw_fallback:
            try:
                zlib.decompressobj().decompress(data[:2])
            except zlib.error:
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = self._started or bool(data)
        pending = data
        while True:
            if self._inflate.eof:
                return  # trailing bytes after the stream end are ignored, as browsers do
            out = self._inflate.decompress(pending, _DECODE_STEP)
            if out:
                yield out
            pending = self._inflate.unconsumed_tail
            if not pending and len(out) < _DECODE_STEP:
                return

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")
        if self._started and not self._inflate.eof:
            # A cut-off body would otherwise pass as a complete, shorter page.
            raise zlib.error("the compressed stream ends before its end marker")


class _BrotliDecoder:
    """br, with the output bound of brotli >= 1.2 (``output_buffer_limit``)."""

    def __init__(self, brotli: ModuleType) -> None:
        self._decompressor = brotli.Decompressor()
        self._error: type[Exception] = brotli.error
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._started = self._started or bool(data)
        out = self._decompressor.process(data, output_buffer_limit=_DECODE_STEP)
        if out:
            yield out
        while not self._decompressor.can_accept_more_data():
            out = self._decompressor.process(b"", output_buffer_limit=_DECODE_STEP)
            if not out:
                return
            yield out

    def flush(self) -> Iterator[bytes]:
        if self._started and not self._decompressor.is_finished():
            raise self._error("the compressed stream ends before its end marker")
        return iter(())


def _bounded_brotli() -> ModuleType | None:
    """Return the brotli module if it can decode with a bounded output buffer, else ``None``."""
    try:
        # Imported by name: brotli ships no type information, and it is optional.
        brotli = importlib.import_module("brotli")
    except ImportError:
        return None
    if not hasattr(brotli.Decompressor(), "can_accept_more_data"):
        return None  # older brotli would inflate a whole chunk at once: a bomb guard cannot work
    return brotli


def _brotli_error(brotli: ModuleType | None) -> type[Exception]:
    """The exception brotli raises on corrupt input (a never-raised stand-in without brotli)."""
    if brotli is None:
        return zlib.error
    error: type[Exception] = brotli.error
    return error


class BodyReader:
    """Streams and decodes response bodies, stopping at the size, ratio and time limits.

    Args:
        policy: supplies ``max_ratio`` and ``timeout`` (the size limit is passed to each
            :meth:`read`, since robots.txt has its own).

    Attributes:
        accept_encoding: the ``Accept-Encoding`` header to send: the encodings :meth:`read`
            can decode.
    """

    def __init__(self, policy: FetchPolicy) -> None:
        self._policy = policy
        self._brotli = _bounded_brotli()
        self.accept_encoding = "gzip, deflate, br" if self._brotli else "gzip, deflate"

    def read(
        self,
        input_url: str,
        url: httpx.URL,
        response: httpx.Response,
        *,
        deadline: float,
        limit: int,
        truncate: bool,
    ) -> bytes:
        """Stream and decode the body, stopping at the size, ratio and time limits.

        With ``truncate`` (robots.txt), the first ``limit`` decoded bytes are kept instead of
        failing with ``too-large``.

        Args:
            input_url: the URL the fetch was asked for, named in errors.
            url: the URL of this hop.
            response: the 2xx response whose body is still unread.
            deadline: the ``time.monotonic()`` value by which the body must be in.
            limit: the largest body accepted, in bytes, as sent and once decoded.
            truncate: keep the first ``limit`` bytes rather than fail.

        Returns:
            The decoded body.

        Raises:
            FetchError: ``too-large``, ``decompression-bomb``, ``timeout``,
                ``unsupported-encoding`` or ``bad-encoding``.
        """
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise FetchError(
                input_url,
                f"{url} declares a {declared}-byte body, more than max_bytes={limit}",
                reason="too-large",
            )
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        decoder = self._decoder(input_url, url, encoding)
        encoded = encoding not in ("", "identity")
        parts: list[bytes] = []
        raw_size = 0
        size = 0

        def accept(pieces: Iterator[bytes]) -> bool:
            """Add decoded pieces; return False once a truncating read has enough."""
            nonlocal size
            for piece in pieces:
                size += len(piece)
                if (
                    encoded
                    and size > min(_RATIO_GRACE, limit)
                    and size > self._policy.max_ratio * max(raw_size, 1)
                ):
                    raise FetchError(
                        input_url,
                        f"{url} ({encoding}) decodes to over {self._policy.max_ratio:g} times its "
                        f"{raw_size} encoded bytes: refusing a likely decompression bomb",
                        reason="decompression-bomb",
                    )
                if size > limit:
                    if truncate:
                        parts.append(piece[: len(piece) - (size - limit)])
                        return False
                    raise FetchError(
                        input_url,
                        f"{url} body exceeds max_bytes={limit}"
                        + (f" once decoded from {encoding}" if encoded else ""),
                        reason="too-large",
                    )
                parts.append(piece)
            return True

        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise UsageError(f"the transport returned an async stream for {url}; use a sync one")
        try:
            for chunk in stream:
                raw_size += len(chunk)
                if raw_size > limit and not truncate:
                    raise FetchError(
                        input_url, f"{url} body exceeds max_bytes={limit}", reason="too-large"
                    )
                if not accept(decoder.feed(chunk)):
                    return b"".join(parts)
                # The transport also enforces this at socket level; this check covers injected
                # transports, which may deliver chunks slowly without any socket timeout firing.
                if time.monotonic() > deadline:
                    raise FetchError(
                        input_url,
                        f"{url} took longer than timeout={self._policy.timeout}s to send its body",
                        reason="timeout",
                    )
            accept(decoder.flush())
        except (zlib.error, _brotli_error(self._brotli)) as exc:
            raise FetchError(
                input_url, f"{url} sent a corrupt {encoding} body: {exc}", reason="bad-encoding"
            ) from exc
        return b"".join(parts)

    def _decoder(self, input_url: str, url: httpx.URL, encoding: str) -> _Decoder:
        if encoding in ("", "identity"):
            return _Identity()
        if encoding in ("gzip", "x-gzip"):
            return _ZlibDecoder(16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return _ZlibDecoder(zlib.MAX_WBITS, raw_fallback=True)
        if encoding == "br" and self._brotli is not None:
            return _BrotliDecoder(self._brotli)
        hint = " (install brotli>=1.2 to accept br)" if encoding == "br" else ""
        raise FetchError(
            input_url,
            f"{url} sent Content-Encoding {encoding!r}; expected one of "
            f"{self.accept_encoding}{hint}",
            reason="unsupported-encoding",
        )
