"""Tests of tidings.warc: archives are written here with warcio, then read back with iter_warc."""

from __future__ import annotations

import gzip
import io
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tidings.errors import UsageError
from tidings.records import RawDocument, Rejection
from tidings.warc import iter_warc

DATE = "2024-01-02T03:04:05Z"
CRAWLED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


class ArchiveBuilder:
    """Writes WARC records with warcio, with fixed dates and record ids so outputs are exact."""

    def __init__(self, *, compress: bool) -> None:
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=compress)
        self.count = 0
        self.offsets: list[int] = []  # where each record starts in the file

    def _headers(self, date: str = DATE) -> dict[str, str]:
        self.count += 1
        return {
            "WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{self.count:012d}>",
            "WARC-Date": date,
        }

    def _write(self, record: object) -> None:
        self.offsets.append(self.buffer.tell())
        self.writer.write_record(record)

    def warcinfo(self) -> None:
        self.count += 1
        self._write(self.writer.create_warcinfo_record("test.warc", {"software": "tests"}))

    def response(
        self,
        url: str,
        body: bytes,
        headers: list[tuple[str, str]],
        *,
        status: str = "200 OK",
        date: str = DATE,
    ) -> None:
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),  # a known length keeps warcio from buffering in temporary files
            http_headers=http,
            warc_headers_dict=self._headers(date),
        )
        self._write(record)

    def request(self, url: str) -> None:
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example")], is_http_request=True)
        self._write(
            self.writer.create_warc_record(
                url, "request", http_headers=http, warc_headers_dict=self._headers()
            )
        )

    def revisit(self, url: str) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = self.writer.create_revisit_record(
            url,
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=url,
            refers_to_date="2023-12-01T00:00:00Z",
            http_headers=http,
            warc_headers_dict=self._headers(),
        )
        self._write(record)

    def metadata(self, url: str) -> None:
        record = self.writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
            length=17,
            warc_content_type="application/warc-fields",
            warc_headers_dict=self._headers(),
        )
        self._write(record)

    def resource(self, url: str, body: bytes, content_type: str) -> None:
        record = self.writer.create_warc_record(
            url,
            "resource",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict=self._headers(),
        )
        self._write(record)

    def data(self) -> bytes:
        return self.buffer.getvalue()


UTF8_PAGE = "<html><body><p>Grüße aus Köln</p></body></html>".encode()
CP1252_PAGE = "<html><body><p>Café – naïve “quotes”</p></body></html>".encode("cp1252")
LATIN1_PAGE = "<html><body><p>Résumé</p></body></html>".encode("latin-1")
NO_CHARSET_PAGE = b'<html><head><meta charset="iso-8859-1"></head><body>caf\xe9</body></html>'
CHUNKED_PAGE = b"<!DOCTYPE html><html><body><p>Chunked news</p></body></html>"
GZIP_PAGE = b"<html><body><p>" + b"Compressed news. " * 50 + b"</p></body></html>"
SAVED_PAGE = b"<html><body><p>Saved by a capture tool</p></body></html>"
UNTYPED_PAGE = b"\n  <!doctype html><html><body>No content type</body></html>"


def chunked(data: bytes, size: int) -> bytes:
    parts = [
        b"%x;ext=1\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
        for i in range(0, len(data), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def build_mixed(*, compress: bool) -> ArchiveBuilder:
    """An archive with every kind of record iter_warc must tell apart."""
    b = ArchiveBuilder(compress=compress)
    b.warcinfo()
    b.request("https://news.example/utf8")
    b.response(
        "https://news.example/utf8",
        UTF8_PAGE,
        [
            ("Content-Type", "text/html; charset=UTF-8"),
            ("Last-Modified", "Mon, 01 Jan 2024 10:00:00 GMT"),
        ],
    )
    b.metadata("https://news.example/utf8")
    b.response(
        "https://news.example/cp1252",
        CP1252_PAGE,
        [("Content-Type", 'text/html; charset="windows-1252"')],
        date="2024-01-02T03:04:05.123456Z",
    )
    # The header lies: the body is Latin-1. The reader passes both on; extraction decides.
    b.response(
        "https://news.example/wrong-charset",
        LATIN1_PAGE,
        [("Content-Type", "text/html; charset=utf-8")],
    )
    b.response("https://news.example/no-charset", NO_CHARSET_PAGE, [("Content-Type", "text/html")])
    b.response(
        "https://news.example/chunked",
        chunked(CHUNKED_PAGE, 7),
        [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")],
    )
    b.response(
        "https://news.example/gzip",
        gzip.compress(GZIP_PAGE, mtime=0),
        [("Content-Type", "application/xhtml+xml"), ("Content-Encoding", "gzip")],
    )
    b.response(
        "https://news.example/missing",
        b"<html>Not found</html>",
        [("Content-Type", "text/html")],
        status="404 Not Found",
    )
    b.response(
        "https://news.example/old",
        b"",
        [("Location", "https://news.example/new"), ("Content-Type", "text/html")],
        status="301 Moved Permanently",
    )
    b.response(
        "https://news.example/logo.png", b"\x89PNG\r\n\x1a\n....", [("Content-Type", "image/png")]
    )
    b.response(
        "https://news.example/robots.txt",
        b"User-agent: *\nDisallow:\n",
        [("Content-Type", "text/plain")],
    )
    b.response(
        "https://news.example/report.pdf", b"%PDF-1.7 ...", [("Content-Type", "application/pdf")]
    )
    b.revisit("https://news.example/utf8")
    b.resource("https://news.example/saved", SAVED_PAGE, "text/html; charset=utf-8")
    b.resource("https://news.example/log", b"crawl log", "text/plain")
    b.response("https://news.example/untyped", UNTYPED_PAGE, [])
    return b


def summary(items: list[RawDocument | Rejection]) -> list[tuple[str, ...]]:
    return [
        ("doc", item.source, item.content.decode("latin-1"))
        if isinstance(item, RawDocument)
        else ("rejected", item.input, item.stage, item.reason)
        for item in items
    ]


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_mixed_archive_yields_exactly_the_html_pages_and_rejections(
    tmp_path: Path, compress: bool
) -> None:
    builder = build_mixed(compress=compress)
    # The name says nothing: gzip is detected from the bytes.
    path = tmp_path / "archive.bin"
    path.write_bytes(builder.data())

    items = list(iter_warc(path))

    assert summary(items) == [
        ("doc", "https://news.example/utf8", UTF8_PAGE.decode("latin-1")),
        ("doc", "https://news.example/cp1252", CP1252_PAGE.decode("latin-1")),
        ("doc", "https://news.example/wrong-charset", LATIN1_PAGE.decode("latin-1")),
        ("doc", "https://news.example/no-charset", NO_CHARSET_PAGE.decode("latin-1")),
        ("doc", "https://news.example/chunked", CHUNKED_PAGE.decode("latin-1")),
        ("doc", "https://news.example/gzip", GZIP_PAGE.decode("latin-1")),
        ("rejected", "https://news.example/missing", "read", "http-404"),
        ("rejected", "https://news.example/old", "read", "http-301"),
        ("rejected", "https://news.example/report.pdf", "read", "not-html"),
        ("doc", "https://news.example/saved", SAVED_PAGE.decode("latin-1")),
        ("doc", "https://news.example/untyped", UNTYPED_PAGE.decode("latin-1")),
    ]
    docs = {item.source: item for item in items if isinstance(item, RawDocument)}
    assert all(doc.kind == "html" and doc.text is None for doc in docs.values())

    first = docs["https://news.example/utf8"]
    assert first.crawled == CRAWLED
    assert dict(first.meta) == {
        "url": "https://news.example/utf8",
        "http_status": 200,
        "content_type": "text/html",
        "charset": "utf-8",
        "warc_record_id": "<urn:uuid:00000000-0000-0000-0000-000000000003>",
        "warc_date": "2024-01-02T03:04:05+00:00",
        "archive": str(path),
        "warc_offset": builder.offsets[2],
        "last_modified": "Mon, 01 Jan 2024 10:00:00 GMT",
    }
    assert docs["https://news.example/cp1252"].meta["charset"] == "windows-1252"
    assert docs["https://news.example/cp1252"].crawled == datetime(
        2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC
    )
    assert docs["https://news.example/wrong-charset"].meta["charset"] == "utf-8"
    assert docs["https://news.example/no-charset"].meta["charset"] is None
    assert docs["https://news.example/gzip"].meta["content_type"] == "application/xhtml+xml"
    assert "last_modified" not in docs["https://news.example/gzip"].meta
    assert docs["https://news.example/saved"].meta["http_status"] is None
    assert docs["https://news.example/untyped"].meta["content_type"] is None

    redirect = next(i for i in items if isinstance(i, Rejection) and i.reason == "http-301")
    assert "https://news.example/new" in redirect.detail
    assert str(path) in redirect.detail


def test_warc_offset_points_at_the_record(tmp_path: Path) -> None:
    for compress in (True, False):
        data = build_mixed(compress=compress).data()
        docs = [i for i in iter_warc(io.BytesIO(data)) if isinstance(i, RawDocument)]
        assert len(docs) == 8
        for doc in docs:
            offset = doc.meta["warc_offset"]
            record = zlib.decompressobj(31).decompress(data[offset:]) if compress else data[offset:]
            assert record.startswith(b"WARC/1.")
            assert f"WARC-Target-URI: {doc.source}\r\n".encode() in record[:1000]


def test_reads_a_non_seekable_stream_and_names_it() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(min(len(buffer), 1000))  # short reads, like a pipe
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = build_mixed(compress=True).data()
    items = list(iter_warc(Pipe(data), source_label="crawl-7"))
    assert summary(items) == summary(list(iter_warc(io.BytesIO(data))))
    assert {item.meta["archive"] for item in items if isinstance(item, RawDocument)} == {"crawl-7"}


def small_archive(*, compress: bool) -> ArchiveBuilder:
    b = ArchiveBuilder(compress=compress)
    b.warcinfo()
    for n in range(3):
        b.response(
            f"https://news.example/{n}",
            b"<html><body>story %d</body></html>" % n,
            [("Content-Type", "text/html")],
        )
    return b


def test_truncated_gzip_archive_yields_earlier_records_then_a_rejection() -> None:
    builder = small_archive(compress=True)
    data = builder.data()
    cut = (builder.offsets[3] + len(data)) // 2  # the middle of the last record's gzip member

    items = list(iter_warc(io.BytesIO(data[:cut]), source_label="cc-news.warc.gz"))

    assert summary(items[:-1]) == [
        ("doc", "https://news.example/0", "<html><body>story 0</body></html>"),
        ("doc", "https://news.example/1", "<html><body>story 1</body></html>"),
    ]
    last = items[-1]
    assert isinstance(last, Rejection)
    assert (last.input, last.stage, last.reason) == ("cc-news.warc.gz", "read", "truncated-archive")
    assert f"ends at byte {cut}" in last.detail
    assert f"member that starts at byte {builder.offsets[3]}" in last.detail


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_every_cut_keeps_complete_records_and_reports_the_rest(compress: bool) -> None:
    builder = small_archive(compress=compress)
    data = builder.data()
    full = list(iter_warc(io.BytesIO(data), source_label="a"))
    assert len(full) == 3
    ends = [*builder.offsets[1:], len(data)]  # where each record, warcinfo included, ends
    page_ends = ends[1:]
    # A record's content is whole a little before its end: in a plain archive only the CRLFCRLF
    # after it is missing, in a gzip one the member's CRC trailer and end of deflate stream.
    slack = 12 if compress else 4
    for cut in range(len(data) + 1):
        items = list(iter_warc(io.BytesIO(data[:cut]), source_label="a"))
        docs = [i for i in items if isinstance(i, RawDocument)]
        assert docs == full[: len(docs)], cut
        assert sum(end <= cut for end in page_ends) <= len(docs), cut
        assert len(docs) <= sum(end - slack <= cut for end in page_ends), cut
        problems = [i for i in items if isinstance(i, Rejection)]
        if cut == 0:
            assert [p.reason for p in problems] == ["empty"]
        elif cut in ends:
            assert problems == [], cut
        elif compress or not any(end - 4 <= cut < end for end in ends):
            # Cut anywhere else: exactly one Rejection, after everything that could be read.
            assert len(problems) == 1 and items[-1] is problems[0], (cut, items)
            expected = {"truncated-archive"} if cut > 8 else {"truncated-archive", "not-a-warc"}
            assert problems[0].reason in expected, (cut, problems)
            assert problems[0].stage == "read"


def test_corrupt_gzip_member_yields_earlier_records_then_a_rejection() -> None:
    builder = small_archive(compress=True)
    data = bytearray(builder.data())
    middle = (builder.offsets[2] + builder.offsets[3]) // 2
    data[middle : middle + 8] = b"\xff" * 8

    items = list(iter_warc(io.BytesIO(bytes(data)), source_label="a"))

    assert [i.source for i in items if isinstance(i, RawDocument)] == ["https://news.example/0"]
    assert isinstance(items[-1], Rejection)
    assert items[-1].reason == "corrupt-archive"
    assert f"member that starts at byte {builder.offsets[2]}" in items[-1].detail


def test_damaged_record_in_a_plain_archive_is_reported_and_reading_goes_on() -> None:
    builder = small_archive(compress=False)
    data = bytearray(builder.data())
    damaged = builder.offsets[2]
    data[damaged : damaged + 8] = b"XXXXXXXX"  # the "WARC/1.0" line of the second page

    items = list(iter_warc(io.BytesIO(bytes(data)), source_label="a"))

    assert summary(items)[0][:2] == ("doc", "https://news.example/0")
    assert summary(items)[2][:2] == ("doc", "https://news.example/2")
    problem = items[1]
    assert isinstance(problem, Rejection)
    assert problem.reason == "corrupt-archive"
    assert f"from byte {damaged}" in problem.detail
    assert len(items) == 3


def test_record_of_unknown_type_is_reported() -> None:
    b = ArchiveBuilder(compress=True)
    b.response("https://news.example/a", b"<html>a</html>", [("Content-Type", "text/html")])
    # What a damaged "WARC-Type: response" header reads like; the page in it must not vanish.
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = b.writer.create_warc_record(
        "https://news.example/b",
        "respXnse",
        payload=io.BytesIO(b"<html>b</html>"),
        length=14,
        http_headers=http,
        warc_headers_dict=b._headers(),
    )
    b._write(record)

    items = list(iter_warc(io.BytesIO(b.data()), source_label="a"))

    assert summary(items) == [
        ("doc", "https://news.example/a", "<html>a</html>"),
        ("rejected", "a", "read", "corrupt-archive"),
    ]
    assert isinstance(items[1], Rejection)
    assert "unknown WARC-Type 'respxnse'" in items[1].detail
    assert "https://news.example/b" in items[1].detail


def test_lf_only_line_endings_are_accepted() -> None:
    body = b"HTTP/1.1 200 OK\nContent-Type: text/html\n\n<html>lf</html>"
    record = (
        b"WARC/1.0\nWARC-Type: response\nWARC-Target-URI: http://x.example/\n"
        b"WARC-Date: 2024-01-02T03:04:05Z\nContent-Length: %d\n\n%s\n\n" % (len(body), body)
    )
    items = list(iter_warc(io.BytesIO(record * 2)))
    assert summary(items) == [("doc", "http://x.example/", "<html>lf</html>")] * 2


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"this is not an archive\n" * 50, "not-a-warc"),
        (b"\x00\xff" * 300, "not-a-warc"),
        (b"filedesc://crawl.arc 0.0.0.0 20240101000000 text/plain 76\n", "not-a-warc"),
        (gzip.compress(b"<html>a gzipped page</html>"), "not-a-warc"),
        (b"\x1f\x8b\x08\x00garbage after a gzip magic", "corrupt-archive"),
        (b"\x28\xb5\x2f\xfd" + b"\x00" * 40, "unsupported-compression"),
        (gzip.compress(b""), "empty"),
    ],
    ids=["empty", "text", "binary", "arc", "gzipped-html", "bad-gzip", "zstd", "empty-gzip"],
)
def test_garbage_yields_one_rejection_and_no_crash(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    path = tmp_path / "input.warc.gz"
    path.write_bytes(data)
    items = list(iter_warc(path))
    assert len(items) == 1
    assert isinstance(items[0], Rejection)
    assert (items[0].input, items[0].stage, items[0].reason) == (str(path), "read", reason)
    assert str(path) in items[0].detail


def test_missing_file_is_a_rejection(tmp_path: Path) -> None:
    items = list(iter_warc(tmp_path / "nope.warc.gz"))
    assert [(i.reason, i.stage) for i in items if isinstance(i, Rejection)] == [("missing", "read")]


def test_record_over_the_size_limit_is_rejected_unless_it_is_an_asset() -> None:
    b = ArchiveBuilder(compress=True)
    b.response(
        "https://news.example/big",
        b"<html>" + b"x" * 200_000 + b"</html>",
        [("Content-Type", "text/html")],
    )
    b.response(
        "https://news.example/big.jpg",
        b"\xff\xd8" + b"x" * 200_000,
        [("Content-Type", "image/jpeg")],
    )
    b.response("https://news.example/small", b"<html>small</html>", [("Content-Type", "text/html")])
    bomb = gzip.compress(b"<html>" + b" " * 1_000_000 + b"</html>")
    b.response(
        "https://news.example/bomb",
        bomb,
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
    )

    items = list(iter_warc(io.BytesIO(b.data()), max_record_bytes=100_000))

    assert summary(items) == [
        ("rejected", "https://news.example/big", "read", "too-large"),
        ("doc", "https://news.example/small", "<html>small</html>"),
        ("rejected", "https://news.example/bomb", "read", "too-large"),
    ]


def test_body_problems_become_rejections() -> None:
    b = ArchiveBuilder(compress=False)
    b.response(
        "https://news.example/zstd",
        b"(\xb5/\xfd...",
        [("Content-Type", "text/html"), ("Content-Encoding", "zstd")],
    )
    b.response(
        "https://news.example/badgz",
        b"\x1f\x8b\x08not gzip",
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
    )
    # An archiver that stored the decoded body but kept the header: the markup is kept.
    b.response(
        "https://news.example/decoded",
        b"<html>plain</html>",
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
    )
    b.response("https://news.example/empty", b"", [("Content-Type", "text/html")])
    cut_short = chunked(b"<html>partial page</html>", 10)[:-12]
    b.response(
        "https://news.example/cut",
        cut_short,
        [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
    )

    items = list(iter_warc(io.BytesIO(b.data())))

    assert summary(items) == [
        ("rejected", "https://news.example/zstd", "read", "unsupported-encoding"),
        ("rejected", "https://news.example/badgz", "read", "undecodable-body"),
        ("doc", "https://news.example/decoded", "<html>plain</html>"),
        ("rejected", "https://news.example/empty", "read", "empty"),
        ("doc", "https://news.example/cut", "<html>partial page</"),
    ]
    assert items[-1].meta["truncated"] == "chunked-encoding"  # type: ignore[union-attr]


def test_bad_arguments_fail_at_the_call() -> None:
    with pytest.raises(UsageError, match="max_record_bytes parameter of iter_warc"):
        iter_warc(io.BytesIO(b""), max_record_bytes=0)


MIXED = build_mixed(compress=True).data()
MIXED_PLAIN = build_mixed(compress=False).data()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plain=st.booleans(),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True), st.integers(0, 2), st.binary(min_size=1, max_size=16)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_damaged_archives_never_raise(plain: bool, edits: list[tuple[float, int, bytes]]) -> None:
    data = bytearray(MIXED_PLAIN if plain else MIXED)
    for where, kind, chunk in edits:
        at = int(where * len(data))
        if kind == 0:
            data[at : at + len(chunk)] = chunk  # overwrite
        elif kind == 1:
            del data[at : at + len(chunk) * 8]  # delete
        else:
            data[at:at] = chunk  # insert
    items = list(iter_warc(io.BytesIO(bytes(data)), source_label="fuzz"))
    assert all(isinstance(item, RawDocument | Rejection) for item in items)
    for item in items:
        if isinstance(item, RawDocument):
            assert item.kind == "html" and item.content
