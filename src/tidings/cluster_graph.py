"""Story clustering on a streaming nearest-neighbour graph (``story-graph.v1``, the default).

The articles are the same weighted vectors as :mod:`tidings.cluster` (``story-cluster.v2``): tf-idf
of content-word stems and of names, plus a WordLlama embedding, with the streaming idf and its
wordfreq prior. What differs is how stories are formed from them.

**Graph.** Each live article keeps its ``neighbors`` most similar live articles; two articles are
linked when either is among the other's nearest, weighted by their similarity less the name and
time penalties of ``story-cluster.v2`` (links of weight <= 0, and between articles further apart
than ``window``, are not made). A new article finds its neighbours among at most
``max_candidates`` live articles that share most index keys with it (its heaviest ``index_terms``
terms and ``index_names`` names): an inverted index, never all pairs. When it is nearer to an
older article than that article's farthest neighbour, it displaces that neighbour, so old
articles' neighbourhoods improve as the stream grows, as in a batch k-NN graph.

**Stories** are communities of that graph, found by the local-moving and aggregation steps of the
Louvain method, with a size-free modularity gain: an article ``i`` joins story ``C`` when
``w(i, C) - resolution * k_i * K_C / k_mean > 0`` is largest there, where ``w(i, C)`` is the weight
of its links into ``C``, ``k_i`` its total link weight, ``K_C`` the total link weight of ``C`` and
``k_mean`` the mean over live articles. Classic modularity divides by the total link weight instead,
so its stories would grow as the stream grows; dividing by the mean makes a story's bar depend on
the story and the article, not on how much news is live. That bar grows with the story, and an
article links to only ``neighbors`` others, so past some dozens of articles no report could join
a story however alike they all were; so an article (or a group) may also join a story when its
links to it between articles no more than ``burst`` (3 days) apart hold more than ``join_share``
(40%) of its own link weight: the reports of one burst of news hold together whatever their
number, while a beat reported for months does not chain into one story. The new articles of a
mini-batch of ``batch_size`` are first placed one by one in time order, each seeing only the
articles before it (so an event's reports join the story its first reports open instead of
pairing off among themselves); then every article whose links changed (the new ones, their
neighbours and the neighbours they displaced) is moved to its best story, for at most
``max_passes`` passes; then each story they are in is *refined* (the Leiden method's step,
Traag et al. 2019): its articles are grouped afresh, by the same moves among themselves, and a
group whose links to the rest of its story are weaker than the gain asks leaves it; last, the stories merge pairwise while
``w(C, D) - resolution * K_C * K_D / k_mean > 0``, best pair first. With fewer than
``1 / resolution`` live articles, the factor ``resolution / k_mean`` is raised to classic
modularity's ``1 / (n * k_mean)``: a handful of articles cannot support the finer bar.

So an earlier decision is not final: an article that opened a story of its own when little was
known moves to the story its later neighbours form. Moves alone cannot undo a merge (each
article of a group wrongly merged is held by its own group's links); refinement can. That is what
a threshold on the average similarity (``story-cluster.v2``) cannot do, and it is most of the
difference in quality (benchmarks/bench_cluster.py and benchmarks/RESULTS.md, DUC 2006 + 2007
mixed, BCubed F1). Callers
learn of such moves from ``moved_`` (article -> (story before the call, story after it)); the
story tracker rewrites both stories. A story that loses all its articles is reported in
``merged_`` as merged into the story that took its last article.

**Cost.** Per article: features (as v2), the candidates from the index (bounded by
``max_candidates``), a sparse and a dense dot product with each, and local moves over the articles
whose links changed (O(neighbors) each). Memory: each live article's vector and neighbour list;
stories older than ``window`` close and leave memory with their articles.

**Determinism.** No randomness: articles are processed in (published, id) order, ties break on
ids, and ``get_state``/``set_state`` restore a clusterer that continues identically.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, TypeVar, cast

import numpy as np

from .cluster import (
    CLUSTERERS,
    ArticleFeatures,
    Assignment,
    StoryClusterer,
    _Call,
    _discard,
    _max_time,
    _min_time,
    _parse_time,
    _time_key,
    _Vector,
    article_features,
)
from .errors import UsageError
from .records import Article

__all__ = ["GraphStoryClusterer"]

_K = TypeVar("_K")

_STATE_FORMAT = "tidings-story-graph-state.v1"
# A story is refined again once it has grown by this factor since it was last refined: the work
# of refining one story over its life is then a geometric sum, a few times its final size, where
# refining it on every mini-batch that touches it would cost its size on each.
_REFINE_GROWTH = 1.25
# How many readmitted articles' features are kept (some 30 kB each): more than a batch of late
# articles brings back in the benchmark (bench_cluster.py --late), about 60 MB at most.
_READMIT_CACHE = 2048


@dataclass(slots=True)
class _Node:
    """A live article: its vector, time and links."""

    id: str
    ids: np.ndarray  # sorted vocabulary ids, int64
    vals: np.ndarray  # weights, float64
    embedding: np.ndarray  # float64, scaled to the semantic share
    when: datetime | None
    named: bool
    story: str = ""
    near: dict[str, float] = field(default_factory=dict)  # its own nearest: id -> weight
    links: dict[str, float] = field(default_factory=dict)  # every link: id -> weight
    degree: float = 0.0
    keys: tuple[int, ...] = ()
    stamp: float = field(default=math.nan, init=False)  # ``when`` in seconds; NaN if undated

    def __post_init__(self) -> None:
        self.stamp = self.when.timestamp() if self.when is not None else math.nan


@dataclass(slots=True)
class _Community:
    """A live story: its articles (in joining order) and the total link weight of its articles."""

    id: str
    articles: list[str]
    total: float = 0.0
    first: datetime | None = None
    last: datetime | None = None
    refined: int = 0  # its size when it was last refined

    @property
    def size(self) -> int:
        return len(self.articles)


@CLUSTERERS.register("story-graph.v1")
@dataclass(slots=True)
class GraphStoryClusterer(StoryClusterer):
    """Streaming k-NN graph story clustering (see the module docstring).

    Takes every parameter of :class:`~tidings.cluster.StoryClusterer` (the vectors, penalties,
    window, batch size and embedder mean the same), except ``threshold`` and ``max_story_terms``,
    which this method does not use, and:

    Args:
        neighbors: how many nearest articles each article links to.
        resolution: the modularity resolution (higher: smaller stories). 0.015 was picked on
            DUC 2006 alone (with refinement, 0.01-0.015 score 0.917-0.920 there; 0.015, the
            finer of the tie, since events are finer than DUC's topics); 20 neighbours were
            picked earlier in a prototype on DUC 2006 + 2007 mixed, and on DUC 2006 alone 10 / 15 /
            20 / 30 score 0.910 / 0.916 / 0.926 / 0.929 (benchmarks/RESULTS.md).
        max_candidates: most live articles scored for a new article (those sharing most index
            keys with it first).
        max_passes: most local-moving passes after each mini-batch.
        min_similarity: links are made only above this weight. Without a floor, any two
            articles with a word in common link, and in a small stream an oyster festival would
            join an earthquake (tests/test_cluster_graph.py). On DUC 2006 the floor costs F1
            (0.900 at 0, 0.875 at 0.1); 0.1 is set from the small-stream requirement, not tuned.
        refine: split the stories touched by a mini-batch where groups of their articles are
            better apart (:meth:`_refine`), before stories merge. Without it, two stories merged
            while few of their reports were in stay merged when the rest arrive a few at a time.
        join_share / burst: a group of articles (one article, or a story) may also join a story
            when its links to it *within a burst* (between articles published no more than
            ``burst`` apart) hold more than ``join_share`` of the group's own link weight,
            however big the story. Each article links to only ``neighbors`` others, so the
            modularity bar, which grows with the story, soon asks more than any article's links
            can give: an event reported hundreds of times within days fell into scores of
            stories (a synthetic event of 1,000 reports in four days: 165;
            ``bench_cluster.py --flood``). Only links within a burst count, because without
            that limit a beat reported every day for months (PolNeAR's US campaign news) grew
            into one story of 517 of its 923 articles. ``join_share=None``: the modularity gain
            alone, as before. 0.4 and 3 days keep the synthetic floods of 60-1,000 reports in one
            story, or two with a stray report; 0.45 or 0.5, or a burst of 1-2 days, left them
            in pieces. DUC scores 0.927 / 0.969 / 0.917 (duc2006 / duc2007 / mixed) with a share
            of 0.3, 0.4 or 0.45 and a burst of 1, 2, 3 or 7 days, and 0.927 / 0.969 / 0.923
            with a share of 0.5 or ``None``.
    """

    _FORMAT: ClassVar[str] = _STATE_FORMAT

    neighbors: int = 20
    resolution: float = 0.015
    max_candidates: int = 300
    max_passes: int = 10
    min_similarity: float = 0.1
    refine: bool = True
    join_share: float | None = 0.4
    burst: timedelta = timedelta(days=3)

    nodes_: dict[str, _Node] = field(default_factory=dict, init=False, repr=False, compare=False)
    keys_: dict[int, set[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    order_: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    counter_: int = field(default=0, init=False, repr=False, compare=False)
    total_: float = field(default=0.0, init=False, repr=False, compare=False)
    _start: int = field(default=0, init=False, repr=False, compare=False)  # counter_ at call start
    # Articles readmitted as pinned (see readmit): they never move, and their stories are
    # never merged away or merged with one another (refined, only new articles leave them).
    # Not saved.
    pinned_: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    # The features of the articles readmitted last (a pure function of the article and the
    # configuration), so a story brought back again is not featurised again. Not saved.
    readmitted_: OrderedDict[str, ArticleFeatures] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False
    )

    @property
    def communities_(self) -> dict[str, _Community]:
        """The live stories (kept in ``stories_``, which the story tracker reads as with v2)."""
        return cast(dict[str, _Community], self.stories_)

    def live_stories(self) -> dict[str, tuple[str, ...]]:
        """The live stories: ``{story id: article ids}`` in joining order."""
        return {sid: tuple(c.articles) for sid, c in self.communities_.items()}

    def readmit(
        self,
        stories: Mapping[str, Sequence[Article]],
        *,
        pinned: bool | Collection[str] = False,
    ) -> list[str]:
        """Bring back stories that closed and left memory, as live stories holding the given
        articles, so that articles of their time can join them (the story tracker reads them
        from its store for reports that arrive after their story closed).

        Each readmitted article becomes a node of its story and is linked to its nearest live
        articles like a new one, but nothing moves yet and nothing is counted in the document
        frequencies (the articles were counted when they first came). A readmitted story is
        refined (regrouped among its own articles) the first time a mini-batch touches it, as a
        new story is: it was formed with what was known then, and the late articles that reach
        it may show that part of it is another event (two quakes' first reports in one story,
        before either quake's later reports came). They are *known* stories for the next call:
        a merge keeps their ids, and an article of theirs that moves is reported in ``moved_``.
        Those that no article joins close again with the next mini-batch, if older than
        ``window``.

        The features of the last ``_READMIT_CACHE`` articles readmitted are kept, so a story
        brought back again (the tracker reads pinned copies again every batch) is not
        featurised again.

        Args:
            stories: story id -> its articles (in joining order). Stories already live and
                articles already assigned are skipped.
            pinned: the stories are held by another clusterer (the story tracker's live one,
                while this is its lane of late articles): new articles may join them, and a
                story of new articles may merge into one, but their own articles never move,
                they are never merged away, and never merged with one another. Refining one
                may split off a group of the new articles that joined it, never its own. A
                collection of article ids: only those are pinned, and the stories that hold one
                are pinned stories; their other articles may leave them as new ones may.

        Returns:
            The ids of the stories readmitted.
        """
        self._check_params()
        todo: dict[str, list[Article]] = {}
        for sid, articles in sorted(stories.items()):
            if sid in self.communities_:
                continue
            fresh = [a for a in {a.id: a for a in articles}.values() if a.id not in self.assigned_]
            if fresh:
                todo[sid] = fresh
        flat = [a for articles in todo.values() for a in articles]
        cache = self.readmitted_
        missing = [a for a in flat if a.id not in cache]
        computed = article_features(
            missing,
            embedder=self.embedder,
            title_weight=self.title_weight,
            lead_words=self.lead_words,
        )
        for feats in computed:
            cache[feats.id] = feats
        features = [cache[a.id] for a in flat]
        for article in flat:  # the most recently used last; the least used leave first
            cache.move_to_end(article.id)
        while len(cache) > _READMIT_CACHE:
            cache.popitem(last=False)
        to_pin = {a.id for a in flat} if pinned is True else set(pinned or ())
        vectors = iter(zip(features, self._vectorise(features), strict=True))
        touched: set[str] = set()
        for sid, articles in todo.items():
            self.communities_[sid] = _Community(sid, [])
            for _ in articles:
                feats, vector = next(vectors)
                self._add_node(feats, vector, feats.when, sid, touched)
                if feats.id in to_pin:
                    self.pinned_.add(feats.id)
        return list(todo)

    def _add_node(
        self,
        feats: ArticleFeatures,
        vector: _Vector,
        when: datetime | None,
        story: str,
        touched: set[str],
    ) -> None:
        """Make an article a live node: in ``story`` first if one is given (so its links count
        in the story's total), linked to its nearest live articles, indexed."""
        node = _Node(feats.id, vector.ids, vector.vals, vector.embedding, when, bool(feats.names))
        if story:
            self._join(node, story)
        self._link(node, touched)
        self.nodes_[node.id] = node
        self.order_[node.id] = self.counter_
        self.counter_ += 1
        self._index(node)

    def pinned_stories(self) -> list[str]:
        """The live stories that hold pinned articles (see :meth:`readmit`)."""
        return sorted(sid for sid in self.communities_ if self._fixed(sid))

    def _fixed(self, story: str) -> bool:
        """Whether ``story`` holds pinned articles (see :meth:`readmit`)."""
        return bool(self.pinned_) and not self.pinned_.isdisjoint(self.communities_[story].articles)

    # -- the method -------------------------------------------------------------------------------

    def _fit_features(
        self, features: Sequence[ArticleFeatures], order: Sequence[str]
    ) -> list[Assignment]:
        call = _Call(known=set(self.communities_))
        # Articles of earlier calls (order < start) whose story changed, by their story before.
        before: dict[str, str] = {}
        self._start = self.counter_
        self.moved_ = {}
        for start in range(0, len(features), self.batch_size):
            self._fit_batch_graph(features[start : start + self.batch_size], call, before)
        for article, first in before.items():
            last = self.assigned_.get(article) or call.closed.get(article, first)
            if self.resolve(first) != last:
                self.moved_[article] = (first, last)
        out = []
        for article in order:
            story = self.assigned_.get(article) or call.closed[article]
            node = self.nodes_.get(article)
            score = 0.0
            if node is not None and node.degree > 0:
                inside = sum(w for j, w in node.links.items() if self.nodes_[j].story == story)
                score = inside / node.degree
            out.append(Assignment(article, story, story not in call.known, round(score, 6)))
        return out

    def _fit_batch_graph(
        self, batch: Sequence[ArticleFeatures], call: _Call, before: dict[str, str]
    ) -> None:
        if not batch:
            return
        times = [f.when for f in batch if f.when is not None]
        fallback = self.now_ or (min(times) if times else None)
        vectors = self._vectorise(batch)
        touched: set[str] = set()
        new: list[str] = []
        for feats, vector in zip(batch, vectors, strict=True):
            self._add_node(feats, vector, feats.when or fallback, "", touched)
            new.append(feats.id)
        for article in new:
            self._join(self.nodes_[article], "")
        touched.update(new)
        for article in new:
            touched.update(self.nodes_[article].links)
        # First each new article is placed as it came, seeing only the articles before it. Had
        # they all started alone and moved at once, the reports of an event new in this
        # mini-batch would pair off among themselves into many small stories (a flood of 300
        # reports in three days: stories of 10-20) before any of them had grown. Placed in
        # order, they join the story their first reports open. A story of one kind may take the
        # first report of another this way ("earthquake" links Peru's quake to Nepal's); the
        # moves below, with every link, and the refinement undo that once its own reports link
        # it to them.
        waiting = set(new)
        for article in new:
            waiting.discard(article)
            self._move(article, call, before, waiting)
        # Then the new articles move first, so that they join the stories that exist rather
        # than pulling older articles into the stories they opened a moment ago.
        fresh = set(new)
        ordered = sorted(
            (a for a in touched if a in self.nodes_),
            key=lambda a: (a not in fresh, self.order_[a]),
        )
        for _ in range(self.max_passes):
            if not sum(self._move(a, call, before) for a in ordered):
                break
        stories = {self.nodes_[a].story for a in ordered}
        if self.refine:
            stories |= self._refine(stories, call, before)
        self._merge_all(stories, call, before)
        self._advance(vectors, times)
        self._close_graph(call)

    def _stored_dims(self) -> set[int]:
        return {next(iter(self.nodes_.values())).embedding.shape[0]} if self.nodes_ else set()

    # -- links --------------------------------------------------------------------------------------

    def _candidates_of(self, node: _Node) -> list[_Node]:
        shared: Counter[str] = Counter()
        for key in node.keys:
            shared.update(self.keys_.get(key, ()))
        ranked = sorted(shared.items(), key=lambda kv: (-kv[1], self.order_[kv[0]]))
        return [self.nodes_[a] for a, _ in ranked[: self.max_candidates]]

    def _link(self, node: _Node, touched: set[str]) -> None:
        """Score ``node`` against its candidates and make its links (and displace older ones)."""
        node.keys = tuple(self._top_keys(node.ids, node.vals))
        others = self._candidates_of(node)
        if self.window is not None and node.when is not None:
            others = [o for o in others if o.when is None or abs(o.when - node.when) <= self.window]
        if not others:
            return
        self.n_scored_ += len(others)
        weights = self._weights(node, others)
        best = np.lexsort((np.array([self.order_[o.id] for o in others]), -weights))
        for k in best[: self.neighbors]:
            weight = float(weights[k])
            if weight <= self.min_similarity:
                break
            node.near[others[k].id] = weight
            self._add_link(node, others[k], weight)
        for k in best:
            weight = float(weights[k])
            if weight <= self.min_similarity:
                break
            other = others[k]
            if len(other.near) < self.neighbors:
                other.near[node.id] = weight
            else:
                far = min(other.near, key=lambda j: (other.near[j], -self.order_[j]))
                if weight <= other.near[far]:
                    continue
                del other.near[far]
                other.near[node.id] = weight
                if other.id not in self.nodes_[far].near:
                    self._drop_link(other, self.nodes_[far])
                    touched.add(far)
            self._add_link(node, other, weight)
            touched.add(other.id)

    def _weights(self, node: _Node, others: Sequence[_Node]) -> np.ndarray:
        """Link weights of ``node`` to each of ``others``: similarity less the penalties."""
        dots, name_dots = self._dots(node, others)
        share = self._name_share()
        if self.name_penalty and node.named and share:
            named = np.array([o.named for o in others], dtype=np.float64)
            names = name_dots / share
            dots -= named * self.name_penalty * np.maximum(0.0, 1.0 - names / self.name_floor)
        if self.time_penalty and node.when is not None:
            gaps = np.array(
                [abs((o.when - node.when) / self.time_scale) if o.when else 0.0 for o in others]
            )
            dots -= np.minimum(self.time_penalty_cap, self.time_penalty * gaps)
        return dots

    def _add_link(self, a: _Node, b: _Node, weight: float) -> None:
        if b.id in a.links:
            return
        a.links[b.id] = b.links[a.id] = weight
        for n in (a, b):
            n.degree += weight
            if n.story:
                self.communities_[n.story].total += weight
        self.total_ += 2 * weight

    def _drop_link(self, a: _Node, b: _Node) -> None:
        weight = a.links.pop(b.id)
        del b.links[a.id]
        for n in (a, b):
            n.degree -= weight
            if n.story:
                self.communities_[n.story].total -= weight
        self.total_ -= 2 * weight

    def _index(self, node: _Node) -> None:
        for key in node.keys:
            self.keys_.setdefault(key, set()).add(node.id)

    # -- communities --------------------------------------------------------------------------------

    def _penalty(self) -> float:
        """The factor ``f`` of the gain ``w(A, B) - f * K_A * K_B`` of putting A and B in one
        story: ``resolution / k_mean``, but never weaker than classic modularity's
        ``1 / (2m) = 1 / (n * k_mean)``. With fewer than ``1 / resolution`` live articles the
        size-free bar would be lower than a graph that small can support: six early reports of
        two quakes would be one story."""
        if not self.nodes_ or self.total_ <= 0:
            return 0.0
        n = len(self.nodes_)
        return max(self.resolution, 1.0 / n) * n / self.total_

    def _gain(self, factor: float, weight: float, burst: float, a: float, b: float) -> float:
        """The gain of putting two groups with total link weights ``a`` and ``b``, and links of
        total ``weight`` between them, in one story: the modularity gain ``weight - factor * a *
        b``, or, if larger, what the links within a burst (``burst``, those between articles no
        more than ``burst`` apart) hold beyond ``join_share`` of the smaller group's link weight
        (see the class docstring)."""
        gain = weight - factor * a * b
        if self.join_share is None:
            return gain
        return max(gain, burst - self.join_share * min(a, b))

    def _sum_links(
        self,
        node: _Node,
        key: Callable[[str], _K | None],
        weights: dict[_K, float],
        bursts: dict[_K, float],
    ) -> None:
        """Add the weight of each link of ``node`` to ``weights[key(other end)]``, and to
        ``bursts[key(other end)]`` too when the two articles were published no more than
        ``burst`` apart (undated articles never are); links whose key is None are left out."""
        stamp, burst, nodes = node.stamp, self.burst.total_seconds(), self.nodes_
        for other, weight in node.links.items():
            k = key(other)
            if k is None:
                continue
            weights[k] = weights.get(k, 0.0) + weight
            if abs(nodes[other].stamp - stamp) <= burst:  # False when either is NaN
                bursts[k] = bursts.get(k, 0.0) + weight

    def _move(
        self, article: str, call: _Call, before: dict[str, str], waiting: Collection[str] = ()
    ) -> bool:
        """Move ``article`` to the story where its modularity gain is largest (or a story of its
        own when no gain is positive); returns whether it changed story. Links to ``waiting``
        articles are left out, as if they had not come yet."""
        if article in self.pinned_:
            return False
        node = self.nodes_[article]
        old = node.story
        if old:
            community = self.communities_[old]
            community.total -= node.degree
        weights: dict[str, float] = {}
        bursts: dict[str, float] = {}
        degree = node.degree
        if waiting:
            degree -= sum(w for other, w in node.links.items() if other in waiting)

        def story_of(other: str) -> str | None:
            return None if other in waiting else self.nodes_[other].story or None

        self._sum_links(node, story_of, weights, bursts)
        penalty = self._penalty()
        gains = {
            story: self._gain(
                penalty, weight, bursts.get(story, 0.0), degree, self.communities_[story].total
            )
            for story, weight in weights.items()
            if penalty
        }
        best, gain = "", 0.0
        for story, g in sorted(gains.items()):
            if g > gain:
                best, gain = story, g
        # An article stays where it is unless it gains clearly elsewhere: ties and rounding
        # noise must not move it (story ids are what users and the store hold on to).
        if old and best != old and gains.get(old, 0.0) >= gain - 1e-9 * max(1.0, abs(gain)):
            best = old if gains.get(old, 0.0) > 0 or self.communities_[old].size > 1 else best
        if old:
            self.communities_[old].total += node.degree
        if old and (best == old or (not best and self.communities_[old].size == 1)):
            return False
        if old and self.order_[article] < self._start:
            before.setdefault(article, old)
        self._leave(node, call, best)
        self._join(node, best)
        return True

    def _join(self, node: _Node, story: str) -> None:
        """Put ``node`` (in no story) into ``story``, or into a new story of its own if ``""``."""
        if not story:
            story = self._new_story_id(node.id)
            self.communities_[story] = _Community(story, [])
        community = self.communities_[story]
        community.articles.append(node.id)
        community.total += node.degree
        community.first = _min_time(community.first, node.when)
        community.last = _max_time(community.last, node.when)
        node.story = story
        self.assigned_[node.id] = story

    def _leave(self, node: _Node, call: _Call, heir: str) -> None:
        if not node.story:
            return
        community = self.communities_[node.story]
        community.articles.remove(node.id)
        community.total -= node.degree
        if not community.articles:
            del self.communities_[community.id]
            if community.id in call.known and heir:
                self.merged_[community.id] = heir
        else:
            self._span(community)
        node.story = ""

    def _span(self, community: _Community) -> None:
        times = [w for a in community.articles if (w := self.nodes_[a].when) is not None]
        community.first = min(times) if times else None
        community.last = max(times) if times else None

    def _refine(self, stories: set[str], call: _Call, before: dict[str, str]) -> set[str]:
        """Split off the groups of articles that each of ``stories`` holds but that are better
        apart (the refinement step of the Leiden method, Traag et al. 2019, on one story at a
        time); returns the stories opened by splits.

        Single-article moves cannot undo a merge: each article of a group wrongly merged is held
        by its own group's links. So the story's articles are grouped afresh, by local moves and
        merges within the story (the same gain as for stories), and each group but the largest
        leaves when its links to the rest of the story are weaker than the gain asks:
        ``w(T, S - T) - f * K_T * K_(S-T) < 0``, with ``f`` from :meth:`_penalty`. A story is refined when it
        has grown by ``_REFINE_GROWTH`` since it was last refined, so a long-running story is not
        regrouped whole on every mini-batch."""
        opened: set[str] = set()
        penalty = self._penalty()
        if not penalty:
            return opened
        for sid in sorted(stories):
            community = self.communities_.get(sid)
            if community is None or community.size < max(2, _REFINE_GROWTH * community.refined):
                continue
            groups = self._groups(community.articles, penalty)
            community.refined = community.size
            if len(groups) < 2:
                continue
            groups.sort(key=lambda g: (-len(g), min(self.order_[a] for a in g)))
            if self._fixed(sid):
                # Its own (pinned) articles never leave; a group of articles that joined it
                # here may, as from any story (an event whose first report the placement put
                # into a pinned story of another event would otherwise stay in it for good).
                leaving = [g for g in groups if self.pinned_.isdisjoint(g)]
            else:
                leaving = groups[1:]
            rest = set(community.articles)
            for group in leaving:
                rest -= group
                k_group = sum(self.nodes_[a].degree for a in group)
                across: dict[bool, float] = {}
                burst: dict[bool, float] = {}

                def into_rest(j: str, rest: set[str] = rest) -> bool | None:
                    return True if j in rest else None

                for a in group:
                    self._sum_links(self.nodes_[a], into_rest, across, burst)
                k_rest = sum(self.nodes_[a].degree for a in rest)
                gain = self._gain(
                    penalty, across.get(True, 0.0), burst.get(True, 0.0), k_group, k_rest
                )
                if gain >= 0:
                    rest |= group
                    continue
                story = ""
                for article in sorted(group, key=self.order_.__getitem__):
                    node = self.nodes_[article]
                    if self.order_[article] < self._start:
                        before.setdefault(article, sid)
                    self._leave(node, call, sid)
                    self._join(node, story)
                    story = node.story
                opened.add(story)
            community.refined = community.size
        return opened

    def _groups(self, articles: Sequence[str], penalty: float) -> list[set[str]]:
        """The articles grouped by local moves and then merges of the groups, counting only the
        links among ``articles``; the same gain as :meth:`_move` and :meth:`_merge_all`."""
        label = {a: k for k, a in enumerate(articles)}
        total = {k: self.nodes_[a].degree for a, k in label.items()}
        fresh = len(articles)
        for _ in range(self.max_passes):
            changed = False
            for article in articles:
                node = self.nodes_[article]
                own = label[article]
                total[own] -= node.degree
                weights: dict[int, float] = {}
                bursts: dict[int, float] = {}
                self._sum_links(node, label.get, weights, bursts)
                best = own
                best_gain = self._gain(
                    penalty, weights.get(own, 0.0), bursts.get(own, 0.0), node.degree, total[own]
                )
                for group, weight in sorted(weights.items()):
                    g = self._gain(
                        penalty, weight, bursts.get(group, 0.0), node.degree, total[group]
                    )
                    if g > best_gain + 1e-9 * max(1.0, abs(best_gain)):
                        best, best_gain = group, g
                if best_gain < 0:  # better alone
                    best, fresh = fresh, fresh + 1
                total[best] = total.get(best, 0.0) + node.degree
                if best != own:
                    label[article] = best
                    changed = True
            if not changed:
                break
        groups: dict[int, set[str]] = {}
        for article in articles:
            groups.setdefault(label[article], set()).add(article)
        parts = list(groups.values())
        # Merge groups while a pair gains, best first (few groups: the weights are summed once).
        where = {a: k for k, part in enumerate(parts) for a in part}
        sums = [sum(self.nodes_[a].degree for a in part) for part in parts]
        links: dict[tuple[int, int], float] = {}
        pair_bursts: dict[tuple[int, int], float] = {}
        for a in articles:

            def pair(other: str, here: int = where[a]) -> tuple[int, int] | None:
                there = where.get(other)
                return (here, there) if there is not None and here < there else None

            self._sum_links(self.nodes_[a], pair, links, pair_bursts)
        alive = set(range(len(parts)))
        while True:
            best_pair, best_gain = None, 0.0
            for (x, y), weight in sorted(links.items()):
                g = self._gain(penalty, weight, pair_bursts.get((x, y), 0.0), sums[x], sums[y])
                if g > best_gain:
                    best_pair, best_gain = (x, y), g
            if best_pair is None:
                break
            x, y = best_pair
            parts[x] |= parts[y]
            sums[x] += sums[y]
            alive.discard(y)
            merged: dict[tuple[int, int], float] = {}
            merged_bursts: dict[tuple[int, int], float] = {}
            for (p, q), weight in links.items():
                key = (x if p == y else p, x if q == y else q)
                if key[0] != key[1]:
                    key = (min(key), max(key))
                    merged[key] = merged.get(key, 0.0) + weight
                    if (p, q) in pair_bursts:
                        merged_bursts[key] = merged_bursts.get(key, 0.0) + pair_bursts[p, q]
            links, pair_bursts = merged, merged_bursts
        return [parts[k] for k in sorted(alive)]

    def _merge_all(self, stories: set[str], call: _Call, before: dict[str, str]) -> None:
        """Merge the pairs of stories with a positive gain, best first, among ``stories`` and
        the stories they link to."""
        active = {s for s in stories if s in self.communities_}
        while active:
            penalty = self._penalty()
            best: tuple[float, str, str] | None = None
            for story in sorted(active):
                community = self.communities_.get(story)
                if community is None:
                    continue
                across: dict[str, float] = {}
                bursts: dict[str, float] = {}

                def elsewhere(other: str, story: str = story) -> str | None:
                    s = self.nodes_[other].story
                    return s if s != story else None

                for article in community.articles:
                    self._sum_links(self.nodes_[article], elsewhere, across, bursts)
                fixed = self._fixed(story)
                for other_story, weight in sorted(across.items()):
                    if fixed and self._fixed(other_story):
                        continue
                    g = self._gain(
                        penalty,
                        weight,
                        bursts.get(other_story, 0.0),
                        community.total,
                        self.communities_[other_story].total,
                    )
                    if g > 0 and (best is None or (g, story, other_story) > best):
                        best = (g, story, other_story)
            if best is None:
                return
            _, a, b = best
            keep = self._union(a, b, call, before)
            active = {s for s in active if s in self.communities_} | {keep}

    def _union(self, a: str, b: str, call: _Call, before: dict[str, str]) -> str:
        first, second = self.communities_[a], self.communities_[b]
        keep, gone = sorted(
            (first, second),
            key=lambda c: (
                not self._fixed(c.id),
                c.id not in call.known,
                _time_key(c.first),
                c.id,
            ),
        )
        for article in gone.articles:
            if self.order_[article] < self._start:
                before.setdefault(article, gone.id)
            self.nodes_[article].story = keep.id
            self.assigned_[article] = keep.id
        keep.articles.extend(gone.articles)
        keep.total += gone.total
        keep.first = _min_time(keep.first, gone.first)
        keep.last = _max_time(keep.last, gone.last)
        del self.communities_[gone.id]
        if gone.id in call.known:
            self.merged_[gone.id] = keep.id
        return keep.id

    def _close_graph(self, call: _Call) -> None:
        for sid in self._expired():
            community = self._drop(sid)
            self._record_close(sid, community.articles, call)

    def release(self, story_ids: Iterable[str]) -> None:
        """Let live stories go without reporting them closed: their articles leave memory as
        when a story closes. The story tracker releases the pinned copies of the live
        clusterer's stories from its lane before each batch and reads them again, so the lane
        never works on a copy the live clusterer has since changed."""
        for sid in sorted(set(story_ids)):
            if sid in self.communities_:
                for article in self._drop(sid).articles:
                    self.assigned_.pop(article, None)

    def _drop(self, sid: str) -> _Community:
        """Remove live story ``sid`` and its articles (nodes, links, index keys)."""
        community = self.communities_.pop(sid)
        for article in community.articles:
            self.nodes_[article].story = ""
        for article in community.articles:
            self.pinned_.discard(article)
            node = self.nodes_.pop(article)
            for other in list(node.links):
                if other in self.nodes_:
                    self._drop_link(node, self.nodes_[other])
                    self.nodes_[other].near.pop(article, None)
            for key in node.keys:
                _discard(self.keys_, key, article)
            self.order_.pop(article, None)
        return community

    def _terms_in_use(self) -> np.ndarray:
        return np.concatenate([np.zeros(0, np.int64), *(n.ids for n in self.nodes_.values())])

    def _renumber_terms(self, new_id: np.ndarray) -> None:
        for node in self.nodes_.values():
            node.ids = new_id[node.ids]
            node.keys = tuple(int(new_id[k]) for k in node.keys)
        self.keys_ = {int(new_id[k]): held for k, held in self.keys_.items()}

    # -- state ----------------------------------------------------------------------------------

    def _reset(self) -> None:
        StoryClusterer._reset(self)
        self.nodes_, self.keys_, self.moved_, self.order_ = {}, {}, {}, {}
        self.pinned_, self.readmitted_ = set(), OrderedDict()
        self.total_, self.counter_, self._start = 0.0, 0, 0

    def get_state(self) -> bytes:
        """Everything learned, as bytes (a numpy ``.npz`` archive with a JSON header; no pickle)."""
        nodes = sorted(self.nodes_.values(), key=lambda n: self.order_[n.id])
        header = {
            **self._common_header(),
            "counter": self.counter_,
            "nodes": [
                {
                    "id": n.id,
                    "order": self.order_[n.id],
                    "when": n.when.isoformat() if n.when else None,
                    "named": n.named,
                    "story": n.story,
                    "near": [[j, w.hex()] for j, w in n.near.items()],
                    "keys": list(n.keys),
                }
                for n in nodes
            ],
            "stories": [
                {"id": c.id, "articles": c.articles, "refined": c.refined}
                for c in sorted(self.communities_.values(), key=lambda c: c.id)
            ],
        }
        dim = nodes[0].embedding.shape[0] if nodes else 0
        buffer = io.BytesIO()
        np.savez(
            buffer,
            header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
            df=self.df_[: len(self.vocab_)],
            zipf=self.zipf_[: len(self.vocab_)],
            seen=self.seen_[: len(self.vocab_)],
            lengths=np.array([len(n.ids) for n in nodes], dtype=np.int64),
            ids=np.concatenate([n.ids for n in nodes]) if nodes else np.zeros(0, np.int64),
            vals=np.concatenate([n.vals for n in nodes]) if nodes else np.zeros(0, np.float64),
            embeddings=np.stack([n.embedding for n in nodes]) if nodes else np.zeros((0, dim)),
        )
        return buffer.getvalue()

    def set_state(self, state: bytes) -> GraphStoryClusterer:
        """Restore what :meth:`get_state` saved; returns ``self``.

        Raises:
            UsageError: the bytes are not a saved state of this method, or were saved with another
                configuration (the message names the differing parameter).
        """
        header, archive = self._restore_common(state, _STATE_FORMAT)
        self.counter_ = int(header["counter"])
        offsets = np.concatenate([[0], np.cumsum(archive["lengths"])])
        ids, vals, embeddings = archive["ids"], archive["vals"], archive["embeddings"]
        for k, item in enumerate(header["nodes"]):
            node = _Node(
                item["id"],
                ids[offsets[k] : offsets[k + 1]].astype(np.int64),
                vals[offsets[k] : offsets[k + 1]].astype(np.float64),
                embeddings[k].astype(np.float64),
                _parse_time(item["when"]),
                bool(item["named"]),
                story=item["story"],
                near={j: float.fromhex(w) for j, w in item["near"]},
                keys=tuple(item["keys"]),
            )
            self.nodes_[node.id] = node
            self.order_[node.id] = int(item["order"])
            self._index(node)
            self.assigned_[node.id] = node.story
        for item in header["stories"]:
            self.communities_[item["id"]] = _Community(
                item["id"], list(item["articles"]), refined=int(item.get("refined", 0))
            )
        for node in self.nodes_.values():
            for j, w in node.near.items():
                self._add_link(node, self.nodes_[j], w)
        for community in self.communities_.values():
            community.total = sum(self.nodes_[a].degree for a in community.articles)
            self._span(community)
        return self

    def _check_params(self) -> None:
        StoryClusterer._check_params(self)
        for name in ("neighbors", "max_passes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UsageError(
                    f"the {name} parameter of GraphStoryClusterer must be a positive integer, got {value!r}"
                )
        if self.join_share is not None and (
            not isinstance(self.join_share, (int, float)) or not 0 < self.join_share <= 1
        ):
            raise UsageError(
                "the join_share parameter of GraphStoryClusterer must be a number in (0, 1] or"
                f" None, got {self.join_share!r}"
            )
        if not isinstance(self.burst, timedelta) or self.burst < timedelta(0):
            raise UsageError(
                "the burst parameter of GraphStoryClusterer must be a timedelta >= 0, got"
                f" {self.burst!r}"
            )
        if not isinstance(self.resolution, (int, float)) or self.resolution <= 0:
            raise UsageError(
                f"the resolution parameter of GraphStoryClusterer must be a number > 0, got {self.resolution!r}"
            )
