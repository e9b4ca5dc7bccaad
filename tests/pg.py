"""A throwaway PostgreSQL server for the store tests, and a fresh database per test.

Import the fixtures into a test module (``from pg import pg_server, pg_url``). The first test
that needs PostgreSQL starts one server for the whole session, in a temporary directory, on
127.0.0.1 with a free port and a private Unix socket directory; it is stopped and its files
removed when the session ends (also after failures, and at interpreter exit as a last resort).

Finding the server: ``pg_ctl`` on PATH, else ``/usr/lib/postgresql/*/bin`` (newest first). When
none is found, the tests are running as root, ``apt-get`` exists and ``TIDINGS_NO_APT`` is not
set, the Debian package ``postgresql`` is installed once (the only network access of the tests).
Whenever the server cannot be had, the tests that need it are skipped with the exact reason.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` OS user
(``runuser -u postgres --``, else ``su postgres``), in a directory that user owns.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from apt import apt_install

__all__ = ["PgServer", "pg_server", "pg_url"]

BIN_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin")
SUPERUSER = "postgres"
# Durability is pointless for a server that lives as long as a test session; these make
# CREATE DATABASE and commits several times faster.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@dataclass
class PgServer:
    """A running PostgreSQL server owned by the test session."""

    bindir: Path
    root: Path
    port: int
    run_as: str | None
    _names: Iterator[int] = field(default_factory=itertools.count)
    _admin_conn: Any = None

    def url(self, dbname: str) -> str:
        """The libpq URL of database ``dbname`` on this server (trust authentication)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _admin(self) -> Any:
        # One connection for the session: opening one per test would cost more than the
        # CREATE DATABASE itself.
        if self._admin_conn is None or self._admin_conn.closed:
            import psycopg

            self._admin_conn = psycopg.connect(self.url("postgres"), autocommit=True)
        return self._admin_conn

    def create_database(self) -> tuple[str, str]:
        """Create an empty database; return its name and URL."""
        name = f"tidings_test_{os.getpid()}_{next(self._names)}"
        self._admin().execute(f'CREATE DATABASE "{name}"')
        return name, self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connection a failed test left open."""
        self._admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server and delete its files."""
        if self._admin_conn is not None:
            self._admin_conn.close()
        try:
            _run(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                self.run_as,
                self.root,
                timeout=60,
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def find_bindir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, if PostgreSQL is installed."""
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for pattern in BIN_GLOBS:
        root, _, rest = pattern.partition("*")
        parent = Path(root)
        if rest and parent.is_dir():
            versions = sorted(parent.iterdir(), key=lambda p: _version_key(p.name), reverse=True)
            candidates += [v / rest.lstrip("/") for v in versions]
        elif not rest:
            candidates.append(Path(pattern))
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def install_postgres() -> str | None:
    """Install the Debian package ``postgresql``; return why it could not be, or ``None``."""
    return apt_install("PostgreSQL", ["postgresql"], timeout=600)


def _run(
    cmd: list[str], run_as: str | None, cwd: Path, *, timeout: float
) -> subprocess.CompletedProcess[str]:
    if run_as is not None:
        if shutil.which("runuser"):
            cmd = ["runuser", "-u", run_as, "--", *cmd]
        else:
            cmd = ["su", run_as, "-s", "/bin/sh", "-c", shlex.join(cmd)]
    # cwd: the postgres user may not be allowed into the directory pytest runs from.
    return subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server() -> PgServer:
    """Start a private server, or raise RuntimeError saying why it cannot be started."""
    try:
        import psycopg  # noqa: F401  (the tests talk to the server through it)
    except ImportError:
        raise RuntimeError("psycopg is not installed: pip install 'tidings[postgres]'") from None
    bindir = find_bindir()
    if bindir is None:
        reason = install_postgres()
        if reason:
            raise RuntimeError(reason)
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(
                "apt-get installed postgresql, but no initdb/pg_ctl was found in "
                + ", ".join(BIN_GLOBS)
            )
    run_as = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise RuntimeError(
                f"running as root, and there is no {SUPERUSER!r} OS user to run PostgreSQL as "
                "(it refuses to run as root)"
            ) from None
        run_as = SUPERUSER
    # Not under pytest's tmp_path: its directories are private to root (0700), where the
    # postgres user could not reach its own data directory.
    root = Path(tempfile.mkdtemp(prefix="tidings-pg-"))
    try:
        (root / "sock").mkdir()
        if run_as is not None:
            for path in (root, root / "sock"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        init = _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            run_as,
            root,
            timeout=120,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        log = ""
        for _ in range(3):  # the free port may be taken between our probe and the server's bind
            port = _free_port()
            options = f"-p {port} -k {root / 'sock'} -c listen_addresses=127.0.0.1 " + " ".join(
                f"-c {s}" for s in FAST_SETTINGS
            )
            started = _run(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(root / "data"),
                    "-l",
                    str(root / "log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
                run_as,
                root,
                timeout=90,
            )
            if started.returncode == 0:
                return PgServer(bindir=bindir, root=root, port=port, run_as=run_as)
            log = (
                (root / "log").read_text(errors="replace")
                if (root / "log").exists()
                else started.stderr
            )
            if "could not bind" not in log and "already in use" not in log:
                break
        raise RuntimeError(f"pg_ctl start failed: {' | '.join(log.strip().splitlines()[-5:])}")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


class _Shared:
    """The one server of the session, shared by every module that imports the fixtures.

    Each importing module gets its own copy of the session fixture, so the server is counted
    by its users and stopped when the last one lets go.
    """

    server: PgServer | None = None
    failure: str | None = None
    users = 0


def _acquire() -> PgServer:
    if _Shared.failure is not None:
        pytest.skip(f"no PostgreSQL server for the tests: {_Shared.failure}")
    if _Shared.server is None:
        try:
            _Shared.server = start_server()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            _Shared.failure = str(exc)
            pytest.skip(f"no PostgreSQL server for the tests: {exc}")
        atexit.register(_stop_at_exit)
    _Shared.users += 1
    return _Shared.server


def _release() -> None:
    _Shared.users -= 1
    if _Shared.users == 0:
        _stop_at_exit()


def _stop_at_exit() -> None:
    server, _Shared.server = _Shared.server, None
    if server is not None:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (skips the test, with the reason, when there is none)."""
    server = _acquire()
    try:
        yield server
    finally:
        _release()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a fresh, empty database, dropped after the test."""
    name, url = pg_server.create_database()
    try:
        yield url
    finally:
        pg_server.drop_database(name)
