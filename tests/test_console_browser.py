"""The console in a real headless browser (Debian's chromium, driven by Playwright): sign in
with the keyboard, watch a detach go from InProgress to Successful without a reload, see a
refusal. With TIDEWATER_SCREENSHOTS=<dir> it also keeps a screenshot of each main view."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server
from tests.helpers import aws_client, make_group

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("TIDEWATER_SCREENSHOTS")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI: `make test` installs Debian's package")
        pytest.skip("chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"console-{name}.png"), full_page=True)


def sign_in(page: Any, server: Server) -> None:
    """By keyboard only: the key field has focus, Tab to the secret, Enter to send."""
    from playwright.sync_api import expect

    page.goto(server.url + "/")  # a browser at the bare address lands on the console
    assert page.url.endswith("/console/sign-in")
    expect(page.locator("#key")).to_be_focused()
    page.keyboard.type("test")
    page.keyboard.press("Tab")
    page.keyboard.type("test")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")


def test_a_detach_is_watched_live_and_a_refusal_is_shown(
    page: Any, own_server: Server, region: str
) -> None:
    """On a server of its own: the console's first page lists every region in use, and a
    shared test server holds a region for each test that ran on it."""
    from playwright.sync_api import expect

    server = own_server
    autoscaling = aws_client(server, "autoscaling", region=region)
    described = make_group(
        autoscaling, server, "browser-web", min_size=0, desired=3, max_size=4, zones=[f"{region}a"]
    )
    first = described["Instances"][0]["InstanceId"]
    sign_in(page, server)
    page.select_option("#region", region)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name="browser-web")).to_be_visible()
    shot(page, "groups")

    page.get_by_role("link", name="browser-web").click()
    expect(page.locator(f'tr[data-instance="{first}"] .state')).to_have_text("InService")
    page.get_by_label(f"Select {first}").check()
    page.get_by_role("button", name="Detach").click()
    detaching = page.locator(".activities tbody tr", has_text=f"Detaching EC2 instance: {first}")
    status = detaching.locator(".status")
    expect(status).to_have_text("InProgress")
    expect(page.get_by_role("status")).to_contain_text(f"Taking out {first}")
    page.evaluate("window.stillHere = true")  # gone if the page were reloaded

    server.settle()  # the runner ends the activity; the page hears of it by itself
    expect(status).to_have_text("Successful")
    expect(page.locator(f'tr[data-instance="{first}"]')).to_have_count(0)
    assert page.evaluate("window.stillHere") is True
    shot(page, "group")

    page.fill("#desired", "9")
    page.get_by_role("button", name="Set").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("ValidationError")
    expect(alert).to_contain_text(
        "New SetDesiredCapacity value 9 is above max value 4 for the AutoScalingGroup."
    )


def test_the_explorer_in_the_browser(page: Any, own_server: Server, region: str) -> None:
    from playwright.sync_api import expect

    sign_in(page, own_server)
    # the navigation's link: an empty groups page offers the explorer in its text as well
    page.get_by_role("navigation").get_by_role("link", name="API explorer").click()
    page.select_option("#action", "DescribeAutoScalingGroups")
    page.fill("#region", region)
    page.get_by_role("button", name="Open").click()
    page.fill("#f-MaxRecords", "10")
    page.get_by_role("button", name="Send, signed as test").click()
    expect(page.locator(".raw-request")).to_contain_text("AWS4-HMAC-SHA256")
    expect(page.locator(".raw-response")).to_contain_text("HTTP/1.1 200")
    expect(page.locator(".raw-response")).to_contain_text("DescribeAutoScalingGroupsResponse")
    shot(page, "explorer")
