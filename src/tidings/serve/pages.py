"""The web pages (``/``, ``/stories/{id}``, ``/articles/{id}``, ``/search``) and the feeds.

Pages are rendered on the server from Jinja templates; the only script is ``/static/app.js``,
which scrolls a highlighted span into view (and highlights a ``#start-end`` fragment).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from ..store.base import HIGHLIGHT
from .context import Context, lookup_articles
from .feeds import ATOM_TYPE, JSON_FEED_TYPE, Entry, FeedMeta, atom, json_feed
from .views import article_view, parse_span, story_view

if TYPE_CHECKING:
    from ..records import Story
    from ..store import Store

__all__ = ["feed_router", "page_router"]

FEED_SIZE = 50
MAX_QUERY = 500
_ORDERS = ("newest", "biggest")


def _marked(snippet: str) -> Markup:
    """A search snippet as HTML: escaped, with the store's match marks turned into ``<mark>``."""
    left, right = (re.escape(m) for m in HIGHLIGHT)
    parts = re.split(f"{left}(.*?){right}", snippet)
    out = Markup("")
    for i, part in enumerate(parts):
        out += Markup("<mark>{}</mark>").format(part) if i % 2 else escape(part)
    return out


def page_router(ctx: Context) -> APIRouter:
    """The HTML pages."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def front(
        order: str = "newest",
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
        entity: Annotated[str | None, Query(max_length=200)] = None,
        outlet: Annotated[str | None, Query(max_length=200)] = None,
    ) -> HTMLResponse:
        chosen: Literal["newest", "biggest"] = "biggest" if order == "biggest" else "newest"
        filters: dict[str, Any] = {
            "query": q or None,
            "entity": entity or None,
            "outlet": outlet or None,
        }
        size = ctx.page_size

        def work(store: Store) -> str:
            total = store.count_stories(**filters)
            stories = store.stories(**filters, order=chosen, limit=size, offset=(page - 1) * size)
            pages = max(1, math.ceil(total / size))
            if q:
                heading = f"Stories matching “{q}”"
            elif entity:
                heading = f"Stories about {entity}"
            elif outlet:
                heading = f"Stories reported by {outlet}"
            else:
                heading = "Biggest stories" if chosen == "biggest" else "Latest stories"
            keep = {k: v for k, v in (("q", q), ("entity", entity), ("outlet", outlet)) if v}
            return ctx.render(
                "index.html",
                items=ctx.items(store, stories),
                heading=heading,
                total=total,
                page=page,
                pages=pages,
                order=chosen,
                filters=keep,
                query=q or "",
                feed=_feed_for(entity, q),
            )

        return HTMLResponse(await ctx.db(work))

    @router.get("/stories/{story_id}", response_class=HTMLResponse)
    async def story(request: Request, story_id: str) -> HTMLResponse:
        base = ctx.base(request)

        def work(store: Store) -> str:
            story = store.get_story(story_id)
            view = story_view(
                story,
                ctx.revisions(store, story),
                store.get_analysis(story.id),
                lookup_articles(store),
            )
            return ctx.render(
                "story.html", view=view, base=base, query="", ld=_story_ld(view, base)
            )

        return HTMLResponse(await ctx.db(work))

    @router.get("/articles/{article_id}", response_class=HTMLResponse)
    async def article(
        request: Request,
        article_id: str,
        hl: Annotated[str | None, Query(max_length=40, description="start-end")] = None,
    ) -> HTMLResponse:
        base = ctx.base(request)

        def work(store: Store) -> str:
            found = store.get_article(article_id)
            view = article_view(found, parse_span(hl, len(found.text)), store.story_of(found.id))
            ld = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": found.title,
                "datePublished": found.published.isoformat() if found.published else None,
                "author": [{"@type": "Person", "name": a} for a in found.authors],
                "publisher": {"@type": "Organization", "name": found.outlet}
                if found.outlet
                else None,
                "url": f"{base}/articles/{found.id}",
            }
            return ctx.render("article.html", view=view, query="", ld=ld)

        return HTMLResponse(await ctx.db(work))

    @router.get("/search", response_class=HTMLResponse)
    async def search(
        q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    ) -> HTMLResponse:
        def work(store: Store) -> str:
            stories = store.search(q, kind="story", limit=10) if q.strip() else []
            articles = store.search(q, kind="article", limit=30) if q.strip() else []
            return ctx.render(
                "search.html",
                query=q,
                stories=[(h, _marked(h.snippet)) for h in stories],
                articles=[(h, _marked(h.snippet)) for h in articles],
                feed=_feed_for(None, q) if q.strip() else None,
            )

        return HTMLResponse(await ctx.db(work))

    @router.get("/docs", response_class=HTMLResponse)
    async def docs() -> HTMLResponse:
        return HTMLResponse(ctx.render("docs.html"))

    return router


def _feed_for(entity: str | None, q: str | None) -> dict[str, str]:
    from urllib.parse import quote, urlencode

    if entity:
        name = quote(entity, safe="")
        return {"atom": f"/feeds/entity/{name}.atom", "json": f"/feeds/entity/{name}.json"}
    if q:
        query = urlencode({"q": q})
        return {"atom": f"/feeds/search.atom?{query}", "json": f"/feeds/search.json?{query}"}
    return {"atom": "/feeds/stories.atom", "json": "/feeds/stories.json"}


def _story_ld(view: Any, base: str) -> dict[str, Any]:
    story = view.story
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": view.title,
        "datePublished": story.opened.isoformat() if story.opened else None,
        "dateModified": view.made.isoformat() if view.made else None,
        "url": f"{base}/stories/{story.id}",
        "abstract": " ".join(s.text for s in view.sentences),
        "citation": [s.url for s in view.sources if s.url],
    }


def feed_router(ctx: Context) -> APIRouter:
    """Atom and JSON feeds: all stories, one entity's, one search's."""
    router = APIRouter(prefix="/feeds", tags=["feeds"])

    async def respond(
        request: Request, fmt: str, meta_title: str, description: str, home: str, **filters: Any
    ) -> Response:
        base = ctx.base(request)
        # The feed's own URL keeps its query (a search feed is identified by it).
        feed_url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")

        def work(store: Store) -> list[Entry]:
            stories: Sequence[Story] = store.stories(**filters, order="newest", limit=FEED_SIZE)
            return ctx.entries_for(store, stories, base)

        entries = await ctx.db(work)
        meta = FeedMeta(
            title=meta_title, feed_url=feed_url, home_url=base + home, description=description
        )
        body = atom(meta, entries) if fmt == "atom" else json_feed(meta, entries)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
        if etag in (request.headers.get("if-none-match") or ""):
            return Response(status_code=304, headers=headers)
        media = ATOM_TYPE if fmt == "atom" else JSON_FEED_TYPE
        return Response(body, media_type=media, headers=headers)

    site = ctx.templates.globals["site"]

    @router.get("/stories.atom", summary="Atom feed of the latest stories")
    async def stories_atom(request: Request) -> Response:
        return await respond(
            request, "atom", f"{site}: latest stories", "Stories, as they develop", "/"
        )

    @router.get("/stories.json", summary="JSON Feed of the latest stories")
    async def stories_json(request: Request) -> Response:
        return await respond(
            request, "json", f"{site}: latest stories", "Stories, as they develop", "/"
        )

    async def entity(request: Request, name: str, fmt: str) -> Response:
        from urllib.parse import quote

        return await respond(
            request,
            fmt,
            f"{site}: stories about {name}",
            f"Stories naming {name}",
            f"/?entity={quote(name, safe='')}",
            entity=name,
        )

    @router.get("/entity/{name}.atom", summary="Atom feed of the stories naming an entity")
    async def entity_atom(request: Request, name: str) -> Response:
        return await entity(request, name, "atom")

    @router.get("/entity/{name}.json", summary="JSON Feed of the stories naming an entity")
    async def entity_json(request: Request, name: str) -> Response:
        return await entity(request, name, "json")

    async def searched(request: Request, q: str, fmt: str) -> Response:
        from urllib.parse import urlencode

        return await respond(
            request,
            fmt,
            f"{site}: stories matching {q}",
            f"Stories whose headline or brief match {q}",
            f"/?{urlencode({'q': q})}",
            query=q,
        )

    @router.get("/search.atom", summary="Atom feed of the stories matching a search")
    async def search_atom(
        request: Request, q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)]
    ) -> Response:
        return await searched(request, q, "atom")

    @router.get("/search.json", summary="JSON Feed of the stories matching a search")
    async def search_json(
        request: Request, q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)]
    ) -> Response:
        return await searched(request, q, "json")

    return router
