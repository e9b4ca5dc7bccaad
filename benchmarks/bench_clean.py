"""Benchmark the plain-text capture cleaner against the all-visible-text baseline.

Data: the Zyte article-extraction benchmark in ``../shared/data/zyte-extraction`` (181 real pages
with a human ``articleBody``). Each page becomes a plain-text capture: its visible text from
``html_text.extract_text(html, guess_layout=True)``, which keeps one line per block element and a
blank line between paragraphs, the way a browser's "save as text" does. The truth is
``articleBody``, which never contains the headline, so the cleaner is scored on ``text`` alone
(``title + text`` is reported too).

Metric: exactly the benchmark's ``evaluate.py``: ``\\w+`` tokens, word 4-gram shingles counted as
a multiset, per-page true/false positives and negatives normalised to sum to one, precision and
recall averaged over pages (pages with no predicted or no true shingle are left out of the
respective average), F1 of the two averages. The script checks itself by scoring the published
all-text output in ``peer-output/html-text.json``, which the benchmark reports at F1 0.665.

Splits: pages whose id sorts into the first half are the dev split the cleaner was tuned on; the
second half is held out. Both are reported with the total, so overfitting shows.

Run from the repository root::

    python benchmarks/bench_clean.py [--worst N] [--show PAGE_ID_PREFIX]

It exits 0 with a message when the shared data (or ``html-text``) is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tidings.clean import CleanedCapture, clean_capture, recurring_lines  # noqa: E402  (path set above)
from zyte_metric import precision, recall, shingle_match, summarise  # noqa: E402  (benchmarks/ is on the path)

DATA = ROOT.parent / "shared" / "data" / "zyte-extraction"
PUBLISHED_ALL_TEXT_F1 = 0.665


def load_pages(
    extract: Callable[[str], str],
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Return (capture text, truth, url) by page id."""
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    captures, bodies, urls = {}, {}, {}
    for page_id in sorted(truth):
        with gzip.open(
            DATA / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8", errors="replace"
        ) as fh:
            captures[page_id] = extract(fh.read())
        bodies[page_id] = truth[page_id].get("articleBody", "")
        urls[page_id] = truth[page_id].get("url", "")
    return captures, bodies, urls


def domain_recurring(
    captures: Mapping[str, str], urls: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    """recurring_lines over the pages of each site domain that has more than one page."""
    by_site: dict[str, list[str]] = {}
    for page_id in captures:
        by_site.setdefault(urlparse(urls[page_id]).netloc.removeprefix("www."), []).append(page_id)
    out: dict[str, frozenset[str]] = {}
    for ids in by_site.values():
        lines = recurring_lines([captures[i] for i in ids]) if len(ids) > 1 else frozenset()
        out.update(dict.fromkeys(ids, lines))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worst", type=int, default=8, help="how many worst pages to list")
    parser.add_argument(
        "--show", help="print input and output of the page whose id starts with this"
    )
    args = parser.parse_args(argv)

    if not DATA.is_dir():
        print(
            f"skipped: benchmark data not found at {DATA} (it lives in the team's shared/ folder, "
            f"not in the repository)"
        )
        return 0
    try:
        import html_text
    except ImportError:
        print(
            "skipped: the html-text package is needed to turn pages into plain-text captures (pip "
            "install html-text)"
        )
        return 0

    started = time.perf_counter()
    captures, truth, urls = load_pages(lambda html: html_text.extract_text(html, guess_layout=True))
    ids = sorted(captures)
    dev, held = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    recurring = domain_recurring(captures, urls)
    repeated_sites = len({urlparse(urls[i]).netloc for i in ids if recurring[i]})

    clean_started = time.perf_counter()
    plain = {i: clean_capture(captures[i]) for i in ids}
    clean_seconds = time.perf_counter() - clean_started
    batch = {i: clean_capture(captures[i], recurring=recurring[i]) for i in ids}

    def with_title(c: CleanedCapture) -> str:
        return (c.title + "\n\n" if c.title else "") + c.text

    systems: dict[str, dict[str, str]] = {
        "all visible text (baseline)": captures,
        "cleaner, text": {i: plain[i].text for i in ids},
        "cleaner, title + text": {i: with_title(plain[i]) for i in ids},
        "cleaner + site recurrence, text": {i: batch[i].text for i in ids},
    }
    page_scores = {
        name: {i: shingle_match(truth[i], out[i]) for i in ids} for name, out in systems.items()
    }

    peer = DATA / "peer-output" / "html-text.json"
    if peer.is_file():
        published = json.loads(peer.read_text(encoding="utf-8"))
        published = published.get("output", published)
        check = summarise(
            [shingle_match(truth[i], published.get(i, {}).get("articleBody", "")) for i in ids]
        )[2]
        print(
            f"metric check: published all-text output scores F1 {check:.3f} here (benchmark "
            f"reports {PUBLISHED_ALL_TEXT_F1})"
        )
    print(
        f"{len(ids)} pages ({len(dev)} dev, {len(held)} held out); {repeated_sites} sites with 2+ "
        f"pages give recurring lines"
    )
    print(
        f"cleaning time: {clean_seconds / len(ids) * 1000:.1f} ms per page "
        f"({sum(map(len, captures.values())) / 1e6:.1f} MB in total)\n"
    )

    header = (
        f"{'system':<34} {'dev P':>6} {'dev R':>6} {'dev F1':>6} | "
        f"{'held P':>6} {'held R':>6} {'held F1':>7} | {'all F1':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, scores in page_scores.items():
        d = summarise([scores[i] for i in dev])
        h = summarise([scores[i] for i in held])
        a = summarise([scores[i] for i in ids])
        print(
            f"{name:<34} {d[0]:6.3f} {d[1]:6.3f} {d[2]:6.3f} | {h[0]:6.3f} {h[1]:6.3f} {h[2]:7.3f} "
            f"| {a[2]:6.3f}"
        )

    final = page_scores["cleaner + site recurrence, text"]
    print(
        f"\nworst {args.worst} pages (cleaner + site recurrence, text); flag: R = lost body text, "
        f"P = kept furniture"
    )
    ranked = sorted(
        ids,
        key=lambda i: (
            2
            * precision(*final[i])
            * recall(*final[i])
            / max(1e-9, precision(*final[i]) + recall(*final[i]))
        ),
    )
    for page_id in ranked[: args.worst]:
        p, r = precision(*final[page_id]), recall(*final[page_id])
        flag = ("R" if r < 0.8 else "-") + ("P" if p < 0.8 else "-")
        split = "dev " if page_id in dev else "held"
        print(
            f"  {flag} {split} {page_id[:8]} P={p:.2f} R={r:.2f}  {urlparse(urls[page_id]).netloc}"
        )

    if args.show:
        page_id = next(i for i in ids if i.startswith(args.show))
        result = batch[page_id]
        kept = {line for para in result.text.split("\n\n") for line in [para]}
        print(f"\n== {page_id} {urls[page_id]}\ntitle: {result.title}")
        for line in captures[page_id].split("\n"):
            folded = " ".join(line.split())
            if folded:
                mark = "+" if folded in kept else " "
                truth_mark = (
                    "T" if folded.casefold() in " ".join(truth[page_id].split()).casefold() else " "
                )
                print(f"{mark}{truth_mark} {folded[:150]}")
    print(f"\ntotal time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
