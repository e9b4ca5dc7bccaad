"""Near-duplicate detection: syndicated and re-posted copies of one article are collapsed.

Each article is shingled into word 5-grams and sketched with MinHash; an LSH index proposes
candidate pairs (no all-pairs comparison), which are confirmed on the estimated Jaccard
similarity. Groups are the connected components of confirmed pairs. :class:`CopyIndex` keeps the
sketches of earlier articles, so a stream also finds copies of articles from earlier batches.

Approximation: MinHash estimates Jaccard similarity with a standard error of about
``1/sqrt(num_perm)`` (0.09 at 128 permutations), so pairs within a few points of the threshold may
fall either way. Cost: O(n * words) to sketch and O(n) expected LSH look-ups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .records import Article, DuplicateGroup
from .registry import Registry
from .textutil import words

__all__ = ["DEDUPERS", "CopyIndex", "Deduper"]

DEDUPERS: Registry[type] = Registry("deduper")


@DEDUPERS.register("minhash-lsh.v1")
@dataclass(frozen=True, slots=True)
class Deduper:
    """Find groups of near-duplicate articles.

    Args:
        threshold: estimated Jaccard similarity of word 5-gram sets above which two articles are
            copies. 0.6 catches syndicated copies with a changed lede, headline or a trimmed
            last paragraph, while distinct reports of one event stay well below it (they share
            facts, not long runs of identical words).
        num_perm: MinHash permutations (accuracy vs speed).
        shingle: words per shingle.
        seed: MinHash seed.
    """

    threshold: float = 0.6
    num_perm: int = 128
    shingle: int = 5
    seed: int = 1

    def groups(self, articles: Sequence[Article]) -> tuple[DuplicateGroup, ...]:
        """Return the groups of copies (only groups of two or more articles).

        The representative ``kept`` is the earliest published article of its group (the likely
        original), or, when dates are unknown, the longest text (the most complete copy).
        """
        from datasketch import MinHashLSH

        if len(articles) < 2:
            return ()
        # Banding tuned exactly at the threshold misses about one pair in five just above it, so
        # candidates are drawn at a lower threshold, weighted against false negatives, and every
        # candidate is then confirmed on its estimated Jaccard similarity.
        lsh = MinHashLSH(
            num_perm=self.num_perm,
            params=_lsh_params(max(0.2, self.threshold - 0.25), self.num_perm),
        )
        sketches: list[Any] = []
        for index, article in enumerate(articles):
            sketch = _sketch(article.text, self.num_perm, self.seed, self.shingle)
            sketches.append(sketch)
            lsh.insert(str(index), sketch)

        parent = list(range(len(articles)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for index, sketch in enumerate(sketches):
            for other in lsh.query(sketch):
                j = int(other)
                if j != index and sketch.jaccard(sketches[j]) >= self.threshold:
                    parent[find(j)] = find(index)

        members: dict[int, list[int]] = {}
        for index in range(len(articles)):
            members.setdefault(find(index), []).append(index)
        out = []
        for group in members.values():
            if len(group) < 2:
                continue
            kept = min(group, key=lambda i: _representative_key(articles[i], i))
            copies = [i for i in group if i != kept]
            out.append(
                DuplicateGroup(
                    kept=articles[kept].id,
                    copies=tuple(articles[i].id for i in copies),
                    similarity=tuple(
                        round(float(sketches[kept].jaccard(sketches[i])), 3) for i in copies
                    ),
                )
            )
        return tuple(out)


class CopyIndex:
    """An incremental LSH index of articles seen earlier, to find copies across batches.

    :meth:`Deduper.groups` finds copies within one sequence; a stream also brings copies of
    articles that arrived in an earlier batch (a wire story re-posted hours later). This index
    keeps the sketches of such earlier articles, with the same shingles, permutations, LSH
    banding and confirmation threshold as the deduper it was made from.

    Cost: one sketch per added or queried article, O(1) expected LSH look-ups; memory about
    ``num_perm`` * 8 bytes per indexed article.
    """

    def __init__(self, deduper: Deduper) -> None:
        from datasketch import MinHashLSH

        self.deduper = deduper
        self._lsh = MinHashLSH(
            num_perm=deduper.num_perm,
            params=_lsh_params(max(0.2, deduper.threshold - 0.25), deduper.num_perm),
        )
        self._sketches: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._sketches)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._sketches

    def add(self, article: Article) -> None:
        """Index ``article`` (again: no change)."""
        if article.id in self._sketches:
            return
        d = self.deduper
        sketch = _sketch(article.text, d.num_perm, d.seed, d.shingle)
        self._sketches[article.id] = sketch
        self._lsh.insert(article.id, sketch)

    def remove(self, article_id: str) -> None:
        """Forget ``article_id`` (unknown ids are ignored)."""
        if self._sketches.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def ids(self) -> list[str]:
        """The indexed article ids, in the order they were added."""
        return list(self._sketches)

    def original_of(self, article: Article) -> tuple[str, float] | None:
        """The indexed article that ``article`` copies, with their estimated Jaccard similarity:
        the most similar one at or above the deduper's threshold (ties: the smaller id, so the
        answer does not depend on the order articles were added), or ``None``."""
        d = self.deduper
        sketch = _sketch(article.text, d.num_perm, d.seed, d.shingle)
        best: tuple[float, str] | None = None
        for other in self._lsh.query(sketch):
            if other == article.id:
                continue
            similarity = float(sketch.jaccard(self._sketches[other]))
            key = (-similarity, other)
            if similarity >= d.threshold and (best is None or key < best):
                best = key
        return None if best is None else (best[1], round(-best[0], 3))


@lru_cache(maxsize=64)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """LSH bands and rows, weighted against false negatives. datasketch finds them by numerical
    integration on every construction (tens of ms), so they are computed once per setting."""
    from datasketch.lsh import _optimal_param

    return tuple(_optimal_param(threshold, num_perm, 0.2, 0.8))


@lru_cache(maxsize=20_000)
def _sketch(text: str, num_perm: int, seed: int, shingle: int) -> Any:
    """The MinHash of a text's word shingles. Cached: story tracking re-checks the same articles
    at every revision, and a text always gives the same sketch."""
    from datasketch import MinHash

    sketch = MinHash(num_perm=num_perm, seed=seed)
    tokens = words(text)
    grams = {" ".join(tokens[i : i + shingle]) for i in range(max(1, len(tokens) - shingle + 1))}
    sketch.update_batch([g.encode("utf-8") for g in grams])
    return sketch


def _representative_key(article: Article, index: int) -> tuple[int, float, int, int]:
    published = article.published.timestamp() if article.published else 0.0
    return (0 if article.published else 1, published, -len(article.text), index)
