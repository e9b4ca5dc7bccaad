"""The tidings web server: a JSON API, a news site and feeds over a store.

::

    from tidings.serve import run
    run("news.db", port=8000, token=os.environ.get("TIDINGS_TOKEN"))

or, with any ASGI server, ``tidings.serve.app.create_app(store_target, token=...)``. Needs the
``serve`` extra (``pip install 'tidings[serve]'``: FastAPI, uvicorn, Jinja2, python-multipart);
importing this package does not import them.

Safe defaults: it listens on 127.0.0.1 only; writes need the token and are off without one;
fetching URLs keeps the SSRF guard on; pages carry a strict Content-Security-Policy; request
bodies are capped at 10 MB and each client address is rate-limited.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from ..errors import MissingDependencyError

__all__ = ["run"]

log = logging.getLogger("tidings.serve")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(
    db: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    *,
    trusted_proxies: str | None = None,
    log_level: str = "info",
    **options: Any,
) -> None:
    """Serve the store ``db`` over HTTP until interrupted.

    Args:
        db: a SQLite file path or a ``postgresql://`` URL.
        host: the address to listen on; 127.0.0.1 unless told otherwise (use ``0.0.0.0`` to
            serve other machines, ideally behind a TLS-terminating proxy).
        port: the TCP port.
        token: the bearer token for ``POST /api/ingest``; ``None`` disables writes.
        trusted_proxies: addresses of reverse proxies whose ``X-Forwarded-For`` is believed
            (comma-separated; ``None``: no proxy headers are believed, so a client cannot pick
            the address it is rate-limited under).
        log_level: uvicorn's log level.
        options: passed on to :func:`tidings.serve.app.create_app` (``rate_limit``,
            ``base_url``, ``fetch_policy``, ...).

    Raises:
        MissingDependencyError: the ``serve`` extra is not installed.
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise MissingDependencyError(
            "tidings serve needs uvicorn: pip install 'tidings[serve]'"
        ) from exc
    from .app import create_app

    app = create_app(db, token=token, **options)
    if not _is_loopback(host):
        log.warning(
            "listening on %s: the server is reachable from other machines%s",
            host,
            "" if token else " (writes are disabled: no token)",
        )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=trusted_proxies is not None,
        forwarded_allow_ips=trusted_proxies,
        server_header=False,
    )
