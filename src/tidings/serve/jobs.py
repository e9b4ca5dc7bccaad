"""Background ingest jobs: inputs are read, fetched and added to the stories off the request path.

``POST /api/ingest`` only queues a :class:`Job`; one worker thread runs the jobs in order, with its
own store connection (a store is one connection, used by one thread), and ``GET /api/jobs/{id}``
reads the job's progress. One writer at a time is also what SQLite wants: concurrent ingests
would only queue on its write lock.

A job moves ``queued`` -> ``running`` -> ``done`` or ``failed``. Inputs that could not be used
are listed as rejections, and do not fail the job; a job fails only when the ingest itself
raised (the error is kept in ``error``).
"""

from __future__ import annotations

import logging
import queue
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..errors import TidingsError
from ..records import Article, Rejection
from ..stories import IngestReport, Progress

if TYPE_CHECKING:
    from ..fetch import Fetcher
    from ..store import Store

__all__ = ["Ingester", "Job", "JobRunner"]

log = logging.getLogger("tidings.serve")

Status = Literal["queued", "running", "done", "failed"]

COUNTS = (
    "read",
    "new",
    "skipped",
    "copies",
    "moved",
    "rejected",
    "stories_opened",
    "stories_updated",
    "stories_closed",
    "late",
    "reopened",
)


class Ingester(Protocol):
    """What a job needs from a story tracker (:class:`tidings.stories.StoryTracker` is one)."""

    def ingest(
        self,
        articles: Iterable[Article],
        *,
        rejected: Sequence[Rejection] = (),
        run: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport: ...


@dataclass(slots=True)
class Job:
    """One ingest request and how far it got. Read it through :meth:`JobRunner.snapshot`.

    Attributes:
        id: random, unguessable id.
        inputs: the URLs and uploaded file paths to read.
        labels: display names of inputs (an uploaded file's temporary path -> its original name).
        status: ``queued``, ``running``, ``done`` or ``failed``.
        stage: what a running job is doing: ``reading`` (fetching and extracting) or ``clustering``.
        counts: the :class:`~tidings.stories.IngestReport` counts so far.
        stories: ids of the stories that gained articles.
        rejections: inputs that could not be used, and why.
        error: why the job failed, when it did.
    """

    id: str
    inputs: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    cleanup: Path | None = None
    status: Status = "queued"
    stage: str | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: datetime | None = None
    finished: datetime | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    stories: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form served at ``/api/jobs/{id}``."""
        return {
            "id": self.id,
            "status": self.status,
            "stage": self.stage,
            "inputs": [self.labels.get(i, i) for i in self.inputs],
            "created": _iso(self.created),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "counts": dict(self.counts),
            "stories": list(self.stories),
            "rejections": [
                {
                    "input": self.labels.get(r.input, r.input),
                    "stage": r.stage,
                    "reason": r.reason,
                    "detail": _relabel(r.detail, self.labels),
                }
                for r in self.rejections
            ],
            "error": self.error,
        }


def _relabel(text: str, labels: Mapping[str, str]) -> str:
    # Rejection details name the temporary upload path; the client knows its own file name.
    for path, name in labels.items():
        text = text.replace(path, name)
    return text


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class _JobProgress(Progress):
    """Copies the tracker's running counts into the job instead of writing to a terminal."""

    def __init__(self, job: Job, lock: threading.Lock) -> None:
        super().__init__(enabled=False)
        self.job = job
        self.lock = lock

    def update(self, report: IngestReport, open_stories: int, *, final: bool = False) -> None:
        with self.lock:
            for name in COUNTS:
                if name != "rejected":
                    self.job.counts[name] = getattr(report, name)
            self.job.stories = list(dict.fromkeys(report.touched))


class JobRunner:
    """Runs ingest jobs one at a time in a worker thread with its own store connection.

    Args:
        opener: opens the worker's store connection.
        fetcher: makes the fetcher for a job's URLs (keep the SSRF guard on in production).
        tracker: makes the story tracker for a job from the worker's store.
        loader: reads inputs into articles (``tidings.load``), called as
            ``loader(inputs, fetcher=...)``.
        keep: finished jobs remembered for ``/api/jobs/{id}`` (the oldest are forgotten first).
    """

    def __init__(
        self,
        *,
        opener: Callable[[], Store],
        fetcher: Callable[[], Fetcher],
        tracker: Callable[[Store], Ingester],
        loader: Callable[..., tuple[list[Article], list[Rejection]]],
        keep: int = 500,
    ) -> None:
        self.opener = opener
        self.fetcher = fetcher
        self.tracker = tracker
        self.loader = loader
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(
        self,
        inputs: Sequence[str],
        *,
        labels: Mapping[str, str] | None = None,
        cleanup: Path | None = None,
    ) -> Job:
        """Queue a job for ``inputs``; ``cleanup`` is a folder removed when the job ends."""
        job = Job(
            id=secrets.token_hex(16),
            inputs=tuple(inputs),
            labels=dict(labels or {}),
            cleanup=cleanup,
        )
        with self._lock:
            if self._stopped:
                raise TidingsError(
                    "the server is shutting down; ingest again later", reason="closed"
                )
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].status in ("queued", "running"):
                    break
                del self._jobs[oldest]
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="tidings-ingest", daemon=True
                )
                self._thread.start()
        self._queue.put(job)
        return job

    def snapshot(self, job_id: str) -> dict[str, Any] | None:
        """The JSON form of job ``job_id``, or ``None`` when there is no such job."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_dict() if job else None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job in progress; queued jobs are dropped (their uploads removed)."""
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    def _work(self) -> None:
        store: Store | None = None
        try:
            while (job := self._queue.get()) is not None:
                if self._stopped:
                    self._finish(job, "failed", "the server stopped before the job could run")
                    continue
                try:
                    if store is None:
                        store = self.opener()
                    self._run(job, store)
                    self._finish(job, "done", None)
                except TidingsError as exc:
                    self._finish(job, "failed", exc.message)
                except Exception as exc:
                    log.exception("ingest job %s failed", job.id)
                    self._finish(job, "failed", f"internal error: {type(exc).__name__}: {exc}")
        finally:
            if store is not None:
                store.close()

    def _run(self, job: Job, store: Store) -> None:
        with self._lock:
            job.status, job.stage, job.started = "running", "reading", datetime.now(UTC)
        with self.fetcher() as fetcher:
            articles, rejected = self.loader(list(job.inputs), fetcher=fetcher)
        with self._lock:
            job.stage = "clustering"
            job.rejections = list(rejected)
            job.counts["rejected"] = len(rejected)
        tracker = self.tracker(store)
        report = tracker.ingest(
            articles, rejected=rejected, run=f"job:{job.id}", progress=_JobProgress(job, self._lock)
        )
        with self._lock:
            for name in COUNTS:
                if name != "rejected":
                    job.counts[name] = getattr(report, name)
            job.stories = list(dict.fromkeys(report.touched))

    def _finish(self, job: Job, status: Status, error: str | None) -> None:
        with self._lock:
            job.status, job.stage, job.error = status, None, error
            job.finished = datetime.now(UTC)
        if job.cleanup is not None:
            shutil.rmtree(job.cleanup, ignore_errors=True)
