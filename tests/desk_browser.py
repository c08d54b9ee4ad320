"""What the desk's browser tests share: the live site with its roles, tabs for a user (or a
reader) at a viewport and in a locale, the login step, and screenshots for people to look at.

tests/conftest.py offers `site` and `open_as` to every test module. A module with a server of
its own defines its own `site` fixture (the address, as a string): `open_as` then opens its
tabs there.
"""

import threading
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from articles import roles

from .browser import ARTIFACTS

PASSWORD = "x"  # every user tests/factories.py makes has it
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Besides its size, a viewport as a reader holds it: a phone's touch screen, and the page's own
# viewport meta obeyed (`open_as(user, viewport, **HANDHELD[viewport])`).
HANDHELD = {"desktop": {}, "phone": {"is_mobile": True, "has_touch": True}}
LOCALES = {"en": "en-GB", "de": "de-DE"}


class Answering:
    """The live server's application, counting the requests it is answering: a desk page that
    closes sends requests of its own (presence.js gives its edit lock up, desk.js may keep an
    autosave), and the test's database must not be flushed while one of them still writes
    (SQLite: "database table is locked")."""

    def __init__(self, app):
        self.app = app
        self.answering = 0
        self.last = time.monotonic()
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.answering += 1
            self.last = time.monotonic()
        try:
            return list(self.app(environ, start_response))  # the whole answer, in here
        finally:
            with self.changed:
                self.answering -= 1
                self.last = time.monotonic()
                self.changed.notify_all()

    def wait_until_quiet(self, quiet: float = 0.3, at_most: float = 15) -> None:
        """Until no request has been answered for `quiet` seconds (or `at_most` have passed)."""
        deadline = time.monotonic() + at_most
        with self.changed:
            while time.monotonic() < deadline:
                still = quiet - (time.monotonic() - self.last)
                if self.answering == 0 and still <= 0:
                    return
                self.changed.wait(timeout=max(still, 0.05))


@pytest.fixture
def site(live_server):
    # Transactional tests flush the tables between tests, groups included: make them again, as
    # articles/roles.py declares them. (Not with migration 0004's helper: given the real app
    # registry, it leaves every app without models_module, so no later flush or migrate makes
    # permissions again.)
    roles.sync_roles()
    server = live_server.thread.httpd
    if not isinstance(server.get_app(), Answering):
        server.set_app(Answering(server.get_app()))
    yield live_server.url
    server.get_app().wait_until_quiet()


@pytest.fixture
def open_as(browser: Browser, site):
    """Opens a tab for `user` (None: a reader, not logged in) in a browser context of its own
    (cookies), at `viewport` ("desktop", "phone", or a {"width", "height"} dict) and in
    `locale`'s language. `prepare` is given the context before the tab opens; any other
    keyword goes to Browser.new_context."""
    contexts = []

    def open_(
        user=None,
        viewport: str | dict = "desktop",
        locale: str = "en-GB",
        *,
        prepare: Callable[[BrowserContext], None] | None = None,
        **options,
    ) -> Page:
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        context = browser.new_context(viewport=size, locale=locale, **options)
        contexts.append(context)
        if prepare is not None:
            prepare(context)
        page = context.new_page()
        if user is not None:
            log_in(page, site, user)
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page: Page, site: str, user) -> None:
    """Log `user` in at the desk's login page, in `page`'s context."""
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()


def screenshot(page: Page, folder: str, name: str, *, full_page: bool = True) -> None:
    """Save `page` as test-artifacts/<folder>/<name>.png, for people to look at."""
    shots = ARTIFACTS / folder
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / f"{name}.png", full_page=full_page)


def choose(page: Page, field_row: str, text: str) -> None:
    """Pick `text` in an admin autocomplete (select2) widget."""
    page.locator(f"{field_row} .select2-selection").first.click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()
