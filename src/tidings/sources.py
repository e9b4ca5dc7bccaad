"""The reading edge: paths, folders, URLs, feeds, archives and texts become ``RawDocument`` records.

This is the only place that touches the file system or the network on the way in. Every input
that cannot be used becomes a :class:`~tidings.records.Rejection` naming the input and the
reason; nothing is dropped silently. Folders are walked recursively in sorted order (hidden
entries skipped), so a run is reproducible.

Reading happens in two steps: :func:`read_inputs` reads local files (and turns URLs into
``kind="url"`` documents), then :func:`fetch_documents` fetches every ``url`` document with the
polite, SSRF-guarded :class:`~tidings.fetch.Fetcher`. A fetched feed expands into its entries;
entries without their full text are fetched in turn (one level: a feed inside a feed is not
followed).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .dates import parse_date
from .errors import FormatError, InputError, ReadError
from .feeds import entry_document, looks_like_feed, parse_feed, parse_url_list
from .fetch import Fetcher, FetchPolicy, FetchResult
from .records import RawDocument, Rejection
from .textutil import is_printable_text
from .warc import iter_warc

__all__ = [
    "COMPRESSIONS",
    "DEFAULT_MAX_BYTES",
    "EXTENSIONS",
    "ReadResult",
    "decode_text",
    "documents_from_feed",
    "fetch_documents",
    "fetch_each",
    "file_ending",
    "is_url",
    "iter_inputs",
    "known_types",
    "read_inputs",
    "read_path",
    "records_from_json",
]

#: Largest file read by default (50 MB): far above any article, small enough to fail fast on dumps.
DEFAULT_MAX_BYTES = 50_000_000

#: File name endings tidings reads, and the kind of input each one is.
EXTENSIONS: Mapping[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
    ".warc.gz": "warc",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".urls": "urls",
}

#: Compression endings: any file type above may carry one (``stories.jsonl.gz``, ``page.html.xz``)
#: and is read through the decompressor, ``max_bytes`` bounding what it decompresses to.
COMPRESSIONS: Mapping[str, str] = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
_OPENERS: Mapping[str, Callable[..., io.BufferedIOBase]] = {
    "gzip": gzip.GzipFile,
    "bzip2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
}


def file_ending(name: str) -> str | None:
    """The ending by which tidings knows the type of a file named ``name`` (``".jsonl.gz"``),
    or ``None`` when it reads no such file."""
    split = _split_ending(name)
    return None if split is None else split[0] + (split[1] or "")


# Longest first, so that ".warc.gz" is an archive and not a gzipped ".warc".
_BY_LENGTH = sorted(EXTENSIONS, key=len, reverse=True)


def _split_ending(name: str) -> tuple[str, str | None] | None:
    """``name``'s type ending (a key of :data:`EXTENSIONS`) and its compression ending (a key
    of :data:`COMPRESSIONS`, or ``None``); ``None`` when tidings reads no such file."""
    lower = name.lower()
    for compression in (None, *COMPRESSIONS):
        if compression is not None and not lower.endswith(compression):
            continue
        stem = lower.removesuffix(compression) if compression else lower
        ext = next((e for e in _BY_LENGTH if stem.endswith(e)), None)
        if ext is not None:
            return ext, compression
    return None


def known_types() -> str:
    """The file endings tidings reads, for messages."""
    return (
        f"{', '.join(sorted(EXTENSIONS))}, each also compressed ({', '.join(sorted(COMPRESSIONS))})"
    )


#: Fields a JSON record may carry; others are kept in ``meta`` but unused.
RECORD_FIELDS = (
    "text",
    "html",
    "url",
    "title",
    "published",
    "updated",
    "outlet",
    "authors",
    "language",
)


@dataclass(slots=True)
class ReadResult:
    """What reading a set of inputs produced: documents to extract, and rejections."""

    documents: list[RawDocument] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def reject(self, error: InputError) -> None:
        """Record ``error`` as a rejection."""
        self.rejected.append(_rejection(error))

    def extend(self, other: ReadResult) -> None:
        """Append everything ``other`` holds."""
        self.documents.extend(other.documents)
        self.rejected.extend(other.rejected)

    @classmethod
    def of(cls, items: Iterable[RawDocument | Rejection]) -> ReadResult:
        """The documents and rejections of a stream (:func:`iter_inputs`), in two lists."""
        result = cls()
        for item in items:
            if isinstance(item, Rejection):
                result.rejected.append(item)
            else:
                result.documents.append(item)
        return result


def read_inputs(inputs: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read files and folders into raw documents.

    Args:
        inputs: file or folder paths.
        max_bytes: files larger than this are rejected as ``too-large``.

    Returns:
        The documents in input order (folders in sorted order), and a rejection for every input
        that could not be used, including folders with nothing usable in them.
    """
    return ReadResult.of(iter_inputs(inputs, max_bytes=max_bytes))


def iter_inputs(
    inputs: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawDocument | Rejection]:
    """:func:`read_inputs` as a stream: each document or rejection as soon as it is read, so a
    caller that extracts as it goes never holds a whole archive's pages."""
    for item in inputs:
        if isinstance(item, str) and is_url(item):
            yield RawDocument(source=item, kind="url", meta={"url": item})
            continue
        path = Path(item)
        if path.is_dir():
            files = sorted(_walk(path))
            usable = False
            for file in files:
                for read in _iter_path(file, max_bytes=max_bytes):
                    usable = usable or isinstance(read, RawDocument)
                    yield read
            if not usable:
                found = f"{len(files)} file(s), none usable" if files else "no files"
                yield _rejection(
                    ReadError(
                        str(path),
                        f"folder has nothing usable ({found}); tidings reads {known_types()}",
                        reason="nothing-usable",
                    )
                )
        else:
            yield from _iter_path(path, max_bytes=max_bytes)


def _rejection(error: InputError) -> Rejection:
    return Rejection(error.input, error.stage, error.reason, error.detail)


def _walk(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def read_path(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read one file into raw documents (several for JSON lists and JSON Lines).

    Args:
        path: the file.
        max_bytes: size limit.

    Returns:
        A :class:`ReadResult` with the documents or the rejection.
    """
    return ReadResult.of(_iter_path(path, max_bytes=max_bytes))


def _iter_path(path: Path, *, max_bytes: int) -> Iterator[RawDocument | Rejection]:
    """The documents and rejections of one file, as they are read (a WARC record by record)."""
    label = str(path)
    try:
        kind, compression = _kind_of(path)
        if kind == "warc":
            # Archives stream record by record; max_bytes bounds each record, not the archive.
            yield from iter_warc(path, max_record_bytes=max_bytes)
            return
        data = _read_bytes(path, max_bytes, compression)
        result = ReadResult()
        if kind == "feed":
            result.extend(documents_from_feed(data, source=label))
        elif kind == "urls":
            result.extend(_url_list(decode_text(label, data), label))
        elif kind == "text" and _is_url_list(text := decode_text(label, data)):
            result.extend(_url_list(text, label))
        elif kind == "html":
            _check_not_binary(label, data)
            result.documents.append(RawDocument(source=label, kind="html", content=data))
        elif kind == "text":
            result.documents.append(RawDocument(source=label, kind="text", content=data, text=text))
        else:
            text = decode_text(label, data)
            result.extend(records_from_json(text, source=label, lines=kind == "jsonl"))
    except InputError as err:
        yield _rejection(err)
        return
    yield from result.documents
    yield from result.rejected


def is_url(text: str) -> bool:
    """True for an ``http://`` or ``https://`` URL with a host."""
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text.strip()


def _is_url_list(text: str) -> bool:
    # A capture of a page never has most of its lines be bare URLs; a list of links with a typo
    # still does, and the bad line is then rejected on its own (file:line).
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    return bool(lines) and 2 * sum(is_url(ln) for ln in lines) > len(lines)


def _url_list(text: str, label: str) -> ReadResult:
    result = ReadResult()
    urls, rejected = parse_url_list(text, source=label)
    result.rejected.extend(rejected)
    result.documents.extend(
        RawDocument(source=u, kind="url", meta={"url": u, "listed_in": label}) for u in urls
    )
    if not urls and not rejected:
        result.reject(ReadError(label, "URL list has no URLs", reason="empty"))
    return result


def documents_from_feed(content: bytes, *, source: str) -> ReadResult:
    """The documents of a feed's entries: their full content, or ``url`` documents to fetch.

    Raises:
        FormatError: the bytes are not a readable feed.
    """
    result = ReadResult()
    feed = parse_feed(content, source=source)
    if not feed.entries:
        result.reject(FormatError(source, "feed has no entries", reason="empty-feed"))
    for entry in feed.entries:
        try:
            result.documents.append(entry_document(entry, feed=feed))
        except InputError as err:
            result.reject(err)
    return result


def fetch_documents(
    documents: Sequence[RawDocument], *, fetcher: Fetcher | None = None
) -> ReadResult:
    """Fetch every ``kind="url"`` document; the others pass through unchanged, in order.

    A fetched page becomes ``kind="html"`` with the fetch time as ``crawled`` (never as a
    publication date) and the HTTP charset in ``meta``; a fetched feed becomes its entries.

    Args:
        documents: read documents, some of kind ``url``.
        fetcher: the fetcher to use; a default :class:`~tidings.fetch.Fetcher` (polite, private
            addresses refused) is made and closed when none is given.

    Returns:
        The documents with URLs resolved, and a rejection for every URL that failed.
    """
    result = ReadResult()
    for one in fetch_each(documents, fetcher=fetcher):
        result.extend(one)
    return result


def fetch_each(
    documents: Sequence[RawDocument], *, fetcher: Fetcher | None = None
) -> list[ReadResult]:
    """:func:`fetch_documents`, one result per document, in order: what each became (itself,
    when it is not a URL; a page; a feed's entries) and why any of it was refused. The URLs are
    fetched together, so the fetcher can work on several hosts at once."""
    if not any(d.kind == "url" for d in documents):
        return [ReadResult(documents=[d]) for d in documents]
    own = fetcher is None
    fetcher = fetcher or Fetcher(FetchPolicy())
    try:
        first = _fetch_round(documents, fetcher, expand_feeds=True)
        # Feed entries without full text come back as url documents: fetch them (one level).
        flat = [(k, doc) for k, one in enumerate(first) for doc in one.documents]
        second = _fetch_round([doc for _, doc in flat], fetcher, expand_feeds=False)
    finally:
        if own:
            fetcher.close()
    out = [ReadResult(rejected=list(one.rejected)) for one in first]
    for (k, _), one in zip(flat, second, strict=True):
        out[k].extend(one)
    return out


def _fetch_round(
    documents: Sequence[RawDocument], fetcher: Fetcher, *, expand_feeds: bool
) -> list[ReadResult]:
    """One round of fetching: for each document, itself or what its URL gave."""
    out = [ReadResult(documents=[d]) if d.kind != "url" else ReadResult() for d in documents]
    pending = [i for i, d in enumerate(documents) if d.kind == "url"]
    urls = [documents[i].source for i in pending]
    for index, (_, outcome) in zip(pending, fetcher.fetch_many(urls), strict=True):
        if isinstance(outcome, InputError):
            out[index].reject(outcome)
        else:
            out[index].extend(_page_or_feed(documents[index], outcome, expand_feeds=expand_feeds))
    return out


def _page_or_feed(doc: RawDocument, page: FetchResult, *, expand_feeds: bool) -> ReadResult:
    result = ReadResult()
    content_type = page.content_type or ""
    if looks_like_feed(page.content) and "html" not in content_type:
        if not expand_feeds:
            result.reject(
                FormatError(
                    doc.source,
                    "a feed entry links to another feed; not followed",
                    reason="nested-feed",
                )
            )
            return result
        try:
            return documents_from_feed(page.content, source=page.final_url)
        except InputError as err:
            result.reject(err)
            return result
    if content_type and not any(t in content_type for t in ("html", "xml", "text/plain")):
        result.reject(
            FormatError(
                doc.source,
                f"not a web page (Content-Type {content_type})",
                reason="not-html",
                stage="fetch",
            )
        )
        return result
    meta = {
        **doc.meta,
        "url": page.final_url,
        "charset": page.charset,
        "content_type": page.content_type,
        "http_last_modified": page.headers.get("last-modified"),
    }
    if page.redirects:
        meta["redirects"] = list(page.redirects)
    result.documents.append(
        RawDocument(
            source=page.final_url,
            kind="html",
            content=page.content,
            meta=meta,
            crawled=page.fetched_at,
        )
    )
    return result


def _kind_of(path: Path) -> tuple[str, str | None]:
    """The kind of input ``path`` holds, and its compression (``None``: none, or the format's
    own, as a ``.warc.gz`` archive's)."""
    split = _split_ending(path.name)
    if split is not None:
        ext, compression = split
        return EXTENSIONS[ext], None if compression is None else COMPRESSIONS[compression]
    if not path.exists():
        raise ReadError(str(path), "no such file or folder", reason="missing")
    compressed = any(path.name.lower().endswith(c) for c in COMPRESSIONS)
    suffix = "".join(path.suffixes[-2:]) if compressed else path.suffix
    raise FormatError(
        str(path),
        f"unknown file type {suffix or '(no extension)'!r}; tidings reads {known_types()}",
        reason="unknown-extension",
        stage="read",
    )


def _read_bytes(path: Path, max_bytes: int, compression: str | None = None) -> bytes:
    label = str(path)
    try:
        if compression is not None:
            data = _decompress(path, max_bytes, compression)
        else:
            size = path.stat().st_size
            if size > max_bytes:
                raise ReadError(
                    label,
                    f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (raise it with --max-bytes)",
                    reason="too-large",
                )
            data = path.read_bytes()
    except FileNotFoundError:
        raise ReadError(label, "no such file or folder", reason="missing") from None
    except IsADirectoryError:
        raise ReadError(label, "is a folder, expected a file", reason="unreadable") from None
    except PermissionError as exc:
        raise ReadError(label, "permission denied", reason="unreadable") from exc
    except OSError as exc:
        raise ReadError(
            label, f"cannot be read ({exc.strerror or exc})", reason="unreadable"
        ) from exc
    if not data.strip():
        raise ReadError(label, "file is empty", reason="empty")
    return data


def _decompress(path: Path, max_bytes: int, compression: str) -> bytes:
    """The decompressed bytes of ``path``, at most ``max_bytes`` of them (a small file can
    decompress to gigabytes: the limit is on what it becomes, read no further than the limit)."""
    try:
        with _OPENERS[compression](path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except (EOFError, lzma.LZMAError, zlib.error) as exc:
        raise ReadError(
            str(path), f"is not a whole {compression} file ({exc})", reason="unreadable"
        ) from exc
    except OSError as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        raise ReadError(
            str(path), f"is not a valid {compression} file ({exc})", reason="unreadable"
        ) from exc
    if len(data) > max_bytes:
        raise ReadError(
            str(path),
            f"decompresses to over the {max_bytes:,}-byte limit (raise it with --max-bytes)",
            reason="too-large",
        )
    return data


def _check_not_binary(label: str, data: bytes) -> None:
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(
            label, "file is binary (contains NUL bytes), expected text", reason="binary"
        )


def decode_text(label: str, data: bytes) -> str:
    """Decode file bytes as text: UTF-8 (BOM allowed), or UTF-16/32 when a BOM says so.

    Raises:
        ReadError: the bytes are binary (``binary``), not valid in the encoding (``undecodable``),
            or decode to nothing but whitespace (``empty``).
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        _check_not_binary(label, data)
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(
            label,
            f"not valid {encoding.removesuffix('-sig').upper()} (bad byte at offset {exc.start}); "
            "re-save the file as UTF-8",
            reason="undecodable",
        ) from exc
    if not is_printable_text(text):
        raise ReadError(
            label, "file looks binary (mostly control characters), expected text", reason="binary"
        )
    if not text.strip():
        raise ReadError(label, "file is empty (only whitespace)", reason="empty")
    return text


def records_from_json(text: str, *, source: str, lines: bool) -> ReadResult:
    """Turn JSON or JSON Lines text into raw documents, one per record.

    A record is an object with any of ``text``, ``html``, ``url``, ``title``, ``published``,
    ``updated``, ``outlet``, ``authors``, ``language``. A ``.json`` file may hold one record, a
    list of records, or an object with an ``articles`` list. A bad line of a JSON Lines file is
    rejected on its own (``file:line``) and the rest is read.

    Args:
        text: the decoded file.
        source: the file's label, used in document sources and rejections.
        lines: parse as JSON Lines.
    """
    result = ReadResult()
    if lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            label = f"{source}:{number}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                result.reject(
                    FormatError(
                        label, f"invalid JSON ({exc.msg} at column {exc.colno})", reason="bad-json"
                    )
                )
                continue
            _add_record(result, obj, label)
        if not result.documents and not result.rejected:
            result.reject(ReadError(source, "file has no records", reason="empty"))
        return result
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (one object per line? name it .jsonl)" if exc.msg == "Extra data" else ""
        raise FormatError(
            source,
            f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}){hint}",
            reason="bad-json",
        ) from exc
    if isinstance(obj, dict) and isinstance(obj.get("articles"), list):
        obj = obj["articles"]
    if isinstance(obj, list):
        if not obj:
            raise ReadError(source, "JSON list has no records", reason="empty")
        for index, item in enumerate(obj):
            _add_record(result, item, f"{source}#{index}")
    else:
        _add_record(result, obj, source)
    return result


def _add_record(result: ReadResult, obj: Any, label: str) -> None:
    try:
        result.documents.append(_record_document(obj, label))
    except InputError as err:
        result.reject(err)


def _record_document(obj: Any, label: str) -> RawDocument:
    if not isinstance(obj, dict):
        raise FormatError(
            label,
            f"expected a JSON object (a record), got {type(obj).__name__}",
            reason="bad-record",
        )
    meta = {k: v for k, v in obj.items() if k not in ("text", "html")}
    text, html = obj.get("text"), obj.get("html")
    for name, value in (("text", text), ("html", html)):
        if value is not None and not isinstance(value, str):
            raise FormatError(
                label,
                f"field {name!r} must be a string, got {type(value).__name__}",
                reason="bad-record",
            )
    for name in ("published", "updated"):
        value = obj.get(name)
        # The record's dates are the user's word: one that cannot be read is refused, not dropped
        # (an article kept without its date would silently lose its place in time).
        if isinstance(value, str) and not value.strip():
            continue  # blank: no date given
        if value is not None and parse_date(value) is None:
            raise FormatError(
                label,
                f"field {name!r} is not a date: {value!r} (expected a string in ISO 8601, such"
                " as 2024-05-01 or 2024-05-01T09:30:00Z, or an RFC 2822 date)",
                reason="bad-date",
            )
    url = obj.get("url")
    source = url if isinstance(url, str) and url else label
    meta.setdefault("record", label)
    if html and html.strip():
        return RawDocument(source=source, kind="html", content=html.encode("utf-8"), meta=meta)
    if text and text.strip():
        return RawDocument(source=source, kind="record", text=text, meta=meta)
    if isinstance(url, str) and url:
        return RawDocument(source=source, kind="url", meta=meta)
    present = ", ".join(sorted(obj)) or "no fields"
    raise FormatError(
        label,
        f"record has no 'text', 'html' or 'url' to read an article from (it has {present})",
        reason="no-content",
    )


def documents_from_texts(texts: Iterable[str | Mapping[str, Any]]) -> ReadResult:
    """Wrap in-memory inputs for the Python API: plain strings or record dicts.

    A plain string is treated as a plain-text capture; a mapping as a JSON record.
    """
    result = ReadResult()
    for index, item in enumerate(texts):
        label = f"<input {index}>"
        if isinstance(item, str):
            if not item.strip():
                result.reject(ReadError(label, "text is empty", reason="empty"))
                continue
            result.documents.append(RawDocument(source=label, kind="text", text=item))
        else:
            _add_record(result, dict(item), label)
    return result
