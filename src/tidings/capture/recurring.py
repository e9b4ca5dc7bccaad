"""Lines that recur across the captures of a batch: furniture no single capture can show.

Copies of one article (syndicated or re-posted texts) are grouped first by their shared prose
5-grams, so that a headline two copies share is not taken for site furniture.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

from ..errors import UsageError
from .body import Classifier
from .lines import is_prose, normalise_line, split_units

__all__ = ["recurring_lines"]

# Prose fingerprints: word 5-grams. Texts sharing this share of the smaller one's fingerprints
# are copies of one article; a fingerprint held by more than _MAX_SHARING texts is too common to
# tell copies apart (a site-wide disclaimer) and is ignored.
_SHINGLE = 5
_COPY_CONTAINMENT = 0.3
_MAX_SHARING = 64


def recurring_lines(texts: Sequence[str], *, min_docs: int = 2) -> frozenset[str]:
    """Normalised short or non-prose lines that occur in at least ``min_docs`` distinct documents.

    Copies of one article (syndicated or re-posted texts sharing at least 30% of their prose
    5-grams) count as one document, so a headline shared by two copies is not reported. Prose
    lines are never reported, because copies share whole paragraphs.

    Args:
        texts: the plain-text captures of one batch (ideally of one site).
        min_docs: in how many distinct documents a line must occur.

    Returns:
        The lines, normalised with :func:`normalise_line`, for ``clean_capture(recurring=...)``.

    Raises:
        UsageError: ``texts`` is a single string, or ``min_docs`` is below 1.

    Cost: linear in the total text, plus pairwise counting over prose fingerprints held by at
    most 64 texts (copies in larger groups may then count as distinct documents).
    """
    if isinstance(texts, str):
        raise UsageError(
            "the texts parameter of recurring_lines must be a sequence of texts, got one str; wrap "
            "it in a list"
        )
    if min_docs < 1:
        raise UsageError(
            f"the min_docs parameter of recurring_lines must be at least 1, got {min_docs}"
        )
    classifier = Classifier(frozenset())
    lines_of: list[set[str]] = []
    shingles_of: list[set[int]] = []
    for text in texts:
        lines: set[str] = set()
        shingles: set[int] = set()
        for unit in split_units(text):
            if is_prose(classifier.features(unit.text)):
                shingles.update(_shingles(normalise_line(unit.text).split()))
            else:
                lines.add(normalise_line(unit.text))
        lines_of.append(lines)
        shingles_of.append(shingles)
    group = _copy_groups(shingles_of)
    documents: dict[str, set[int]] = {}
    for doc, lines in enumerate(lines_of):
        for line in lines:
            documents.setdefault(line, set()).add(group[doc])
    return frozenset(line for line, groups in documents.items() if len(groups) >= min_docs)


def _shingles(words: Sequence[str]) -> Iterable[int]:
    for i in range(max(0, len(words) - _SHINGLE + 1)):
        yield zlib.crc32(" ".join(words[i : i + _SHINGLE]).encode("utf-8"))


def _copy_groups(shingles_of: Sequence[set[int]]) -> list[int]:
    """Group index per text: texts whose prose overlaps enough are unioned into one group."""
    parent = list(range(len(shingles_of)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    holders: dict[int, list[int]] = {}
    for doc, shingles in enumerate(shingles_of):
        for sh in shingles:
            holders.setdefault(sh, []).append(doc)
    shared: dict[tuple[int, int], int] = {}
    for docs in holders.values():
        if 1 < len(docs) <= _MAX_SHARING:
            for a, first in enumerate(docs):
                for second in docs[a + 1 :]:
                    shared[first, second] = shared.get((first, second), 0) + 1
    for (a, b), count in shared.items():
        if count >= _COPY_CONTAINMENT * min(len(shingles_of[a]), len(shingles_of[b])):
            parent[find(a)] = find(b)
    return [find(doc) for doc in range(len(shingles_of))]
