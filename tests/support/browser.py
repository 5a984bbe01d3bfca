"""A real headless Chromium (Debian's ``chromium``) for the pages jettison writes.

Every run has the network disabled (``--proxy-server=127.0.0.1:9``: each request fails), so
a page that needed any resource from outside would show it. Without the browser the tests
fail in CI (``CI`` set) and are skipped on a developer's machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

NO_NETWORK = "--proxy-server=127.0.0.1:9"
SCREENSHOTS_ENV = "JETTISON_SCREENSHOTS"
"""A folder: tests that take screenshots also copy them there (the README's pictures)."""


@dataclass(frozen=True)
class Browser:
    binary: str

    def _run(self, *args: str, timeout: float = 60) -> tuple[str, float]:
        started = time.monotonic()
        proc = subprocess.run(
            [
                self.binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                NO_NETWORK,
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        elapsed = time.monotonic() - started
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout, elapsed

    def dom(self, page: Path, fragment: str = "") -> tuple[str, float]:
        """The DOM after the page's scripts ran, and the seconds the browser took."""
        return self._run("--dump-dom", f"{page.resolve().as_uri()}{fragment}")

    def screenshot(
        self, page: Path, out: Path, *, fragment: str = "", size: str = "1400,1000"
    ) -> Path:
        self._run(
            f"--window-size={size}", f"--screenshot={out}", f"{page.resolve().as_uri()}{fragment}"
        )
        assert out.is_file() and out.stat().st_size > 1000
        keep = os.environ.get(SCREENSHOTS_ENV)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, Path(keep) / out.name)
        return out


def find_browser() -> Browser:
    """The browser, or a failure in CI / a skip elsewhere when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Browser(found)
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (apt-get install chromium; .ci/run does)")
    pytest.skip("chromium is not installed (apt-get install chromium)")
