"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser for the whole e2e package, one fresh context (cookies, history) per test. The live
server runs in a thread of this process over the real test database, so every e2e test is
transactional (pytest-django makes it so for tests that use ``live_server``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Request, sync_playwright

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "e2e"
# Generous: these are ceilings for "the page eventually shows X" on 2 shared CPUs, not timings under test.
WAIT_MS = 20_000
EVENTS_PATH = "/api/v1/events"
# Ceiling for in-flight event beacons at the end of a test (Chromium may never report one whose page was left).
BEACON_SETTLE_S = 5.0


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the e2e tests need it. "
            "Install it with `apt-get install -y --no-install-recommends chromium` (.ci/run does), "
            "or set CHROMIUM_PATH.",
            pytrace=False,
        )
    # Playwright's sync API keeps its event loop marked as running in this thread while it is started,
    # which Django's async-safety check takes for async code. Our code here is plain blocking code
    # (the loop is parked while it runs), so allow it exactly while the browser lives.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    setattr(item, f"report_{report.when}", report)  # the page fixture reads it to save a screenshot
    return report


@pytest.fixture
def page(
    browser: Browser, live_server, search_catalog, fresh_popular_searches, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    beacons: set[Request] = set()
    context.on("request", lambda r: beacons.add(r) if r.method == "POST" and r.url.endswith(EVENTS_PATH) else None)
    context.on("requestfinished", lambda r: beacons.discard(r))
    context.on("requestfailed", lambda r: beacons.discard(r))
    yield page
    # A beacon the last page sent (a product page's view) may still be in the live server when the test
    # ends; its commit then deadlocks with the database flush that ends a transactional test. Let them land.
    deadline = time.monotonic() + BEACON_SETTLE_S
    while beacons and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content())
    context.close()
    # A script error in the page is a bug even when the test's own assertions passed.
    assert not errors, f"JavaScript errors on the page: {errors}"
