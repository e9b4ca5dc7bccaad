"""URLs, feeds, URL lists and WARC archives as inputs, end to end, against a server on 127.0.0.1."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest_http import LocalServer, Reply
from tidings.cli import EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, main

BODY = (
    "<p>Rescue teams in the mountain village of Varka reached the last stranded hikers on Sunday, "
    "two days after a rockslide blocked the only road into the valley.</p>"
    "<p>The regional governor said all 41 hikers were safe and that the road would reopen within a week. "
    "Engineers are still checking the slope above the village for further movement.</p>"
    "<p>Local hotels have offered free rooms to families who were evacuated as a precaution.</p>"
)
HTML = ("Content-Type", "text/html; charset=utf-8")


def page(title: str, published: str | None = None, body: str = BODY) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f"<html><head><title>{title}</title>{meta}</head><body><nav>Home | World</nav>"
        f"<article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.route("/robots.txt", Reply(404))
        yield srv


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_private_addresses_are_refused_without_an_explicit_allow(server):
    server.route("/a", Reply(body=page("Hikers rescued"), headers=(HTML,)))
    code, _, err = run("extract", server.url("/a"))
    assert code == EXIT_NOTHING
    assert "blocked-address" in err and server.url("/a") in err
    assert server.paths() == []  # refused before connecting


def test_url_pages_are_fetched_and_dated_apart_from_the_fetch(server):
    server.route(
        "/a", Reply(body=page("Hikers rescued", "2024-05-12T09:00:00+02:00"), headers=(HTML,))
    )
    code, out, _ = run("extract", server.url("/a"), "--allow-host", "127.0.0.1")
    assert code == EXIT_OK, out
    data = json.loads(out)
    assert data["url"] == server.url("/a")
    assert "41 hikers were safe" in data["text"] and "Home | World" not in data["text"]
    assert data["published"] == "2024-05-12T09:00:00+02:00"
    assert data["crawled"] and not data["crawled"].startswith("2024-05-12")


def test_feed_url_entries_are_followed_and_feed_dates_are_only_evidence(server):
    server.route(
        "/a", Reply(body=page("Hikers rescued", "2024-05-12T09:00:00+00:00"), headers=(HTML,))
    )
    server.route("/b", Reply(body=page("Road to Varka to reopen"), headers=(HTML,)))
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Valley News</title>
      <item><title>Hikers rescued</title><link>{server.url("/a")}</link>
        <pubDate>Mon, 13 May 2024 10:00:00 GMT</pubDate></item>
      <item><title>Road to reopen</title><link>{server.url("/b")}</link>
        <pubDate>Tue, 14 May 2024 08:00:00 GMT</pubDate><author>desk@valley.example (Ana Berg)</author></item>
      <item><title>Gone</title><link>{server.url("/missing")}</link></item>
    </channel></rss>""".encode()
    server.route("/feed.xml", Reply(body=feed, headers=(("Content-Type", "application/rss+xml"),)))
    code, out, err = run("extract", server.url("/feed.xml"), "--allow-host", "127.0.0.1")
    assert code == EXIT_PARTIAL
    articles = json.loads(out)
    assert [a["url"] for a in articles] == [server.url("/a"), server.url("/b")]
    # The page states its own date: it wins over the feed's. The second page has none: the feed's is used.
    assert articles[0]["published"].startswith("2024-05-12")
    assert articles[1]["published"].startswith("2024-05-14")
    assert articles[0]["outlet"] == "Valley News"
    assert "http-404" in err and "/missing" in err


def test_url_list_file_and_bad_lines(server, tmp_path: Path):
    server.route("/a", Reply(body=page("Hikers rescued"), headers=(HTML,)))
    server.route("/slow", Reply(body=page("Slow"), headers=(HTML,), body_delay=0.05))
    listing = tmp_path / "links.txt"
    listing.write_text(f"# today's links\n{server.url('/a')}\nnot a url\n{server.url('/down')}\n")
    code, out, err = run("brief", str(listing), "--allow-host", "127.0.0.1", "--format", "json")
    assert code == EXIT_PARTIAL
    data = json.loads(out)
    assert [a["url"] for a in data["articles"]] == [server.url("/a")]
    reasons = {r["reason"] for r in data["rejected"]}
    assert {"invalid-url", "http-404"} <= reasons
    assert f"{listing}:3" in err


def test_server_errors_and_timeouts_are_rejections(server):
    server.route("/boom", Reply(500))
    server.route("/slow", Reply(body=page("Slow"), headers=(HTML,), body_delay=0.2))
    server.route("/a", Reply(body=page("Hikers rescued"), headers=(HTML,)))
    code, out, _err = run(
        "brief",
        server.url("/boom"),
        server.url("/slow"),
        server.url("/a"),
        "--allow-host",
        "127.0.0.1",
        "--timeout",
        "0.5",
        "--format",
        "json",
    )
    assert code == EXIT_PARTIAL
    reasons = {r["input"].rsplit("/", 1)[-1]: r["reason"] for r in json.loads(out)["rejected"]}
    assert reasons == {"boom": "http-500", "slow": "timeout"}


def test_warc_archive(tmp_path: Path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for name, published in (("a", "2018-11-14T10:00:00Z"), ("b", None)):
            http_headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            body = page(f"Story {name}", published)
            record = writer.create_warc_record(
                f"https://news.example/{name}",
                "response",
                payload=io.BytesIO(body),
                length=len(body),  # a known length keeps warcio from buffering in temporary files
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": "2021-03-04T16:52:00Z"},
            )
            writer.write_record(record)
    code, out, _ = run("extract", str(path))
    assert code == EXIT_OK
    articles = json.loads(out)
    assert [a["url"] for a in articles] == ["https://news.example/a", "https://news.example/b"]
    assert articles[0]["published"].startswith("2018-11-14")
    assert (
        articles[1]["published"] is None
    )  # the archive's record date is a crawl date, never a publication date
    assert all(a["crawled"].startswith("2021-03-04") for a in articles)
