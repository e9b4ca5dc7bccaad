"""End-to-end story tracking with briefs: throughput, peak memory and cost growth, one run.

    python benchmarks/bench_stories.py                    # 2,500, 10,000 and 40,000 articles
    python benchmarks/bench_stories.py --sizes 2500       # a quick look
    python benchmarks/bench_stories.py --methods story-graph.v1 story-cluster.v2   # both clusterers
    python benchmarks/bench_stories.py --sizes 10000 40000 --repeat 2   # cost growth, repeated

Each size runs in its own process: synthetic articles (DUC 2006/2007 sentences recombined within
one topic into distinct events with their own place names and dates, from
``bench_cluster.synthetic_records``: never whole copies) go through ``tidings.load`` (text
records) and :class:`tidings.stories.StoryTracker` into a SQLite store: near-duplicates,
clustering, and for every story that changes in a batch a new brief revision and an update
summary, all written in one transaction per batch. Analysis (spaCy) is off, as with
``tidings ingest --no-analysis``; it is measured in bench_analysis.py.

Baseline, in the same run: the same articles through ``tidings.load`` alone, the floor that any
pipeline reading text pays.

Cost growth: the ratio of the wall time of a size to that of the size before, from each size's
fastest run when ``--repeat`` runs them more than once, and the same ratio of CPU time summed over
all processes (less sensitive to other load on the machine, which slows a run but does not add to
its CPU time).

Memory: the main process's peak RSS, and the peak *proportional set size* (PSS) summed over the
whole process tree (the main process and its summarising workers), sampled every 0.2 s from
/proc/PID/smaps_rollup. RSS counts pages a worker shares copy-on-write with its parent in every
process; PSS divides each shared page between the processes that map it, so the tree's sum is what
the run really holds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
    except OSError:  # the process ended, or this is not Linux
        return 0


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for c in children for p in _tree(int(c)))]


class TreePss:
    """Samples the summed PSS of this process and its descendants in a thread; ``peak_mb``."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _tree(os.getpid())))

    def __enter__(self) -> TreePss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker(
    n: int, batch_size: int, workers: int = 1, method: str = "story-graph.v1"
) -> dict[str, float]:
    import tidings
    from bench_cluster import synthetic_records
    from tidings.cluster import CLUSTERERS, _default_embedder
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    records, _ = synthetic_records(n)
    _default_embedder()  # a one-off start-up cost, not per-article work
    c0 = _cpu_s()
    t0 = time.perf_counter()
    articles, rejected = tidings.load(records)
    t1 = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(f"{tmp}/bench.db") as store,
        TreePss() as pss,
    ):
        with StoryTracker(
            store, batch_size=batch_size, workers=workers, clusterer=CLUSTERERS.get(method)()
        ) as tracker:
            report = tracker.ingest(articles, rejected=rejected)
        t2 = time.perf_counter()
        c2 = _cpu_s()  # the workers have been joined: their time is in RUSAGE_CHILDREN
        revisions = sum(s.revision for s in store.stories(limit=10**9))
        stories = store.count_stories()
    return {
        "n": len(articles),
        "load_s": t1 - t0,
        "track_s": t2 - t1,
        "cpu_s": c2 - c0,
        "stories": stories,
        "revisions": revisions,
        "opened": report.stories_opened,
        "closed": report.stories_closed,
        "moved": report.moved,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_tree_pss_mb": pss.peak_mb,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2500, 10000, 40000])
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument(
        "--workers", type=int, default=1, help="processes summarising stories in parallel"
    )
    ap.add_argument(
        "--methods",
        nargs="+",
        default=["story-graph.v1"],
        help="clusterers by registry name (story-graph.v1, the default; story-cluster.v2)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every size this many times, interleaved; the cost ratios use each size's "
        "fastest run (a shared machine only ever slows a run down)",
    )
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.batch_size, args.workers, args.methods[0])))
        return 0
    if not (ROOT.parent / "shared" / "data" / "duc").is_dir():
        print("skipped: ../shared/data/duc not found (a fresh clone has no ../shared)")
        return 0
    print(
        f"Story tracking with briefs, SQLite store, batch size {args.batch_size}, "
        f"{args.workers} worker process(es), analysis off\n"
    )
    print(
        "| method | articles | run | load s (baseline) | track s (cluster + briefs + store) | "
        "end-to-end art/s | CPU s (all processes) | stories | revisions | moves | "
        "peak RSS MB (main) | peak PSS MB (all processes) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    # Repeats outside, then sizes, then methods: the methods of one size run back to back, and
    # the repeats of a size are spread over the whole run, so a machine that slows for a while
    # slows one run of a size, not all of them.
    for r in range(args.repeat):
        for n in args.sizes:
            for method in args.methods:
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        str(n),
                        "--batch-size",
                        str(args.batch_size),
                        "--workers",
                        str(args.workers),
                        "--methods",
                        method,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                res = json.loads(out.stdout.strip().splitlines()[-1])
                results.setdefault((method, n), []).append(res)
                total = res["load_s"] + res["track_s"]
                print(
                    f"| {method} | {res['n']:,} | {r + 1} | {res['load_s']:.1f} | "
                    f"{res['track_s']:.1f} | {res['n'] / total:.1f} | {res['cpu_s']:.0f} | "
                    f"{res['stories']:,} | {res['revisions']:,} | {res['moved']:,} | "
                    f"{res['peak_rss_mb']:.0f} | {res['peak_tree_pss_mb']:.0f} |",
                    flush=True,
                )
    print()
    for method in args.methods:
        runs = [results[(method, n)] for n in args.sizes]
        best = [min(rs, key=lambda x: x["load_s"] + x["track_s"]) for rs in runs]
        for (a, b), (ra, rb) in zip(pairwise(best), pairwise(runs), strict=True):
            cost = (b["load_s"] + b["track_s"]) / (a["load_s"] + a["track_s"])
            cpu = min(x["cpu_s"] for x in rb) / min(x["cpu_s"] for x in ra)
            print(
                f"{method}: cost {b['n']:,} / {a['n']:,} articles ({b['n'] / a['n']:.1f}x data): "
                f"{cost:.2f}x wall time (fastest of {len(rb)} and {len(ra)} runs), "
                f"{cpu:.2f}x CPU time"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
