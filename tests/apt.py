"""Installing a Debian package for a test fixture that needs a server or a browser."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess


def apt_install(what: str, packages: list[str], *, timeout: float = 900) -> str | None:
    """Install ``packages`` with apt-get; return why that could not be done, or ``None``.

    Args:
        what: what is missing, for the messages ("PostgreSQL", "Chromium").
        packages: the Debian packages to install.
        timeout: seconds each apt-get command may take.
    """
    hint = f"apt-get install {' '.join(packages)}"
    if os.environ.get("TIDINGS_NO_APT"):
        return f"{what} is not installed and TIDINGS_NO_APT is set ({hint})"
    if os.geteuid() != 0:
        return f"{what} is not installed, and installing it needs root ({hint})"
    if not shutil.which("apt-get"):
        return f"{what} is not installed and there is no apt-get to install it with"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{shlex.join(cmd)} failed: {exc}"
        if done.returncode != 0:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            return f"{shlex.join(cmd)} failed with exit code {done.returncode}: {tail}"
    return None
