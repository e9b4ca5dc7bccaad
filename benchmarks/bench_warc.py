"""Benchmark WARC.gz reading: FastWARC against warcio, and tidings' reader built on FastWARC.

Data: a synthetic Common Crawl-like archive written with warcio's ``WARCWriter``: one gzip member
per record, a ``request`` and a ``response`` record per page (as crawlers write them) and a
``warcinfo`` record first. Pages are HTML of about ``--page-kb`` KB whose words are drawn from a
Zipf-like vocabulary; they gzip about 2.5 times (real news pages, heavier in markup, compress a
little better). Everything random comes from
``--seed``.

Each reader does the same work: walk every record, and for each HTML ``response`` read its HTTP
body de-chunked and content-decoded into memory. The readers are

* ``warcio`` (the baseline): ``ArchiveIterator`` and ``record.content_stream().read()``;
* ``fastwarc``: ``ArchiveIterator(parse_http=True, auto_decode="all")`` on the path, so FastWARC
  also does the gzip decompression;
* ``tidings.warc.iter_warc``: FastWARC for record parsing, plus what tidings adds on top (gzip
  members inflated with zlib so that truncation is caught, framing checks, HTTP parsing and
  decoding, ``RawDocument`` records).

Runs are interleaved (reader A, B, C, A, B, C, ...) so that machine noise hits all of them alike,
and the best of ``--repeat`` runs is reported. records/s counts every WARC record walked (requests
too), pages/s the HTML responses; MB/s is megabytes (10^6) of decoded HTML per second.

Run from the repository root::

    python benchmarks/bench_warc.py [--pages 5000] [--page-kb 20] [--seed 0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tidings.records import RawDocument  # noqa: E402  (path set above)
from tidings.warc import iter_warc  # noqa: E402

Reader = Callable[[Path], tuple[int, int]]


def write_archive(path: Path, *, pages: int, page_bytes: int, seed: int) -> None:
    """Write a WARC.gz of ``pages`` HTML responses (and their requests) to ``path``."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(5000)]
    # Zipf-like word frequencies: the i-th word is about 1/i as common as the first.
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocabulary))))
    # Pages are drawn from a pool of paragraphs, which keeps writing 5,000 pages to seconds; with
    # ~50 paragraphs a page out of 4,000, a page rarely repeats one, so it compresses like prose.
    pool = [
        '<p class="story-body__text">'
        + " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(30, 90)))
        + ".</p>"
        for _ in range(4000)
    ]
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "bench_warc"}))
        for number in range(pages):
            url = f"https://news{number % 50}.example/2024/story-{number}.html"
            paragraphs = []
            size = 0
            while size < page_bytes:
                paragraph = rng.choice(pool)
                paragraphs.append(paragraph)
                size += len(paragraph) + 1
            body = (
                '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>Story {number}</title></head>\n<body><article><h1>Story {number}</h1>\n"
                + "\n".join(paragraphs)
                + "\n</article></body></html>\n"
            ).encode()
            request = StatusAndHeaders(
                f"GET /2024/story-{number}.html HTTP/1.1",
                [("Host", f"news{number % 50}.example"), ("User-Agent", "bench")],
                is_http_request=True,
            )
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            response = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=response,
                )
            )


def read_warcio(path: Path) -> tuple[int, int]:
    from warcio.archiveiterator import ArchiveIterator

    pages = size = 0
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            if content_type.startswith("text/html"):
                size += len(record.content_stream().read())
                pages += 1
    return pages, size


def read_fastwarc(path: Path) -> tuple[int, int]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    pages = size = 0
    for record in ArchiveIterator(
        str(path), record_types=WarcRecordType.response, parse_http=True, auto_decode="all"
    ):
        if (record.http_content_type or "").startswith("text/html"):
            size += len(record.reader.read())
            pages += 1
    return pages, size


def read_tidings(path: Path) -> tuple[int, int]:
    pages = size = 0
    for item in iter_warc(path):
        if isinstance(item, RawDocument):
            size += len(item.content)
            pages += 1
    return pages, size


READERS: dict[str, Reader] = {
    "warcio (baseline)": read_warcio,
    "fastwarc": read_fastwarc,
    "tidings.warc.iter_warc": read_tidings,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="HTML responses in the archive")
    parser.add_argument("--page-kb", type=int, default=20, help="approximate page size in KB")
    parser.add_argument("--seed", type=int, default=0, help="seed of the page generator")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader; the best counts")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.warc.gz"
        started = time.perf_counter()
        write_archive(path, pages=args.pages, page_bytes=args.page_kb * 1000, seed=args.seed)
        file_mb = path.stat().st_size / 1e6
        print(
            f"archive: {args.pages} pages of ~{args.page_kb} KB, {file_mb:.1f} MB gzipped "
            f"(seed {args.seed}), written in {time.perf_counter() - started:.1f} s"
        )

        best = dict.fromkeys(READERS, float("inf"))
        results: dict[str, tuple[int, int]] = {}
        for _ in range(args.repeat):
            for name, reader in READERS.items():
                started = time.perf_counter()
                results[name] = reader(path)
                best[name] = min(best[name], time.perf_counter() - started)

    counts = set(results.values())
    if len(counts) != 1:
        print(f"readers disagree on (pages, bytes): {results}")
        return 1
    pages, size = counts.pop()
    print(f"each reader returned {pages} pages, {size / 1e6:.1f} MB of HTML; best of {args.repeat}")
    print()
    records = 2 * pages + 1  # a request and a response per page, and the warcinfo record
    columns = ("seconds", 8), ("records/s", 10), ("pages/s", 8), ("MB/s", 7), ("vs warcio", 10)
    header = f"{'reader':<24}" + "".join(f" {title:>{width}}" for title, width in columns)
    print(header)
    print("-" * len(header))
    baseline = best["warcio (baseline)"]
    for name, seconds in best.items():
        print(
            f"{name:<24} {seconds:8.3f} {records / seconds:10.0f} {pages / seconds:8.0f} "
            f"{size / 1e6 / seconds:7.1f} "
            f"{baseline / seconds:9.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
