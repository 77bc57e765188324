"""A seller connects in a real browser: headless Chromium (Debian's), driven by Playwright, against the local stack.

Open a connect link, the sandbox consent page appears, click Authorize, the success page shows the Seller ID;
clicking Cancel shows the cancel page. The pages are served by the local HTTP adapter, which turns requests into API
Gateway events for the same OAuth handler that runs in the cloud.
"""

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from local.amazon import LocalWorld
from local.sandbox.inspector import SandboxInspector
from shared.spapi.marketplaces import Region
from tests.integration.oauth.world import connect_link

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def world(local_world: LocalWorld) -> LocalWorld:
    """The shared local stack and sandbox; the tests connect fresh sellers."""
    return local_world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (`make test` installs it when it can)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def test_authorize_in_the_browser_shows_the_seller_id(world: LocalWorld, page: Page) -> None:
    inspector = SandboxInspector(world.sandbox.url)
    seller = inspector.new_seller("EU")
    inspector.sign_in(seller.selling_partner_id)

    page.goto(connect_link(world, Region.EU, name="Browser shop"))

    assert page.locator("#selling-partner-id").inner_text() == seller.selling_partner_id  # Amazon's consent page
    page.click("#authorize")
    page.wait_for_url(f"{world.api_url}/oauth/callback*")
    inspector.sign_in(None)
    assert page.locator("#title").inner_text() == "Amazon account connected"
    assert page.locator("#seller-id").inner_text() == seller.selling_partner_id
    assert page.locator("#region").inner_text() == "EU"
    for marketplace_id in seller.marketplace_ids:
        assert marketplace_id in page.locator("#marketplaces").inner_text()


def test_cancel_in_the_browser_shows_the_cancel_page(world: LocalWorld, page: Page) -> None:
    page.goto(connect_link(world, Region.NA))
    page.click("#cancel")
    page.wait_for_url(f"{world.api_url}/oauth/callback*")
    assert page.locator("#title").inner_text() == "Authorization cancelled"
    assert "open the connect link again" in page.locator("#next-step").inner_text()
