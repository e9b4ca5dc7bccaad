"""DUC 2007 update task: "what is new since I last read this story", tidings vs baselines, one run.

    python benchmarks/bench_update.py

Data: ../shared/data/duc/duc2007_update.jsonl.gz (10 topics, batches A, B, C of 7-10 articles,
four 100-word human references per batch; NIST, research use, never copied into this repo). The
summary of batch A is a plain summary; B is summarised knowing A, and C knowing A and B, as the
references were written. Scoring as in bench_summarize.py: ROUGE-2 (and ROUGE-1) recall with the
Porter stemmer, pooled over references, averaged over topics; outputs cut to 100 words.

Systems, same run:
- tidings: ``tidings.pipeline.update_summary`` (concept ILP with the earlier batches as background);
- tidings-generic: the same summariser with no background (does knowing the past help?);
- lead: the first 100 words of the most recent article of the batch (DUC's baseline).
The official best DUC 2007 update system reached ROUGE-2 0.1119 (ROUGE-1.5.5, jackknifed).
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "duc" / "duc2007_update.jsonl.gz"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cluster import duc_date  # noqa: E402  (DUC dates, swapped day and month mended)

N_WORDS = 100


def main() -> int:
    if not DATA.exists():
        print(
            f"skipped: {DATA} not found (the DUC data lives in ../shared, which a fresh clone has not)"
        )
        return 0
    import tidings
    from bench_summarize import OUTLETS, Rouge, lead_summary, truncate
    from tidings.pipeline import update_summary

    rouge = Rouge()
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        topics = [json.loads(line) for line in fh]
    scores: dict[str, dict[str, list[float]]] = {}
    for topic in topics:
        known: list[tidings.Article] = []
        for batch in topic["batches"]:
            records = [
                {
                    "text": d["text"],
                    "title": d.get("headline"),
                    "published": duc_date(d) if d.get("date") else None,
                    "outlet": OUTLETS.get(d["doc_id"][:3], d["doc_id"][:3]),
                    "url": f"duc:{d['doc_id']}",
                }
                for d in batch["docs"]
            ]
            articles, _ = tidings.load(records)
            refs = [r["text"] for r in batch["references"]]
            outputs = {
                "tidings": " ".join(
                    s.text for s in update_summary(articles, known, max_words=N_WORDS)
                ),
                "tidings-generic": " ".join(
                    s.text for s in tidings.brief_articles(articles, max_words=N_WORDS).sentences
                ),
                "lead": lead_summary(batch["docs"], N_WORDS),
            }
            for name, text in outputs.items():
                for key in (batch["batch"], "all"):
                    for n in (1, 2):
                        scores.setdefault(name, {}).setdefault(f"{key}-R{n}", []).append(
                            rouge.recall(truncate(text, N_WORDS), refs, n)
                        )
            known.extend(articles)
    print(
        f"DUC 2007 update task, {len(topics)} topics, {N_WORDS} words, ROUGE recall (rouge-score tokens, pooled refs)"
    )
    print(f"{'system':<16} {'A R-2':>7} {'B R-2':>7} {'C R-2':>7} {'all R-2':>8} {'all R-1':>8}")
    for name, table in scores.items():
        row = [statistics.mean(table[f"{k}-R2"]) for k in ("A", "B", "C", "all")]
        print(
            f"{name:<16} "
            + " ".join(f"{v:>7.4f}" for v in row[:3])
            + f" {row[3]:>8.4f} {statistics.mean(table['all-R1']):>8.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
