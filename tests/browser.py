"""Headless Chromium for the browser tests, and the app served by uvicorn on 127.0.0.1.

Import the helpers into a test module (``from browser import chromium, LiveServer``).

Finding Chromium: ``chromium`` (or ``chromium-browser``, ``google-chrome``) and ``chromedriver``
on PATH or in /usr/bin. When they are missing, the tests run as root, ``apt-get`` exists and
``TIDINGS_NO_APT`` is not set, Debian's ``chromium`` and ``chromium-driver`` are installed once
(the only network access of the tests; browser downloads such as ``playwright install`` are
never used). Selenium drives the driver found; whenever Chromium cannot be had or started, the
tests that need it are skipped with the exact reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apt import apt_install

__all__ = ["Chromium", "LiveServer", "chromium", "find_chromium"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)
# Flags for a headless Chromium in a container: no sandbox (we are root), no GPU, and nothing
# that reaches the network on its own (component updates, sync, QUIC probes).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def _which(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if os.path.isfile(f"/usr/bin/{name}") else None
        )
        if found:
            return found
    return None


def find_chromium() -> tuple[str, str] | None:
    """``(browser, driver)`` paths when both are installed."""
    browser, driver = _which(BROWSERS), _which(DRIVERS)
    return (browser, driver) if browser and driver else None


def install_chromium() -> str | None:
    """Install Debian's ``chromium`` and ``chromium-driver``; return why it could not be, or ``None``."""
    return apt_install("Chromium", ["chromium", "chromium-driver"])


@dataclass
class Chromium:
    """A running headless Chromium under Selenium, with a few page helpers."""

    driver: Any
    profile: Path

    def open(self, url: str, *, ready: str = "body", timeout: float = 10.0) -> None:
        """Load ``url`` and wait until an element matching the CSS selector ``ready`` exists."""
        self.driver.get(url)
        self.wait_for(ready, timeout=timeout)

    def wait_for(self, css: str, *, timeout: float = 10.0) -> Any:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        """Emulate a viewport (``mobile`` also honours ``<meta name=viewport>`` like a phone)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        """Save a PNG of the viewport, or of the whole page."""
        import base64

        params: dict[str, Any] = {"format": "png"}
        if full_page:
            width, height = self.js(
                "return [document.documentElement.clientWidth,"
                " Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)]"
            )
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": width, "height": min(height, 12000), "scale": 1},
            )
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", params)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def console(self) -> list[dict[str, Any]]:
        """Browser console entries since the last call."""
        return list(self.driver.get_log("browser"))


def start_chromium() -> Chromium:
    """Start headless Chromium, or raise RuntimeError saying why it cannot be started."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise RuntimeError("selenium is not installed: pip install selenium") from None
    found = find_chromium()
    if found is None:
        reason = install_chromium()
        if reason:
            raise RuntimeError(reason)
        found = find_chromium()
        if found is None:
            raise RuntimeError("apt-get installed chromium, but no chromium/chromedriver was found")
    browser, driver_path = found
    profile = Path(tempfile.mkdtemp(prefix="tidings-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as exc:
        shutil.rmtree(profile, ignore_errors=True)
        first = (exc.msg or str(exc)).strip().splitlines()[0]
        raise RuntimeError(f"Chromium did not start ({browser}, {driver_path}): {first}") from None
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(10)
    return Chromium(driver, profile)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    """A headless Chromium for the module (skips the test, with the reason, when there is none)."""
    try:
        browser = start_chromium()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no headless Chromium for the browser tests: {exc}")
    try:
        yield browser
    finally:
        browser.driver.quit()
        shutil.rmtree(browser.profile, ignore_errors=True)


class LiveServer:
    """An ASGI app served by uvicorn on 127.0.0.1 (an ephemeral port) in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
