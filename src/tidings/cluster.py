"""Incremental story clustering: each new article joins a live story or opens a new one.

Method (``story-cluster.v2``): incremental average-link agglomeration with scikit-learn manners
(configuration in the constructor, learned state in attributes ending in ``_``, ``partial_fit``
for each new batch).

**Representation.** An article is one sparse vector made of three weighted, L2-normalised blocks,
so that the dot product of two articles is the weighted mean of three cosines:

* lexical: tf-idf of the content-word stems of its title (counted ``title_weight`` times) and its
  full text. The idf is learned from the stream (running document frequencies), blended with a
  prior from wordfreq's bundled corpus frequencies that dominates while the stream is young
  (``prior_docs``), so the first article of a stream is weighted sensibly too. Function words,
  stems and word frequencies are those of the article's language when its metadata gives one
  (PyStemmer's Snowball stemmers, spaCy's stop-word lists, wordfreq's lists), else English;
* names: tf-idf of the capitalised names (people, places, organisations) it mentions. They are
  what tells two events of the same kind apart: two earthquakes share "magnitude" and "killed",
  not "Peru" and "Nepal";
* semantic: a static WordLlama embedding (256-d, bundled; a token lookup and a mean, so cheap)
  of its title and lead, which links paraphrases with no word in common.

**Assignment.** A story keeps the *sum* of its articles' vectors. Average-link similarity (the
mean similarity over all cross pairs of articles, the criterion of UPGMA) is then exact and
cheap: ``sum_a . sum_b / (n_a * n_b)``, with no article-article comparison. Each mini-batch of at
most ``batch_size`` articles (in (published, id) order) enters as singletons; pairs of stories
above ``threshold`` are merged greedily, best pair first, and the stories that grew are examined
again until no pair qualifies. So a new article joins a live story, opens one, or bridges two
stories that then merge (reported in ``merged_``). Two penalties keep events of one kind apart:
one when both stories name people or places but hardly the same ones, one for the time between
them; and stories further apart than ``window`` are never compared.

**Candidates** come from an inverted index from each story's top terms and names to the story:
a story is scored only against stories sharing one of those keys (at most ``max_candidates``,
those sharing most keys first), never against every story or article.

**Approximations.** Story sums are pruned to their ``max_story_terms`` heaviest terms, so dot
products between large stories miss a small tail (norms stay exact). The greedy merge order is
the stream's, not the global best-first order of batch UPGMA, and a merge is never undone.

**Quality** (benchmarks/bench_cluster.py, DUC 2006 + 2007, 95 topics, BCubed F1): 0.81 on the
mixed set, against 0.855 for batch TF-IDF average-link clustering (O(n^2), threshold tuned on
DUC 2006) and 0.80 for k-means told the true number of topics. On the same vectors, batch UPGMA
scores about 0.035 more than this stream order: that is the price of deciding as articles arrive.

**Cost.** O(words) per article for its features (stemming, names, embedding: most of the time),
O(candidates x story terms) to score it, so O(n) over a stream for a bounded number of
candidates; a mini-batch is never compared all-pairs beyond the index. Memory: the live stories
(bounded by ``window``), the ids of articles in live stories, and the document frequencies of the
vocabulary of the recent stream (``vocab_horizon``): a term that no live story holds and that
has not been seen for that many documents is forgotten. Without that bound the vocabulary of a
news stream grows for ever (on DUC by about 18 terms per article at 2,400 articles), and with it
the state saved after every batch. Closed stories leave no trace in the saved state either:
story ids carry a sequence number, so an id is never given twice without remembering old ones.

**Determinism.** There is no randomness. Within one ``partial_fit`` call articles are processed
in (published, id) order, idf is frozen within a mini-batch, and ties break on ids, so the result
does not depend on the order a batch is given in; ``get_state``/``set_state`` restore a clusterer
that continues bit for bit.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any, ClassVar, Protocol, Self

import numpy as np

from .errors import UsageError
from .records import Article, content_id
from .registry import Registry
from .textutil import language_code, stemmer_for, stopwords, words

__all__ = [
    "CLUSTERERS",
    "ArticleFeatures",
    "Assignment",
    "StoryClusterer",
    "article_features",
    "bcubed",
    "embedding_text",
    "key_words",
]

CLUSTERERS: Registry[type] = Registry("clusterer")

Embedder = Callable[[Sequence[str]], np.ndarray]

_STATE_FORMAT = "tidings-story-cluster-state.v2"
_NAME = re.compile(r"\b(?:[A-Z][a-z'’\-]+|[A-Z]{2,6})(?:\s+(?:[A-Z][a-z'’\-]+|[A-Z]{2,6}))*\b")


def _zipf_for(language: str) -> Callable[[str], float]:
    """The cached function giving wordfreq's Zipf value of a word in ``language`` (log10
    frequency per billion words; 0 when unknown, or when wordfreq has no list for the language),
    picked once per text rather than per word. English has a cache keyed by the word alone: a
    (word, language) key costs a tuple per entry."""
    return _zipf if language == "en" else partial(_zipf_other, language)


@lru_cache(maxsize=400_000)
def _zipf(word: str) -> float:
    """wordfreq's Zipf value of ``word`` in English (see :func:`_zipf_for`)."""
    return _lookup_zipf(word, "en")


@lru_cache(maxsize=200_000)
def _zipf_other(language: str, word: str) -> float:
    code = _wordfreq_language(language)
    return _lookup_zipf(word, code) if code else 0.0


def _lookup_zipf(word: str, language: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError as exc:
        from .errors import MissingDependencyError

        raise MissingDependencyError(
            "story clustering needs wordfreq, a dependency of tidings; run: pip install wordfreq"
        ) from exc

    try:
        return float(zipf_frequency(word, language))
    except ImportError:  # Chinese, Japanese and Korean need a tokeniser (jieba, MeCab) to look up
        return 0.0


@lru_cache(maxsize=64)
def _wordfreq_language(language: str) -> str | None:
    """wordfreq's list for ``language``: its own, else the nearest it has ("no" -> "nb",
    "hr" -> "sh"), else ``None``."""
    import langcodes
    from wordfreq import available_languages

    supported = sorted(available_languages())
    if language in supported:
        return language
    return langcodes.closest_supported_match(language, supported, max_distance=10)


def _prior_idf(zipf: float) -> float:
    # Zipf 7+ is a function word, under 1 is rare or a name; 8 - zipf maps that onto 1..8, the
    # same range as the corpus idf ln(N/df) + 1 for a stream of a few thousand articles.
    return min(8.0, max(1.0, 8.0 - zipf))


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """What the clusterer reads from an article: a pure function of the article.

    Computing features is the expensive part of ``partial_fit`` (stemming and embedding), and it
    depends on nothing learned, so it can run in worker processes or be cached.

    Attributes:
        id: the article id.
        when: its publication time, if known.
        terms: content-word stem -> count (title counted ``title_weight`` times).
        zipf: stem -> wordfreq Zipf value of its most common surface form in the article.
        names: lower-cased name -> count.
        embedding: float32 vector of length d, L2-normalised.
    """

    id: str
    when: datetime | None
    terms: dict[str, float]
    zipf: dict[str, float]
    names: dict[str, float]
    embedding: np.ndarray


def embedding_text(article: Article, lead_words: int = 300) -> str:
    """What the embedder is given of an article: its title and the first ``lead_words`` words."""
    return f"{article.title or ''}. {' '.join(article.text.split()[:lead_words])}"


def article_features(
    articles: Sequence[Article],
    *,
    embedder: Embedder | None = None,
    title_weight: int = 2,
    lead_words: int = 300,
) -> list[ArticleFeatures]:
    """Features of ``articles`` (see :class:`ArticleFeatures`), in the same order.

    Args:
        articles: the articles.
        embedder: maps texts to an (n, d) array; default the bundled WordLlama model.
        title_weight: how many times the title's words count.
        lead_words: words of the body (after the title) that are embedded.

    Cost: O(words) per article, plus one embedder call for the whole sequence.
    """
    if not articles:
        return []
    embed = embedder or _default_embedder()
    out = []
    raw = np.asarray(
        embed([embedding_text(a, lead_words) for a in articles]),
        dtype=np.float32,
    ).reshape(len(articles), -1)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    vectors = raw / np.where(norms > 0, norms, 1.0)
    for article, vector in zip(articles, vectors, strict=True):
        title = article.title or ""
        # The article's own language, when its metadata gives one (English otherwise): its
        # function words, stems and word frequencies.
        lang = language_code(article.language)
        stop, stem_of, zipf_of = stopwords(lang), stemmer_for(lang), _zipf_for(lang)
        terms: Counter[str] = Counter()
        zipf: dict[str, float] = {}
        for text, weight in ((title, title_weight), (article.text, 1)):
            for w in words(text):
                if not _content_word(w, stop):
                    continue
                w = w.removesuffix("'s")
                s = stem_of(w)
                terms[s] += weight
                zipf[s] = max(zipf.get(s, 0.0), zipf_of(w))
        # An all-capitals headline (wire copy) would make every word of it look like a name.
        names = _names(article.text if title.isupper() else f"{title}.\n{article.text}", lang)
        out.append(ArticleFeatures(article.id, article.published, dict(terms), zipf, names, vector))
    return out


def _names(text: str, language: str = "en") -> dict[str, float]:
    """Words of capitalised names -> count ("Prime Minister Pushpa Kamal Dahal" gives "pushpa",
    "kamal", "dahal", so a later "Dahal" matches), without common words and sentence starts."""
    counts: Counter[str] = Counter()
    initial_only: dict[str, bool] = {}
    stop, zipf_of = stopwords(language), _zipf_for(language)
    for match in _NAME.finditer(text):
        before = text[max(0, match.start() - 3) : match.start()].rstrip(" \t\"'“‘(")
        at_start = not before or before[-1] in ".!?:\n"
        for k, word in enumerate(match.group().split()):
            key = word.lower().replace("’", "'").removesuffix("'s").strip("-'")
            # Titles and common words ("President", "Red", "Minister") say nothing about which event.
            if len(key) < 2 or key in stop or zipf_of(key) > 4.5:
                continue
            counts[key] += 1
            initial_only[key] = initial_only.get(key, True) and at_start and k == 0
    # "Rescuers dug..." is a sentence start, not a name; "Pisco" and "Peru" also occur mid-sentence
    # or are not common words at all.
    return {k: c for k, c in counts.items() if not (initial_only[k] and zipf_of(k) >= 2.5)}


def _content_word(word: str, stop: Collection[str]) -> bool:
    """Whether ``word`` is counted as a term: not a function word, a number or shorter than 3."""
    return word not in stop and len(word) >= 3 and not word.isdigit()


def key_words(article: Article, n: int = 8, lead_words: int = 300) -> list[str]:
    """The ``n`` words an article is best looked up by in a full-text index of stories: the
    names of its title and first ``lead_words`` words, rarest first (by wordfreq in the
    article's language), then, when it names fewer, its title's rarest content words.
    Lower-cased; ties by the name's count, then alphabetically."""
    lang = language_code(article.language)
    title = article.title or ""
    lead = " ".join(article.text.split()[:lead_words])
    zipf_of, stop = _zipf_for(lang), stopwords(lang)
    names = _names(lead if title.isupper() else f"{title}.\n{lead}", lang)
    ranked = sorted(names, key=lambda w: (zipf_of(w), -names[w], w))
    extra = sorted(
        {w for w in words(title) if _content_word(w, stop) and w not in names},
        key=lambda w: (zipf_of(w), w),
    )
    return [*ranked, *extra][:n]


@lru_cache(maxsize=1)
def _default_embedder() -> Embedder:
    import os

    from .errors import MissingDependencyError

    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise MissingDependencyError(
            "story clustering needs wordllama (its model ships in the wheel), a dependency of tidings;"
            " run: pip install wordllama, or pass your own embedder= to StoryClusterer"
        ) from exc
    model = WordLlama.load(cache_dir=os.path.dirname(wordllama.__file__), disable_download=True)

    def embed(texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        return np.asarray(model.embed(list(texts)), dtype=np.float32)

    return embed


# -- sparse vectors as sorted (ids, values) arrays ---------------------------------------------


def _sparse_dot(
    a_ids: np.ndarray, a_vals: np.ndarray, b_ids: np.ndarray, b_vals: np.ndarray
) -> float:
    if len(a_ids) > len(b_ids):
        a_ids, a_vals, b_ids, b_vals = b_ids, b_vals, a_ids, a_vals
    if not len(a_ids) or not len(b_ids):
        return 0.0
    # Look the shorter vector up in the longer: O(m log n), no Python loop.
    pos = np.minimum(np.searchsorted(b_ids, a_ids), len(b_ids) - 1)
    hit = b_ids[pos] == a_ids
    return float(a_vals[hit] @ b_vals[pos[hit]])


def _sparse_add(
    a_ids: np.ndarray, a_vals: np.ndarray, b_ids: np.ndarray, b_vals: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    ids, inverse = np.unique(np.concatenate([a_ids, b_ids]), return_inverse=True)
    return ids, np.bincount(inverse, weights=np.concatenate([a_vals, b_vals]), minlength=len(ids))


class _Sums(Protocol):
    """A weighted vector: sorted sparse ids and values, and an embedding (a story's sums or one
    article's vector)."""

    ids: np.ndarray
    vals: np.ndarray
    embedding: np.ndarray


@dataclass(slots=True)
class _Story:
    """A live story: the sum of its articles' vectors and what is needed to score and index it."""

    id: str
    articles: list[str]
    ids: np.ndarray  # sorted vocabulary ids (lexical and name terms), int64
    vals: np.ndarray  # summed weights, float64
    embedding: np.ndarray  # summed weighted embeddings, float64
    norm2: float  # exact squared norm of the full sum (ids/vals may be pruned)
    named: int  # articles that mention at least one name
    first: datetime | None
    last: datetime | None
    keys: frozenset[int] = frozenset()

    @property
    def size(self) -> int:
        return len(self.articles)


@dataclass(frozen=True, slots=True)
class _Vector:
    """An article's weighted vector, and what its arrival adds to the document frequencies."""

    ids: np.ndarray  # sorted vocabulary ids
    vals: np.ndarray  # weights (lexical and name blocks, each scaled to its share)
    embedding: np.ndarray  # scaled to its share
    counted: np.ndarray  # ids whose document frequency it increments
    terms: np.ndarray  # its lexical ids, in the order of ``zipf``
    zipf: np.ndarray  # Zipf value of each lexical term's surface form


@dataclass(slots=True)
class _Call:
    """Bookkeeping of one partial_fit call."""

    known: set[str]  # stories that existed before the call
    join: dict[str, float] = field(default_factory=dict)  # article -> score at its first merge
    closed: dict[str, str] = field(default_factory=dict)  # article -> story closed during the call


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an article went.

    Attributes:
        article: the article id.
        story: the id of its story after the whole ``partial_fit`` call.
        opened: whether that story did not exist before the call.
        score: the average-link similarity at which the article first joined other articles
            (0.0 when it stayed alone).
    """

    article: str
    story: str
    opened: bool
    score: float


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


@CLUSTERERS.register("story-cluster.v2")
@dataclass(slots=True)
class StoryClusterer:
    """Incremental average-link story clustering (see the module docstring).

    Args:
        threshold: minimum average-link similarity (mean over cross pairs of articles of the
            weighted cosine, less the name and time penalties) for two stories to merge. 0.14 was
            chosen on DUC 2006 (benchmarks/bench_cluster.py; F1 within 0.003 from 0.13 to 0.15).
        lexical_weight / name_weight / semantic_weight: weights of the three blocks (normalised
            to sum to 1).
        name_penalty / name_floor: when both stories name people or places, up to
            ``name_penalty`` is subtracted, in full when their mean name cosine is 0 and not at all
            from ``name_floor`` up.
        time_penalty: subtracted from a pair's similarity per ``time_scale`` between the two
            stories' time spans (0 when they overlap), capped at ``time_penalty_cap``.
        window: stories with no article within this span of the newest publication time seen
            (``now_``) are closed and leave memory; two stories further apart than this never
            merge. ``None``: never close (for topic collections spanning years, such as DUC).
            An article dated in the future by mistake moves ``now_`` and closes stories early.
        batch_size: articles merged together as one mini-batch (order-free within it).
        index_terms / index_names: how many top terms / names of a story index it.
        max_candidates: most stories scored per story and round (those sharing most keys first).
        max_story_terms: heaviest terms kept in a story's sum (bounds memory; see Approximations).
        prior_docs: weight, in documents, of wordfreq's prior in the idf.
        title_weight / lead_words: see :func:`article_features`.
        seed: accepted for the registered-backend contract; the method uses no randomness.
        embedder: maps texts to an (n, d) array; default the bundled WordLlama model. Its name
            (``embedder_name``) is recorded in the state.
        embedder_name: identifies the embedder in saved state.
        vocab_horizon: a term that the live stories do not hold (here: their pruned sums;
            story-graph.v1: their articles' vectors) and that none of the last
            ``vocab_horizon`` documents contained is forgotten, with its document frequency
            (looked for every ``vocab_horizon // 2`` documents), so the vocabulary, and the
            state saved after every batch, is that of the recent stream, not of all history. A
            forgotten term that comes back is new again: its weight comes from the wordfreq
            prior, as for any rare term. ``None``: never forget.
    """

    _FORMAT: ClassVar[str] = _STATE_FORMAT

    threshold: float = 0.14
    lexical_weight: float = 0.8
    name_weight: float = 0.1
    semantic_weight: float = 0.1
    name_penalty: float = 0.03
    name_floor: float = 0.1
    time_penalty: float = 0.02
    time_scale: timedelta = timedelta(days=7)
    time_penalty_cap: float = 0.06
    window: timedelta | None = timedelta(days=30)
    batch_size: int = 64
    index_terms: int = 30
    index_names: int = 10
    max_candidates: int = 20
    max_story_terms: int = 2000
    prior_docs: float = 100.0
    title_weight: int = 2
    lead_words: int = 300
    seed: int = 0
    embedder: Embedder | None = field(default=None, repr=False, compare=False)
    embedder_name: str = "wordllama-l2-256"
    vocab_horizon: int | None = 20_000

    stories_: dict[str, _Story] = field(default_factory=dict, init=False, repr=False, compare=False)
    index_: dict[int, set[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Stories closed since this clusterer was made or restored (not saved: a closed story is gone).
    closed_: list[str] = field(default_factory=list, init=False, repr=False, compare=False)
    # Story -> the story that absorbed it. Saved only while the heir is live (``resolve``).
    merged_: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Articles of earlier calls that the last call moved: article -> (story before, story after).
    # Always empty here (this method only merges stories); story-graph.v1 fills it.
    moved_: dict[str, tuple[str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    assigned_: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    vocab_: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    df_: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.int64), init=False, repr=False, compare=False
    )
    zipf_: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.float64), init=False, repr=False, compare=False
    )
    name_mask_: np.ndarray = field(
        default_factory=lambda: np.zeros(0, bool), init=False, repr=False, compare=False
    )
    n_docs_: int = field(default=0, init=False, repr=False, compare=False)
    now_: datetime | None = field(default=None, init=False, repr=False, compare=False)
    n_scored_: int = field(default=0, init=False, repr=False, compare=False)
    # Stories opened so far: part of every new story's id, so that no id is given out twice.
    n_opened_: int = field(default=0, init=False, repr=False, compare=False)
    # For each term, the value of n_docs_ after the mini-batch that last contained it.
    seen_: np.ndarray = field(
        default_factory=lambda: np.zeros(0, np.int64), init=False, repr=False, compare=False
    )
    # Says whether a story id was given out elsewhere (not state): a fork that works on a
    # store's old stories (the story tracker's lane) must not give out an id the store holds.
    id_taken: Callable[[str], bool] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    # Scratch space for scoring (not state): one float per vocabulary term.
    _buffer: np.ndarray = field(
        default_factory=lambda: np.zeros(0), init=False, repr=False, compare=False
    )

    # -- public API -----------------------------------------------------------------------------

    def fit(self, articles: Iterable[Article]) -> StoryClusterer:
        """Forget everything learned, then :meth:`partial_fit` ``articles``; returns ``self``."""
        self._reset()
        self.partial_fit(articles)
        return self

    def partial_fit(self, articles: Iterable[Article]) -> list[Assignment]:
        """Assign each new article to a live story or open a new one.

        Articles already assigned (same id) are not added again: they get their current story.

        Args:
            articles: the new articles, in any order (processed in (published, id) order).

        Returns:
            One assignment per article, in input order.

        Raises:
            UsageError: the configuration is invalid or the embedder returned the wrong shape.
        """
        articles = list(articles)
        self._check_params()
        fresh = {a.id: a for a in articles if a.id not in self.assigned_}
        batch = sorted(fresh.values(), key=time_order)
        features = article_features(
            batch,
            embedder=self.embedder,
            title_weight=self.title_weight,
            lead_words=self.lead_words,
        )
        return self._fit_features(features, [a.id for a in articles])

    def live_stories(self) -> dict[str, tuple[str, ...]]:
        """The live stories: ``{story id: article ids}`` (a merged-in story's articles come after
        those of the story that absorbed it)."""
        return {sid: tuple(s.articles) for sid, s in self.stories_.items()}

    def story_of(self, article_id: str) -> str:
        """The id of the live story holding ``article_id``.

        Raises:
            KeyError: the article was never seen, or its story was closed.
        """
        return self.assigned_[article_id]

    def late(self, when: datetime | None) -> bool:
        """Whether an article published at ``when`` is older than any story this clusterer can
        keep live: before the newest time seen less ``window``. A story it opened here would
        close at once, so a second late report could never join it; the story tracker gives
        such articles to a :meth:`fork` that follows their own time instead. Undated articles
        are never late (they are placed at the newest time seen)."""
        return (
            self.window is not None
            and self.now_ is not None
            and when is not None
            and when < self.now_ - self.window
        )

    def fork(self) -> Self:
        """A clusterer with this one's configuration, embedder and vocabulary (terms, document
        frequencies, word priors), but no stories and no clock: for a stream of another time,
        such as an archive older than the live window, weighted by what this stream has
        learned. The two share nothing mutable."""
        twin = replace(self)
        twin.vocab_ = dict(self.vocab_)
        twin.df_, twin.zipf_ = self.df_.copy(), self.zipf_.copy()
        twin.name_mask_, twin.seen_ = self.name_mask_.copy(), self.seen_.copy()
        twin.n_docs_, twin.n_opened_ = self.n_docs_, self.n_opened_
        return twin

    def resolve(self, story_id: str) -> str:
        """Follow ``merged_`` from a story id to the story that absorbed it (itself if none)."""
        seen = set()
        while story_id in self.merged_ and story_id not in seen:
            seen.add(story_id)
            story_id = self.merged_[story_id]
        return story_id

    def _live_merges(self) -> dict[str, str]:
        """The entries of ``merged_`` whose heir (followed to the end) is still live. A story
        absorbed into one that has closed since is of no use to a restored clusterer; keeping
        it would make the state grow with all history."""
        return {
            old: heir for old, heir in self.merged_.items() if self.resolve(old) in self.stories_
        }

    def forget_history(self) -> None:
        """Let go of what only the callers of the calls so far could use: the ids in
        ``closed_``, and the merges in ``merged_`` into stories that have closed since. A
        long-running stream (a server ingesting for months) would otherwise hold every story
        id it ever closed or merged. What remains is what a clusterer restored from
        :meth:`get_state` holds, so it continues the same. The story tracker calls this after
        each batch, once it has read the batch's closes and merges."""
        self.closed_ = []
        self.merged_ = self._live_merges()

    def get_state(self) -> bytes:
        """Everything learned, as bytes (a numpy ``.npz`` archive with a JSON header; no pickle).

        Returns:
            Bytes for :meth:`set_state`; a clusterer restored from them continues identically.
        """
        order = sorted(self.stories_)
        stories = [self.stories_[sid] for sid in order]
        header = {
            **self._common_header(),
            "stories": [
                {
                    "id": s.id,
                    "articles": s.articles,
                    "norm2": s.norm2.hex(),
                    "named": s.named,
                    "first": s.first.isoformat() if s.first else None,
                    "last": s.last.isoformat() if s.last else None,
                }
                for s in stories
            ],
        }
        lengths = np.array([len(s.ids) for s in stories], dtype=np.int64)
        dim = stories[0].embedding.shape[0] if stories else 0
        buffer = io.BytesIO()
        np.savez(
            buffer,
            header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
            df=self.df_[: len(self.vocab_)],
            zipf=self.zipf_[: len(self.vocab_)],
            seen=self.seen_[: len(self.vocab_)],
            lengths=lengths,
            ids=np.concatenate([s.ids for s in stories]) if stories else np.zeros(0, np.int64),
            vals=np.concatenate([s.vals for s in stories]) if stories else np.zeros(0, np.float64),
            embeddings=np.stack([s.embedding for s in stories]) if stories else np.zeros((0, dim)),
        )
        return buffer.getvalue()

    def to_bytes(self) -> bytes:
        """The same as :meth:`get_state`."""
        return self.get_state()

    @classmethod
    def from_bytes(cls, state: bytes, *, embedder: Embedder | None = None) -> StoryClusterer:
        """A clusterer with the configuration saved in ``state``, restored from it.

        Args:
            state: bytes from :meth:`get_state` / :meth:`to_bytes`.
            embedder: the embedder to use (not saved: only its ``embedder_name`` is).

        Raises:
            UsageError: the bytes are not a saved state of this version.
        """
        config = _read_state(state, cls._FORMAT, cls.__name__)[0]["config"]
        params: dict[str, Any] = {
            k: timedelta(seconds=v) if k in _DURATIONS and v is not None else v
            for k, v in config.items()
        }
        return cls(**params, embedder=embedder).set_state(state)

    def set_state(self, state: bytes) -> StoryClusterer:
        """Restore what :meth:`get_state` saved; returns ``self``.

        Raises:
            UsageError: the bytes are not a saved state, or were saved with another configuration
                (the message names the differing parameter).
        """
        header, archive = self._restore_common(state, _STATE_FORMAT)
        offsets = np.concatenate([[0], np.cumsum(archive["lengths"])])
        ids, vals, embeddings = archive["ids"], archive["vals"], archive["embeddings"]
        for k, item in enumerate(header["stories"]):
            story = _Story(
                id=item["id"],
                articles=list(item["articles"]),
                ids=ids[offsets[k] : offsets[k + 1]].astype(np.int64),
                vals=vals[offsets[k] : offsets[k + 1]].astype(np.float64),
                embedding=embeddings[k].astype(np.float64),
                norm2=float.fromhex(item["norm2"]),
                named=int(item["named"]),
                first=_parse_time(item["first"]),
                last=_parse_time(item["last"]),
            )
            self.stories_[story.id] = story
            self._reindex(story)
            for article in story.articles:
                self.assigned_[article] = story.id
        return self

    def _common_header(self) -> dict[str, Any]:
        """What every method's saved state records besides its own stories."""
        return {
            "format": self._FORMAT,
            "config": self._config(),
            "vocab": sorted(self.vocab_, key=self.vocab_.__getitem__),
            "n_docs": self.n_docs_,
            "now": self.now_.isoformat() if self.now_ else None,
            "n_scored": self.n_scored_,
            "n_opened": self.n_opened_,
            "merged": self._live_merges(),
        }

    def _restore_common(self, state: bytes, fmt: str) -> tuple[dict[str, Any], Any]:
        """Check ``state`` (format ``fmt``, this configuration), reset, and restore what every
        method keeps: vocabulary, frequencies, clock, closed and merged stories."""
        who = type(self).__name__
        header, archive = _read_state(state, fmt, who)
        mine = self._config()
        for key, value in header["config"].items():
            if mine.get(key) != value:
                raise UsageError(
                    f"the {key} parameter of {who} must match the saved state's, got {mine.get(key)!r}"
                    f" (saved: {value!r}); construct the clusterer with the saved configuration"
                )
        self._reset()
        self.vocab_ = {term: i for i, term in enumerate(header["vocab"])}
        self.df_ = archive["df"].astype(np.int64)
        self.zipf_ = archive["zipf"].astype(np.float64)
        self.name_mask_ = np.zeros(len(self.df_), bool)
        self.name_mask_[[i for term, i in self.vocab_.items() if term.startswith("@")]] = True
        self.n_docs_ = int(header["n_docs"])
        self.now_ = _parse_time(header["now"])
        self.n_scored_ = int(header["n_scored"])
        # States saved before story ids carried a sequence number keep no count (and list every
        # closed story, which is no longer needed: a numbered id cannot repeat an old one).
        self.n_opened_ = int(header.get("n_opened", 0))
        self.merged_ = dict(header["merged"])
        self.seen_ = (
            archive["seen"].astype(np.int64)
            if "seen" in archive.files
            else np.full(len(self.df_), self.n_docs_, np.int64)
        )
        return header, archive

    # -- the method -------------------------------------------------------------------------------

    def _fit_features(
        self, features: Sequence[ArticleFeatures], order: Sequence[str]
    ) -> list[Assignment]:
        """Cluster precomputed features (already in (published, id) order); assignments in ``order``."""
        call = _Call(known=set(self.stories_))
        for start in range(0, len(features), self.batch_size):
            self._fit_batch(features[start : start + self.batch_size], call)
        out = []
        for article in order:
            # A story can close within the call that filled it (a batch spanning over a window).
            story = self.assigned_.get(article) or call.closed[article]
            out.append(
                Assignment(
                    article, story, story not in call.known, round(call.join.get(article, 0.0), 6)
                )
            )
        return out

    def _fit_batch(self, batch: Sequence[ArticleFeatures], call: _Call) -> None:
        if not batch:
            return
        times = [f.when for f in batch if f.when is not None]
        # An undated article is placed at the newest time seen so far (its arrival).
        fallback = self.now_ or (min(times) if times else None)
        vectors = self._vectorise(batch)
        active: set[str] = set()
        for feats, vector in zip(batch, vectors, strict=True):
            when = feats.when or fallback
            story = _Story(
                id=self._new_story_id(feats.id),
                articles=[feats.id],
                ids=vector.ids,
                vals=vector.vals,
                embedding=vector.embedding,
                norm2=float(vector.vals @ vector.vals + vector.embedding @ vector.embedding),
                named=int(bool(feats.names)),
                first=when,
                last=when,
            )
            self.stories_[story.id] = story
            self.assigned_[feats.id] = story.id
            self._reindex(story)
            active.add(story.id)
        # Greedy average-link rounds: merge the best disjoint pairs, then re-examine the stories
        # that grew. Each round merges at least one pair, so this ends.
        while active:
            pairs = self._pairs(active)
            if not pairs:
                break
            used: set[str] = set()
            active = set()
            for score, a, b in pairs:
                if a in used or b in used:
                    continue
                used.update((a, b))
                active.add(self._merge(a, b, score, call))
        self._advance(vectors, times)
        self._close_old(call)

    def _advance(self, vectors: Sequence[_Vector], times: Sequence[datetime]) -> None:
        """Count a mini-batch into the document frequencies and move the clock to its newest
        time. Called only after the whole mini-batch is placed, so no article of it is weighted
        by another's arrival: the batch's result is independent of its order."""
        before = self.n_docs_
        self.n_docs_ += len(vectors)
        for vector in vectors:
            self.df_[vector.counted] += 1
            self.seen_[vector.counted] = self.n_docs_
            # A stem's prior is that of its commonest surface form seen so far.
            np.maximum.at(self.zipf_, vector.terms, vector.zipf)
        if times:
            newest = max(times)
            self.now_ = newest if self.now_ is None else max(self.now_, newest)
        if self.vocab_horizon is not None:
            step = max(1, self.vocab_horizon // 2)
            if before // step != self.n_docs_ // step:
                self._forget_terms(self.n_docs_ - self.vocab_horizon)

    def _forget_terms(self, cutoff: int) -> None:
        """Forget every term last seen at ``n_docs_ <= cutoff`` that the live stories do not
        hold (:meth:`_terms_in_use`). The ids of the rest are renumbered in their old order (so
        sorted id arrays stay sorted and ties on ids break as before) through
        :meth:`_renumber_terms`."""
        size = len(self.vocab_)
        keep = self.seen_[:size] > cutoff
        keep[self._terms_in_use()] = True
        if keep.all():
            return
        new_id = np.cumsum(keep) - 1
        self.vocab_ = {term: int(new_id[i]) for term, i in self.vocab_.items() if keep[i]}
        self.df_ = self.df_[:size][keep]
        self.zipf_ = self.zipf_[:size][keep]
        self.name_mask_ = self.name_mask_[:size][keep]
        self.seen_ = self.seen_[:size][keep]
        self._renumber_terms(new_id)

    def _terms_in_use(self) -> np.ndarray:
        """The term ids the live stories hold (their sums and index keys are drawn from them)."""
        return np.concatenate([np.zeros(0, np.int64), *(s.ids for s in self.stories_.values())])

    def _renumber_terms(self, new_id: np.ndarray) -> None:
        """Give every held term id its new number (``new_id[old]``)."""
        for story in self.stories_.values():
            story.ids = new_id[story.ids]
            story.keys = frozenset(int(new_id[k]) for k in story.keys)
        self.index_ = {int(new_id[k]): held for k, held in self.index_.items()}

    def _vectorise(self, batch: Sequence[ArticleFeatures]) -> list[_Vector]:
        total = self.lexical_weight + self.name_weight + self.semantic_weight
        w_lex, w_name, w_sem = (
            math.sqrt(w / total)
            for w in (self.lexical_weight, self.name_weight, self.semantic_weight)
        )
        n = self.n_docs_
        dims = self._stored_dims() | {f.embedding.shape[0] for f in batch}
        if len(dims) > 1:
            raise UsageError(
                f"the embedder of StoryClusterer must return vectors of one length, got lengths {sorted(dims)};"
                " was the state saved with another embedder?"
            )
        out = []
        for feats in batch:
            terms = np.array([self._term_id(t) for t in feats.terms], dtype=np.int64)
            names = np.array([self._term_id("@" + t) for t in feats.names], dtype=np.int64)
            zipf = np.fromiter(
                (feats.zipf.get(t, 0.0) for t in feats.terms), dtype=np.float64, count=len(terms)
            )
            ids = np.concatenate([terms, names])
            tf = 1.0 + np.log(
                np.fromiter(
                    (*feats.terms.values(), *feats.names.values()), dtype=np.float64, count=len(ids)
                )
            )
            # The prior speaks alone for a young stream and fades as documents are counted.
            prior = np.clip(
                8.0 - np.maximum(np.concatenate([zipf, np.zeros(len(names))]), self.zipf_[ids]),
                1.0,
                8.0,
            )
            corpus = np.log((n + 1.0) / (self.df_[ids] + 1.0)) + 1.0
            weights = tf * (n * corpus + self.prior_docs * prior) / (n + self.prior_docs)
            for block, share in (
                (slice(0, len(terms)), w_lex),
                (slice(len(terms), len(ids)), w_name),
            ):
                norm = float(np.linalg.norm(weights[block]))
                if norm:
                    weights[block] *= share / norm
            order = np.argsort(ids)
            out.append(
                _Vector(
                    ids[order],
                    weights[order],
                    feats.embedding.astype(np.float64) * w_sem,
                    ids,
                    terms,
                    zipf,
                )
            )
        return out

    def _stored_dims(self) -> set[int]:
        """Lengths of the embeddings held in the state (one, or none when empty)."""
        return {s.embedding.shape[0] for s in self.stories_.values()}

    def _term_id(self, term: str) -> int:
        i = self.vocab_.get(term)
        if i is None:
            i = self.vocab_[term] = len(self.vocab_)
            if i >= len(self.df_):
                grow = max(1024, len(self.df_))
                self.df_ = np.concatenate([self.df_, np.zeros(grow, np.int64)])
                self.zipf_ = np.concatenate([self.zipf_, np.zeros(grow, np.float64)])
                self.name_mask_ = np.concatenate([self.name_mask_, np.zeros(grow, bool)])
                self.seen_ = np.concatenate([self.seen_, np.zeros(grow, np.int64)])
            if term.startswith("@"):
                self.name_mask_[i] = True
                self.zipf_[i] = _zipf(term[1:])
        return i

    def _pairs(self, active: set[str]) -> list[tuple[float, str, str]]:
        """Pairs (score, a, b) above threshold involving an active story, best first."""
        scored: dict[tuple[str, str], float] = {}
        for a in sorted(active):
            story = self.stories_.get(a)
            if story is None:
                continue
            todo = [
                b for b in self._candidates(story) if ((a, b) if a < b else (b, a)) not in scored
            ]
            for b, score in zip(
                todo, self._scores(story, [self.stories_[b] for b in todo]), strict=True
            ):
                scored[(a, b) if a < b else (b, a)] = score
        pairs = [(s, a, b) for (a, b), s in scored.items() if s >= self.threshold]
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        return pairs

    def _candidates(self, story: _Story) -> list[str]:
        shared: Counter[str] = Counter()
        for key in story.keys:
            shared.update(self.index_.get(key, ()))
        del shared[story.id]
        ranked = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))
        return [sid for sid, _ in ranked[: self.max_candidates]]

    def _dots(self, a: _Sums, others: Sequence[_Sums]) -> tuple[np.ndarray, np.ndarray]:
        """Dot products of ``a`` with each of ``others`` (sparse blocks plus embedding), and the
        part of each that comes from the name block."""
        # Scatter ``a`` into a dense buffer once, then gather every candidate's terms from it:
        # one vectorised pass instead of a sparse intersection per pair.
        if len(self._buffer) < len(self.df_):
            self._buffer = np.zeros(len(self.df_), np.float64)
        self._buffer[a.ids] = a.vals
        ids = np.concatenate([b.ids for b in others])
        segment = np.repeat(np.arange(len(others)), [len(b.ids) for b in others])
        products = self._buffer[ids] * np.concatenate([b.vals for b in others])
        self._buffer[a.ids] = 0.0
        dots: np.ndarray = np.bincount(segment, weights=products, minlength=len(others))
        name_dots = np.bincount(
            segment, weights=products * self.name_mask_[ids], minlength=len(others)
        )
        dots += np.stack([b.embedding for b in others]) @ a.embedding
        return dots, name_dots

    def _name_share(self) -> float:
        """The name block's share of the weight: a name dot product over it is a cosine."""
        return self.name_weight / (self.lexical_weight + self.name_weight + self.semantic_weight)

    def _scores(self, a: _Story, others: Sequence[_Story]) -> list[float]:
        """Average-link similarity of ``a`` to each of ``others``, less the name and time penalties."""
        gaps = [_gap(a, b) for b in others]
        live = [
            k
            for k, gap in enumerate(gaps)
            if gap is None or self.window is None or gap <= self.window
        ]
        out = [-math.inf] * len(others)
        if not live:
            return out
        self.n_scored_ += len(live)
        stories = [others[k] for k in live]
        dots, name_dots = self._dots(a, stories)
        share = self._name_share()
        for k, b, dot, name_dot in zip(
            live, stories, dots.tolist(), name_dots.tolist(), strict=True
        ):
            score = dot / (a.size * b.size)
            if self.name_penalty and a.named and b.named and share:
                # Mean name cosine over the cross pairs of articles that name anyone. Two events
                # of one kind share vocabulary ("magnitude", "rescuers"), not places and people.
                names = name_dot / (a.named * b.named * share)
                score -= self.name_penalty * max(0.0, 1.0 - names / self.name_floor)
            gap = gaps[k]
            if gap is not None and self.time_penalty:
                score -= min(self.time_penalty_cap, self.time_penalty * (gap / self.time_scale))
            out[k] = score
        return out

    def _merge(self, a: str, b: str, score: float, call: _Call) -> str:
        first, second = self.stories_[a], self.stories_[b]
        # A story callers already know keeps its id, else the older one: ids stay stable as
        # stories grow, and a merge of two known stories is reported in merged_.
        keep, gone = sorted(
            (first, second), key=lambda s: (s.id not in call.known, _time_key(s.first), s.id)
        )
        for article in (*keep.articles, *gone.articles):
            call.join.setdefault(article, score)
        cross = _sparse_dot(keep.ids, keep.vals, gone.ids, gone.vals) + float(
            keep.embedding @ gone.embedding
        )
        keep.norm2 = keep.norm2 + gone.norm2 + 2.0 * cross
        keep.ids, keep.vals = _sparse_add(keep.ids, keep.vals, gone.ids, gone.vals)
        if len(keep.ids) > self.max_story_terms:
            top = np.sort(np.argpartition(-keep.vals, self.max_story_terms)[: self.max_story_terms])
            keep.ids, keep.vals = keep.ids[top], keep.vals[top]
        keep.embedding = keep.embedding + gone.embedding
        keep.articles.extend(gone.articles)
        keep.named += gone.named
        keep.first = _min_time(keep.first, gone.first)
        keep.last = _max_time(keep.last, gone.last)
        for article in gone.articles:
            self.assigned_[article] = keep.id
        del self.stories_[gone.id]
        self._unindex(gone)
        if gone.id in call.known:
            self.merged_[gone.id] = keep.id
        self._reindex(keep)
        return keep.id

    def _top_keys(self, ids: np.ndarray, vals: np.ndarray) -> list[int]:
        """Index keys of a vector: its ``index_terms`` heaviest terms and ``index_names``
        heaviest names (ties on the smaller id, so the keys are a pure function of the vector)."""
        is_name = self.name_mask_[ids]
        top: list[int] = []
        for mask, k in ((~is_name, self.index_terms), (is_name, self.index_names)):
            top.extend(ids[mask][np.lexsort((ids[mask], -vals[mask]))[:k]].tolist())
        return top

    def _reindex(self, story: _Story) -> None:
        keys = frozenset(self._top_keys(story.ids, story.vals))
        for key in story.keys - keys:
            _discard(self.index_, key, story.id)
        for key in keys - story.keys:
            self.index_.setdefault(key, set()).add(story.id)
        story.keys = keys

    def _unindex(self, story: _Story) -> None:
        for key in story.keys:
            _discard(self.index_, key, story.id)
        story.keys = frozenset()

    def _close_old(self, call: _Call) -> None:
        for sid in self._expired():
            story = self.stories_.pop(sid)
            self._unindex(story)
            self._record_close(sid, story.articles, call)

    # -- story ids and closing (shared with story-graph.v1) ----------------------------------------

    def _new_story_id(self, article_id: str) -> str:
        """The id of a story that ``article_id`` opens: from the article and the number of
        stories opened before, so an id once given out, to a live, merged or closed story, is
        never given out again, without a record of the old ones. An article can open a story
        more than once (it moved out and back, or was submitted again after its story closed),
        and a reused id would make ``resolve`` send the new story's articles to the old one's
        heir."""
        story = content_id("story", f"{article_id}#{self.n_opened_}")
        self.n_opened_ += 1
        while (
            story in self.stories_
            or story in self.merged_
            or (self.id_taken is not None and self.id_taken(story))
        ):  # a 64-bit collision, or an id a fork's parent or an earlier fork gave out
            story = content_id("story", story)
        return story

    def _expired(self) -> list[str]:
        """The live stories with no article within ``window`` of the newest time seen, by id."""
        if self.window is None or self.now_ is None:
            return []
        horizon = self.now_ - self.window
        return sorted(
            sid for sid, s in self.stories_.items() if s.last is not None and s.last < horizon
        )

    def _record_close(self, sid: str, articles: Sequence[str], call: _Call) -> None:
        """Forget the closed story ``sid``'s articles and report them as closed in this call."""
        for article in articles:
            self.assigned_.pop(article, None)
            call.closed[article] = sid
        self.closed_.append(sid)

    # -- configuration --------------------------------------------------------------------------

    def _reset(self) -> None:
        self.stories_, self.index_, self.closed_, self.merged_, self.assigned_ = {}, {}, [], {}, {}
        self.seen_ = np.zeros(0, np.int64)
        self.vocab_ = {}
        self.df_ = np.zeros(0, np.int64)
        self.zipf_ = np.zeros(0, np.float64)
        self.name_mask_ = np.zeros(0, bool)
        self.n_docs_, self.now_, self.n_scored_, self.n_opened_ = 0, None, 0, 0

    def _config(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name.endswith("_") or f.name.startswith("_") or f.name in ("embedder", "id_taken"):
                continue
            value = getattr(self, f.name)
            out[f.name] = _seconds(value) if f.name in _DURATIONS else value
        return out

    def _check_params(self) -> None:
        for name in (
            "batch_size",
            "index_terms",
            "max_candidates",
            "max_story_terms",
            "title_weight",
            "lead_words",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UsageError(
                    f"the {name} parameter of {type(self).__name__} must be a positive integer, got {value!r}"
                )
        for name in (
            "lexical_weight",
            "name_weight",
            "semantic_weight",
            "name_penalty",
            "time_penalty",
            "time_penalty_cap",
            "prior_docs",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise UsageError(
                    f"the {name} parameter of StoryClusterer must be a number >= 0, got {value!r}"
                )
        if not isinstance(self.name_floor, (int, float)) or self.name_floor <= 0:
            raise UsageError(
                f"the name_floor parameter of StoryClusterer must be a number > 0, got {self.name_floor!r}"
            )
        if self.lexical_weight + self.name_weight + self.semantic_weight <= 0:
            raise UsageError(
                "the lexical_weight, name_weight and semantic_weight of StoryClusterer cannot all be 0"
            )
        if self.vocab_horizon is not None and (
            not isinstance(self.vocab_horizon, int) or self.vocab_horizon < 1
        ):
            raise UsageError(
                f"the vocab_horizon parameter of {type(self).__name__} must be a positive integer"
                f" or None, got {self.vocab_horizon!r}"
            )
        if self.window is not None and (
            not isinstance(self.window, timedelta) or self.window <= timedelta(0)
        ):
            raise UsageError(
                f"the window parameter of StoryClusterer must be a positive timedelta or None, got {self.window!r}"
            )
        if not isinstance(self.time_scale, timedelta) or self.time_scale <= timedelta(0):
            raise UsageError(
                f"the time_scale parameter of StoryClusterer must be a positive timedelta, got {self.time_scale!r}"
            )


_DURATIONS = frozenset({"window", "time_scale", "burst"})


def _read_state(
    state: bytes, fmt: str = _STATE_FORMAT, who: str = "StoryClusterer"
) -> tuple[dict[str, Any], Any]:
    """The JSON header and the array archive of a saved state of format ``fmt``."""
    try:
        archive = np.load(io.BytesIO(state), allow_pickle=False)
        header = json.loads(archive["header"].tobytes().decode("utf-8"))
    except (ValueError, OSError, KeyError, UnicodeDecodeError, TypeError) as exc:
        raise UsageError(
            f"the state given to {who} must be bytes from get_state, got"
            f" {len(state) if isinstance(state, bytes) else type(state).__name__} that are not a saved state"
        ) from exc
    if not isinstance(header, dict) or header.get("format") != fmt:
        found = header.get("format") if isinstance(header, dict) else None
        raise UsageError(f"the state format must be {fmt!r}, got {found!r}")
    return header, archive


def time_order(article: Article) -> tuple[bool, float, str]:
    """The order articles are clustered in within a call: by publication time, undated last,
    ties by id."""
    return (
        article.published is None,
        article.published.timestamp() if article.published else 0.0,
        article.id,
    )


def _time_key(when: datetime | None) -> float:
    return when.timestamp() if when else math.inf


def _min_time(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _max_time(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _gap(a: _Story, b: _Story) -> timedelta | None:
    if a.first is None or a.last is None or b.first is None or b.last is None:
        return None
    return max(timedelta(0), a.first - b.last, b.first - a.last)


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def bcubed(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of a clustering against gold labels (same item order).

    Cost: O(n) with per-cluster label counts.
    """
    pairs = Counter(zip(gold, predicted, strict=True))
    gold_size = Counter(gold)
    pred_size = Counter(predicted)
    n = len(gold) or 1
    # Every item of a (gold, predicted) cell has the same per-item precision and recall.
    precision = sum(c * c / pred_size[p] for (g, p), c in pairs.items()) / n
    recall = sum(c * c / gold_size[g] for (g, p), c in pairs.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _discard(index: dict[int, set[str]], key: int, member: str) -> None:
    """Remove ``member`` from ``index[key]``, and the key once nobody holds it."""
    holders = index.get(key)
    if holders is not None:
        holders.discard(member)
        if not holders:
            del index[key]


# Register the graph method (the default) with CLUSTERERS whenever this module is imported; it
# builds on the definitions above, so it is imported last.
from . import cluster_graph  # noqa: E402, F401
