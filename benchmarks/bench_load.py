"""Benchmark loading a WARC archive into articles: peak memory and time, held against streamed.

Data: a synthetic Common Crawl-like WARC.gz written by ``bench_warc.write_archive`` (HTML pages of
about ``--page-kb`` KB, seeded).

Ways of loading, each in a fresh subprocess so that peak memory (``VmHWM``) is its own:

* ``held`` (the baseline, what ``tidings.load`` did until 2026-11-23): read every document of the
  archive (``read_inputs``), then extract them all (``extract_all``);
* ``streamed``: ``tidings.load``, which extracts pages 256 at a time as the archive is read;
* ``streamed, 2 workers``: the same with two extraction processes (the main process's memory;
  each worker holds one chunk of 8 pages at a time).

The articles must be the same in all three.

Run from the repository root::

    python benchmarks/bench_load.py [--pages 2000] [--page-kb 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(mode: str, path: str) -> dict[str, object]:
    """Run in a subprocess: load ``path`` one way; time, peak memory and a digest of the result."""
    import hashlib

    import tidings
    from tidings.extract import extract_all
    from tidings.sources import read_inputs

    before = _peak_mb()
    started = time.perf_counter()
    if mode == "held":
        read = read_inputs([path])
        articles, rejected = extract_all(read.documents)
        rejected = read.rejected + rejected
    else:
        articles, rejected = tidings.load([path], workers=2 if mode.endswith("2") else 1)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256("".join(a.id for a in articles).encode()).hexdigest()[:12]
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "before_mb": before,
        "articles": len(articles),
        "rejected": len(rejected),
        "digest": digest,
    }


MODES = {"held": "held (baseline)", "streamed": "streamed", "streamed2": "streamed, 2 workers"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--page-kb", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    from bench_warc import write_archive

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.warc.gz"
        write_archive(path, pages=args.pages, page_bytes=args.page_kb * 1000, seed=args.seed)
        print(
            f"archive: {args.pages} pages of ~{args.page_kb} KB, "
            f"{path.stat().st_size / 1e6:.1f} MB gzipped (seed {args.seed})\n"
        )
        results = {}
        for mode in MODES:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", mode, str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    print("| loading | seconds | pages/s | peak RSS MB (main process) | articles | rejected |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, res in results.items():
        print(
            f"| {MODES[mode]} | {res['seconds']:.1f} | {args.pages / res['seconds']:.1f} |"
            f" {res['peak_mb']:.0f} (before loading: {res['before_mb']:.0f}) | {res['articles']} |"
            f" {res['rejected']} |"
        )
    same = len({(r["digest"], r["articles"], r["rejected"]) for r in results.values()}) == 1
    print(f"\nsame articles in every way: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
