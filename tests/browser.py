"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Without Chromium (or Java, for the HTML checker) these tests skip locally and fail on CI,
where nothing may be skipped: `apt-get install -y chromium default-jre-headless`.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "Install them with: apt-get install -y chromium default-jre-headless"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def missing_tool(message: str):
    """Fail on CI, where every check must run; skip elsewhere, saying how to get the tool."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} CI must install it. {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"{message} {INSTALL_HINT}")
