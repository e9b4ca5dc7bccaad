"""DUC 2006 generic multi-document summarisation: tidings vs LexRank, TextRank and lead, one run.

    python benchmarks/bench_summarize.py                 # all 50 topics, 250 and 100 words
    python benchmarks/bench_summarize.py --topics 10     # a quick look

Data: ../shared/data/duc/duc2006.jsonl.gz (NIST, research use; never copied into this repo). The
topic narrative is ignored: these are generic summaries. Scores are ROUGE-1 and ROUGE-2 recall
with the Porter stemmer (rouge-score's tokenizer), pooled over the four references as ROUGE-1.5.5
does for a topic, then averaged over topics; every system's output is cut to the word limit, as
DUC did. These are close to, not equal to, the official ROUGE-1.5.5 jackknifed figures: compare
systems within this one run.

Baselines, measured in the same run:
- lead: the first N words of the most recent article (DUC's official baseline);
- LexRank and TextRank from sumy, given a nupunkt sentence tokenizer (NLTK's punkt data cannot be
  installed offline), the Snowball stemmer and sumy's English stopwords, over all 25 articles.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "duc" / "duc2006.jsonl.gz"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cluster import duc_date  # noqa: E402  (DUC dates, swapped day and month mended)

OUTLETS = {"APW": "Associated Press", "NYT": "New York Times", "XIE": "Xinhua"}


def load_topics(path: Path, limit: int | None) -> list[dict]:
    topics = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            topics.append(json.loads(line))
            if limit and len(topics) >= limit:
                break
    return topics


def truncate(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


class Rouge:
    """ROUGE-N recall pooled over references, on rouge-score's stemmed tokens."""

    def __init__(self) -> None:
        from rouge_score import tokenizers

        self.tok = tokenizers.DefaultTokenizer(use_stemmer=True)

    def grams(self, text: str, n: int) -> Counter:
        t = self.tok.tokenize(text)
        return Counter(tuple(t[i : i + n]) for i in range(len(t) - n + 1))

    def recall(self, summary: str, refs: list[str], n: int) -> float:
        s = self.grams(summary, n)
        hit = total = 0
        for ref in refs:
            r = self.grams(ref, n)
            hit += sum(min(c, s[g]) for g, c in r.items())
            total += sum(r.values())
        return hit / total if total else 0.0


class NupunktTokenizer:
    """The tokenizer object sumy expects, on nupunkt instead of NLTK's punkt data."""

    language = "english"
    _word = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        import nupunkt

        return tuple(s.strip() for s in nupunkt.sentences(paragraph) if s.strip())

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(self._word.findall(sentence))


def sumy_ranked(kind: str, docs: list[dict], n_words: int) -> str:
    """Top-ranked sentences first (sumy's own ordering is by position, which would favour lead)."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    text = "\n\n".join(d["text"] for d in docs)
    parser = PlaintextParser.from_string(text, NupunktTokenizer())
    cls = LexRankSummarizer if kind == "lexrank" else TextRankSummarizer
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    document = parser.document
    if kind == "lexrank":
        # sumy's LexRank has no public rating method: these are the steps of its __call__.
        words = [summarizer._to_words_set(s) for s in document.sentences]
        tf, idf = summarizer._compute_tf(words), summarizer._compute_idf(words)
        matrix = summarizer._create_matrix(words, summarizer.threshold, tf, idf)
        ratings = dict(
            zip(
                document.sentences, summarizer.power_method(matrix, summarizer.epsilon), strict=True
            )
        )
    else:
        ratings = summarizer.rate_sentences(document)
    order = sorted(ratings, key=lambda s: -ratings[s])
    out: list[str] = []
    used = 0
    for s in order:
        text_s = str(s)
        n = len(text_s.split())
        if n < 6:
            continue
        out.append(text_s)
        used += n
        if used >= n_words:
            break
    return truncate(" ".join(out), n_words)


def lead_summary(docs: list[dict], n_words: int) -> str:
    latest = max(docs, key=lambda d: d.get("date") or "")
    return truncate(latest["text"], n_words)


def tidings_summary(docs: list[dict], n_words: int) -> str:
    import tidings

    records = [
        {
            "text": d["text"],
            "title": d.get("headline"),
            "published": duc_date(d) if d.get("date") else None,
            "outlet": OUTLETS.get(d["doc_id"][:3], d["doc_id"][:3]),
            "url": f"duc:{d['doc_id']}",
        }
        for d in docs
    ]
    result = tidings.brief(records, max_words=n_words)
    return truncate(" ".join(s.text for s in result.sentences), n_words)


SYSTEMS = {
    "tidings": tidings_summary,
    "lexrank": lambda docs, n: sumy_ranked("lexrank", docs, n),
    "textrank": lambda docs, n: sumy_ranked("textrank", docs, n),
    "lead": lead_summary,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--topics", type=int, default=None, help="only the first N topics")
    ap.add_argument("--words", type=int, nargs="+", default=[250, 100])
    ap.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(
            f"skipped: {DATA} not found (the DUC data lives in ../shared, which a fresh clone has not)"
        )
        return 0
    topics = load_topics(DATA, args.topics)
    rouge = Rouge()
    print(f"DUC 2006, {len(topics)} topics, generic summaries (topic narrative ignored)")
    for n_words in args.words:
        print(f"\n{n_words} words")
        print(f"{'system':<10} {'ROUGE-1 R':>10} {'ROUGE-2 R':>10} {'s/topic':>8}")
        for name in args.systems:
            r1, r2, secs = [], [], []
            for topic in topics:
                refs = [r["text"] for r in topic["references"]]
                t0 = time.perf_counter()
                summary = SYSTEMS[name](topic["docs"], n_words)
                secs.append(time.perf_counter() - t0)
                r1.append(rouge.recall(summary, refs, 1))
                r2.append(rouge.recall(summary, refs, 2))
            print(
                f"{name:<10} {statistics.mean(r1):>10.4f} {statistics.mean(r2):>10.4f} {statistics.mean(secs):>8.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
