"""End to end in headless Chromium: the site served by uvicorn on 127.0.0.1, driven by Selenium.

A reader opens the front page, opens a story, clicks a citation, and lands on the source article
with exactly the cited span highlighted and in view. An article built from script and HTML
injection is ingested through the API and shown on every page without anything running.
Screenshots go to a temporary folder; their paths are printed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "fastapi", reason="the serve extra is not installed: pip install 'tidings[serve]'"
)
pytest.importorskip(
    "uvicorn", reason="the serve extra is not installed: pip install 'tidings[serve]'"
)
pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")

import httpx

from browser import Chromium, LiveServer, chromium  # noqa: F401
from test_serve import EVIL_RECORD, EVIL_TITLE, TOKEN, Fixture, tracker_for_tests
from tidings.serve.app import create_app

# The test_serve module's session fixture, reused here (imported names become fixtures).
from test_serve import fixture_store  # noqa: F401  isort: skip


@pytest.fixture(scope="module")
def live(fixture_store: Fixture, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:  # noqa: F811
    # A private copy: this module ingests into it, and the session's store must stay as built.
    copy = tmp_path_factory.mktemp("live") / "news.db"
    with sqlite3.connect(fixture_store.path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    server = LiveServer(create_app(str(copy), token=TOKEN, tracker=tracker_for_tests))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _save(
    browser: Chromium, folder: Path, name: str, capsys: pytest.CaptureFixture[str], **kw: Any
) -> Path:
    path = browser.screenshot(folder / name, **kw)
    with capsys.disabled():
        print(f"\nscreenshot: {path}")
    return path


def _in_viewport(browser: Chromium, element_id: str) -> bool:
    return bool(
        browser.js(
            "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
            "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;",
            element_id,
        )
    )


def _errors(browser: Chromium) -> list[str]:
    return [e["message"] for e in browser.console() if e.get("level") == "SEVERE"]


def test_click_a_citation_to_its_highlighted_span(
    chromium: Chromium,  # noqa: F811
    live: LiveServer,
    fixture_store: Fixture,  # noqa: F811
    shots: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser = chromium
    browser.viewport(1280, 900)
    browser.open(live.url + "/", ready=".stories")
    assert "Latest stories" in browser.js("return document.querySelector('h1').textContent")
    _save(browser, shots, "front-desktop.png", capsys, full_page=True)

    browser.driver.find_element("css selector", f'a[href="/stories/{fixture_store.inf}"]').click()
    browser.wait_for(".sentences .cite")
    assert browser.driver.current_url.endswith(f"/stories/{fixture_store.inf}")
    _save(browser, shots, "story-desktop.png", capsys, full_page=True)
    support = browser.js("return document.querySelector('.sentences .corroboration').textContent")
    assert support.endswith(("source", "sources"))

    # The last sentence's citation: its span is far enough down the article to need scrolling.
    cite = browser.driver.find_elements("css selector", ".sentences > li .cite")[-1]
    article_id = cite.get_attribute("data-article")
    start, end = map(int, cite.get_attribute("data-span").split("-"))
    browser.js("arguments[0].scrollIntoView({block: 'center'})", cite)
    cite.click()
    browser.wait_for("mark#hl")
    assert f"/articles/{article_id}?hl={start}-{end}" in browser.driver.current_url
    marked = browser.js("return document.getElementById('hl').textContent")
    assert marked == fixture_store.articles[article_id].text[start:end]
    time.sleep(0.2)  # let the scroll settle
    assert _in_viewport(browser, "hl")
    _save(browser, shots, "article-highlight-desktop.png", capsys)
    assert not _errors(browser)


def test_a_start_end_fragment_is_highlighted_by_the_script(
    chromium: Chromium,  # noqa: F811
    live: LiveServer,
    fixture_store: Fixture,  # noqa: F811
) -> None:
    browser = chromium
    browser.viewport(1280, 700)
    article_id, article = next(
        (i, a) for i, a in fixture_store.articles.items() if a.outlet == "Sputnik"
    )
    start = article.text.index("The INF Treaty was signed in 1987")
    end = article.text.index(".", start) + 1
    browser.open(f"{live.url}/articles/{article_id}#{start}-{end}", ready="mark#hl")
    assert browser.js("return document.getElementById('hl').textContent") == article.text[start:end]
    time.sleep(0.2)
    assert _in_viewport(browser, "hl")
    assert browser.js("return window.scrollY") > 0
    # Following another fragment on the same page moves the highlight.
    other = article.text.index("Lavrov also recalled")
    browser.js(f"window.location.hash = '#{other}-{other + 20}'")
    time.sleep(0.2)
    assert (
        browser.js("return document.getElementById('hl').textContent")
        == article.text[other : other + 20]
    )
    assert browser.js("return document.querySelectorAll('mark').length") == 1


def test_phone_width_has_no_horizontal_scroll(
    chromium: Chromium,  # noqa: F811
    live: LiveServer,
    fixture_store: Fixture,  # noqa: F811
    shots: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser = chromium
    browser.viewport(375, 812, mobile=True)
    try:
        article_id = next(i for i, a in fixture_store.articles.items() if a.outlet == "Sputnik")
        for path, name in (
            ("/", "front-375.png"),
            (f"/stories/{fixture_store.inf}", "story-375.png"),
            (f"/articles/{article_id}", None),
            ("/search?q=Lavrov", None),
        ):
            browser.open(live.url + path, ready="main")
            width = browser.js("return document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
            assert browser.js("return window.innerWidth") == 375
            if name:
                _save(browser, shots, name, capsys, full_page=True)
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_injected_markup_never_executes(
    chromium: Chromium,  # noqa: F811
    live: LiveServer,
    shots: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from selenium.common.exceptions import NoAlertPresentException

    browser = chromium
    browser.viewport(1280, 900)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=live.url, timeout=30) as http:
        record = json.dumps({**EVIL_RECORD, "title": EVIL_TITLE + " (ingested)"}).encode()
        queued = http.post("/api/ingest", files={"files": ("evil.json", record)}, headers=auth)
        assert queued.status_code == 202, queued.text
        for _ in range(300):
            job = http.get(queued.json()["url"], headers=auth).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert job["status"] == "done" and job["counts"]["new"] == 1, job
        story_id = job["stories"][0]
        article_id = http.get(f"/api/stories/{story_id}").json()["articles"][0]["id"]

    browser.console()  # start with an empty log
    pages = [
        "/",
        f"/stories/{story_id}",
        f"/articles/{article_id}",
        f"/articles/{article_id}?hl=0-60#hl",
        "/search?q=budget",
        "/?entity=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ]
    for path in pages:
        browser.open(live.url + path, ready="main")
        time.sleep(0.1)  # time for onerror/onload handlers, had any element been created
        with pytest.raises(NoAlertPresentException):
            browser.driver.switch_to.alert  # noqa: B018 - the property raises when no dialog is open
        assert browser.js("return window.__pwned === undefined"), path
        injected = browser.js(
            "return document.querySelectorAll('[onerror], [onload], [onmouseover], svg, img,"
            ' textarea, a[href^="javascript:"], script:not([src]):not([type="application/ld+json"])\').length'
        )
        assert injected == 0, path
        assert browser.js("return document.querySelector('h1').textContent.trim().length") > 0, path
        if path.startswith(("/stories/", "/articles/")):
            h1 = browser.js("return document.querySelector('h1').textContent")
            assert h1.startswith('<script>window.__pwned="title"</script>'), h1  # shown as text
        if path == f"/stories/{story_id}":
            _save(browser, shots, "injection-story.png", capsys, full_page=True)
    logs = browser.console()
    # Escaping alone must hold: no payload even reached the point where the CSP had to refuse it.
    assert not [e for e in logs if "Content Security Policy" in e["message"]], logs
    assert not [e for e in logs if e.get("level") == "SEVERE"], logs
