"""What every route shares: the store workers, the job runner, the templates and the settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
from starlette.requests import Request

from .. import __version__
from ..errors import StoreError
from ..records import Article, BriefRevision, Story
from .feeds import Entry
from .jobs import JobRunner
from .views import LRU, ListItem, clip, list_item, story_view
from .workers import StoreWorkers

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["Context", "lookup_articles"]

T = TypeVar("T")

_Summary = tuple[tuple[str, ...], str | None, datetime | None]


def lookup_articles(store: Store) -> Callable[[Sequence[str]], list[Article]]:
    """Load articles by id, leaving out the ones that are not stored."""

    def lookup(ids: Sequence[str]) -> list[Article]:
        try:
            return store.get_articles(ids)
        except StoreError as exc:
            if exc.reason != "not-found":
                raise
        found = []
        for article_id in ids:
            try:
                found.append(store.get_article(article_id))
            except StoreError as exc:
                if exc.reason != "not-found":
                    raise
        return found

    return lookup


def _date(value: datetime | None, time: bool = True) -> str:
    if value is None:
        return "date unknown"
    return value.strftime("%-d %b %Y, %H:%M %Z" if time else "%-d %b %Y").strip()


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def make_templates(site: str) -> jinja2.Environment:
    """The Jinja environment: autoescape everywhere, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tidings.serve", "templates"),
        autoescape=True,  # every template is HTML; article text is escaped wherever it goes
        auto_reload=False,  # templates ship with the package; no stat() of the file per render
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date=_date, clip=clip, plural=_plural)
    env.globals.update(site=site, version=__version__)
    return env


@dataclass(slots=True)
class Context:
    """The server's shared parts (one per app).

    Attributes:
        workers: runs store work in threads that own connections.
        jobs: runs ingest jobs.
        templates: the page templates.
        token: the bearer token for writes (``None``: writes disabled).
        base_url: the public URL of the site, for feed ids and links (``None``: taken from
            each request, which is right unless a proxy rewrites the host).
        page_size: stories per page on the front page.
    """

    workers: StoreWorkers
    jobs: JobRunner
    templates: jinja2.Environment
    token: str | None
    base_url: str | None
    page_size: int
    summaries: LRU[tuple[str, int], _Summary]
    entries: LRU[tuple[str, int, str], Entry]
    history: LRU[tuple[str, int], tuple[BriefRevision, ...]]

    def revisions(self, store: Store, story: Story) -> tuple[BriefRevision, ...]:
        """Every revision of ``story``, oldest first.

        Cached by (story id, revision number): revisions are immutable and a story at revision
        ``n`` has exactly revisions 1..n, so a cached list is never stale. Reading them is the
        costly part of a story page (each holds a whole brief with its articles' text).
        """
        key = (story.id, story.revision)
        found = self.history.get(key)
        if found is None:
            found = tuple(store.revisions(story.id))
            self.history.put(key, found)
        return found

    def latest(self, store: Store, story: Story) -> BriefRevision | None:
        """The story's newest revision (from the cache when its history is there)."""
        found = self.history.get((story.id, story.revision))
        if found is not None:
            return found[-1] if found else None
        return store.latest_revision(story.id)

    async def db(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` on a worker's connection."""
        return await self.workers.run(fn)

    def render(self, name: str, **values: Any) -> str:
        return self.templates.get_template(name).render(**values)

    def base(self, request: Request) -> str:
        """The site's root URL without the trailing slash."""
        return (self.base_url or str(request.base_url)).rstrip("/")

    def items(self, store: Store, stories: Sequence[Story]) -> list[ListItem]:
        """List entries of ``stories``; a story's outlets and lead are cached per revision."""
        out = []
        for story in stories:
            key = (story.id, story.revision)
            summary = self.summaries.get(key)
            if summary is None:
                item = list_item(story, self.latest(store, story))
                self.summaries.put(key, (item.outlets, item.lead, item.made))
                out.append(item)
            else:
                out.append(ListItem(story, *summary))
        return out

    def entries_for(self, store: Store, stories: Sequence[Story], base: str) -> list[Entry]:
        """Feed entries of ``stories``, cached per story revision (revisions never change)."""
        from .feeds import EPOCH

        out = []
        for story in stories:
            key = (story.id, story.revision, base)
            entry = self.entries.get(key)
            if entry is None:
                latest = self.latest(store, story)
                view = story_view(story, [latest] if latest else [], None, lookup_articles(store))
                url = f"{base}/stories/{story.id}"
                entry = Entry(
                    id=url,
                    url=url,
                    title=view.title,
                    html=self.render("feed_entry.html", view=view, base=base),
                    summary=view.sentences[0].text if view.sentences else None,
                    updated=(latest.made if latest else None) or story.last_seen or EPOCH,
                    published=story.opened,
                    tags=view.outlets,
                )
                self.entries.put(key, entry)
            out.append(entry)
        return out
