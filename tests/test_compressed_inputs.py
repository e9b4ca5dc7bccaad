"""Compressed files (.gz, .bz2, .xz over any readable type): read as the plain file, and refused
with the file and the reason when damaged or when they decompress beyond the size limit."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest

import tidings
from tidings.sources import file_ending, read_inputs

RECORDS = [
    {
        "title": "Floods hit Alnwick",
        "text": "The river Aln burst its banks on Tuesday, flooding 300 homes in the town of Alnwick "
        "in Northumberland. Emergency crews evacuated 1,200 residents overnight and the county council "
        "opened two shelters.",
        "published": "2024-05-10T09:00:00Z",
    },
    {
        "title": "Valdoria votes",
        "text": "Voters in Valdoria went to the polls on Sunday to elect a new parliament, with prime "
        "minister Ilse Marten seeking a third term against the opposition leader Tomas Brandt.",
        "published": "2024-05-12T09:00:00Z",
    },
]
PAGE = (
    "<html><head><title>Floods hit Alnwick</title></head><body><article><h1>Floods hit Alnwick</h1>"
    + "".join(f"<p>{r['text']}</p>" for r in RECORDS[:1]) * 2
    + "</article></body></html>"
)
COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


@pytest.mark.parametrize("ending", sorted(COMPRESS))
def test_a_compressed_file_reads_as_the_plain_one(tmp_path: Path, ending: str):
    lines = "".join(json.dumps(r) + "\n" for r in RECORDS).encode()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "news.jsonl").write_bytes(lines)
    (plain / "page.html").write_text(PAGE, encoding="utf-8")
    packed = tmp_path / "packed"
    packed.mkdir()
    (packed / f"news.jsonl{ending}").write_bytes(COMPRESS[ending](lines))
    (packed / f"page.html{ending}").write_bytes(COMPRESS[ending](PAGE.encode()))
    want, want_rejected = tidings.load([plain])
    got, rejected = tidings.load([packed])
    assert not rejected and not want_rejected
    assert [(a.id, a.title, a.text, a.published) for a in got] == [
        (a.id, a.title, a.text, a.published) for a in want
    ]
    assert len(got) == 3


def test_a_damaged_or_unknown_compressed_file_is_refused_with_the_reason(tmp_path: Path):
    whole = gzip.compress(json.dumps(RECORDS[0]).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "fake.txt.xz").write_bytes(b"this is not xz data at all")
    (tmp_path / "table.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    (tmp_path / "ok.jsonl.bz2").write_bytes(bz2.compress(json.dumps(RECORDS[1]).encode()))
    result = read_inputs([tmp_path])
    assert len(result.documents) == 1
    why = {Path(r.input).name: (r.reason, r.detail) for r in result.rejected}
    assert (
        why["cut.jsonl.gz"][0] == "unreadable" and "not a whole gzip file" in why["cut.jsonl.gz"][1]
    )
    assert why["fake.txt.xz"][0] == "unreadable" and "xz" in why["fake.txt.xz"][1]
    assert why["table.csv.gz"][0] == "unknown-extension"
    assert "unknown file type '.csv.gz'" in why["table.csv.gz"][1]
    assert "compressed (.bz2, .gz, .xz)" in why["table.csv.gz"][1]


def test_the_size_limit_is_on_what_a_file_decompresses_to(tmp_path: Path):
    """A few kilobytes of gzip can hold gigabytes: the limit bounds the decompressed bytes, and
    reading stops there."""
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"a" * 5_000_000))
    assert bomb.stat().st_size < 10_000
    result = read_inputs([bomb], max_bytes=1_000_000)
    (rejection,) = result.rejected
    assert rejection.reason == "too-large" and "decompresses to over the 1,000,000-byte" in (
        rejection.detail
    )


def test_file_endings_know_compressed_types():
    assert file_ending("News.JSONL.GZ") == ".jsonl.gz"
    assert file_ending("crawl.warc.gz") == ".warc.gz"
    assert file_ending("page.html.xz") == ".html.xz"
    assert file_ending("page.html") == ".html"
    assert file_ending("table.csv.gz") is None
    assert file_ending("archive.gz") is None


def test_pages_are_extracted_as_they_are_read_and_keep_their_order(tmp_path: Path, monkeypatch):
    """``load`` extracts pages and records a chunk at a time while the input is read (so a large
    archive is never held whole), and waits for the end only for plain-text captures, which are
    cleaned against each other. Articles still come in input order."""
    from tidings import pipeline
    from tidings.extract import Extractor

    def text(k: int) -> str:
        return (
            f"Report number {k} says the river in town {k} rose by {k} metres overnight, and the "
            f"council of town {k} opened {k + 1} shelters for the families who had to leave."
        )

    def page(k: int) -> str:
        return f"<html><head><title>Page {k}</title></head><body><article><p>{text(k)}</p><p>{text(k)}</p></article></body></html>"

    (tmp_path / "a.html").write_text(page(1), encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"Capture 2\n\n{text(2)}\n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"title": f"Record {k}", "text": text(k)}) + "\n" for k in (3, 4, 5)),
        encoding="utf-8",
    )
    (tmp_path / "d.html.gz").write_bytes(gzip.compress(page(6).encode()))
    (tmp_path / "e.txt").write_text(f"Capture 7\n\n{text(7)}\n", encoding="utf-8")
    (tmp_path / "f.html").write_text(page(8), encoding="utf-8")
    calls: list[int] = []
    each = Extractor.each

    def spy(self, documents, **kwargs):
        calls.append(len(documents))
        return each(self, documents, **kwargs)

    monkeypatch.setattr(Extractor, "each", spy)
    whole, _ = tidings.load([tmp_path])
    monkeypatch.setattr(pipeline, "_STREAM_CHUNK", 2)
    calls.clear()
    chunked, rejected = tidings.load([tmp_path])
    assert not rejected
    assert max(calls) == 2  # never more than a chunk at once
    assert [a.text for a in chunked] == [a.text for a in whole]
    numbers = [int(a.text.split()[2]) for a in chunked]
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8]
