"""Tests of tidings.fetch against a real HTTP server on 127.0.0.1 (never the internet).

Waits are observed, not slept: tests inject a :class:`FakeTime` whose ``sleep`` records the
requested seconds and advances its clocks. Only the timeout tests spend real time (~0.5 s each),
because socket timeouts run on the real clock.
"""

from __future__ import annotations

import gzip
import ipaddress
import random
import socket
import time
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest_http import LocalServer, Reply, Seen
from tidings import fetch as fetch_module
from tidings.errors import BlockedAddressError, FetchError, InputError, UsageError
from tidings.fetch import (
    CachedPage,
    Fetcher,
    FetchPolicy,
    FetchResult,
    MemoryCache,
    StaticResolver,
    address_block_reason,
    user_agent,
)
from tidings.net.transport import PinnedTransport

EXPECTED_UA = "tidings/{} (+https://github.com/tidings-project/tidings)"
# Tests reach the local server only through this explicit allow; nothing else is exempt.
LOCAL = FetchPolicy(allow_hosts=frozenset({"127.0.0.1"}), per_host_delay=0.0, timeout=5.0)


class FakeTime:
    """Clock, monotonic clock and sleep that only move when something sleeps."""

    def __init__(self) -> None:
        self.start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return 1000.0 + self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds


class RecordingResolver:
    """A resolver that answers from a table, one answer per call in turn, and records calls."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, *args: int) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        answers = self.table[host]
        address = answers[min(self.calls.count(host), len(answers)) - 1]
        return StaticResolver({host: address})(host, port)


def numeric_only(host: str, port: int, *args: int) -> list[tuple[Any, ...]]:
    """The system resolver restricted to numeric hosts, so a test can never query DNS."""
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)


def never_resolve(host: str, port: int, *args: int) -> list[tuple[Any, ...]]:
    raise AssertionError(f"the resolver must not be asked about {host!r}")


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    # Defined here rather than imported from conftest_http: an imported fixture is shadowed by
    # every test's parameter of the same name, which linters rightly flag.
    with LocalServer() as server:
        yield server


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make(fake: FakeTime) -> Iterator[Any]:
    """Build Fetchers wired to the fake clock; all are closed after the test."""
    made: list[Fetcher] = []

    def build(policy: FetchPolicy = LOCAL, **kwargs: Any) -> Fetcher:
        kwargs.setdefault("clock", fake.now)
        kwargs.setdefault("sleep", fake.sleep)
        kwargs.setdefault("monotonic", fake.monotonic)
        fetcher = Fetcher(policy, **kwargs)
        made.append(fetcher)
        return fetcher

    yield build
    for fetcher in made:
        fetcher.close()


def local(**changes: Any) -> FetchPolicy:
    """LOCAL with some fields changed (FetchPolicy is frozen and slotted)."""
    fields = {name: getattr(LOCAL, name) for name in FetchPolicy.__dataclass_fields__}
    return FetchPolicy(**{**fields, **changes})


def page_paths(server: LocalServer) -> list[str]:
    return [path for path in server.paths() if path != "/robots.txt"]


# ---------------------------------------------------------------------------- ordinary fetches


def test_fetches_a_page_with_its_metadata(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    body = b"<html><body><p>News.</p></body></html>"
    http_server.route(
        "/story", Reply(body=body, headers=(("Content-Type", "text/html; charset=UTF-8"),))
    )
    result = make().fetch(http_server.url("/story"))

    assert isinstance(result, FetchResult)
    assert result.content == body
    assert result.status == 200
    assert result.url == result.final_url == http_server.url("/story")
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.headers["content-type"] == "text/html; charset=UTF-8"
    assert result.fetched_at == fake.now() and result.fetched_at.tzinfo is not None
    assert result.not_modified is False and result.redirects == ()
    # robots.txt is asked first (the test server answers 404: everything allowed).
    assert http_server.paths() == ["/robots.txt", "/story"]


def test_user_agent_names_the_project(http_server: LocalServer, make: Any) -> None:
    http_server.route("/ua", Reply(body=b"ok"))
    make().fetch(http_server.url("/ua"))

    import tidings

    expected = EXPECTED_UA.format(getattr(tidings, "__version__", "0.1.0"))
    assert user_agent() == expected
    assert [seen.headers["user-agent"] for seen in http_server.requests] == [expected] * 2


def test_header_charset_is_reported_even_when_the_page_says_otherwise(
    http_server: LocalServer, make: Any
) -> None:
    body = '<html><head><meta charset="utf-8"></head><body>café</body></html>'.encode()
    http_server.route(
        "/mislabelled",
        Reply(body=body, headers=(("Content-Type", 'text/html; charset="ISO-8859-1"'),)),
    )
    http_server.route("/unlabelled", Reply(body=body, headers=(("Content-Type", "text/html"),)))
    fetcher = make()

    mislabelled = fetcher.fetch(http_server.url("/mislabelled"))
    assert mislabelled.charset == "iso-8859-1"
    assert mislabelled.content == body  # bytes untouched: decoding belongs to extraction
    assert fetcher.fetch(http_server.url("/unlabelled")).charset is None


def test_follows_redirects_and_records_the_chain(http_server: LocalServer, make: Any) -> None:
    http_server.route("/a", Reply(302, headers=(("Location", "/b"),)))
    http_server.route("/b", Reply(301, headers=(("Location", http_server.url("/c")),)))
    http_server.route("/c", Reply(body=b"final"))
    result = make().fetch(http_server.url("/a"))

    assert result.content == b"final"
    assert result.final_url == http_server.url("/c")
    assert result.redirects == (http_server.url("/a"), http_server.url("/b"))
    assert page_paths(http_server) == ["/a", "/b", "/c"]


def test_redirects_are_capped(http_server: LocalServer, make: Any) -> None:
    http_server.route("/loop", Reply(307, headers=(("Location", "/loop"),)))
    with pytest.raises(FetchError) as caught:
        make(local(max_redirects=3)).fetch(http_server.url("/loop"))

    assert caught.value.reason == "too-many-redirects"
    assert page_paths(http_server) == ["/loop"] * 4  # the first request and three hops


def test_404_is_an_error_with_the_status_as_reason(http_server: LocalServer, make: Any) -> None:
    url = http_server.url("/missing")
    with pytest.raises(FetchError) as caught:
        make().fetch(url)

    error = caught.value
    assert isinstance(error, InputError)
    assert (error.reason, error.stage, error.input) == ("http-404", "fetch", url)
    assert "404 Not Found" in str(error)


# ------------------------------------------------------------------------------------ retries


def test_500_then_200_is_retried_after_a_jittered_backoff(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    http_server.route("/flaky", lambda seen: Reply(500) if seen.count % 2 else Reply(body=b"ok"))
    result = make(local(backoff=0.5), seed=7).fetch(http_server.url("/flaky"))

    assert result.content == b"ok"
    assert page_paths(http_server) == ["/flaky", "/flaky"]
    assert len(fake.sleeps) == 1 and 0.25 <= fake.sleeps[0] <= 0.5
    # The jitter comes from the seeded RNG alone: the same seed asks for the same wait.
    again = FakeTime()
    with Fetcher(local(backoff=0.5), sleep=again.sleep, monotonic=again.monotonic, seed=7) as f:
        f.fetch(http_server.url("/flaky"))
    assert again.sleeps == fake.sleeps


def test_gives_up_after_the_retries(http_server: LocalServer, make: Any, fake: FakeTime) -> None:
    http_server.route("/down", Reply(503))
    with pytest.raises(FetchError) as caught:
        make(local(retries=3, backoff=1.0, max_wait=3.0)).fetch(http_server.url("/down"))

    assert caught.value.reason == "http-503"
    assert page_paths(http_server) == ["/down"] * 4
    assert len(fake.sleeps) == 3
    for attempt, wait in enumerate(fake.sleeps):
        ceiling = min(3.0, 1.0 * 2**attempt)  # exponential, capped at max_wait
        assert ceiling / 2 <= wait <= ceiling


def test_429_honours_retry_after_seconds(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    http_server.route(
        "/busy",
        lambda seen: (
            Reply(429, headers=(("Retry-After", "3"),)) if seen.count == 1 else Reply(body=b"ok")
        ),
    )
    assert make().fetch(http_server.url("/busy")).content == b"ok"
    assert fake.sleeps == [3.0]


def test_429_honours_retry_after_http_date(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    when = format_datetime(fake.now() + timedelta(seconds=7), usegmt=True)
    http_server.route(
        "/busy",
        lambda seen: (
            Reply(429, headers=(("Retry-After", when),)) if seen.count == 1 else Reply(body=b"ok")
        ),
    )
    assert make().fetch(http_server.url("/busy")).content == b"ok"
    assert fake.sleeps == [7.0]


def test_retry_after_beyond_max_wait_fails_without_waiting(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    http_server.route("/busy", Reply(429, headers=(("Retry-After", "3600"),)))
    with pytest.raises(FetchError) as caught:
        make(local(max_wait=60.0)).fetch(http_server.url("/busy"))

    assert caught.value.reason == "http-429"
    assert "3600" in str(caught.value)
    assert fake.sleeps == []


def test_refused_connection_is_a_network_error_after_retries(make: Any, fake: FakeTime) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago refuses connections
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        make(local(retries=2, respect_robots=False)).fetch(f"http://127.0.0.1:{port}/")

    assert caught.value.reason == "network"
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(fake.sleeps) == 2


def test_unresolvable_host_is_a_network_error(make: Any) -> None:
    with pytest.raises(FetchError) as caught:
        make(resolver=StaticResolver({})).fetch("http://nowhere.test/")
    assert caught.value.reason == "network"
    assert isinstance(caught.value.__cause__, socket.gaierror)


# ----------------------------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(body=b"x" * 10_000, body_delay=0.05), id="trickled-body"),
        pytest.param(
            Reply(headers=tuple((f"X-Slow-{i}", "1") for i in range(200)), header_delay=0.05),
            id="trickled-headers",
        ),
        pytest.param(Reply(headers=(("X-Late", "1"),), header_delay=30.0), id="silent"),
    ],
)
def test_slow_servers_are_cut_off_at_the_total_timeout(
    http_server: LocalServer, make: Any, reply: Reply
) -> None:
    http_server.route("/slow", reply)
    fetcher = make(local(timeout=0.5, read_timeout=0.3, respect_robots=False))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/slow"))

    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 1.5  # every read succeeds in time; only the total stops it


# ---------------------------------------------------------------------------- size and bombs


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_bodies_over_max_bytes_are_refused(
    http_server: LocalServer, make: Any, declared: bool
) -> None:
    http_server.route("/huge", Reply(body=b"a" * (1024 * 1024), content_length=declared))
    with pytest.raises(FetchError) as caught:
        make(local(max_bytes=64 * 1024)).fetch(http_server.url("/huge"))
    assert caught.value.reason == "too-large"


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """8 MiB of zeros, compressed about a thousandfold, three ways."""
    zeros = b"\0" * (8 * 1024 * 1024)
    packed = {"gzip": gzip.compress(zeros, compresslevel=6), "deflate": zlib.compress(zeros)}
    brotli = pytest.importorskip("brotli")
    packed["br"] = brotli.compress(zeros, quality=1)
    return packed


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_decompression_bombs_are_refused(
    http_server: LocalServer, make: Any, bombs: dict[str, bytes], encoding: str
) -> None:
    assert len(bombs[encoding]) < 64 * 1024  # small on the wire, far under max_bytes
    http_server.route(
        "/bomb", Reply(body=bombs[encoding], headers=(("Content-Encoding", encoding),))
    )
    with pytest.raises(FetchError) as caught:
        make().fetch(http_server.url("/bomb"))
    assert caught.value.reason == "decompression-bomb"


def test_a_modestly_compressed_body_too_large_once_decoded_is_too_large(
    http_server: LocalServer, make: Any
) -> None:
    words = [f"word{i}" for i in range(500)]
    rng = random.Random(0)
    text = " ".join(rng.choice(words) for _ in range(60_000)).encode()
    packed = gzip.compress(text, compresslevel=1)
    assert len(packed) < 150_000 < len(text)
    assert len(text) / len(packed) < 100  # a real page's ratio, not a bomb's
    http_server.route("/big", Reply(body=packed, headers=(("Content-Encoding", "gzip"),)))
    with pytest.raises(FetchError) as caught:
        make(local(max_bytes=150_000)).fetch(http_server.url("/big"))
    assert caught.value.reason == "too-large"
    assert "once decoded" in str(caught.value)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "br", "identity"])
def test_compressed_bodies_are_decoded(http_server: LocalServer, make: Any, encoding: str) -> None:
    text = b"<p>" + b"Reporting from the scene. " * 2000 + b"</p>"
    if encoding == "gzip":
        body = gzip.compress(text)
    elif encoding == "deflate":
        body = zlib.compress(text)
    elif encoding == "raw-deflate":
        squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body = squeeze.compress(text) + squeeze.flush()
    elif encoding == "br":
        body = pytest.importorskip("brotli").compress(text)
    else:
        body = text
    header = "deflate" if encoding == "raw-deflate" else encoding
    http_server.route("/page", Reply(body=body, headers=(("Content-Encoding", header),)))
    assert make().fetch(http_server.url("/page")).content == text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 20, id="corrupt"),
        pytest.param(gzip.compress(b"a story " * 1000)[:-12], id="truncated"),
    ],
)
def test_broken_gzip_is_a_bad_encoding(http_server: LocalServer, make: Any, body: bytes) -> None:
    http_server.route("/broken", Reply(body=body, headers=(("Content-Encoding", "gzip"),)))
    with pytest.raises(FetchError) as caught:
        make().fetch(http_server.url("/broken"))
    assert caught.value.reason == "bad-encoding"


def test_unoffered_encoding_is_refused(http_server: LocalServer, make: Any) -> None:
    http_server.route("/z", Reply(body=b"??", headers=(("Content-Encoding", "zstd"),)))
    with pytest.raises(FetchError) as caught:
        make().fetch(http_server.url("/z"))
    assert caught.value.reason == "unsupported-encoding"


# ------------------------------------------------------------------------ robots and spacing


def test_robots_disallow_is_honoured_and_robots_is_fetched_once(
    http_server: LocalServer, make: Any
) -> None:
    http_server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n"))
    http_server.route("/public", Reply(body=b"ok"))
    http_server.route("/private/page", Reply(body=b"secret"))
    fetcher = make()

    assert fetcher.fetch(http_server.url("/public")).content == b"ok"
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(http_server.url("/private/page"))
    assert caught.value.reason == "robots-disallowed"
    assert http_server.paths() == ["/robots.txt", "/public"]


def test_robots_group_for_tidings_applies(http_server: LocalServer, make: Any) -> None:
    http_server.route(
        "/robots.txt",
        Reply(body=b"User-agent: tidings\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
    )
    http_server.route("/page", Reply(body=b"ok"))
    with pytest.raises(FetchError) as caught:
        make().fetch(http_server.url("/page"))
    assert caught.value.reason == "robots-disallowed"


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (403, True), (500, False), (503, False), (429, False)]
)
def test_robots_status_decides_per_rfc_9309(
    http_server: LocalServer, make: Any, status: int, allowed: bool
) -> None:
    http_server.route("/robots.txt", Reply(status))
    http_server.route("/page", Reply(body=b"ok"))
    fetcher = make(local(retries=0))
    if allowed:
        assert fetcher.fetch(http_server.url("/page")).content == b"ok"
    else:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(http_server.url("/page"))
        assert caught.value.reason == "robots-disallowed"
        assert "/page" not in http_server.paths()


def test_robots_ignored_when_the_policy_says_so(http_server: LocalServer, make: Any) -> None:
    http_server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n"))
    http_server.route("/page", Reply(body=b"ok"))
    assert make(local(respect_robots=False)).fetch(http_server.url("/page")).content == b"ok"
    assert http_server.paths() == ["/page"]


def test_robots_is_fetched_again_after_its_ttl(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    http_server.route("/page", Reply(body=b"ok"))
    fetcher = make(local(robots_ttl=60.0))
    fetcher.fetch(http_server.url("/page"))
    fetcher.fetch(http_server.url("/page"))
    fake.elapsed += 61.0
    fetcher.fetch(http_server.url("/page"))
    assert http_server.paths() == ["/robots.txt", "/page", "/page", "/robots.txt", "/page"]


def test_per_host_delay_spaces_requests(
    http_server: LocalServer, make: Any, fake: FakeTime
) -> None:
    http_server.route("/page", Reply(body=b"ok"))
    fetcher = make(local(per_host_delay=1.5, respect_robots=False))
    fetcher.fetch(http_server.url("/page"))
    fetcher.fetch(http_server.url("/page"))
    fetcher.fetch(http_server.url("/page"))
    assert fake.sleeps == [1.5, 1.5]


def test_crawl_delay_wins_when_larger(http_server: LocalServer, make: Any, fake: FakeTime) -> None:
    http_server.route("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 4\n"))
    http_server.route("/page", Reply(body=b"ok"))
    fetcher = make(local(per_host_delay=1.0))
    fetcher.fetch(http_server.url("/page"))
    fetcher.fetch(http_server.url("/page"))
    # robots.txt, then each page at least 4 s after the previous request to the host.
    assert fake.sleeps == [4.0, 4.0]


# ------------------------------------------------------------------------- conditional GET


def test_refetch_with_etag_yields_the_cached_body_on_304(
    http_server: LocalServer, make: Any
) -> None:
    stamp = "Sun, 01 Mar 2026 10:00:00 GMT"

    def page(seen: Seen) -> Reply:
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers=(("ETag", '"v1"'),))
        return Reply(
            body=b"<p>first</p>",
            headers=(("ETag", '"v1"'), ("Last-Modified", stamp), ("Content-Type", "text/html")),
        )

    http_server.route("/story", page)
    cache = MemoryCache()
    fetcher = make(cache=cache)
    first = fetcher.fetch(http_server.url("/story"))
    second = fetcher.fetch(http_server.url("/story"))

    assert first.not_modified is False and first.status == 200
    assert second.not_modified is True and second.status == 304
    assert second.content == first.content == b"<p>first</p>"
    assert second.content_type == "text/html"  # kept from the cached headers
    sent = [seen.headers for seen in http_server.requests if seen.path == "/story"]
    assert "if-none-match" not in sent[0]
    assert sent[1]["if-none-match"] == '"v1"' and sent[1]["if-modified-since"] == stamp
    assert len(cache) == 1


def test_memory_cache_forgets_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=2)
    pages = [CachedPage(f"http://x.test/{i}", f'"{i}"', None, {}, b"") for i in range(3)]
    cache.put(pages[0])
    cache.put(pages[1])
    assert cache.get(pages[0].url) == pages[0]  # now the most recently used
    cache.put(pages[2])
    assert cache.get(pages[1].url) is None
    assert cache.get(pages[0].url) == pages[0] and cache.get(pages[2].url) == pages[2]


# ---------------------------------------------------------------------------------- SSRF guard


def test_loopback_is_refused_without_an_explicit_allow(http_server: LocalServer, make: Any) -> None:
    http_server.route("/page", Reply(body=b"ok"))
    with pytest.raises(BlockedAddressError) as caught:
        make(FetchPolicy(per_host_delay=0.0)).fetch(http_server.url("/page"))

    assert caught.value.reason == "blocked-address"
    assert caught.value.input == http_server.url("/page")
    assert "loopback" in str(caught.value) and "allow_hosts" in str(caught.value)
    assert http_server.requests == []  # refused before connecting, robots.txt included


@pytest.mark.parametrize(
    "policy",
    [
        FetchPolicy(allow_private=True, per_host_delay=0.0),
        FetchPolicy(allow_hosts=frozenset({"127.0.0.0/8"}), per_host_delay=0.0),
    ],
    ids=["allow_private", "allow-network"],
)
def test_explicit_allows_open_the_guard(
    http_server: LocalServer, make: Any, policy: FetchPolicy
) -> None:
    http_server.route("/page", Reply(body=b"ok"))
    assert make(policy).fetch(http_server.url("/page")).content == b"ok"


@pytest.mark.parametrize(
    ("url", "resolver", "why"),
    [
        ("http://news.test/", StaticResolver({"news.test": "10.0.0.5"}), "private"),
        ("http://169.254.169.254/latest/meta-data/", never_resolve, "cloud metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", never_resolve, "metadata"),
        ("http://[fd00:ec2::254]/", never_resolve, "cloud metadata"),
        ("http://[::1]/", never_resolve, "loopback"),
        ("http://[::ffff:127.0.0.1]/", never_resolve, "loopback"),
        ("http://[::ffff:10.1.2.3]/", never_resolve, "private"),
        ("http://[fe80::1]/", never_resolve, "link-local"),
        ("http://0.0.0.0/", never_resolve, "unspecified"),
        ("http://100.64.1.1/", never_resolve, "carrier-grade NAT"),
        ("http://224.0.0.1/", never_resolve, "multicast"),
        ("http://192.168.1.1/", never_resolve, "private"),
        ("http://2130706433/", numeric_only, "loopback"),  # 127.0.0.1 as one number
        ("http://0x7f.0.0.1/", numeric_only, "loopback"),
        (
            "http://mixed.test/",
            StaticResolver({"mixed.test": ["93.184.216.34", "10.0.0.1"]}),
            "private",
        ),
    ],
)
def test_internal_addresses_are_refused(make: Any, url: str, resolver: Any, why: str) -> None:
    with pytest.raises(BlockedAddressError) as caught:
        make(local(allow_hosts=frozenset()), resolver=resolver).fetch(url)
    assert caught.value.reason == "blocked-address"
    assert why in str(caught.value)


@pytest.mark.parametrize(
    ("target", "resolver"),
    [
        ("http://10.0.0.1/admin", never_resolve),
        ("http://intranet.test/", StaticResolver({"intranet.test": "192.168.1.1"})),
        ("http://[::1]/", never_resolve),
    ],
)
def test_redirects_to_internal_addresses_are_refused_before_connecting(
    http_server: LocalServer, make: Any, target: str, resolver: Any
) -> None:
    http_server.route("/go", Reply(302, headers=(("Location", target),)))
    with pytest.raises(BlockedAddressError) as caught:
        make(local(respect_robots=False), resolver=resolver).fetch(http_server.url("/go"))
    assert caught.value.input == http_server.url("/go")
    assert target.split("/")[2].strip("[]") in str(caught.value)


def test_an_allowed_name_is_pinned_and_its_redirects_checked(
    http_server: LocalServer, make: Any
) -> None:
    # Neither name exists in DNS: reaching the server proves the connection used the checked
    # address, and the Host header shows the name was kept for the request itself.
    resolver = StaticResolver({"public.test": "127.0.0.1", "evil.test": "127.0.0.1"})
    http_server.route("/page", Reply(body=b"ok"))
    http_server.route("/go", Reply(302, headers=(("Location", http_server.url("/", "evil.test")),)))
    fetcher = make(local(allow_hosts=frozenset({"public.test"})), resolver=resolver)

    assert fetcher.fetch(http_server.url("/page", "public.test")).content == b"ok"
    assert http_server.requests[-1].headers["host"] == f"public.test:{http_server.port}"
    with pytest.raises(BlockedAddressError):
        fetcher.fetch(http_server.url("/go", "public.test"))


def test_each_hop_is_resolved_once_so_rebinding_cannot_switch_the_address(
    http_server: LocalServer, make: Any
) -> None:
    # A rebinding DNS server: the first answer passes the check, later ones point inside.
    resolver = RecordingResolver({"rebind.test": ["127.0.0.1", "10.0.0.1"]})
    http_server.route("/page", Reply(body=b"ok"))
    fetcher = make(local(respect_robots=False), resolver=resolver)

    assert fetcher.fetch(http_server.url("/page", "rebind.test")).content == b"ok"
    assert resolver.calls == ["rebind.test"]  # the connection did not look the name up again
    with pytest.raises(BlockedAddressError):  # the next hop asks again, and is refused
        fetcher.fetch(http_server.url("/page", "rebind.test"))


def test_the_default_transport_refuses_unchecked_connections(http_server: LocalServer) -> None:
    # Defence in depth, tested on the private transport: no checked addresses, no connection.
    transport = PinnedTransport(max_connections=1)
    try:
        with pytest.raises(httpx.ConnectError, match="no checked address"):
            transport.handle_request(httpx.Request("GET", http_server.url("/")))
    finally:
        transport.close()
    assert http_server.requests == []


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_block_reason(address) is None


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_forms_are_judged_like_their_ipv4_address(
    address: ipaddress.IPv4Address,
) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    assert (address_block_reason(mapped) is None) == (address_block_reason(address) is None)


@given(
    st.sampled_from(
        [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "100.64.0.0/10",
            "fc00::/7",
            "fe80::/10",
            "::1/128",
        ]
    ),
    st.integers(min_value=0),
)
def test_every_address_of_an_internal_range_is_refused(network: str, offset: int) -> None:
    net = ipaddress.ip_network(network)
    assert address_block_reason(net[offset % net.num_addresses]) is not None


# ------------------------------------------------------------------------------ URL checks


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/file", "bad-scheme"),
        ("file:///etc/passwd", "bad-scheme"),
        ("gopher://127.0.0.1/", "bad-scheme"),
        ("not a url", "invalid-url"),
        ("http:///no-host", "invalid-url"),
        ("http://user:secret@127.0.0.1/", "invalid-url"),
    ],
)
def test_unfetchable_urls_are_refused(make: Any, url: str, reason: str) -> None:
    with pytest.raises(FetchError) as caught:
        make(resolver=never_resolve).fetch(url)
    assert caught.value.reason == reason
    assert caught.value.input == url


def test_a_redirect_to_another_scheme_is_refused(http_server: LocalServer, make: Any) -> None:
    http_server.route("/go", Reply(302, headers=(("Location", "file:///etc/passwd"),)))
    with pytest.raises(FetchError) as caught:
        make().fetch(http_server.url("/go"))
    assert caught.value.reason == "bad-scheme"


# ------------------------------------------------------------------------------ many and API


def test_fetch_many_keeps_input_order_and_returns_errors(
    http_server: LocalServer, make: Any
) -> None:
    for index in range(6):
        http_server.route(f"/p{index}", Reply(body=f"page {index}".encode()))
    urls = [http_server.url(f"/p{index}") for index in range(6)]
    urls[2] = http_server.url("/missing")
    urls[4] = "http://10.0.0.1/"
    results = list(make(local(concurrency=3)).fetch_many(urls))

    assert [url for url, _ in results] == urls
    outcome = dict(results)
    assert isinstance(outcome[urls[2]], FetchError) and outcome[urls[2]].reason == "http-404"
    assert isinstance(outcome[urls[4]], BlockedAddressError)
    for index in (0, 1, 3, 5):
        result = outcome[urls[index]]
        assert isinstance(result, FetchResult) and result.content == f"page {index}".encode()


def test_a_closed_fetcher_refuses_work(http_server: LocalServer) -> None:
    with Fetcher(LOCAL) as fetcher:
        pass
    with pytest.raises(UsageError, match="closed"):
        fetcher.fetch(http_server.url("/"))


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"timeout": 0}, "timeout"),
        ({"max_bytes": -1}, "max_bytes"),
        ({"concurrency": 0}, "concurrency"),
        ({"allow_hosts": {"127.0.0.1"}}, "allow_hosts"),
        ({"allow_hosts": frozenset({"10.0.0.0/99"})}, "allow_hosts"),
    ],
)
def test_policy_rejects_bad_values(changes: dict[str, Any], name: str) -> None:
    with pytest.raises(UsageError, match=f"the {name} parameter of FetchPolicy"):
        FetchPolicy(**changes)


def test_policy_defaults() -> None:
    policy = FetchPolicy()
    assert (policy.timeout, policy.max_bytes, policy.max_redirects, policy.retries) == (
        20.0,
        10 * 1024 * 1024,
        5,
        3,
    )
    assert (policy.per_host_delay, policy.concurrency, policy.respect_robots) == (1.0, 4, True)
    assert policy.allow_hosts == frozenset() and policy.allow_private is False


def test_exports_are_pinned() -> None:
    assert sorted(fetch_module.__all__) == [
        "CachedPage",
        "FetchPolicy",
        "FetchResult",
        "Fetcher",
        "MemoryCache",
        "Resolver",
        "StaticResolver",
        "ValidatorCache",
        "address_block_reason",
        "user_agent",
    ]
