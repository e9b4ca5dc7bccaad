"""The tidings web application: JSON API, server-rendered pages, Atom and JSON feeds.

::

    from tidings.serve.app import create_app
    app = create_app("news.db", token=os.environ.get("TIDINGS_TOKEN"))   # any ASGI server

Routes: ``/`` (front page), ``/stories/{id}``, ``/articles/{id}?hl=start-end``, ``/search``,
``/feeds/...`` (Atom and JSON Feed), ``/api/...`` (JSON, documented at ``/docs``), ``/healthz``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError, StoreError, TidingsError, UsageError

try:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException
    from starlette.types import ASGIApp
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        f"the tidings server needs FastAPI, uvicorn, Jinja2 and python-multipart ({exc.name} is "
        "missing): pip install 'tidings[serve]'"
    ) from exc

from .. import __version__
from ..fetch import Fetcher, FetchPolicy
from .api import api_router
from .context import Context, make_templates
from .jobs import Ingester, JobRunner
from .pages import feed_router, page_router
from .security import BodyLimit, RateLimit, RateLimiter, SecurityHeaders
from .views import LRU
from .workers import StoreWorkers

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["create_app"]

log = logging.getLogger("tidings.serve")

STATIC = Path(__file__).parent / "static"
MAX_BODY = 10 * 1024 * 1024
#: 20 requests/s per client address, bursts of 200: a reader never meets it, a scraper does.
DEFAULT_RATE_LIMIT = RateLimit()


class _App(FastAPI):
    """FastAPI, with the security headers outside even the server-error handler, so that an
    internal error's 500 carries them like every other response."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def _default_tracker(store: Store) -> Ingester:
    from ..stories import StoryTracker

    return StoryTracker(store)


def _json_paths(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/feeds/")) or path in ("/healthz", "/openapi.json")


def create_app(
    store_target: str,
    *,
    token: str | None,
    fetch_policy: FetchPolicy | None = None,
    tracker: Callable[[Store], Ingester] | None = None,
    rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
    max_body: int = MAX_BODY,
    base_url: str | None = None,
    page_size: int = 20,
    store_threads: int = 4,
    site: str = "tidings",
    history_cache: int = 256,
    monotonic: Callable[[], float] | None = None,
) -> FastAPI:
    """Build the web application over the store at ``store_target``.

    Args:
        store_target: a SQLite file path or a ``postgresql://`` URL, as for
            :func:`tidings.store.open_store`. Not ``":memory:"``: each worker thread opens its
            own connection, and in-memory databases are private to one connection.
        token: the bearer token that ``POST /api/ingest`` requires; ``None`` (or empty)
            disables writes (they answer 403 saying so).
        fetch_policy: how ingest jobs fetch URLs. The default keeps the SSRF guard on
            (private and loopback addresses refused); tests allow ``127.0.0.1`` here.
        tracker: makes the story tracker an ingest job adds articles with, from the job
            worker's store (default :class:`tidings.stories.StoryTracker` with its defaults).
        rate_limit: requests allowed per client address (``None``: no limit).
        max_body: largest request body accepted, in bytes (larger: 413).
        base_url: the site's public root URL (for feed ids and absolute links) when a proxy
            serves it under another name than the requests show; default: from each request.
        page_size: stories per page on the front page.
        store_threads: threads (each with a store connection) serving reads.
        site: the site's name in page titles and feeds.
        history_cache: stories whose revisions are kept in memory (0: none).
        monotonic: the rate limiter's clock (injected by tests).

    Returns:
        The ASGI application. Its store connections close when the app shuts down (lifespan).

    Raises:
        UsageError: ``store_target`` is ``":memory:"`` or a parameter is out of range.
        StoreError: the store cannot be opened (checked once here, so a bad path fails at start).
    """
    from ..store import open_store

    if not isinstance(store_target, str) or not store_target:
        raise UsageError(
            f"the store_target parameter of create_app must be a path or URL, got {store_target!r}"
        )
    if store_target == ":memory:":
        raise UsageError(
            "the store_target parameter of create_app cannot be ':memory:': the server opens one "
            "connection per thread and an in-memory database is private to one; use a file"
        )
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100:
        raise UsageError(
            f"the page_size parameter of create_app must be an integer from 1 to 100, got {page_size!r}"
        )
    # Open once now: creates or upgrades the schema before any thread reads it, and fails fast.
    open_store(store_target).close()
    policy = fetch_policy or FetchPolicy()
    workers = StoreWorkers(lambda: open_store(store_target), threads=store_threads)
    jobs = JobRunner(
        opener=lambda: open_store(store_target),
        fetcher=lambda: Fetcher(policy),
        tracker=tracker or _default_tracker,
        loader=_load,
    )
    ctx = Context(
        workers=workers,
        jobs=jobs,
        templates=make_templates(site),
        token=token or None,
        base_url=base_url.rstrip("/") if base_url else None,
        page_size=page_size,
        summaries=LRU(20_000),
        entries=LRU(2_000),
        # A story's revisions hold its articles' text (~100 KB for a 30-article story): a few
        # hundred stories are tens of MB.
        history=LRU(history_cache),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers.start()
        try:
            yield
        finally:
            jobs.stop()
            workers.stop()

    app = _App(
        title=f"{site} API",
        version=__version__,
        description="Stories made of overlapping news reports, with cited briefs. "
        "Writes (POST /api/ingest) need `Authorization: Bearer <token>`.",
        docs_url=None,  # served by pages.py under our own Content-Security-Policy
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    # Added innermost first: the rate limiter sees a request before the body is read.
    app.add_middleware(BodyLimit, max_bytes=max_body)
    if rate_limit is not None:
        if monotonic is not None:
            app.add_middleware(RateLimiter, limit=rate_limit, monotonic=monotonic)
        else:
            app.add_middleware(RateLimiter, limit=rate_limit)

    app.include_router(api_router(ctx))
    app.include_router(feed_router(ctx))
    app.include_router(page_router(ctx))
    from importlib.resources import files

    # Swagger UI 5 (OpenAPI 3.1, which FastAPI emits) ships inside the swagger-ui-py package, so
    # /docs works with no network.
    swagger = str(files("swagger_ui") / "static")
    app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", tags=["health"], summary="Liveness and store check")
    async def healthz() -> JSONResponse:
        """``{"status": "ok"}`` when the store answers; 503 with the reason when it does not."""
        try:
            schema = await ctx.db(lambda store: (store.backend, store.schema_version()))
        except StoreError as exc:
            return JSONResponse({"status": "unavailable", "detail": exc.message}, status_code=503)
        return JSONResponse({"status": "ok", "backend": schema[0], "schema": schema[1]})

    def problem(request: Request, status: int, detail: str, headers: Any = None) -> Response:
        if _json_paths(request):
            return JSONResponse({"detail": detail}, status_code=status, headers=headers)
        page = ctx.render("error.html", status=status, detail=detail, query="")
        return HTMLResponse(page, status_code=status, headers=headers)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        if exc.reason == "not-found":
            return problem(request, 404, exc.message)
        if exc.reason == "busy":
            return problem(request, 503, "the store is busy; try again", {"Retry-After": "2"})
        log.error("store error on %s: %s", request.url.path, exc.message)
        return problem(request, 500, "the store failed to answer")

    @app.exception_handler(UsageError)
    async def usage_error(request: Request, exc: TidingsError) -> Response:
        return problem(request, 400, exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return problem(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _json_paths(request):
            return JSONResponse({"detail": _plain(exc.errors())}, status_code=422)
        return problem(request, 400, "; ".join(_describe(e) for e in exc.errors()))

    return app


def _plain(errors: Any) -> list[dict[str, Any]]:
    # Validation errors may hold the offending input or an exception; keep JSON-able fields.
    return [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in errors]


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
    return f"{where}: {error.get('msg', 'invalid')}"


def _load(inputs: list[str], *, fetcher: Fetcher) -> Any:
    from ..pipeline import load

    return load(inputs, fetcher=fetcher)
