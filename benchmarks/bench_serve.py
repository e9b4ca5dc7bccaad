"""Load on the web server: 50 concurrent clients against a 10k-article store, one run.

    python benchmarks/bench_serve.py                     # builds the store in a temp dir, 30 s
    python benchmarks/bench_serve.py --seconds 10 --db /tmp/bench-serve.db   # keep and reuse it

The store (SQLite) holds ``--articles`` synthetic articles in ``--stories`` stories, written
directly as records (no clustering or summarising: this measures serving, not ingest). Articles
are recombined from real news text: paragraphs of the DUC 2006 articles of one topic
(../shared/data/duc, research use, never copied into this repo) or, without it, of the bundled
INF Treaty example. Each story has two brief revisions whose sentences cite exact spans,
corroborated wherever the same sentence recurs in another article of the story.

The server is ``tidings.serve.run`` in a subprocess (uvicorn, one process, rate limit off);
``--clients`` asyncio clients in this process, each on its own keep-alive connection, send
requests in a fixed rotation for ``--seconds`` after a 3 s warm-up. The default client speaks
HTTP/1.1 on asyncio streams (:class:`RawClient`): httpx's AsyncClient (``--client httpx``)
spends about twice the server's CPU per request, so on two shared cores it measured httpx.
The server's CPU time per request is printed too: it does not depend on what else the machine
is doing, unlike requests per second. Rows:

- front page: ``/?order=newest|biggest&page=1..5``;
- story page: ``/stories/{id}`` of a random story (brief, history, sources);
- API list: ``/api/stories?limit=20&offset=...`` (with count and page links);
- API story: ``/api/stories/{id}`` (``tidings.story/1``, every revision's update);
- baseline ``/healthz``, measured in the same run: the floor of the stack (uvicorn, FastAPI,
  middleware, one trivial store call), so the other rows read as cost above it.

Client and server share the machine's cores; latencies include the client's own overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gzip
import json
import os
import random
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUC = ROOT.parent / "shared" / "data" / "duc" / "duc2006.jsonl.gz"
EXAMPLE = ROOT / "examples" / "inf-treaty"
sys.path.insert(0, str(ROOT / "src"))

OUTLETS = [
    f"{a} {b}"
    for a in ("Northern", "Daily", "Evening", "Harbour", "Valley", "Capital")
    for b in ("Courier", "Herald", "Post", "Times")
]


def _sources(seed: int) -> tuple[str, list[tuple[str, list[str], datetime]]]:
    """Topics of real text: ``[(headline, paragraphs, date)]`` per topic, and the data's name."""
    rng = random.Random(seed)
    topics: list[list[tuple[str, list[str], datetime]]] = []
    if DUC.exists():
        with gzip.open(DUC, "rt", encoding="utf-8") as fh:
            for line in fh:
                topic = json.loads(line)
                docs = []
                for doc in topic["docs"]:
                    paras = [p.strip() for p in doc["text"].split("\n\n") if len(p.split()) >= 12]
                    if len(paras) >= 3:
                        when = datetime.fromisoformat(doc["date"].replace(" ", "T")).replace(
                            tzinfo=UTC
                        )
                        docs.append(
                            (string.capwords(doc["headline"] or topic["title"]), paras, when)
                        )
                if docs:
                    topics.append(docs)
        name = f"DUC 2006 ({len(topics)} topics)"
    else:
        docs = []
        for path in sorted(EXAMPLE.glob("*.txt")):
            paras = [p.strip() for p in path.read_text().split("\n\n") if len(p.split()) >= 12]
            docs.append((paras[0][:80], paras, datetime(2018, 11, 14, tzinfo=UTC)))
        topics = [docs]
        name = "the bundled INF Treaty example"
    rng.shuffle(topics)
    return name, topics  # type: ignore[return-value]


def build_store(path: Path, n_articles: int, n_stories: int, seed: int = 0) -> str:
    """Write the benchmark store; return a description of its data."""
    from tidings.records import (
        Article,
        Brief,
        BriefRevision,
        BriefSentence,
        Citation,
        Story,
        content_id,
    )
    from tidings.segment import segment
    from tidings.store import open_store

    rng = random.Random(seed)
    name, topics = _sources(seed)
    # Story sizes between 5 and ~60 articles, summing to n_articles.
    weights = [rng.uniform(0.2, 2.0) for _ in range(n_stories)]
    sizes = [max(5, round(n_articles * w / sum(weights))) for w in weights]
    while sum(sizes) > n_articles:
        sizes[sizes.index(max(sizes))] -= 1
    while sum(sizes) < n_articles:
        sizes[rng.randrange(n_stories)] += 1

    def sentence(arts: list[Article], lead: Article) -> BriefSentence | None:
        sents = segment(lead)
        if not sents:
            return None
        first = sents[0]
        cites = [Citation(lead.id, first.start, first.end)]
        outlets = [lead.outlet or lead.source]
        for other in arts:
            at = other.text.find(first.text) if other.id != lead.id else -1
            if at >= 0 and len(cites) < 6:
                cites.append(Citation(other.id, at, at + len(first.text)))
                if other.outlet not in outlets:
                    outlets.append(other.outlet or other.source)
        return BriefSentence(first.text, tuple(cites), tuple(outlets))

    def brief(arts: list[Article]) -> Brief:
        picked = [s for a in arts[:6] if (s := sentence(arts, a))]
        return Brief(tuple(picked), tuple(arts), methods={"summarize": "synthetic-bench.v0"})

    stories: list[tuple[Story, list[BriefRevision]]] = []
    articles: list[Article] = []
    for s, size in enumerate(sizes):
        docs = topics[s % len(topics)]
        base = docs[0][2] + timedelta(days=7 * (s // len(topics)))
        members = []
        for k in range(size):
            headline, paras, _ = rng.choice(docs)
            chosen = rng.sample(paras, min(len(paras), rng.randint(3, 7)))
            # Paragraphs recur across the story's articles, as wire copy does across outlets.
            pool = [p for d in rng.sample(docs, min(3, len(docs))) for p in d[1][:4]]
            chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(pool))
            text = "\n\n".join(chosen)
            title = f"{headline} ({s}.{k})"
            outlet = rng.choice(OUTLETS)
            members.append(
                Article(
                    id=content_id(title, text),
                    source=f"https://{outlet.lower().replace(' ', '')}.example/{s}/{k}",
                    text=text,
                    title=title,
                    outlet=outlet,
                    published=base + timedelta(hours=k * 3 + rng.random()),
                    url=f"https://{outlet.lower().replace(' ', '')}.example/{s}/{k}",
                    extractor="record.v1",
                )
            )
        story_id = content_id("bench-story", members[0].id)
        half = max(1, size // 2)
        made = members[-1].published + timedelta(minutes=5)  # type: ignore[operator]
        first, second = brief(members[:half]), brief(members)
        update = tuple(s for a in members[half : half + 2] if (s := sentence(members, a)))
        revisions = [
            BriefRevision(
                story_id,
                1,
                first,
                (),
                tuple(a.id for a in members[:half]),
                made=members[half - 1].published,
            ),
            BriefRevision(story_id, 2, second, update, tuple(a.id for a in members), made=made),
        ]
        story = Story(
            id=story_id,
            articles=tuple(a.id for a in members),
            opened=members[0].published,
            last_seen=members[-1].published,
            title=members[0].title,
            revision=2,
        )
        stories.append((story, revisions))
        articles += members

    with open_store(path) as store:
        with store.transaction():
            store.add_articles(articles)
        for i in range(0, len(stories), 50):
            with store.transaction():
                for story, revisions in stories[i : i + 50]:
                    store.put_story(
                        dataclasses.replace(story, revision=1, articles=revisions[0].articles)
                    )
                    store.add_revision(revisions[0])
                    store.put_story(story)
                    store.add_revision(revisions[1])
    return f"{len(articles):,} articles in {len(stories)} stories, recombined from {name}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: str, port: int, threads: int) -> None:
    """The server subprocess."""
    from tidings.serve import run

    run(db, port=port, rate_limit=None, log_level="warning", store_threads=threads)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux /proc), all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RawClient:
    """One keep-alive HTTP/1.1 connection, on asyncio streams: a load generator that costs far
    less CPU per request than httpx, so that on a small machine the server, not the client, is
    what gets measured. It reads Content-Length and chunked bodies, and reconnects after
    ``Connection: close``."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head[9:12])
        headers = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", ""):
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if "close" in headers.get("connection", ""):
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def load(
    base: str, story_ids: list[str], clients: int, seconds: float, seed: int, kind: str
) -> dict:
    import httpx

    rng = random.Random(seed)
    kinds = {
        "front page": lambda: (
            f"/?order={rng.choice(['newest', 'biggest'])}&page={rng.randint(1, 5)}"
        ),
        "story page": lambda: f"/stories/{rng.choice(story_ids)}",
        "API list": lambda: f"/api/stories?limit=20&offset={rng.randrange(0, len(story_ids), 20)}",
        "API story": lambda: f"/api/stories/{rng.choice(story_ids)}",
        "baseline /healthz": lambda: "/healthz",
    }
    names = list(kinds)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    host, port = base.removeprefix("http://").split(":")
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def client(n: int, until: float, record: bool) -> None:
            raw = RawClient(host, int(port))
            i = n
            try:
                while time.perf_counter() < until:
                    name = names[i % len(names)]
                    i += 1
                    url = kinds[name]()
                    start = time.perf_counter()
                    try:
                        if kind == "raw":
                            status = await asyncio.wait_for(raw.get(url), 30)
                        else:
                            status = (await http.get(url)).status_code
                        ok, why = status == 200, f"{status} {url}"
                    except (
                        httpx.HTTPError,
                        OSError,
                        asyncio.IncompleteReadError,
                        TimeoutError,
                        ValueError,
                    ) as exc:
                        ok, why = False, f"{type(exc).__name__} {url}"
                        await raw.close()
                    if record:
                        latencies[name].append(time.perf_counter() - start)
                        if not ok:
                            errors[name].append(why)
            finally:
                await raw.close()

        warm = time.perf_counter() + 3
        await asyncio.gather(*(client(n, warm, False) for n in range(clients)))
        began = time.perf_counter()
        await asyncio.gather(*(client(n, began + seconds, True) for n in range(clients)))
        elapsed = time.perf_counter() - began
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "names": names}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=320)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: raw asyncio HTTP/1.1 (default, cheap) or httpx.AsyncClient",
    )
    parser.add_argument(
        "--store-threads", type=int, default=4, help="server threads reading the store"
    )
    parser.add_argument("--db", help="store to use; built there when missing (default: a temp dir)")
    parser.add_argument(
        "--serve", nargs=3, metavar=("DB", "PORT", "THREADS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]))
        return 0

    import httpx

    tmp = Path(tempfile.mkdtemp(prefix="tidings-bench-serve-"))
    db = Path(args.db) if args.db else tmp / "bench.db"
    server = None
    try:
        if not db.exists():
            started = time.perf_counter()
            what = build_store(db, args.articles, args.stories, args.seed)
            print(
                f"store: {what}; built in {time.perf_counter() - started:.1f} s ({db.stat().st_size / 1e6:.0f} MB)"
            )
        else:
            print(f"store: {db} (reused)")
        load_before = os.getloadavg()[0]
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(db), str(port), str(args.store_threads)],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                print("the server exited at start")
                return 1
            time.sleep(0.1)
        ids: list[str] = []
        offset = 0
        while True:
            page = httpx.get(f"{base}/api/stories?limit=100&offset={offset}", timeout=30).json()
            ids += [s["id"] for s in page["stories"]]
            offset += 100
            if offset >= page["total"]:
                break
        print(
            f"{len(ids)} stories served; {args.clients} {args.client} clients for {args.seconds:.0f} s "
            f"on 127.0.0.1, {os.cpu_count()} cores shared by client and server"
        )
        server_cpu = _cpu_seconds(server.pid)
        client_cpu = time.process_time()
        result = asyncio.run(load(base, ids, args.clients, args.seconds, args.seed, args.client))
        # Includes the 3 s warm-up: CPU per request is taken over warm-up and run together.
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)

    lat, errs, elapsed = result["latencies"], result["errors"], result["elapsed"]
    print()
    print("| requests | count | req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    every: list[float] = []
    for name in result["names"]:
        values = sorted(lat[name])
        every += values
        print(
            f"| {name} | {len(values):,} | {len(values) / elapsed:,.1f} | {_pct(values, 50):.1f} | "
            f"{_pct(values, 99):.1f} | {len(errs[name])} |"
        )
    every.sort()
    n_errors = sum(len(v) for v in errs.values())
    print(
        f"| **all** | {len(every):,} | {len(every) / elapsed:,.1f} | {_pct(every, 50):.1f} | "
        f"{_pct(every, 99):.1f} | {n_errors} |"
    )
    total = len(every) * (args.seconds + 3) / args.seconds  # requests including the warm-up
    print(
        f"\nCPU over run and warm-up: server {server_cpu:.1f} s ({server_cpu / total * 1000:.1f} ms per "
        f"request), client {client_cpu:.1f} s; wall {elapsed + 3:.1f} s on {os.cpu_count()} cores; "
        f"load average before the run {load_before:.2f}"
    )
    for name, whys in errs.items():
        for why in whys[:5]:
            print(f"error ({name}): {why}")
    return 1 if n_errors else 0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


if __name__ == "__main__":
    raise SystemExit(main())
