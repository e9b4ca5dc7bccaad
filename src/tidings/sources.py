"""The reading edge: paths, folders and in-memory texts become ``RawDocument`` records.

This is the only place that touches the file system on the way in. Every input that cannot be
used becomes a :class:`~tidings.records.Rejection` naming the input and the reason; nothing is
dropped silently. Folders are walked recursively in sorted order (hidden entries skipped), so a
run is reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FormatError, InputError, ReadError
from .records import RawDocument, Rejection
from .textutil import is_printable_text

__all__ = [
    "DEFAULT_MAX_BYTES",
    "EXTENSIONS",
    "ReadResult",
    "decode_text",
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
}

#: Fields a JSON record may carry; others are kept in ``meta`` but unused.
RECORD_FIELDS = ("text", "html", "url", "title", "published", "updated", "outlet", "authors", "language")


@dataclass(slots=True)
class ReadResult:
    """What reading a set of inputs produced: documents to extract, and rejections."""

    documents: list[RawDocument] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def reject(self, error: InputError) -> None:
        """Record ``error`` as a rejection."""
        self.rejected.append(Rejection(error.input, error.stage, error.reason, error.detail))

    def extend(self, other: ReadResult) -> None:
        """Append everything ``other`` holds."""
        self.documents.extend(other.documents)
        self.rejected.extend(other.rejected)


def read_inputs(inputs: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read files and folders into raw documents.

    Args:
        inputs: file or folder paths.
        max_bytes: files larger than this are rejected as ``too-large``.

    Returns:
        The documents in input order (folders in sorted order), and a rejection for every input
        that could not be used, including folders with nothing usable in them.
    """
    result = ReadResult()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            before = len(result.documents)
            files = sorted(_walk(path))
            for file in files:
                result.extend(read_path(file, max_bytes=max_bytes, from_folder=True))
            if len(result.documents) == before:
                found = f"{len(files)} file(s), none usable" if files else "no files"
                result.reject(
                    ReadError(
                        str(path),
                        f"folder has nothing usable ({found}); tidings reads "
                        f"{', '.join(sorted(EXTENSIONS))}",
                        reason="nothing-usable",
                    )
                )
        else:
            result.extend(read_path(path, max_bytes=max_bytes))
    return result


def _walk(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def read_path(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, from_folder: bool = False) -> ReadResult:
    """Read one file into raw documents (several for JSON lists and JSON Lines).

    Args:
        path: the file.
        max_bytes: size limit.
        from_folder: the file was found by walking a folder; files with an unknown extension are
            then still reported, so nothing in a folder is skipped without a word.

    Returns:
        A :class:`ReadResult` with the documents or the rejection.
    """
    result = ReadResult()
    label = str(path)
    try:
        kind = _kind_of(path)
        data = _read_bytes(path, max_bytes)
        if kind == "html":
            _check_not_binary(label, data)
            result.documents.append(RawDocument(source=label, kind="html", content=data))
        elif kind == "text":
            text = decode_text(label, data)
            result.documents.append(RawDocument(source=label, kind="text", content=data, text=text))
        else:
            text = decode_text(label, data)
            result.extend(records_from_json(text, source=label, lines=kind == "jsonl"))
    except InputError as err:
        result.reject(err)
    return result


def _kind_of(path: Path) -> str:
    name = path.name.lower()
    for ext, kind in EXTENSIONS.items():
        if name.endswith(ext):
            return kind
    if not path.exists():
        raise ReadError(str(path), "no such file or folder", reason="missing")
    known = ", ".join(sorted(EXTENSIONS))
    raise FormatError(
        str(path),
        f"unknown file type {path.suffix or '(no extension)'!r}; tidings reads {known}",
        reason="unknown-extension",
        stage="read",
    )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    label = str(path)
    try:
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
        raise ReadError(label, f"cannot be read ({exc.strerror or exc})", reason="unreadable") from exc
    if not data.strip():
        raise ReadError(label, "file is empty", reason="empty")
    return data


def _check_not_binary(label: str, data: bytes) -> None:
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(label, "file is binary (contains NUL bytes), expected text", reason="binary")


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
        raise ReadError(label, "file looks binary (mostly control characters), expected text", reason="binary")
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
                result.reject(FormatError(label, f"invalid JSON ({exc.msg} at column {exc.colno})", reason="bad-json"))
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
            source, f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}){hint}", reason="bad-json"
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
        raise FormatError(label, f"expected a JSON object (a record), got {type(obj).__name__}", reason="bad-record")
    meta = {k: v for k, v in obj.items() if k not in ("text", "html")}
    text, html = obj.get("text"), obj.get("html")
    for name, value in (("text", text), ("html", html)):
        if value is not None and not isinstance(value, str):
            raise FormatError(label, f"field {name!r} must be a string, got {type(value).__name__}", reason="bad-record")
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
