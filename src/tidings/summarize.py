"""Extractive multi-document summarisation with exact, checkable citations.

Method (``extractive.v1``): concept coverage as an integer linear programme, after Gillick &
Favre (2009), "A Scalable Global Model for Summarization".

1. *Concepts* are stemmed word bigrams that are not made of stopwords only. A concept's weight is
   the number of independent articles that contain it, boosted when it appears early in an
   article (news puts the central facts first). Concepts found in too few articles are dropped:
   they are one outlet's detail, not the story's core.
2. The summary is the set of sentences that *covers* the largest total concept weight within the
   word (and sentence) budget, solved with HiGHS (``scipy.optimize.milp``) to within 1% of the
   optimum. A concept
   counts once however many chosen sentences contain it, so repeating a fact earns nothing; in
   addition, any two candidate sentences whose content overlap passes ``redundancy`` may not both
   be chosen, so a background paragraph that every outlet repeats appears at most once.
3. Every chosen sentence is *cited*: its own span, plus the best-matching sentence of every other
   independent article that reports the same fact (idf-weighted containment of the chosen
   sentence's content words, and a cosine floor). Corroboration is the number of distinct sources.
4. Sentences are ordered by publication date when every source is dated, else by their relative
   position in their articles (ledes first), which reads as a news story.

Cost: sentences x vocabulary sparse products, and one ILP with one binary per candidate sentence
and concept (a few hundred to a few thousand); HiGHS solves DUC-sized inputs (25 articles) in well
under a second. Past ``max_candidates`` sentences, only the highest-scoring ones enter the ILP.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import UsageError
from .records import Article, BriefSentence, Citation, Sentence
from .registry import Registry
from .textutil import STOPWORDS, stem, word_count, words

__all__ = ["SUMMARIZERS", "ConceptSummarizer", "trim_dateline"]

SUMMARIZERS: Registry[type] = Registry("summarizer")

# "PHOENIX _ ", "MOSCOW (Sputnik) - ", "WASHINGTON (AP) — ", "NEW YORK, Jan. 3 (Reuters) - ":
# a wire dateline is an all-caps place, an optional date and agency, and a dash.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[A-Z][A-Za-z.]{1,12}(?:\s+[A-Z][A-Za-z.]{1,12})?)?"
    r"(?:,\s*[A-Z][a-z]{2,4}\.?\s*\d{1,2})?\s*(?:\([^)]{1,40}\))?\s*(?:_|-{1,2}|–|—)\s+(?=\S)"
)
# Openers that refer back to something the reader of an extract has not seen.
_DANGLING = re.compile(
    r"^(?:he|she|they|it|this|that|these|those|his|her|their|its|but|and|or|so|also|"
    r"meanwhile|however|still|yet|then|there|here|such|both|another|the two|the latter|the former)\b",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"""[.!?]["'”’)\]]*$""")


def trim_dateline(text: str) -> int:
    """Return how many leading characters of ``text`` are a wire dateline (0 if none)."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


@dataclass(frozen=True, slots=True)
class _Unit:
    """A candidate sentence: where it is and what it says."""

    sentence: Sentence
    start: int  # after any dateline
    text: str
    length: int  # words, as the budget counts them
    rel_pos: float  # 0 for an article's first sentence, towards 1 for its last
    doc: int


_STDOUT_LOCK = threading.Lock()


def solve_milp(
    objective: np.ndarray,
    constraints: Sequence[Any],
    n_integral: int,
    *,
    time_limit: float,
    mip_gap: float,
) -> Any:
    """Minimise ``objective`` over variables in [0, 1], the first ``n_integral`` of them integral
    (scipy's HiGHS); returns scipy's ``OptimizeResult``.

    The others are continuous: in the concept ILP, once the sentences are fixed each concept's best
    value is min(1, its covering sentences), already 0 or 1, so relaxing the concepts loses nothing
    and halves the summariser's time per DUC topic. With continuous variables, the HiGHS in scipy
    1.17 sometimes writes a debug line ("HighsMipSolverData::transformNewIntegerFeasibleSolution ...") straight to file
    descriptor 1, which would corrupt ``tidings brief --format json``. So for the duration of the
    solve, descriptor 1 points at stderr (:func:`native_stdout_to_stderr`). Turning presolve off
    also avoids the line, but made story tracking 2.5x slower.
    """
    from scipy.optimize import Bounds, milp

    def solve() -> Any:
        return milp(
            objective,
            constraints=constraints,
            integrality=np.concatenate(
                [np.ones(n_integral), np.zeros(len(objective) - n_integral)]
            ),
            bounds=Bounds(0, 1),
            options={"time_limit": time_limit, "disp": False, "mip_rel_gap": mip_gap},
        )

    with native_stdout_to_stderr():
        return solve()


@contextmanager
def native_stdout_to_stderr() -> Iterator[None]:
    """Send what native code prints to standard output meanwhile to stderr instead (HiGHS's
    debug line, see :func:`solve_milp`): file descriptor 1 points at stderr, under a lock, with
    Python's ``sys.stdout`` and the C library's buffers flushed first, and the C library's
    buffers flushed again before it is pointed back. Without that last flush, a line C
    buffered (stdout is fully buffered when it is a file or a pipe, unless Python runs
    unbuffered) would be written later, to the real stdout."""
    with _STDOUT_LOCK:
        sys.stdout.flush()
        _flush_c_stdout()  # what C buffered before this goes where it was meant to
        try:
            saved = os.dup(1)
            os.dup2(2, 1)
        except OSError:  # no descriptor 1 or 2 (a daemon): nothing to protect
            yield
            return
        try:
            yield
        finally:
            _flush_c_stdout()
            os.dup2(saved, 1)
            os.close(saved)


def _flush_c_stdout() -> None:
    """``fflush(NULL)``: write out every C stdio buffer (POSIX; elsewhere nothing is done)."""
    libc = _libc()
    if libc is not None:
        libc.fflush(None)


@lru_cache(maxsize=1)
def _libc() -> Any:
    """The C library this process runs on, or None where it cannot be loaded by name (Windows)."""
    try:
        return ctypes.CDLL(None)
    except (OSError, TypeError):
        return None


@SUMMARIZERS.register("extractive.v1")
@dataclass(frozen=True, slots=True)
class ConceptSummarizer:
    """Concept-coverage ILP summariser with citations (see the module docstring).

    Args:
        min_sentence_words / max_sentence_words: the range of sentence lengths eligible for the
            summary (headlines and bylines below; run-on paragraphs above).
        position_weight: extra concept weight for appearing in an article's first ``lead``
            sentences.
        lead: how many opening sentences count as the lede.
        redundancy: cosine similarity of content words above which two sentences are taken to
            state the same fact and may not both be chosen.
        support: share of a chosen sentence's (idf-weighted) content that another article's
            sentence must contain to be cited as reporting the same fact.
        support_cosine: minimum cosine similarity for a citation, so that a long sentence that
            happens to mention many of the words is not taken as support.
        max_candidates: largest number of sentences given to the ILP, the highest-scoring by
            concept weight: on DUC 2006 topics 1-25 at 250 words (bench_summarize's tidings
            system), 200 scores ROUGE-2 0.0955 against 0.0962 with 1,500 and 0.0931 with 100,
            and summarising takes 0.40 s per topic against 0.56 s and 0.29 s.
        time_limit: seconds the ILP solver may use before the best solution found is taken.
        mip_gap: relative optimality gap at which the solver stops: 1% costs ROUGE-2 0.0003 on
            DUC 2006 topics 1-25 and a third of the solve time.
        background_discount: for update summaries, the share of its weight a concept keeps when
            the background (what the reader has already seen) contains it.
    """

    min_sentence_words: int = 6
    max_sentence_words: int = 60
    position_weight: float = 1.0
    lead: int = 3
    redundancy: float = 0.5
    support: float = 0.55
    support_cosine: float = 0.3
    max_candidates: int = 200
    time_limit: float = 20.0
    mip_gap: float = 0.01
    max_concepts: int | None = None
    background_discount: float = 0.8

    def summarize(
        self,
        articles: Sequence[Article],
        sentences: Mapping[str, Sequence[Sentence]],
        *,
        source_keys: Mapping[str, str],
        max_words: int | None = 150,
        max_sentences: int | None = None,
        background: Mapping[str, Sequence[Sentence]] | None = None,
    ) -> tuple[BriefSentence, ...]:
        """Select, cite and order the summary sentences.

        With ``background`` this makes an *update* summary (the DUC 2007 / TAC update task):
        only what is new relative to the background. Concepts the background contains keep
        ``background_discount`` of their weight, and a sentence that restates a background
        sentence (content cosine at or above ``redundancy``) is not chosen.

        Args:
            articles: the independent articles of one story (duplicates already collapsed).
            sentences: each article's sentences, by article id.
            source_keys: for each article id, the key of its independent source (articles that
                share a key count as one source for corroboration).
            max_words: word budget (whitespace words), or ``None``.
            max_sentences: sentence budget, or ``None``.
            background: sentences already known to the reader (the articles of earlier
                revisions), by article id; ``None`` for a plain summary.

        Returns:
            The summary sentences in reading order, each citing every article that reports it.

        Raises:
            UsageError: neither budget is set, or one is not positive.
        """
        if max_words is None and max_sentences is None:
            raise UsageError("set max_words or max_sentences (or both) for the summary")
        for name, value in (("max_words", max_words), ("max_sentences", max_sentences)):
            if value is not None and value < 1:
                raise UsageError(
                    f"the {name} parameter of summarize must be a positive integer, got {value}"
                )
        units = [
            u
            for doc, a in enumerate(articles)
            for u in self._units(a, sentences.get(a.id, ()), doc)
        ]
        if not units:
            return ()

        stems = [_stems(u.sentence.text) for u in units]
        content = [[t for t, is_content in s if is_content] for s in stems]
        old_stems = [_stems(s.text) for ss in (background or {}).values() for s in ss]
        old_content = [[t for t, is_content in s if is_content] for s in old_stems]
        joint, idf = _tfidf(content + old_content)
        matrix = joint[: len(units)]
        known: Counter[str] = Counter()
        excluded: set[int] = set()
        if old_stems:
            for doc_sentences in (background or {}).values():
                known.update(
                    {c for sentence in doc_sentences for c in _bigrams(_stems(sentence.text))}
                )
            restated = (matrix @ joint[len(units) :].T).max(axis=1).toarray().ravel()
            excluded = {i for i, sim in enumerate(restated) if sim >= self.redundancy}
        chosen = self._select(
            articles, units, stems, matrix, max_words, max_sentences, known, excluded
        )
        out = [
            self._cite(units, chosen_index, content, matrix, idf, articles, source_keys)
            for chosen_index in chosen
        ]
        return tuple(
            sentence
            for _, sentence in sorted(
                zip(chosen, out, strict=True),
                key=lambda pair: self._order_key(units[pair[0]], articles),
            )
        )

    # -- candidates -------------------------------------------------------------------------

    def _units(self, article: Article, sentences: Sequence[Sentence], doc: int) -> list[_Unit]:
        out = []
        n = max(1, len(sentences))
        for s in sentences:
            skip = trim_dateline(s.text)
            text = s.text[skip:]
            length = word_count(text)
            eligible = (
                self.min_sentence_words <= length <= self.max_sentence_words
                and _TERMINAL.search(text) is not None
                and not _DANGLING.match(text)
                and text[:1].isupper() | (text[:1] in "\"“'‘")
                and _balanced_quotes(text)
            )
            if eligible:
                out.append(_Unit(s, s.start + skip, text, length, s.index / n, doc))
        return out

    # -- selection --------------------------------------------------------------------------

    def _select(
        self,
        articles: Sequence[Article],
        units: list[_Unit],
        stems: list[list[tuple[str, bool]]],
        matrix: Any,
        max_words: int | None,
        max_sentences: int | None,
        known: Mapping[str, int],
        excluded: set[int],
    ) -> list[int]:
        n_docs = len(articles)
        concepts_of = [_bigrams(s) for s in stems]
        df: Counter[str] = Counter()
        lead_docs: dict[str, set[int]] = {}
        seen_in_doc: dict[int, set[str]] = {}
        for unit, concepts in zip(units, concepts_of, strict=True):
            seen = seen_in_doc.setdefault(unit.doc, set())
            for c in concepts:
                if c not in seen:
                    seen.add(c)
                    df[c] += 1
                if unit.sentence.index < self.lead:
                    lead_docs.setdefault(c, set()).add(unit.doc)
        # A single article has no cross-document evidence; then a concept repeated within it counts.
        min_df = 1 if n_docs == 1 else (2 if n_docs < 10 else 3)
        weights = {
            c: d + self.position_weight * len(lead_docs.get(c, ()))
            for c, d in df.items()
            if d >= min_df
        }
        if n_docs == 1:
            weights = {c: 1.0 + self.position_weight * len(lead_docs.get(c, ())) for c in weights}
        if known:
            weights = {
                c: w * (self.background_discount if c in known else 1.0) for c, w in weights.items()
            }
        if self.max_concepts is not None and len(weights) > self.max_concepts:
            kept = sorted(weights, key=lambda c: (-weights[c], c))[: self.max_concepts]
            weights = {c: weights[c] for c in kept}

        # fsum is exactly rounded, so a score does not depend on the (hash-seeded) order of a set.
        score = np.array([math.fsum(weights.get(c, 0.0) for c in cs) for cs in concepts_of])
        order = sorted(range(len(units)), key=lambda i: (-score[i], units[i].rel_pos, i))
        candidates = [i for i in order if score[i] > 0 and i not in excluded][: self.max_candidates]
        if not candidates:
            # Nothing is shared between the articles: fall back to the ledes, earliest first.
            candidates = sorted(
                (i for i in range(len(units)) if i not in excluded),
                key=lambda i: (units[i].rel_pos, units[i].doc),
            )
            return _fill(candidates, units, max_words, max_sentences)
        return self._ilp(candidates, units, concepts_of, weights, matrix, max_words, max_sentences)

    def _ilp(
        self,
        candidates: list[int],
        units: list[_Unit],
        concepts_of: list[set[str]],
        weights: Mapping[str, float],
        matrix: Any,
        max_words: int | None,
        max_sentences: int | None,
    ) -> list[int]:
        from scipy.optimize import LinearConstraint
        from scipy.sparse import coo_array, hstack, identity, triu, vstack

        concept_ids: dict[str, int] = {}
        rows, cols = [], []
        for j, unit_index in enumerate(candidates):
            # Sorted: the solver's answer within its gap depends on the column order, which must not
            # follow the hash seed of the process.
            for c in sorted(concepts_of[unit_index]):
                if c in weights:
                    i = concept_ids.setdefault(c, len(concept_ids))
                    rows.append(i)
                    cols.append(j)
        n_s, n_c = len(candidates), len(concept_ids)
        w = np.zeros(n_c)
        for c, i in concept_ids.items():
            w[i] = weights[c]
        lengths = np.array([units[i].length for i in candidates], dtype=float)
        rel_pos = np.array([units[i].rel_pos for i in candidates])
        # Maximise covered concept weight; ties go to earlier, shorter sentences (tiny terms).
        objective = np.concatenate([1e-3 * rel_pos + 1e-5 * lengths, -w])

        constraints = []
        # A concept is covered only if a chosen sentence contains it: c_i - sum_j occ_ij s_j <= 0.
        occ = coo_array((np.ones(len(rows)), (rows, cols)), shape=(n_c, n_s)).tocsr()
        cover = hstack([-occ, identity(n_c, format="csr")], format="csr")
        constraints.append(LinearConstraint(cover, -np.inf, 0.0))
        budget_rows = []
        upper = []
        if max_words is not None:
            budget_rows.append(np.concatenate([lengths, np.zeros(n_c)]))
            upper.append(float(max_words))
        if max_sentences is not None:
            budget_rows.append(np.concatenate([np.ones(n_s), np.zeros(n_c)]))
            upper.append(float(max_sentences))
        constraints.append(LinearConstraint(np.array(budget_rows), -np.inf, np.array(upper)))
        # Redundancy: two sentences that state the same fact may not both be chosen.
        sub = matrix[candidates]
        sims = triu(sub @ sub.T, k=1).tocoo()
        keep = sims.data >= self.redundancy
        a_idx, b_idx = sims.row[keep], sims.col[keep]
        if len(a_idx):
            k = len(a_idx)
            red = coo_array(
                (
                    np.ones(2 * k),
                    (np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([a_idx, b_idx])),
                ),
                shape=(k, n_s + n_c),
            )
            constraints.append(LinearConstraint(vstack([red]).tocsr(), -np.inf, 1.0))

        result = solve_milp(
            objective, constraints, n_s, time_limit=self.time_limit, mip_gap=self.mip_gap
        )
        if result.x is None:
            # No solution in time (very large inputs): greedy by weight per word instead.
            return _fill(candidates, units, max_words, max_sentences)
        return [candidates[j] for j in range(n_s) if result.x[j] > 0.5]

    # -- citations --------------------------------------------------------------------------

    def _cite(
        self,
        units: list[_Unit],
        index: int,
        content: list[list[str]],
        matrix: Any,
        idf: Mapping[str, float],
        articles: Sequence[Article],
        source_keys: Mapping[str, str],
    ) -> BriefSentence:
        unit = units[index]
        own = articles[unit.doc]
        citations = [Citation(own.id, unit.start, unit.sentence.end)]
        keys = [source_keys.get(own.id, own.id)]
        mine = set(content[index])
        total = sum(idf[t] for t in mine) or 1.0
        sims = (matrix @ matrix[[index]].T).toarray().ravel()
        best: dict[int, tuple[float, int]] = {}
        for j, other in enumerate(units):
            if other.doc == unit.doc or sims[j] < self.support_cosine:
                continue
            contained = sum(idf[t] for t in mine.intersection(content[j])) / total
            if contained >= self.support and contained > best.get(other.doc, (0.0, -1))[0]:
                best[other.doc] = (contained, j)
        for doc in sorted(best, key=lambda d: -best[d][0]):
            support = units[best[doc][1]]
            citations.append(Citation(articles[doc].id, support.start, support.sentence.end))
            key = source_keys.get(articles[doc].id, articles[doc].id)
            if key not in keys:
                keys.append(key)
        return BriefSentence(text=unit.text, citations=tuple(citations), outlets=tuple(keys))

    def _order_key(self, unit: _Unit, articles: Sequence[Article]) -> tuple[float, float, int, int]:
        dated = all(a.published is not None for a in articles)
        published = articles[unit.doc].published
        when = published.timestamp() if dated and published is not None else 0.0
        return (when, unit.rel_pos, unit.doc, unit.sentence.index)


def _fill(
    order: list[int], units: list[_Unit], max_words: int | None, max_sentences: int | None
) -> list[int]:
    chosen: list[int] = []
    used = 0
    for i in order:
        if max_sentences is not None and len(chosen) >= max_sentences:
            break
        if max_words is not None and used + units[i].length > max_words:
            continue
        chosen.append(i)
        used += units[i].length
    return chosen


def _balanced_quotes(text: str) -> bool:
    straight = text.count('"') % 2 == 0
    curly = text.count("“") == text.count("”")
    return straight and curly


def _stems(text: str) -> list[tuple[str, bool]]:
    """(stem, is_content_word) for every word of ``text``."""
    out = []
    for w in words(text):
        if w.endswith("'s"):
            w = w[:-2]
        content = w not in STOPWORDS and (len(w) > 1 or w.isdigit())
        out.append((stem(w), content))
    return out


def _bigrams(tokens: list[tuple[str, bool]]) -> set[str]:
    out = set()
    for (a, ca), (b, cb) in itertools.pairwise(tokens):
        if ca or cb:
            out.add(f"{a} {b}")
    return out


def _tfidf(docs: list[list[str]]) -> tuple[Any, dict[str, float]]:
    """L2-normalised sparse tf-idf rows (CSR), and the idf of every term."""
    from scipy.sparse import csr_array

    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + f)) + 1.0 for t, f in df.items()}
    vocab = {t: i for i, t in enumerate(df)}
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for d in docs:
        row = {vocab[t]: (1.0 + math.log(tf)) * idf[t] for t, tf in Counter(d).items()}
        norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
        for col, value in row.items():
            indices.append(col)
            data.append(value / norm)
        indptr.append(len(indices))
    matrix = csr_array((np.array(data, dtype=np.float64), indices, indptr), shape=(n, len(vocab)))
    return matrix, idf
