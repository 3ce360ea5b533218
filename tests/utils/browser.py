"""Headless Debian Chromium driven by Playwright (never a downloaded browser)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Flags that work on these machines: no sandbox as root, and no background traffic to a closed network.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium_page(width: int = 1100, height: int = 900, enforce_csp: bool = False) -> Iterator["object"]:
    """A page in headless Chromium. Playwright's wait_for_function evaluates its string in the page, which
    the pages' Content-Security-Policy forbids (no eval), so pages bypass the policy unless `enforce_csp`:
    tests that enforce it wait with selectors and expect() instead (tests/app/pages/test_account_pages.py)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=not enforce_csp)
            yield page
        finally:
            browser.close()


def sign_in(page: "object", server: "object", username: str, role: str = "trainee", coach: str | None = None,
            next_path: str = "/", lang: str = "zh") -> None:
    """Create the account if needed and sign in through the login form, as a person would."""
    from app.accounts.service import get_user
    from tests.utils.server import PASSWORD

    ctx = server.app.state.context  # type: ignore[attr-defined]
    with ctx.db() as db:
        exists = get_user(db, username=username) is not None
    if not exists:
        server.add_user(username, role=role, coach=coach)  # type: ignore[attr-defined]
    page.goto(f"{server.url}/login?lang={lang}&next={next_path}")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("#login-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#who-am-i")  # type: ignore[attr-defined]


def screenshot(page: "object", name: str) -> None:
    """Refresh docs/screenshots/NAME.png, the README's pictures, when PEILIAN_SCREENSHOTS is set
    (`make screenshots`); an ordinary test run leaves the working tree as it found it."""
    if os.environ.get("PEILIAN_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
