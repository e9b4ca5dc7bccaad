"""The bytes of a WARC archive as FastWARC reads them, gunzipped here so that damage shows.

:class:`ArchiveStream` also keeps a window on the bytes already read, so that :mod:`tidings.warc`
can check each record's framing, and it maps offsets back to places in the archive file.
"""

from __future__ import annotations

import zlib
from collections import deque
from typing import IO, Any

__all__ = ["CHUNK", "ArchiveStream", "starts_like_warc"]

# Size of each read from the archive and of each piece handed to FastWARC (its own buffer size).
CHUNK = 64 * 1024
# Unparseable stretches are kept in memory only up to this size while waiting for the next record.
_WINDOW_CAP = 64 * 1024 * 1024


class ArchiveStream:
    """The bytes FastWARC parses: the archive, gunzipped here if need be, plus a window on them.

    Decompression happens here rather than in FastWARC because only zlib reports a gzip member
    that is cut short (FastWARC and warcio both treat it as a clean end of file), and because the
    offsets of gzip members are what a CDX index points at. The window keeps the bytes from the end
    of the last record's block onward, so that the next record's header length and the bytes
    between records can be checked; in a well-formed archive that is one header and one read.

    Attributes:
        position: decompressed bytes handed out so far.
        consumed: bytes of the archive file consumed so far.
        exhausted: the end of the data (or an unreadable point) was reached.
        problem: ``(reason, detail)`` when reading stopped early: truncated or corrupt gzip data,
            an I/O error, or data that is not a WARC archive.
    """

    def __init__(self, raw: IO[bytes], head: bytes, *, gzipped: bool) -> None:
        self._raw = raw
        self._pending = head
        self._gzipped = gzipped
        self._inflater: Any = None
        self._member_start = 0
        self._members: deque[tuple[int, int]] = deque()  # (decompressed start, file offset)
        self._window: deque[tuple[int, bytes]] = deque()
        self._window_size = 0
        self._keep_from = 0
        self.position = 0
        self.consumed = 0
        self.exhausted = False
        self.problem: tuple[str, str] | None = None

    # The reader protocol FastWARC uses (read, tell, seek, close).
    def read(self, size: int = -1) -> bytes:
        data = self._produce(size if size and size > 0 else CHUNK)
        if not data:
            return b""
        if self.position == 0 and not starts_like_warc(data):
            self.problem = ("not-a-warc", self._not_a_warc(data))
            self.exhausted = True
            return b""
        self._window.append((self.position, data))
        self._window_size += len(data)
        self.position += len(data)
        self._trim()
        return data

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("the archive stream is read once, front to back, and cannot seek")

    def close(self) -> None:
        """Do nothing: the underlying file belongs to iter_warc or to its caller."""

    # What iter_warc asks of it.
    def bytes_at(self, start: int, length: int) -> bytes:
        """Return up to ``length`` already-read bytes from decompressed offset ``start``."""
        end = start + length
        parts = []
        for chunk_start, data in self._window:
            chunk_end = chunk_start + len(data)
            if chunk_end <= start:
                continue
            if chunk_start >= end:
                break
            parts.append(data[max(0, start - chunk_start) : end - chunk_start])
        return b"".join(parts)

    def release(self, before: int) -> None:
        """Let go of the bytes before decompressed offset ``before``: they are not checked again."""
        self._keep_from = max(self._keep_from, before)
        while len(self._members) > 1 and self._members[1][0] <= self._keep_from:
            self._members.popleft()
        self._trim()

    def record_offset(self, offset: int) -> int | None:
        """The file offset at which a record starting at decompressed ``offset`` can be sought."""
        if not self._gzipped:
            return offset
        for start, file_offset in self._members:
            if start == offset:
                return file_offset
        return None

    def locate(self, offset: int) -> str:
        """Describe decompressed ``offset`` as a place in the archive file, for messages."""
        if not self._gzipped:
            return f"byte {offset}"
        member = next((m for m in reversed(self._members) if m[0] <= offset), None)
        if member is None:
            return f"byte {offset} of the decompressed data"
        if member[0] == offset:
            return f"byte {member[1]}"
        return f"byte {offset} of the decompressed data (gzip member at byte {member[1]})"

    # Internals.
    def _trim(self) -> None:
        while self._window:
            start, data = self._window[0]
            # Past the cap, an unparseable stretch is only measured, not kept.
            if start + len(data) > self._keep_from and self._window_size <= _WINDOW_CAP:
                break
            self._window.popleft()
            self._window_size -= len(data)

    def _produce(self, size: int) -> bytes:
        while not self.exhausted:
            if not self._pending:
                try:
                    self._pending = self._raw.read(CHUNK) or b""
                except OSError as exc:
                    self.problem = ("unreadable", f"reading failed at byte {self.consumed} ({exc})")
                    self.exhausted = True
                    break
                if not self._pending:
                    self.exhausted = True
                    if self._inflater is not None:
                        self.problem = (
                            "truncated-archive",
                            f"the archive ends at byte {self.consumed} inside the gzip member "
                            f"that starts at byte {self._member_start}",
                        )
                    break
            if not self._gzipped:
                data = self._pending[:size] if len(self._pending) > size else self._pending
                self._pending = self._pending[len(data) :]
                self.consumed += len(data)
                return data
            data = self._inflate(size)
            if data:
                return data
        return b""

    def _inflate(self, size: int) -> bytes:
        if self._inflater is None:
            # wbits=31: one gzip member (header and CRC trailer checked); the next starts afresh.
            self._inflater = zlib.decompressobj(31)
            self._member_start = self.consumed
            self._members.append((self.position, self.consumed))
        try:
            data: bytes = self._inflater.decompress(self._pending, size)
        except zlib.error as exc:
            detail = (
                f"the gzip member that starts at byte {self._member_start} "
                f"cannot be decompressed ({exc})"
            )
            self.problem = ("corrupt-archive", detail)
            self.exhausted = True
            return b""
        if self._inflater.eof:
            rest: bytes = self._inflater.unused_data
            self._inflater = None
        else:
            rest = self._inflater.unconsumed_tail
        self.consumed += len(self._pending) - len(rest)
        self._pending = rest
        return data

    def _not_a_warc(self, data: bytes) -> str:
        start = data[:40]
        what = "a gzip file" if self._gzipped else "the file"
        hint = ""
        if start.startswith(b"filedesc://"):
            hint = " (it looks like an old ARC file; convert it to WARC first, e.g. with warcio)"
        elif start.lstrip().startswith(b"<"):
            hint = " (it looks like HTML or XML; read it as a page or a feed instead)"
        return f"{what} does not start with a WARC record; expected 'WARC/1.x', got {start!r}{hint}"


def starts_like_warc(data: bytes) -> bool:
    """Whether ``data`` starts with a WARC version line, or with as much of one as it holds."""
    return data[:5] == b"WARC/"[: len(data[:5])]
