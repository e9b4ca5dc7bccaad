"""The web server through FastAPI's TestClient: API, pages, feeds, ingest jobs and the guards.

The store is built once per session from real briefs of real text (the bundled INF Treaty
example, revised once, with a hand-checked analysis), a small fictional story, and a story whose
articles are made of script and HTML injection. Nothing here touches the network except servers
on 127.0.0.1 that the tests start.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import inspect
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

pytest.importorskip(
    "fastapi", reason="the serve extra is not installed: pip install 'tidings[serve]'"
)

from fastapi.testclient import TestClient

import tidings
from tidings.cluster import StoryClusterer
from tidings.errors import UsageError
from tidings.fetch import FetchPolicy
from tidings.pipeline import brief_articles, update_summary
from tidings.records import (
    Analysis,
    Article,
    BriefRevision,
    Citation,
    Disagreement,
    DisagreementSide,
    Entity,
    Quote,
    Rejection,
    Story,
    TimelineEvent,
    content_id,
)
from tidings.serve import run
from tidings.serve.app import create_app
from tidings.serve.security import RateLimit, check_token
from tidings.serve.views import article_view, parse_span, safe_url
from tidings.store import Store, open_store
from tidings.stories import IngestReport, Progress, StoryTracker

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "inf-treaty"
TOKEN = "s3cret-token"

# The injection payloads: each would run script, add markup or break out of an attribute,
# a <script> block, a <textarea> or CDATA if it reached a page unescaped.
EVIL_TITLE = (
    '<script>window.__pwned="title"</script>"><img src=x onerror="window.__pwned=\'img\'">'
    "</textarea><svg onload=window.__pwned=1> {{7*7}}"
)
EVIL_TEXT = (
    "Council officials said on Tuesday that the <script>window.__pwned='body'</script> payload "
    "was found in the budget papers of the town council.\n\n"
    'The budget papers of the town council also held "><img src=x onerror=window.__pwned=5> and '
    '<a href="javascript:window.__pwned=6">a link</a>, officials said on Tuesday.\n\n'
    "A reader wrote </textarea><script>alert(1)</script> and </script><script>window.__pwned=7"
    "</script> in a comment on the budget papers, the council said. ]]> &amp; \u2028 end."
)
EVIL_RECORD: dict[str, Any] = {
    "title": EVIL_TITLE,
    "outlet": '<i onmouseover="window.__pwned=8">Evil</i> "Outlet"',
    "url": "javascript:window.__pwned=9",
    "authors": ['<b onmouseover="alert(1)">Mallory</b>'],
    "published": "2018-11-20T10:00:00Z",
    "text": EVIL_TEXT,
}


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2018, 11, day, hour, tzinfo=UTC)


def cite(article: Article, snippet: str) -> Citation:
    """The citation of ``snippet`` in ``article`` (it must occur there)."""
    start = article.text.index(snippet)
    return Citation(article.id, start, start + len(snippet))


@dataclass(frozen=True)
class Fixture:
    """What the session's store holds, for assertions."""

    path: Path
    inf: str  # the INF Treaty story: 2 revisions, analysis
    vote: str  # a small fictional story, no analysis
    evil: str  # the injection story
    articles: dict[str, Article]


VOTE = [
    (
        "Valdoria votes",
        "Valdoria Today",
        "Voters in Valdoria went to the polls on Sunday to elect a new parliament, with prime "
        "minister Ilse Marten seeking a third term against the opposition leader Tomas Brandt. "
        "Turnout was reported at 64 percent by midday, according to the Valdorian electoral "
        "commission.",
    ),
    (
        "Marten wins third term",
        "Northern Courier",
        "Prime minister Ilse Marten won a third term in Valdoria, official results showed on "
        "Monday, as her party took 88 of 150 seats. Opposition leader Tomas Brandt conceded "
        "defeat and congratulated Marten on her victory in the Valdorian election.",
    ),
]


def _article(title: str, outlet: str, text: str, when: datetime, **extra: Any) -> Article:
    return Article(
        id=content_id(title, text),
        source=f"https://{outlet.lower().replace(' ', '')}.example/{content_id(text, length=8)}",
        text=text,
        title=title,
        outlet=outlet,
        published=when,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{content_id(text, length=8)}",
        extractor="record.v1",
        **extra,
    )


def _story(store: Store, articles: list[Article], revisions: list[tuple[int, datetime]]) -> str:
    """Write a story of ``articles`` with a revision at each (article count, time)."""
    story_id = content_id("story", articles[0].id)
    store.add_articles(articles)
    known: list[Article] = []
    for number, (count, made) in enumerate(revisions, start=1):
        members = articles[:count]
        new = members[len(known) :]
        brief = brief_articles(members, max_words=120)
        update = update_summary(new, known, max_words=60) if known else ()
        dates = [a.published for a in members if a.published]
        story = Story(
            id=story_id,
            articles=tuple(a.id for a in members),
            opened=min(dates) if dates else None,
            last_seen=max(dates) if dates else None,
            title=members[0].title,
            revision=number,
        )
        with store.transaction():
            store.put_story(story)
            store.add_revision(
                BriefRevision(story_id, number, brief, update, story.articles, made=made)
            )
        known = members
    return story_id


def _inf_analysis(arts: list[Article]) -> Analysis:
    sputnik, second = arts[0], arts[1]
    lavrov = cite(
        sputnik,
        "the desire of US leadership to reformat, and in fact, eliminate the existing "
        "international regime for the non-proliferation of weapons",
    )
    return Analysis(
        quotes=(
            Quote(
                text=sputnik.text[lavrov.start : lavrov.end],
                speaker="Sergei Lavrov",
                speaker_title="Russian Foreign Minister",
                cue="stressed",
                kind="direct",
                citations=(lavrov,),
                outlets=("Sputnik",),
            ),
        ),
        entities=(
            Entity("Sergei Lavrov", "person", 6, (sputnik.id, second.id), ("Lavrov",)),
            Entity("Donald Trump", "person", 3, (sputnik.id,), ("Trump",)),
            Entity("Moscow", "place", 3, (sputnik.id,)),
        ),
        timeline=(
            TimelineEvent(
                "1987",
                "in 1987",
                "The INF Treaty was signed in 1987.",
                (cite(sputnik, "The INF Treaty was signed in 1987"),),
            ),
        ),
        disagreements=(
            Disagreement(
                topic="compliance with the INF Treaty",
                kind="accusation",
                sides=(
                    DisagreementSide(
                        "Trump said that Russia has been violating the terms of the agreement.",
                        (
                            cite(
                                second,
                                "Trump said that Russia has been violating the terms of the agreement.",
                            ),
                        ),
                        ("Example Daily",),
                    ),
                    DisagreementSide(
                        "Russian authorities have stressed that their country strictly complied.",
                        (
                            cite(
                                sputnik,
                                "Russian authorities, in turn, have many times stressed that their "
                                "country strictly complied with the obligations outlined in the treaty.",
                            ),
                        ),
                        ("Sputnik",),
                    ),
                ),
            ),
        ),
        methods={"quotes": "hand-made.v0"},
    )


def build_store(path: Path) -> Fixture:
    """Write the fixture stories into a new SQLite store at ``path``."""
    loaded, rejected = tidings.load([EXAMPLE])
    assert not rejected
    outlets = ["Sputnik", "Example Daily", "Example Herald", "Example Times", "Example Post"]
    inf = [
        dataclasses.replace(a, outlet=a.outlet or outlets[i], published=_at(14 + i // 2, 8 + i))
        for i, a in enumerate(sorted(loaded, key=lambda a: a.source))
    ]
    vote = [_article(t, o, x, _at(18, 9 + i)) for i, (t, o, x) in enumerate(VOTE)]
    evil_other = dataclasses.replace(
        _article(
            "Budget papers",
            "Town Crier",
            EVIL_TEXT.replace("Council officials", "Officials"),
            _at(20, 8),
        ),
    )
    evil = Article(
        id=content_id(EVIL_TITLE, EVIL_TEXT),
        source=EVIL_RECORD["url"],
        text=EVIL_TEXT,
        title=EVIL_TITLE,
        outlet=EVIL_RECORD["outlet"],
        published=_at(20, 10),
        url=EVIL_RECORD["url"],
        authors=tuple(EVIL_RECORD["authors"]),
        extractor="record.v1",
    )
    with open_store(path) as store:
        inf_id = _story(store, inf, [(3, _at(15, 12)), (5, _at(16, 18))])
        store.put_analysis(inf_id, _inf_analysis(inf), 2)
        vote_id = _story(store, vote, [(2, _at(18, 15))])
        evil_id = _story(store, [evil, evil_other], [(2, _at(20, 12))])
        store.put_analysis(
            evil_id,
            Analysis(
                entities=(Entity("<script>alert(1)</script>", "organization", 2, (evil.id,)),),
                quotes=(
                    Quote(
                        "<script>window.__pwned='quote'</script>",
                        '"><img src=x onerror=alert(1)>',
                        None,
                        "said",
                        "direct",
                        (cite(evil, "<script>window.__pwned='body'</script>"),),
                    ),
                ),
            ),
            1,
        )
    every = {a.id: a for a in [*inf, *vote, evil, evil_other]}
    return Fixture(path, inf_id, vote_id, evil_id, every)


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build_store(tmp_path_factory.mktemp("serve") / "news.db")


class OneStoryTracker:
    """Stand-in for :class:`StoryTracker` while ``StoryClusterer.to_bytes`` (its saved state) is
    not there yet: every ingest makes one new story of its new articles, with a real brief."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def ingest(
        self,
        articles: Any,
        *,
        rejected: Any = (),
        run: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        articles = list(articles)
        report = IngestReport(read=len(articles), rejected=len(rejected))
        fresh = [a for a in articles if not self.store.has_article(a.id)]
        report.new, report.skipped = len(fresh), len(articles) - len(fresh)
        if rejected:
            self.store.add_rejections(list(rejected), run=run or "test")
        if fresh:
            story_id = _story(self.store, fresh, [(len(fresh), datetime.now(UTC))])
            report.touched.append(story_id)
            report.stories_opened = 1
        if progress:
            progress.update(report, 1, final=True)
        return report


def tracker_for_tests(store: Store) -> Any:
    """The real tracker when the clusterer can save its state, else :class:`OneStoryTracker`."""
    if hasattr(StoryClusterer, "to_bytes"):
        return StoryTracker(store)
    return OneStoryTracker(store)


@contextlib.contextmanager
def make_client(db: Path, **options: Any) -> Iterator[TestClient]:
    options.setdefault("token", TOKEN)
    options.setdefault("tracker", tracker_for_tests)
    with TestClient(create_app(str(db), **options)) as client:
        yield client


@pytest.fixture
def client(fixture_store: Fixture) -> Iterator[TestClient]:
    with make_client(fixture_store.path) as c:
        yield c


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.db"
    open_store(path).close()
    return path


def wait_job(client: TestClient, url: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll an ingest job until it ends; return its last state."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url, headers=headers).json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


# -- API ----------------------------------------------------------------------------------------


def test_healthz_and_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    for path in (
        "/",
        "/api/stories",
        "/static/style.css",
        "/nope",
        "/api/nope",
        "/feeds/stories.atom",
    ):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp, path
        assert "style-src 'self';" in csp, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["referrer-policy"], path
        assert response.headers["permissions-policy"], path
    assert client.get("/nope").status_code == 404
    assert client.get("/api/nope").json() == {"detail": "Not Found"}


def test_an_internal_error_still_carries_the_headers(fixture_store: Fixture) -> None:
    app = create_app(str(fixture_store.path), token=None)

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-frame-options"] == "DENY"
    assert "boom" not in response.text  # no traceback or message leaks


def test_story_list_pages_through_every_story_with_next_links(
    client: TestClient, fixture_store: Fixture
) -> None:
    first = client.get("/api/stories").json()
    assert first["total"] == 3
    assert [s["id"] for s in first["stories"]] == [
        fixture_store.evil,
        fixture_store.vote,
        fixture_store.inf,
    ]
    seen, url = [], "/api/stories?limit=1"
    while url:
        page = client.get(url).json()
        assert page["limit"] == 1 and page["total"] == 3
        seen += [s["id"] for s in page["stories"]]
        url = page["links"]["next"]
    assert seen == [s["id"] for s in first["stories"]]
    last = client.get("/api/stories?limit=1&offset=2")
    assert (
        last.json()["links"]["prev"].endswith("offset=1&limit=1")
        or "offset=1" in last.json()["links"]["prev"]
    )
    assert "link" in client.get("/api/stories?limit=1").headers
    inf = next(s for s in first["stories"] if s["id"] == fixture_store.inf)
    assert inf["size"] == 5 and inf["revision"] == 2 and "Sputnik" in inf["outlets"]
    assert inf["updated"] == _at(16, 18).isoformat() and inf["lead"]


def test_story_list_filters(client: TestClient, fixture_store: Fixture) -> None:
    ids = lambda q: [s["id"] for s in client.get(f"/api/stories?{q}").json()["stories"]]  # noqa: E731
    assert ids("outlet=northern%20courier") == [fixture_store.vote]
    assert ids("entity=Lavrov") == [fixture_store.inf]  # a variant of Sergei Lavrov
    assert ids("q=Brandt") == [fixture_store.vote]
    assert ids("since=2018-11-19") == [fixture_store.evil]  # a date without a zone is UTC
    assert ids("until=2018-11-17T00:00:00%2B00:00") == [fixture_store.inf]
    assert ids("order=biggest")[0] == fixture_store.inf
    assert client.get("/api/stories?limit=0").status_code == 422
    assert client.get("/api/stories?order=random").status_code == 422
    assert client.get("/api/stories?since=yesterday").status_code == 422


def test_story_detail_has_brief_citations_updates_and_analysis(
    client: TestClient, fixture_store: Fixture
) -> None:
    body = client.get(f"/api/stories/{fixture_store.inf}").json()
    assert body["schema"] == "tidings.story/1" and body["id"] == fixture_store.inf
    assert [u["revision"] for u in body["updates"]] == [1, 2]
    assert body["updates"][1]["articles"] == 5
    for sentence in body["brief"]["summary"]:
        first = sentence["citations"][0]
        text = client.get(f"/api/articles/{first['article']}").json()["text"]
        assert text[first["start"] : first["end"]] == sentence["text"]
        assert sentence["corroboration"] == len(sentence["outlets"])
    assert body["quotes"][0]["speaker"] == "Sergei Lavrov"
    assert len(body["disagreements"][0]["sides"]) == 2
    assert body["timeline"][0]["date"] == "1987"
    assert body["sources"]
    assert {a["id"] for a in body["articles"]} == {
        a
        for a in fixture_store.articles
        if fixture_store.articles[a].outlet
        in ("Sputnik", "Example Daily", "Example Herald", "Example Times", "Example Post")
    }
    vote = client.get(f"/api/stories/{fixture_store.vote}").json()
    assert vote["quotes"] == vote["timeline"] == vote["disagreements"] == vote["entities"] == []
    missing = client.get("/api/stories/does-not-exist")
    assert missing.status_code == 404 and "does-not-exist" in missing.json()["detail"]


def test_article_and_search(client: TestClient, fixture_store: Fixture) -> None:
    article_id = next(i for i, a in fixture_store.articles.items() if a.outlet == "Sputnik")
    body = client.get(f"/api/articles/{article_id}").json()
    assert body["text"] == fixture_store.articles[article_id].text
    assert body["story"] == fixture_store.inf
    assert client.get("/api/articles/nope").status_code == 404
    hits = client.get("/api/search?q=Lavrov").json()["hits"]
    assert {h["kind"] for h in hits} == {"article", "story"}
    assert any("**" in h["snippet"] for h in hits)
    assert (
        client.get("/api/search?q=Lavrov&kind=story").json()["hits"][0]["id"] == fixture_store.inf
    )
    assert client.get("/api/search").status_code == 422
    assert client.get('/api/search?q="unbalanced -').status_code == 200  # never a 500


# -- ingest -------------------------------------------------------------------------------------


def test_writes_need_the_token(fixture_store: Fixture) -> None:
    with TestClient(create_app(str(fixture_store.path), token=None)) as off:
        refused = off.post("/api/ingest", json={"urls": ["https://example.com/"]})
        assert refused.status_code == 403 and "without a token" in refused.json()["detail"]
        with_token = off.post(
            "/api/ingest",
            json={"urls": ["https://example.com/"]},
            headers={"Authorization": "Bearer x"},
        )
        assert with_token.status_code == 403
    with TestClient(create_app(str(fixture_store.path), token=TOKEN)) as on:
        anonymous = on.post("/api/ingest", json={"urls": ["https://example.com/"]})
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        wrong = on.post(
            "/api/ingest",
            json={"urls": ["https://example.com/"]},
            headers={"Authorization": "Bearer wrong"},
        )
        assert wrong.status_code == 403
        assert on.get("/api/jobs/whatever").status_code == 401


def test_check_token() -> None:
    assert check_token(None, f"Bearer {TOKEN}").status == 403  # type: ignore[union-attr]
    assert check_token(TOKEN, None).status == 401  # type: ignore[union-attr]
    assert check_token(TOKEN, "Basic abc").status == 401  # type: ignore[union-attr]
    assert check_token(TOKEN, "Bearer nope").status == 403  # type: ignore[union-attr]
    assert check_token(TOKEN, f"bearer {TOKEN}") is None


def test_ingest_refuses_anything_but_http_urls(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for bad in (["/etc/passwd"], ["file:///etc/passwd"], [42], ["ftp://x.example/a"], []):
        response = client.post("/api/ingest", json={"urls": bad}, headers=auth)
        assert response.status_code == 422, bad
    assert client.post("/api/ingest", json=["x"], headers=auth).status_code == 422
    assert (
        client.post(
            "/api/ingest", content=b"{", headers={**auth, "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/ingest", content=b"x", headers={**auth, "Content-Type": "text/plain"}
        ).status_code
        == 415
    )
    unknown = client.post("/api/ingest", files={"files": ("notes.docx", b"x")}, headers=auth)
    assert unknown.status_code == 422 and ".html" in unknown.json()["detail"]


def test_ingest_uploaded_files_runs_a_job(fresh_db: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    files = [
        ("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(EXAMPLE.glob("*.txt"))
    ]
    # A compressed upload is read as the plain file.
    name, content, _ = files[0][1]
    files[0] = ("files", (name + ".gz", gzip.compress(content), "application/gzip"))
    files.append(("files", ("empty.txt", b"", "text/plain")))
    with make_client(fresh_db) as c:
        queued = c.post("/api/ingest", files=files, headers=auth)
        assert queued.status_code == 202, queued.text
        assert queued.headers["location"].endswith(queued.json()["job"])
        job = wait_job(c, queued.json()["url"])
        assert job["status"] == "done", job
        assert job["counts"]["new"] == 5 and job["counts"]["read"] == 5
        assert job["counts"]["rejected"] == 1
        assert job["rejections"][0]["input"] == "upload:empty.txt"
        assert "/tmp" not in json.dumps(job["rejections"])  # the temporary path is not shown
        assert job["stories"]
        listed = c.get("/api/stories").json()
        assert listed["total"] >= 1
        page = c.get(f"/stories/{job['stories'][0]}")
        assert page.status_code == 200
        # The captures carry crawl times (2021) but no publication date: not a "report" date.
        assert "last captured" in page.text and "last report" not in page.text
        again = wait_job(c, c.post("/api/ingest", files=files[:2], headers=auth).json()["url"])
        assert again["counts"]["new"] == 0 and again["counts"]["skipped"] == 2


class _Pages:
    """A tiny article site on 127.0.0.1 (a real socket, so the fetcher's guard runs for real)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        pages = {
            f"/{p.stem}.html": (
                "<html><head><title>t</title></head><body><article>"
                + "".join(f"<p>{para}</p>" for para in p.read_text().split("\n\n"))
                + "</article></body></html>"
            ).encode()
            for p in sorted(EXAMPLE.glob("*.txt"))[:2]
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.urls = [f"http://127.0.0.1:{self.server.server_port}{p}" for p in pages]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def pages() -> Iterator[_Pages]:
    site = _Pages()
    yield site
    site.close()


def test_ingest_urls_fetches_with_the_ssrf_guard_on_by_default(
    fresh_db: Path, pages: _Pages
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(fresh_db) as c:  # default FetchPolicy: loopback refused
        job = wait_job(
            c, c.post("/api/ingest", json={"urls": pages.urls}, headers=auth).json()["url"]
        )
        assert job["status"] == "done"
        assert job["counts"]["new"] == 0 and job["counts"]["rejected"] == 2
        assert {r["reason"] for r in job["rejections"]} == {"blocked-address"}
    allowed = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0.0, retries=0)
    with make_client(fresh_db, fetch_policy=allowed) as c:
        job = wait_job(
            c, c.post("/api/ingest", json={"urls": pages.urls}, headers=auth).json()["url"]
        )
        assert job["status"] == "done", job
        assert job["counts"]["new"] == 2 and not job["rejections"], job


def test_a_failing_ingest_marks_the_job_failed(fresh_db: Path) -> None:
    def broken(store: Store) -> Any:
        raise UsageError("the tracker is misconfigured")

    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(fresh_db, tracker=broken) as c:
        files = {
            "files": (
                "a.txt",
                (EXAMPLE / sorted(p.name for p in EXAMPLE.glob("*.txt"))[0]).read_bytes(),
            )
        }
        job = wait_job(c, c.post("/api/ingest", files=files, headers=auth).json()["url"])
        assert job["status"] == "failed" and "misconfigured" in job["error"]
        assert c.get("/api/jobs/" + "0" * 32, headers=auth).status_code == 404


# -- guards -------------------------------------------------------------------------------------


def test_request_bodies_over_the_limit_get_413(fresh_db: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(fresh_db, max_body=1000) as c:
        big = {"urls": ["https://example.com/" + "a" * 2000]}
        declared = c.post("/api/ingest", json=big, headers=auth)
        assert declared.status_code == 413 and "1,000 bytes" in declared.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
            yield b'{"urls": ["https://example.com/'
            yield b"a" * 2000
            yield b'"]}'

        chunked = c.post(
            "/api/ingest", content=chunks(), headers={**auth, "Content-Type": "application/json"}
        )
        assert chunked.status_code == 413
        assert (
            c.post("/api/ingest", json={"urls": ["https://example.com/"]}, headers=auth).status_code
            == 202
        )


def test_rate_limit_per_client_with_retry_after(fixture_store: Fixture) -> None:
    now = [100.0]
    limit = RateLimit(per_second=0.5, burst=3)
    with make_client(fixture_store.path, rate_limit=limit, monotonic=lambda: now[0]) as c:
        assert [c.get("/api/stories").status_code for _ in range(3)] == [200, 200, 200]
        refused = c.get("/")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
        assert refused.headers["x-frame-options"] == "DENY"
        assert c.get("/healthz").status_code == 200  # exempt
        now[0] += 2.0
        assert c.get("/api/stories").status_code == 200
        assert c.get("/api/stories").status_code == 429
    with pytest.raises(UsageError, match="burst"):
        RateLimit(burst=0)


def test_create_app_refuses_memory_stores_and_run_binds_loopback() -> None:
    with pytest.raises(UsageError, match="memory"):
        create_app(":memory:", token=None)
    assert inspect.signature(run).parameters["host"].default == "127.0.0.1"


def test_openapi_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/stories",
        "/api/stories/{story_id}",
        "/api/articles/{article_id}",
        "/api/search",
        "/api/ingest",
        "/api/jobs/{job_id}",
        "/healthz",
        "/feeds/stories.atom",
        "/feeds/entity/{name}.atom",
        "/feeds/search.json",
    ):
        assert path in spec["paths"], path
    assert "multipart/form-data" in spec["paths"]["/api/ingest"]["post"]["requestBody"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/docs.js" in docs.text
    # Swagger UI is served from this server, so even /docs needs no CDN (air-gapped machines).
    assert "https:" not in docs.headers["content-security-policy"]
    assert "https:" not in docs.text
    bundle = client.get("/static/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    assert "cdn" not in client.get("/").headers["content-security-policy"]
    assert "<script>" not in docs.text.replace("<script src", "")  # no inline script


# -- pages --------------------------------------------------------------------------------------


def test_front_page_lists_stories_with_outlets_size_and_update(
    fixture_store: Fixture,
) -> None:
    with make_client(fixture_store.path, page_size=2) as c:
        page = c.get("/").text
        assert '<meta name="viewport"' in page
        assert "Valdoria votes" in page and "Valdoria Today" in page and "2 articles" in page
        assert "18 Nov 2018, 15:00 UTC" in page
        assert 'rel="next"' in page and "Page 1 of 2" in page
        second = c.get("/?page=2").text
        assert "Moscow Reiterates" in second and "5 articles" in second
        biggest = c.get("/?order=biggest").text
        assert biggest.index("Moscow Reiterates") < biggest.index("2 articles")
        assert "Moscow Reiterates" in c.get("/?entity=Sergei+Lavrov").text
        assert "No stories match" in c.get("/?q=zzzzqqq").text
        assert c.get("/?page=0").status_code == 400


def test_story_page_shows_cited_sentences_timeline_quotes_sides_and_history(
    client: TestClient, fixture_store: Fixture
) -> None:
    page = client.get(f"/stories/{fixture_store.inf}").text
    story = client.get(f"/api/stories/{fixture_store.inf}").json()
    for sentence in story["brief"]["summary"]:
        c = sentence["citations"][0]
        assert f'href="/articles/{c["article"]}?hl={c["start"]}-{c["end"]}#hl"' in page
    n = story["brief"]["summary"][0]["corroboration"]
    assert f"{n} source" in page
    assert "Where sources disagree" in page and page.count('class="side"') == 2
    assert "Timeline" in page and "1987" in page
    assert "Sergei Lavrov" in page and "Russian Foreign Minister" in page
    assert "Revision 2" in page and "Revision 1" in page and "First brief." in page
    assert 'href="/?entity=Sergei+Lavrov"' in page
    assert '<script type="application/ld+json">' in page
    assert "last report" in page and "brief from the latest" not in page


def test_article_page_highlights_the_cited_span(client: TestClient, fixture_store: Fixture) -> None:
    article_id, article = next(
        (i, a) for i, a in fixture_store.articles.items() if a.outlet == "Sputnik"
    )
    start = article.text.index("Lavrov also recalled")
    end = article.text.index(".", start) + 1
    page = client.get(f"/articles/{article_id}?hl={start}-{end}").text
    assert f'<mark id="hl">{escape(article.text[start:end])}</mark>' in page
    assert page.count("<mark") == 1
    assert "<mark" not in client.get(f"/articles/{article_id}?hl={end}-{start}").text
    assert "<mark" not in client.get(f"/articles/{article_id}?hl=0-99999999").text
    assert client.get("/articles/nope").status_code == 404


def test_paragraph_pieces_keep_offsets() -> None:
    text = "First para.\n\nSecond para with a span.\nSame para.\n\n\nThird."
    article = Article(id="a", source="s", text=text)
    start = text.index("with")
    end = text.index("Same") + 4
    view = article_view(article, (start, end), None)
    for p in view.paragraphs:
        joined = "".join(t for t, _ in p.pieces)
        assert text[p.start : p.start + len(joined)] == joined
    marked = "".join(t for p in view.paragraphs for t, m in p.pieces if m)
    assert marked == text[start:end]
    assert parse_span("3-9", 10) == (3, 9) and parse_span("9-3", 10) is None
    assert parse_span("0-11", 10) is None and parse_span("x", 10) is None


def test_safe_url() -> None:
    assert safe_url("https://example.com/a") == "https://example.com/a"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "//evil",
        "",
        None,
    ):
        assert safe_url(bad) is None


def test_search_page_marks_matches_safely(client: TestClient) -> None:
    page = client.get("/search?q=Lavrov").text
    assert "<mark>Lavrov</mark>" in page
    evil = client.get("/search?q=script").text
    assert "<script>window" not in evil and "&lt;script&gt;" in evil


def test_injection_is_escaped_everywhere(client: TestClient, fixture_store: Fixture) -> None:
    evil_id = next(i for i, a in fixture_store.articles.items() if a.title == EVIL_TITLE)
    for path in (
        "/",
        f"/stories/{fixture_store.evil}",
        f"/articles/{evil_id}",
        f"/articles/{evil_id}?hl=0-40",
        "/search?q=budget",
        "/?entity=%3Cscript%3Ealert(1)%3C/script%3E",
    ):
        page = client.get(path).text
        for raw in (
            "<script>window",
            "<script>alert",
            "<img src=x",
            "<svg",
            "<i onmouseover",
            "<b onmouseover",
            'href="javascript:',
        ):
            assert raw not in page, (path, raw)
        # Only our own scripts: the external app.js and the JSON-LD data block.
        assert page.count("<script") == page.count('<script src="/static/') + page.count(
            '<script type="application/ld+json">'
        ), path
    page = client.get(f"/stories/{fixture_store.evil}").text
    ld = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in ld  # tojson escapes < so the data block cannot be closed early
    assert json.loads(ld)["headline"] == EVIL_TITLE
    assert "&lt;script&gt;window.__pwned=&#34;title&#34;&lt;/script&gt;" in page


# -- feeds --------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_is_valid_and_one_entry_per_story(
    client: TestClient, fixture_store: Fixture
) -> None:
    import feedparser

    response = client.get("/feeds/stories.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    by_id = {e.findtext(f"{ATOM}id"): e for e in entries}
    inf = by_id[f"http://testserver/stories/{fixture_store.inf}"]
    assert inf.findtext(f"{ATOM}updated") == "2018-11-16T18:00:00Z"  # latest revision
    assert root.findtext(f"{ATOM}updated") == "2018-11-20T12:00:00Z"
    content = inf.find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert "<ol>" in (content.text or "") and "/articles/" in (content.text or "")
    assert b"&lt;ol&gt;" in response.content  # the HTML is escaped as text in the XML
    evil = by_id[f"http://testserver/stories/{fixture_store.evil}"]
    assert evil.findtext(f"{ATOM}title") == EVIL_TITLE
    html = evil.find(f"{ATOM}content").text or ""  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html  # escaped once more inside
    again = client.get("/feeds/stories.atom")
    assert again.content == response.content
    cached = client.get("/feeds/stories.atom", headers={"If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304


def test_json_feed_and_entity_and_search_feeds(client: TestClient, fixture_store: Fixture) -> None:
    feed = client.get("/feeds/stories.json")
    assert feed.headers["content-type"].startswith("application/feed+json")
    doc = feed.json()
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == "http://testserver/feeds/stories.json"
    assert len(doc["items"]) == 3
    item = next(i for i in doc["items"] if i["id"].endswith(fixture_store.inf))
    assert item["date_modified"] == "2018-11-16T18:00:00Z" and "<ol>" in item["content_html"]
    entity = client.get("/feeds/entity/Sergei Lavrov.json").json()
    assert [i["id"].rsplit("/", 1)[1] for i in entity["items"]] == [fixture_store.inf]
    entity_atom = ET.fromstring(client.get("/feeds/entity/Lavrov.atom").content)
    assert len(entity_atom.findall(f"{ATOM}entry")) == 1
    assert client.get("/feeds/entity/Nobody.json").json()["items"] == []
    searched = ET.fromstring(client.get("/feeds/search.atom?q=Brandt").content)
    assert [e.findtext(f"{ATOM}title") for e in searched.findall(f"{ATOM}entry")] == [
        "Valdoria votes"
    ]
    assert searched.find(f"{ATOM}link[@rel='self']").get("href").endswith("search.atom?q=Brandt")  # type: ignore[union-attr]
    assert client.get("/feeds/search.json?q=budget").json()["items"]
    assert client.get("/feeds/search.atom").status_code == 422


def test_feed_drops_characters_xml_cannot_hold(fresh_db: Path) -> None:
    import feedparser

    with open_store(fresh_db) as store:
        _story(
            store,
            [_article("Bell\x07 and \x0bvertical tab", "X", VOTE[0][2], _at(1))],
            [(1, _at(1))],
        )
    with make_client(fresh_db) as c:
        body = c.get("/feeds/stories.atom").content
        assert not feedparser.parse(body).bozo
        assert ET.fromstring(body).find(f"{ATOM}entry/{ATOM}title").text == "Bell and vertical tab"  # type: ignore[union-attr]


def test_rejection_type_is_kept(fixture_store: Fixture) -> None:
    # The job JSON relabels rejections; the records themselves are tidings' own.
    assert Rejection("a", "read", "empty", "a: empty").reason == "empty"
