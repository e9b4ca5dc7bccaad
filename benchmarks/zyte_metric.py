"""The Zyte article-extraction benchmark's metric, shared by bench_clean.py and bench_extract.py.

Word 4-gram shingles of prediction and truth as multisets, per-page true/false positive and false
negative shares (as the benchmark's evaluate.py computes them), then precision and recall averaged
over pages and the F1 of the two averages.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence

__all__ = ["TpFpFn", "precision", "recall", "shingle_match", "summarise"]

_TOKEN = re.compile(r"\w+", re.UNICODE)
TpFpFn = tuple[float, float, float]


def shingle_match(true: str, pred: str, n: int = 4) -> TpFpFn:
    """Per-page (tp, fp, fn) over word n-gram shingles, normalised to sum to 1 (as evaluate.py)."""

    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = _TOKEN.findall(text or "")
        return Counter(
            tuple(tokens[i : i + n])
            for i in range(max(1, len(tokens) - n + 1))
            if tokens[i : i + n]
        )

    t, p = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for key in t.keys() | p.keys():
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def summarise(scores: Sequence[TpFpFn]) -> tuple[float, float, float]:
    """(precision, recall, F1) of a set of pages, averaged the benchmark's way."""
    p = statistics.mean([precision(*s) for s in scores if s[0] + s[1] > 0] or [0.0])
    r = statistics.mean([recall(*s) for s in scores if s[0] + s[2] > 0] or [0.0])
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
