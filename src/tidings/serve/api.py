"""The JSON API: ``/api/stories``, ``/api/stories/{id}``, ``/api/articles/{id}``, ``/api/search``,
``POST /api/ingest`` and ``/api/jobs/{id}``.

Story and article bodies are the documented schemas ``tidings.story/1`` and the article form of
:func:`tidings.render.article_dict`, so the CLI's ``show --format json`` and the API agree.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from ..render import article_dict, story_dict
from ..sources import file_ending, is_url, known_types
from .context import Context
from .security import check_token
from .views import ListItem

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["api_router"]

MAX_URLS = 1000
MAX_FILES = 50
MAX_QUERY = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _aware(value: datetime | None) -> datetime | None:
    # A date or time without a zone is read as UTC (documented on the parameters).
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def item_dict(item: ListItem, base: str) -> dict[str, Any]:
    """The JSON of a story in a list."""
    story = item.story
    return {
        "id": story.id,
        "title": story.title,
        "url": f"{base}/stories/{quote(story.id, safe='')}",
        "api": f"{base}/api/stories/{quote(story.id, safe='')}",
        "opened": _iso(story.opened),
        "last_seen": _iso(story.last_seen),
        "updated": _iso(item.made),
        "closed": story.closed,
        "revision": story.revision,
        "size": len(story.articles),
        "outlets": list(item.outlets),
        "lead": item.lead,
    }


def _ingest_body_doc() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["urls"],
                        "properties": {
                            "urls": {
                                "type": "array",
                                "items": {"type": "string", "format": "uri"},
                                "maxItems": MAX_URLS,
                                "description": "http(s) URLs of article pages or RSS/Atom feeds",
                            }
                        },
                    }
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "description": "files to read: " + known_types(),
                            },
                            "urls": {
                                "type": "string",
                                "description": "URLs, one per line (the field may repeat)",
                            },
                        },
                    }
                },
            },
        }
    }


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def api_router(ctx: Context) -> APIRouter:
    """The API routes, sharing ``ctx``."""
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/stories", summary="List stories")
    async def list_stories(
        request: Request,
        since: Annotated[
            datetime | None,
            Query(description="stories last seen at or after this time (ISO 8601; no zone = UTC)"),
        ] = None,
        until: Annotated[
            datetime | None,
            Query(description="stories opened before this time (ISO 8601; no zone = UTC)"),
        ] = None,
        outlet: Annotated[
            str | None, Query(max_length=200, description="with an article from this outlet")
        ] = None,
        entity: Annotated[
            str | None,
            Query(max_length=200, description="naming this person, organisation or place"),
        ] = None,
        q: Annotated[
            str | None,
            Query(
                max_length=MAX_QUERY,
                description='full-text query on titles and briefs: words, "a phrase", or, -word',
            ),
        ] = None,
        closed: Annotated[
            bool | None, Query(description="only closed or only open stories")
        ] = None,
        order: Annotated[Literal["newest", "biggest"], Query()] = "newest",
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> JSONResponse:
        """Stories matching every filter given, a page at a time, with the total and page links."""
        filters: dict[str, Any] = {
            "since": _aware(since),
            "until": _aware(until),
            "outlet": outlet or None,
            "entity": entity or None,
            "query": q or None,
            "closed": closed,
        }
        base = ctx.base(request)

        def work(store: Store) -> dict[str, Any]:
            total = store.count_stories(**filters)
            stories = store.stories(**filters, order=order, limit=limit, offset=offset)
            return {
                "total": total,
                "limit": limit,
                "offset": offset,
                "stories": [item_dict(i, base) for i in ctx.items(store, stories)],
            }

        body = await ctx.db(work)

        def page(at: int) -> str:
            return str(request.url.include_query_params(offset=at, limit=limit))

        body["links"] = {
            "self": str(request.url),
            "next": page(offset + limit) if offset + limit < body["total"] else None,
            "prev": page(max(0, offset - limit)) if offset > 0 else None,
        }
        headers = (
            {"Link": f'<{body["links"]["next"]}>; rel="next"'} if body["links"]["next"] else None
        )
        return JSONResponse(body, headers=headers)

    @router.get("/stories/{story_id}", summary="One story")
    async def get_story(request: Request, story_id: str) -> JSONResponse:
        """The story (schema ``tidings.story/1``): its latest brief with citations, every
        revision's update, its articles and sources, and its analysis (quotes, entities,
        timeline, disagreements) when one was made."""

        def work(store: Store) -> dict[str, Any]:
            from ..stories import story_entry  # the tracker's module: numpy and scipy, once

            story = store.get_story(story_id)
            return story_dict(*story_entry(store, story, ctx.revisions(store, story)))

        body = await ctx.db(work)
        body["url"] = f"{ctx.base(request)}/stories/{quote(story_id, safe='')}"
        return JSONResponse(body)

    @router.get("/articles/{article_id}", summary="One article")
    async def get_article(request: Request, article_id: str) -> JSONResponse:
        """The article with its full text (the string every citation's offsets point into)."""

        def work(store: Store) -> dict[str, Any]:
            out = article_dict(store.get_article(article_id))
            out["story"] = store.story_of(article_id)
            return out

        body = await ctx.db(work)
        body["page"] = f"{ctx.base(request)}/articles/{quote(article_id, safe='')}"
        return JSONResponse(body)

    @router.get("/search", summary="Full-text search")
    async def search(
        request: Request,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
        kind: Annotated[Literal["article", "story"] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> JSONResponse:
        """Articles and stories matching ``q`` (words, "a phrase", or, -word), best first.
        Snippets mark matched words with ``**``."""
        base = ctx.base(request)
        hits = await ctx.db(lambda store: store.search(q, limit=limit, kind=kind))
        return JSONResponse(
            {
                "query": q,
                "hits": [
                    {
                        "kind": h.kind,
                        "id": h.id,
                        "title": h.title,
                        "snippet": h.snippet,
                        "score": h.score,
                        "url": f"{base}/{h.kind}s/{quote(h.id, safe='')}",
                        "api": f"{base}/api/{h.kind}s/{quote(h.id, safe='')}",
                    }
                    for h in hits
                ],
            }
        )

    @router.post(
        "/ingest",
        status_code=202,
        summary="Ingest URLs, feeds or files (needs the token)",
        openapi_extra=_ingest_body_doc(),
        responses={
            401: {"description": "no bearer token"},
            403: {"description": "wrong token, or writes disabled (no token configured)"},
            413: {"description": "body over the size limit"},
            415: {"description": "neither JSON nor multipart"},
            422: {"description": "bad inputs"},
        },
    )
    async def ingest(request: Request) -> JSONResponse:
        """Queue an ingest job; follow it at ``/api/jobs/{id}``.

        Send ``Authorization: Bearer <token>`` and either JSON ``{"urls": [...]}`` (article
        pages or RSS/Atom feeds) or ``multipart/form-data`` with ``files`` (and optionally
        ``urls``). URLs are fetched politely with the SSRF guard on: private and loopback
        addresses are refused."""
        problem = check_token(ctx.token, request.headers.get("authorization"))
        if problem is not None:
            headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
            return _error(problem.status, problem.detail, headers)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        urls: list[str] = []
        folder: Path | None = None
        labels: dict[str, str] = {}
        paths: list[str] = []
        if kind == "application/json":
            try:
                data = json.loads(await request.body())
            except (ValueError, UnicodeDecodeError):
                return _error(400, "the body is not valid JSON")
            if not isinstance(data, dict) or not isinstance(data.get("urls"), list):
                return _error(422, 'expected a JSON object {"urls": ["https://...", ...]}')
            raw = data["urls"]
        elif kind == "multipart/form-data":
            form = await request.form(max_files=MAX_FILES, max_fields=MAX_URLS + MAX_FILES)
            raw = []
            for value in form.getlist("urls"):
                if isinstance(value, str):
                    raw += [line.strip() for line in value.splitlines() if line.strip()]
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            for upload in uploads:
                name = upload.filename or "upload"
                ext = file_ending(name)
                if ext is None:
                    await form.close()
                    if folder:
                        shutil.rmtree(folder, ignore_errors=True)
                    return _error(
                        422,
                        f"cannot read the uploaded file {name!r}: its name must end with one of "
                        f"{known_types()}",
                    )
                if folder is None:
                    folder = Path(tempfile.mkdtemp(prefix="tidings-upload-"))
                stem = _SAFE_NAME.sub("_", name[: -len(ext)])[:80] or "upload"
                path = folder / f"{len(paths):03d}-{stem}{ext}"
                with path.open("wb") as out:
                    shutil.copyfileobj(upload.file, out)
                paths.append(str(path))
                labels[str(path)] = f"upload:{name}"
            await form.close()
        else:
            return _error(
                415,
                f"send application/json or multipart/form-data, got {kind or 'no content type'!r}",
            )
        bad = [u for u in raw if not isinstance(u, str) or not is_url(u)]
        if bad:
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
            return _error(
                422,
                f"every entry of urls must be an http:// or https:// URL; got {bad[0]!r}"
                + (f" and {len(bad) - 1} more" if len(bad) > 1 else ""),
            )
        urls = [u.strip() for u in raw]
        if len(urls) > MAX_URLS:
            return _error(422, f"at most {MAX_URLS} URLs per request, got {len(urls)}")
        if not urls and not paths:
            return _error(422, "nothing to ingest: give urls, files or both")
        job = ctx.jobs.submit([*urls, *paths], labels=labels, cleanup=folder)
        where = f"{ctx.base(request)}/api/jobs/{job.id}"
        return JSONResponse(
            {"job": job.id, "status": job.status, "url": where},
            status_code=202,
            headers={"Location": where},
        )

    @router.get(
        "/jobs/{job_id}",
        summary="Progress of an ingest job (needs the token)",
        responses={401: {"description": "no bearer token"}, 404: {"description": "no such job"}},
    )
    async def job(request: Request, job_id: str) -> JSONResponse:
        """Status (queued, running, done, failed), counts so far, rejected inputs, error."""
        problem = check_token(ctx.token, request.headers.get("authorization"))
        if problem is not None:
            headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
            return _error(problem.status, problem.detail, headers)
        snapshot = ctx.jobs.snapshot(job_id)
        if snapshot is None:
            return _error(404, f"no job {job_id!r} (finished jobs are kept for a while only)")
        return JSONResponse(snapshot)

    return router
