"""Story tracking: a stream of articles becomes stories with cited, revised briefs, in a store.

:class:`StoryTracker` is the stateful edge that ties the pure stages to a
:class:`~tidings.store.Store`. For each batch of new articles it:

1. skips articles the store already has (ingesting the same input twice changes nothing);
2. collapses near-duplicates (MinHash LSH), inside the batch and against the articles of the
   live stories: a copy follows its original into its story;
3. assigns the rest with the incremental clusterer (by default
   :class:`~tidings.cluster_graph.GraphStoryClusterer`); when it moves an article of an earlier
   batch to another story, both stories are rewritten and revised;
4. for every story that gained articles, makes a new brief revision and an *update* (what the
   new articles add, :func:`~tidings.pipeline.update_summary`), and the story's analysis;
   a brief summarises at most ``max_brief_articles`` articles, those that joined the story
   last, so revising a story that has run for months costs no more than one of that size;
5. writes articles, stories, revisions and the clusterer's state in **one transaction**.

Batches overlap two deep: while worker processes summarise the stories of batch ``k`` (step 4),
this process deduplicates and clusters batch ``k + 1`` (steps 1-3), which reads nothing of the
store but which articles it has; then batch ``k`` is written. A batch with articles older than the
live window reads stored stories (``reopen``), so batch ``k`` is written before it is clustered.
The results are those of one batch after the other (tested), and the summarising no longer waits
on the clustering.

A run killed at any point (even SIGKILL) loses at most the batches in flight, the one being
summarised and the one being clustered, of which neither is written yet: the store holds either
all of a batch or none of it, and the clusterer state saved with it matches. Running the same
input again skips what was stored and completes the rest, duplicating nothing.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TextIO, cast

from .cluster import StoryClusterer, key_words
from .cluster_graph import GraphStoryClusterer
from .dedupe import CopyIndex, Deduper
from .errors import StoreError, UsageError
from .records import Analysis, Article, Brief, BriefRevision, BriefSentence, Rejection, Story
from .render import headline
from .summarize import ConceptSummarizer

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "IngestReport",
    "Progress",
    "StoryTracker",
    "analyze_story",
    "published_order",
    "stored_clusterer",
    "story_entry",
]

STATE_KEY = "clusterer/story-graph.v1"
#: The key of the state of a store made before story-graph.v1 was the default: such a store
#: goes on with its story-cluster.v2 clusterer.
LEGACY_STATE_KEY = "clusterer/story-cluster.v2"


def state_key(clusterer: StoryClusterer) -> str:
    """The store key under which ``clusterer``'s state is kept."""
    return STATE_KEY if isinstance(clusterer, GraphStoryClusterer) else LEGACY_STATE_KEY


def stored_clusterer(
    store: Store, settings: Mapping[str, Any] | None = None, *, where: str = "the store"
) -> StoryClusterer:
    """The clusterer that keeps ``store``'s stories: restored from the state saved with them,
    with the configuration it was made with; for a store with no state yet, a new
    ``story-graph.v1`` clusterer made with ``settings`` (its parameters, such as ``window`` and
    ``resolution``).

    A store's stories were formed with one configuration, and its saved state holds their graph
    under it; a new setting would leave the old stories as they were and make the new ones
    differently, so a setting that differs from the saved one is refused rather than ignored.

    Args:
        store: the store.
        settings: parameters of the clusterer; for a store with a saved state, each must equal
            the saved one.
        where: how the store is named in an error (a path or URL).

    Raises:
        UsageError: a setting differs from the one the store was made with, or is not a
            parameter of its clusterer.
    """
    settings = dict(settings or {})
    saved = store.get_state(STATE_KEY)
    legacy = None if saved else store.get_state(LEGACY_STATE_KEY)
    if not saved and not legacy:
        return GraphStoryClusterer(**settings)
    clusterer = (
        GraphStoryClusterer.from_bytes(saved) if saved else StoryClusterer.from_bytes(legacy or b"")
    )
    method = "story-graph.v1" if saved else "story-cluster.v2"
    for name, value in sorted(settings.items()):
        if not hasattr(clusterer, name):
            raise UsageError(
                f"{where} keeps its stories with {method}, which has no {name} setting"
            )
        if getattr(clusterer, name) != value:
            raise UsageError(
                f"{where} keeps its stories with {name} {_shown(getattr(clusterer, name))}, set"
                f" when its first articles were clustered, not {_shown(value)}; a store's"
                " clustering settings cannot change: use a new store for other settings"
            )
    return clusterer


def _shown(value: object) -> str:
    """A setting as a user gives it: a duration in days, ``none`` for no limit."""
    if value is None:
        return "none"
    if isinstance(value, timedelta):
        days = value / timedelta(days=1)
        return f"{days:g} day{'s' if days != 1 else ''}"
    return repr(value)


@dataclass(slots=True)
class IngestReport:
    """What one ingest did.

    ``moved``: articles of earlier batches that changed story (with their near-copies);
    ``late``: new articles older than the live window (see ``StoryTracker(reopen=)``);
    ``reopened``: stories stored closed before this ingest that late articles joined.
    """

    read: int = 0
    new: int = 0
    skipped: int = 0
    copies: int = 0
    moved: int = 0
    rejected: int = 0
    stories_opened: int = 0
    stories_updated: int = 0
    stories_closed: int = 0
    late: int = 0
    reopened: int = 0
    touched: list[str] = field(default_factory=list)


class Progress:
    """Progress on a terminal (articles read, stories open, rate); silent when not a TTY.

    Args:
        stream: where to write (default stderr).
        enabled: force on or off; by default on only when ``stream`` is a terminal.
        every: minimum seconds between updates.
    """

    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool | None = None, every: float = 0.5
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.every = every
        self._start = time.monotonic()
        self._last = 0.0

    def extracted(self, done: int, total: int | None) -> None:
        """Show how many documents have been extracted (at most every ``every`` seconds, and
        once when all are: ``total`` is known then, ``None`` before)."""
        final = total is not None and done >= total
        self._show(f"{done:,} documents extracted", done, "documents", final)

    def update(self, report: IngestReport, open_stories: int, *, final: bool = False) -> None:
        """Show the counts so far (at most every ``every`` seconds, and once at the end)."""
        counts = (
            f"{report.read:,} articles read ({report.new:,} new, {report.skipped:,} known,"
            f" {report.rejected:,} rejected) · {open_stories:,} stories open"
        )
        self._show(counts, report.read, "articles", final)

    def _show(self, counts: str, done: int, unit: str, final: bool) -> None:
        """Write ``counts`` and the rate of ``done`` since the start over the last line, unless
        that was written less than ``every`` seconds ago; the final line ends it."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < self.every:
            return
        self._last = now
        rate = done / max(1e-9, now - self._start)
        self.stream.write(f"\r{counts} · {rate:,.1f} {unit}/s" + ("\n" if final else ""))
        self.stream.flush()


class StoryTracker:
    """Cluster articles into stories and keep their briefs in a store (see the module docstring).

    Args:
        store: the store (SQLite or PostgreSQL).
        clusterer: the incremental clusterer; by default the one saved in the store, else a new
            :class:`~tidings.cluster_graph.GraphStoryClusterer`.
        summarizer / deduper: the brief backends.
        max_words: budget of each story brief.
        update_words: budget of each update.
        batch_size: articles per transaction (the most a kill can lose).
        clock: returns "now" for revision times (injected for tests).
        analyzer: makes a story's :class:`~tidings.records.Analysis` from its articles, or
            ``None`` to skip analysis. Must be a module-level function when ``workers`` > 1.
        workers: processes that summarise the stories of a batch in parallel (1: in this
            process). Results and writes are the same either way; only the time differs.
        max_brief_articles: the most articles one revision reads and summarises: a story with
            more is briefed from the ones that joined it last (its update compares the newest
            of the new articles with the latest known ones, each side bounded alike). Without a
            bound a story that keeps growing is re-read and re-summarised whole at every batch,
            so the cost of a stream grows with the square of its longest story. The brief's
            ``articles`` say which articles it summarised; the story keeps all of them.
        copy_window: a new article is checked for being a near-copy of the articles of live
            stories that had a report within this span of the newest time seen (``None``: every
            live story). Syndicated copies come within hours or days; the bound keeps the index,
            and the cost of rebuilding it from the store when a tracker starts, to the recent
            stream.
        reopen: give articles older than the clusterer's live window (an archive, a late
            crawl) to a second clusterer that follows their own time, into which the stored
            stories of their time that match them are brought back (see
            :meth:`_place_late`). ``False``: such an article is clustered with the live stream,
            where it opens a story that closes at once, as before this option.
        reopen_stories: the most stored stories looked up per late article (by full-text
            relevance of its rarest names, among the stored stories within the window of its
            publication time).
    """

    def __init__(
        self,
        store: Store,
        *,
        clusterer: StoryClusterer | None = None,
        summarizer: ConceptSummarizer | None = None,
        deduper: Deduper | None = None,
        max_words: int = 150,
        update_words: int = 100,
        batch_size: int = 200,
        clock: Callable[[], datetime] | None = None,
        analyzer: Callable[[Sequence[Article]], Analysis] | None = None,
        workers: int = 1,
        max_brief_articles: int = 200,
        copy_window: timedelta | None = timedelta(days=3),
        reopen: bool = True,
        reopen_stories: int = 5,
    ) -> None:
        self.store = store
        self.summarizer = summarizer or ConceptSummarizer()
        self.deduper = deduper or Deduper()
        self.max_words = max_words
        self.update_words = update_words
        self.batch_size = batch_size
        self.clock = clock or (lambda: datetime.now(UTC))
        self.analyzer = analyzer
        if workers < 1:
            raise UsageError(
                f"the workers parameter of StoryTracker must be at least 1, got {workers}"
            )
        self.workers = workers
        if max_brief_articles < 1:
            raise UsageError(
                "the max_brief_articles parameter of StoryTracker must be at least 1,"
                f" got {max_brief_articles}"
            )
        self.max_brief_articles = max_brief_articles
        self.copy_window = copy_window
        if type(reopen_stories) is not int or reopen_stories < 1:
            raise UsageError(
                "the reopen_stories parameter of StoryTracker must be an int >= 1,"
                f" got {reopen_stories!r}"
            )
        self.reopen = reopen
        self.reopen_stories = reopen_stories
        # The clusterer of late articles (see _place_late); made on first use, never saved.
        self._lane: GraphStoryClusterer | None = None
        # The stories this ingest call opened, and the closed ones late articles reopened.
        self._run_opened: set[str] = set()
        self._run_reopened: set[str] = set()
        self._pool: ProcessPoolExecutor | None = None
        self._copies: CopyIndex | None = None
        self.clusterer = clusterer or stored_clusterer(store)

    def ingest(
        self,
        articles: Iterable[Article],
        *,
        rejected: Sequence[Rejection] = (),
        run: str | None = None,
        progress: Progress | None = None,
        order: Literal["published", "arrival"] = "published",
    ) -> IngestReport:
        """Add articles to the stories, a batch (one transaction) at a time.

        The batches go through a pipeline two deep: while the worker processes summarise the
        stories batch ``k`` changed, this process clusters batch ``k + 1``; then batch ``k`` is
        written, in one transaction, and its successor's summaries start. The clusterer does not
        read the store, so the order of the work, and every result, is that of one batch after
        the other; only the time differs.

        Args:
            articles: the new articles (any that the store has are skipped).
            rejected: rejections from reading them, recorded with the run.
            run: a label for this run (default: the current time).
            progress: where to show progress, if anywhere.
            order: ``"published"`` (the default) reads all of ``articles`` first and takes them
                by publication time, oldest first (ties by id), so the stories of dated articles
                do not depend on the order the inputs were listed in; an undated article keeps
                its place after the dated article listed before it, the only hint of its time
                there is (listed last, it would be clustered at the newest time of the whole
                input, too late for its story). If reading ``articles`` fails, nothing but
                ``rejected`` has been written. Taken as listed, a folder read by file name puts
                next month's report before this week's; the newest time seen then jumps ahead,
                and stories still being reported close early and split (on a synthetic stream
                of 3,000 articles, shuffled: BCubed F1 0.70 against 1.00,
                ``benchmarks/RESULTS.md``). ``"arrival"`` takes the articles as they come,
                without holding them all: for a live stream, whose order is its time order.

        Returns:
            Counts of what happened, and the ids of the stories that changed.
        """
        if order not in ("published", "arrival"):
            raise UsageError(
                f"the order parameter of StoryTracker.ingest must be 'published' or 'arrival', got {order!r}"
            )
        report = IngestReport(rejected=len(rejected))
        self._run_opened, self._run_reopened = set(), set()
        run = run or self.clock().isoformat()
        if rejected:
            self.store.add_rejections(list(rejected), run=run)
        if order == "published":
            articles = published_order(articles)
        pending: _Pending | None = None
        try:
            for batch in _batches(articles, self.batch_size):
                if pending is not None and self._has_late(batch):
                    # The lane reads stored stories: the batch before must be written first.
                    done, pending = pending, None
                    self._finish(done, report)
                plan = self._plan(batch, report, pending)
                if pending is not None:
                    done, pending = pending, None
                    self._finish(done, report)
                if plan is not None:
                    pending = self._start(plan, report)
                if progress:
                    progress.update(report, len(self.clusterer.live_stories()))
        except Exception:
            # Reading the input, clustering the next batch or showing progress failed: the batch
            # whose summaries are under way is whole, and is kept, as if batches ran one by one.
            if pending is not None:
                self._finish(pending, report)
            raise
        if pending is not None:
            self._finish(pending, report)
        if progress:
            progress.update(report, len(self.clusterer.live_stories()), final=True)
        return report

    def _plan(
        self, batch: list[Article], report: IngestReport, pending: _Pending | None
    ) -> _Plan | None:
        """Deduplicate and cluster ``batch`` (no store writes, and no reads but which articles
        it has: the batch before, ``pending``, may not be written yet; a batch with late
        articles, which reads stored stories, is planned only once it is). ``None``: nothing
        new."""
        report.read += len(batch)
        seen: set[str] = {a.id for a in pending.fresh} if pending is not None else set()
        fresh = []
        for article in batch:
            if article.id in seen or self.store.has_article(article.id):
                report.skipped += 1
                continue
            seen.add(article.id)
            fresh.append(article)
        if not fresh:
            return None
        report.new += len(fresh)
        clusterer = self.clusterer
        groups = self.deduper.groups(fresh)
        follows = {c: g.kept for g in groups for c in g.copies}
        # A copy of an article of an earlier batch follows it too (the index holds only articles
        # of live stories: it is pruned after every batch).
        index = self._copy_index()
        earlier = {
            a.id: hit[0]
            for a in fresh
            if a.id not in follows and (hit := index.original_of(a)) is not None
        }
        originals = [a for a in fresh if a.id not in follows and a.id not in earlier]
        old = [a for a in originals if self._for_lane(a)]
        if old:
            originals = [a for a in originals if not self._for_lane(a)]
        placed = self._place_late(old) if old else None

        merged_before = dict(clusterer.merged_)
        closed_before = len(clusterer.closed_)
        story_of: dict[str, str] = {}
        before: dict[str, str] = {}
        _fit_into(clusterer, originals, story_of, before)
        # An original whose story closed within this call leaves its copy to be clustered.
        late = [a for a in fresh if a.id in earlier and earlier[a.id] not in clusterer.assigned_]
        _fit_into(clusterer, late, story_of, before)
        closed = clusterer.closed_[closed_before:]
        absorbed = _absorbed_since(clusterer, merged_before)
        if placed is not None:
            # A pinned story that the live clusterer merged away in this batch: its heir.
            story_of.update((a, clusterer.resolve(s)) for a, s in placed.story_of.items())
            for article_id, first in placed.before.items():
                before.setdefault(article_id, first)
            for survivor, old_ids in placed.absorbed.items():
                absorbed.setdefault(clusterer.resolve(survivor), []).extend(old_ids)
            closed = [*closed, *placed.closed]
            report.late += len(old)
            report.copies += placed.copies
            # Stories stored closed before this run that late articles joined, each once.
            for sid in sorted({story_of[a.id] for a in old} - self._run_opened):
                story = self._stored(sid)
                if story is not None and story.closed and sid not in self._run_reopened:
                    self._run_reopened.add(sid)
                    report.reopened += 1
        # Articles of earlier batches that the clusterer moved to another story (graph method).
        fresh_ids = {a.id for a in fresh}
        moved = {
            a: (first, story_of[a])
            for a, first in sorted(before.items())
            if a not in fresh_ids and story_of[a] != first
        }
        report.copies += len(follows) + len(earlier) - len(late)
        for copy, original in earlier.items():
            if copy not in story_of:
                story_of[copy] = clusterer.assigned_[original]
        for copy, kept in follows.items():
            story_of[copy] = story_of[kept]  # a copy follows its original
        for article in [*originals, *late]:
            if self._copyable(article.id):
                index.add(article)
        for article_id in index.ids():
            if not self._copyable(article_id):
                index.remove(article_id)  # its story closed or went quiet: it leaves memory
        plan = _Plan(
            fresh=fresh,
            story_of=story_of,
            moved=moved,
            absorbed=absorbed,
            closed=closed,
            live=frozenset(clusterer.stories_),
            state=clusterer.get_state(),
        )
        clusterer.forget_history()  # the plan holds this batch's closes and merges
        return plan

    def _has_late(self, batch: Sequence[Article]) -> bool:
        """Whether ``batch`` holds articles for the lane (see :meth:`_place_late`)."""
        return any(self._for_lane(a) for a in batch)

    def _for_lane(self, article: Article) -> bool:
        """Whether ``article`` goes to the lane: it is late, and the lane is on (``reopen``,
        with the graph clusterer: a legacy ``story-cluster.v2`` store cannot readmit)."""
        clusterer = self.clusterer
        return (
            self.reopen
            and isinstance(clusterer, GraphStoryClusterer)
            and clusterer.late(article.published)
        )

    def _place_late(self, old: list[Article]) -> _Placed:
        """Cluster articles older than the live window (``clusterer.late``) with a second
        clusterer, the *lane*, that follows their own time.

        In the live clusterer such an article would open a story that closes at once: a second
        report of the same old event could never join it, and a story stored closed could
        never take it. The lane is a :meth:`~tidings.cluster.StoryClusterer.fork` of the live
        clusterer (its configuration and vocabulary, no stories), made on first use and again
        when articles come that are late even for it. Before the lane takes the articles, the
        stored stories that match them are brought back into it
        (:meth:`~tidings.cluster_graph.GraphStoryClusterer.readmit`): for each article, the
        ``reopen_stories`` stories within ``window`` of its publication time whose title or
        latest brief best match its rarest names (:func:`~tidings.cluster.key_words`), each with
        its articles dated within the window of the late ones (at most ``max_brief_articles``,
        those that joined last). A story the live clusterer holds is brought back *pinned*,
        with the articles it holds there: late reports can join it, but the lane moves none of
        those articles and never merges it away, so the live clusterer's stories stay as they
        are. The late reports an earlier lane put into it come back with it unpinned, so that
        those that turn out to be another event's can leave it. The lane's other stories are
        written closed (the live stream is past them); a reopened story that gains articles gets
        a new revision and an update. A late article that is a near-copy of an article brought
        back (the deduper's threshold) follows it into its story, as a copy, instead of being
        clustered. The lane is not saved: a new tracker finds the stories of earlier runs in the
        store."""
        main = self.clusterer
        lane = self._lane
        oldest = min(a.published for a in old if a.published is not None)
        if lane is None or lane.late(oldest):
            lane = self._lane = cast(GraphStoryClusterer, main.fork())
            lane.id_taken = lambda sid: self._stored(sid) is not None
        # The live clusterer may have changed its stories since they were pinned here.
        lane.release(lane.pinned_stories())
        window = lane.window
        assert window is not None  # late articles exist only with a window
        wanted: dict[str, Story] = {}
        held: dict[str, Story] = {}  # stories the live clusterer holds, readmitted pinned
        for article in old:
            words = key_words(article)
            if article.published is None or not words:
                continue
            # Open and closed stories: an open one is held by the live clusterer (the batch
            # before is written) and is readmitted pinned, with the articles it holds there, so
            # that late reports can join it but the lane changes nothing of it. One it has
            # merged away, or that lost an article to one it holds, is left to it.
            found = self.store.stories(
                since=article.published - window,
                until=article.published + window,
                query=" or ".join(words),
                order="relevance",
                limit=self.reopen_stories + 5,
            )
            taken = 0
            for story in found:
                if taken == self.reopen_stories:
                    break
                if not story.articles or story.id in main.merged_:
                    continue
                taken += 1
                if story.id in lane.communities_:
                    continue
                if story.id in main.stories_:
                    held.setdefault(story.id, story)
                elif not any(a in main.assigned_ for a in story.articles):
                    wanted.setdefault(story.id, story)
        # Of each story, the articles that can link to the late ones (dated within the window of
        # them, or undated), at most ``max_brief_articles``, those that joined last, read from
        # the story's last ten times as many: a story that has run for months is not read whole.
        cap = self.max_brief_articles
        newest = max(a.published for a in old if a.published is not None)
        members = {sid: list(story.articles[-10 * cap :]) for sid, story in wanted.items()}
        # A held story's articles that the live clusterer does not hold are late reports an
        # earlier lane put there: brought back with it, but not pinned, so that the lane can
        # take out those that turn out to be another event's.
        pins = {
            sid: [a for a in story.articles if main.assigned_.get(a, sid) == sid][-10 * cap :]
            for sid, story in held.items()
        }
        ids = [a for group in (*members.values(), *pins.values()) for a in group]
        by_id = {
            a.id: a
            for a in (self.store.get_articles(ids) if ids else [])
            if a.published is None or oldest - window <= a.published <= newest + window
        }

        def near(groups: dict[str, list[str]]) -> dict[str, list[Article]]:
            return {
                sid: [by_id[a] for a in group if a in by_id][-cap:] for sid, group in groups.items()
            }

        own = {a for sid, group in pins.items() for a in group if main.assigned_.get(a) == sid}
        closed_near = near(members)
        pinned = {
            sid: group for sid, group in near(pins).items() if any(a.id in own for a in group)
        }
        lane.readmit(closed_near)
        lane.readmit(pinned, pinned=own)
        # A late near-copy of an article brought back (a wire story re-posted in an archive)
        # follows it, as a copy in a batch follows its original, instead of being clustered.
        index = CopyIndex(self.deduper)
        for article in (a for group in (*closed_near.values(), *pinned.values()) for a in group):
            if article.id in lane.assigned_:
                index.add(article)
        copies = {a.id: hit[0] for a in old if len(index) and (hit := index.original_of(a))}
        merged_before = dict(lane.merged_)
        closed_before = len(lane.closed_)
        story_of: dict[str, str] = {}
        before: dict[str, str] = {}
        _fit_into(lane, [a for a in old if a.id not in copies], story_of, before)
        # A copy whose original's story closed within this call is clustered after all.
        orphans = [a for a in old if a.id in copies and copies[a.id] not in lane.assigned_]
        _fit_into(lane, orphans, story_of, before)
        for copy, original in copies.items():
            if copy not in story_of:
                story_of[copy] = lane.assigned_[original]
        placed = _Placed(
            story_of=story_of,
            before=before,
            absorbed=_absorbed_since(lane, merged_before),
            # A pinned story the lane lets go is still live in the live clusterer.
            closed=[sid for sid in lane.closed_[closed_before:] if sid not in main.stories_],
            copies=len(copies) - len(orphans),
        )
        lane.forget_history()
        return placed

    def _start(self, plan: _Plan, report: IngestReport) -> _Pending:
        """Read what the revisions of ``plan``'s stories need and start summarising them (in the
        worker processes, when there are any). Runs once the batch before is written, and before
        the next batch is clustered: the clusterer still holds this batch's outcome."""
        # The stories this batch reads, each read once, and those it rewrites before the
        # revisions, in the order they are written; later reads see them as written.
        writes: list[Story] = []
        latest: dict[str, Story | None] = {}

        def stored(sid: str) -> Story | None:
            if sid not in latest:
                latest[sid] = self._stored(sid)
            return latest[sid]

        def write(story: Story) -> None:
            writes.append(story)
            latest[story.id] = story

        moved = dict(plan.moved)
        # Moved articles and their stored copies, read once: to find the copies, then to revise.
        arriving = self.store.get_articles(list(moved)) if moved else []
        copies = self._copies_of_moved(moved, arriving, stored)
        moved.update((a.id, where) for a, where in copies)
        arriving += [a for a, _ in copies]
        report.moved += len(moved)
        gained: dict[str, list[Article]] = {}
        for article in plan.fresh:
            gained.setdefault(plan.story_of[article.id], []).append(article)
        lost: dict[str, set[str]] = {}
        for article_id, (first, _) in moved.items():
            lost.setdefault(first, set()).add(article_id)
        for article in arriving:
            gained.setdefault(moved[article.id][1], []).append(article)

        # The store keeps each article in one story: moved articles leave theirs first.
        for sid, leaving in sorted(lost.items()):
            if (story := stored(sid)) is not None:
                write(replace(story, articles=tuple(a for a in story.articles if a not in leaving)))
        for sid in plan.closed:
            story = stored(sid)
            if story is not None and not story.closed:
                write(replace(story, closed=True))
                report.stories_closed += 1
        inherited: dict[str, list[str]] = {}
        spans: dict[str, list[datetime]] = {}
        for survivor, old_ids in plan.absorbed.items():
            for old_id in old_ids:
                story = stored(old_id)
                if story is None:
                    continue  # opened and absorbed within this batch: never stored
                inherited.setdefault(survivor, []).extend(story.articles)
                spans.setdefault(survivor, []).extend(
                    d for d in (story.opened, story.last_seen) if d is not None
                )
                # The store keeps each article in one story: empty the absorbed story first.
                write(replace(story, articles=(), closed=True))
        # A story that only lost articles is revised too (its brief must not cite them),
        # closed or not, unless it was absorbed or is left empty.
        shrunk = [
            sid for sid in sorted(lost) if (story := stored(sid)) is not None and story.articles
        ]
        todo = {
            sid: (gained.get(sid, []), inherited.get(sid, []), spans.get(sid, []))
            for sid in dict.fromkeys([*gained, *inherited, *shrunk])
        }
        jobs = self._revision_jobs(todo, stored)
        args = [
            (
                job.known,
                job.new,
                self.max_words,
                self.update_words,
                self.summarizer,
                self.deduper,
                self.analyzer,
                self.max_brief_articles,
            )
            for job in jobs
        ]
        parts: list[Future[_Parts]] | list[tuple[Any, ...]] = args
        if self.workers > 1 and (len(jobs) > 1 or self._pool is not None):
            pool = self._executor()
            parts = [pool.submit(_revision_parts, *a) for a in args]
        return _Pending(plan.fresh, writes, jobs, parts, plan.live, plan.state)

    def _finish(self, pending: _Pending, report: IngestReport) -> None:
        """Wait for ``pending``'s summaries (or make them here, without workers) and write the
        whole batch in one transaction: articles, stories, revisions and the clusterer's state."""
        parts = [
            p.result() if isinstance(p, Future) else _revision_parts(*p) for p in pending.parts
        ]
        with self.store.transaction():
            self.store.add_articles(pending.fresh)
            for story in pending.writes:
                self.store.put_story(story)
            for job, (brief, update, analysis) in zip(pending.jobs, parts, strict=True):
                self._write_revision(job, brief, update, analysis, pending.live, report)
            self.store.put_state(state_key(self.clusterer), pending.state)

    def _copies_of_moved(
        self,
        moved: dict[str, tuple[str, str]],
        movers: Sequence[Article],
        stored: Callable[[str], Story | None],
    ) -> list[tuple[Article, tuple[str, str]]]:
        """The stored near-copies of ``movers``, the articles the clusterer moved (``moved``
        says from where to where), which move with them: ``[(copy, (story it leaves, story it
        joins))]``.

        A copy never enters the clusterer (it follows its original), so the clusterer cannot move
        it; left behind, the story it stayed in would cite the text of an article that left. The
        copies of a story are its articles the clusterer does not hold; each goes with the moved
        article of its old story it copies (the deduper's threshold, the most similar first).
        ``stored`` reads a story through the batch's cache, so the rewrites after it do not read
        it again."""
        by_story: dict[str, list[Article]] = {}
        for article in sorted(movers, key=lambda a: a.id):
            by_story.setdefault(moved[article.id][0], []).append(article)
        out: list[tuple[Article, tuple[str, str]]] = []
        for story_id, leaving in by_story.items():
            story = stored(story_id)
            if story is None:
                continue
            held = self.clusterer.assigned_
            lane = self._lane.assigned_ if self._lane is not None else {}
            copies = [
                a for a in story.articles if a not in held and a not in lane and a not in moved
            ]
            if not copies:
                continue
            index = CopyIndex(self.deduper)
            for article in leaving:
                index.add(article)
            for article in self.store.get_articles(copies):
                hit = index.original_of(article)
                if hit is not None:
                    out.append((article, (story_id, moved[hit[0]][1])))
        return out

    def _copy_index(self) -> CopyIndex:
        """The index of recent articles, for copies across batches (see :meth:`_copyable`);
        built from the store on first use. It is derived state: a restarted tracker rebuilds
        the same index from the store and the clusterer's state."""
        if self._copies is None:
            self._copies = CopyIndex(self.deduper)
            ids = [a for a in sorted(self.clusterer.assigned_) if self._copyable(a)]
            for article in self.store.get_articles(ids):
                self._copies.add(article)
        return self._copies

    def _copyable(self, article_id: str) -> bool:
        """Whether a later copy of ``article_id`` is looked for: its story is live and had a
        report within ``copy_window`` of the newest time seen. Bounds the index (and the cost of
        rebuilding it when a tracker starts) by the recent stream, not the whole live window."""
        clusterer = self.clusterer
        story = clusterer.stories_.get(clusterer.assigned_.get(article_id, ""))
        if story is None:
            return False
        if self.copy_window is None or story.last is None or clusterer.now_ is None:
            return True
        return story.last >= clusterer.now_ - self.copy_window

    def _stored(self, story_id: str) -> Story | None:
        try:
            return self.store.get_story(story_id)
        except StoreError as exc:
            if exc.reason != "not-found":
                raise
            return None

    def _revision_jobs(
        self,
        todo: dict[str, tuple[list[Article], list[str], list[datetime]]],
        stored: Callable[[str], Story | None],
    ) -> list[_Job]:
        """What the new revision of every story in ``todo`` ({story: (new articles, inherited
        article ids, dates bounding the inherited stories)}) is made from, read from the store
        (``stored`` reads a story as this batch has rewritten it so far).

        Only the ``max_brief_articles`` known articles that joined last are read, so the work per
        story is bounded; the story's dates come from its stored span, not from re-reading it."""
        limit = self.max_brief_articles
        jobs = []
        for story_id, (new_articles, inherited, span) in todo.items():
            old = stored(story_id)
            known_ids = list(dict.fromkeys([*(old.articles if old else ()), *inherited]))
            known = self.store.get_articles(known_ids[-limit:]) if known_ids else []
            bounds = (old.opened, old.last_seen) if old else ()
            dates = [*span, *(d for d in bounds if d is not None)]
            dates += [d for a in (*known, *new_articles) if (d := a.published or a.crawled)]
            jobs.append(_Job(story_id, old, known_ids, known, new_articles, dates))
        return jobs

    def _write_revision(
        self,
        job: _Job,
        brief: Brief,
        update: tuple[BriefSentence, ...],
        analysis: Analysis | None,
        live: frozenset[str],
        report: IngestReport,
    ) -> None:
        """Write ``job``'s story and its new revision; ``live``: the stories open after the batch."""
        old = job.old
        revision = (old.revision if old else 0) + 1
        # A story can close in the call that changed it (a folder spanning months goes in as one
        # call): it is written closed, as the clusterer has let it go.
        closed = job.story not in live
        if closed and (old is None or not old.closed):
            report.stories_closed += 1
        story = Story(
            id=job.story,
            articles=tuple(dict.fromkeys([*job.known_ids, *(a.id for a in job.new)])),
            opened=min(job.dates) if job.dates else None,
            last_seen=max(job.dates) if job.dates else None,
            closed=closed,
            title=headline(brief),
            revision=revision,
        )
        self.store.put_story(story)
        self.store.add_revision(
            BriefRevision(
                story=job.story,
                revision=revision,
                brief=brief,
                update=update,
                articles=story.articles,
                made=self.clock(),
            )
        )
        if analysis is not None:
            self.store.put_analysis(job.story, analysis, revision)
        report.touched.append(job.story)
        if old is None:
            report.stories_opened += 1
            self._run_opened.add(job.story)
        else:
            report.stories_updated += 1

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> StoryTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_Parts = tuple[Brief, tuple[BriefSentence, ...], Analysis | None]


@dataclass(slots=True)
class _Plan:
    """A batch deduplicated and clustered, not yet written (see :meth:`StoryTracker._plan`)."""

    fresh: list[Article]  # the articles the store did not have
    story_of: dict[str, str]  # each fresh article's story
    moved: dict[str, tuple[str, str]]  # earlier articles moved: id -> (story before, after)
    absorbed: dict[str, list[str]]  # stories merged away, by the story that took them
    closed: list[str]  # stories closed by this batch
    live: frozenset[str]  # the stories open after it
    state: bytes  # the clusterer's state after it


@dataclass(slots=True)
class _Placed:
    """What the lane did with a batch's late articles (see ``StoryTracker._place_late``)."""

    story_of: dict[str, str]  # late articles, and readmitted ones that moved: their story now
    before: dict[str, str]  # readmitted articles that moved: their story before
    absorbed: dict[str, list[str]]  # story -> the known stories it absorbed
    closed: list[str]  # stories the lane closed
    copies: int  # late articles that follow an article brought back as its near-copy


@dataclass(slots=True)
class _Job:
    """What one story's new revision is made from."""

    story: str
    old: Story | None  # as stored (and rewritten by this batch), if it was
    known_ids: list[str]  # its articles before this batch, in joining order
    known: list[Article]  # the last ``max_brief_articles`` of them
    new: list[Article]  # the articles it gains
    dates: list[datetime]  # what bounds its span


@dataclass(slots=True)
class _Pending:
    """A batch whose summaries are being made: written by :meth:`StoryTracker._finish`."""

    fresh: list[Article]
    writes: list[Story]  # stories rewritten before the revisions, in order
    jobs: list[_Job]
    parts: list[Future[_Parts]] | list[tuple[Any, ...]]  # futures, or the arguments to run here
    live: frozenset[str]
    state: bytes


def _revision_parts(
    known: Sequence[Article],
    new: Sequence[Article],
    max_words: int,
    update_words: int,
    summarizer: ConceptSummarizer,
    deduper: Deduper,
    analyzer: Callable[[Sequence[Article]], Analysis] | None,
    limit: int | None = None,
) -> _Parts:
    """A story's new brief, update and analysis: pure, so it can run in a worker process.

    With a ``limit``, the brief and analysis read the last ``limit`` articles of ``known`` +
    ``new``, and the update the last ``limit`` new articles against the last ``limit`` known ones.
    """
    from .pipeline import brief_articles, update_summary

    everything = [*known, *new]
    if limit is not None:
        everything, new, known = everything[-limit:], new[-limit:], known[-limit:]
    brief = brief_articles(everything, max_words=max_words, summarizer=summarizer, deduper=deduper)
    update = (
        update_summary(new, known, max_words=update_words, summarizer=summarizer, deduper=deduper)
        if known and new
        else ()
    )
    return brief, update, analyzer(everything) if analyzer is not None else None


def story_entry(
    store: Store, story: Story, revisions: Sequence[BriefRevision] | None = None
) -> tuple[Story, Sequence[BriefRevision], Analysis | None, list[Article]]:
    """What :func:`~tidings.render.story_dict` needs of a stored story: its revisions (read
    unless given), its analysis, and the articles its latest brief did not read (a long story is
    briefed from its latest ``max_brief_articles``), so that every article is listed."""
    from .render import unbriefed

    if revisions is None:
        revisions = store.revisions(story.id)
    others = store.get_articles(unbriefed(story, revisions))
    return story, revisions, store.get_analysis(story.id), others


def analyze_story(articles: Sequence[Article]) -> Analysis:
    """The analysis of a story's articles (near-copies collapsed first, as for its brief)."""
    from .analyze import analyze
    from .pipeline import source_labels
    from .segment import segment

    groups = Deduper().groups(articles)
    copies = {c for g in groups for c in g.copies}
    independent = [a for a in articles if a.id not in copies]
    return analyze(
        independent,
        {a.id: segment(a) for a in independent},
        source_keys=source_labels(articles, groups),
    )


def _fit_into(
    clusterer: StoryClusterer,
    articles: Sequence[Article],
    story_of: dict[str, str],
    before: dict[str, str],
) -> None:
    """Cluster ``articles`` and record in ``story_of`` where every article the call placed or
    moved is now (a later mini-batch of the call may have moved it or merged its story), and in
    ``before`` the story a moved article of an earlier call was in: each call reports its own
    moves, and the first story is the one before the batch."""
    story_of.update((a.article, a.story) for a in clusterer.partial_fit(articles))
    for article_id, (first, last) in clusterer.moved_.items():
        before.setdefault(article_id, first)
        story_of[article_id] = last
    for article_id in story_of:
        story_of[article_id] = clusterer.assigned_.get(article_id, story_of[article_id])


def _absorbed_since(
    clusterer: StoryClusterer, merged_before: dict[str, str]
) -> dict[str, list[str]]:
    """The stories ``clusterer`` merged away since ``merged_before`` (its ``merged_`` then), by
    the story that absorbed them."""
    absorbed: dict[str, list[str]] = {}
    for old_id in clusterer.merged_:
        if old_id not in merged_before:
            absorbed.setdefault(clusterer.resolve(old_id), []).append(old_id)
    return absorbed


def published_order(articles: Iterable[Article]) -> list[Article]:
    """``articles`` by publication time, oldest first, ties by id; an undated article right
    after the dated article listed before it (first, in listed order, when none is)."""
    keyed: list[tuple[tuple[float, str, int], Article]] = []
    anchor = (-math.inf, "")
    for position, article in enumerate(articles):
        if article.published is not None:
            anchor = (article.published.timestamp(), article.id)
            keyed.append(((*anchor, -1), article))
        else:
            keyed.append(((*anchor, position), article))
    keyed.sort(key=lambda pair: pair[0])
    return [article for _, article in keyed]


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
