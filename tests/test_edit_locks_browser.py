"""Two editors with one article open, in a real browser (two contexts, two logins): the second
sees who is editing and since when, takes over, and the first learns it at the next heartbeat
and cannot save. English and German desk; axe on the banner; screenshots in
test-artifacts/locks/ for people to look at."""

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from articles import roles
from articles.admin.forms import describe_time
from articles.models import Article, EditLock, Status
from articles.wording import fill

from .desk_browser import LOCALES, screenshot
from .factories import make_article, make_author, make_staff
from .test_browser import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "locks"  # test-artifacts/locks/
TEXTS = {
    "en": {
        "editing": "{name} is editing since {time}. Take over to save your changes here.",
        "took_over": "You took over from {name} at {time}.",
        "lost": (
            "{name} took over at {time}; your changes are not saved — copy them before leaving."
        ),
        "also_open": "Also open: {name}",
        "button": "Take over editing",
    },
    "de": {
        "editing": (
            "{name} bearbeitet das seit {time}. Übernehmen Sie die Bearbeitung, um Ihre "
            "Änderungen hier zu speichern."
        ),
        "took_over": "Sie haben um {time} von {name} übernommen.",
        "lost": (
            "{name} hat um {time} übernommen; Ihre Änderungen sind nicht gespeichert – "
            "kopieren Sie sie, bevor Sie die Seite verlassen."
        ),
        "also_open": "Ebenfalls geöffnet: {name}",
        "button": "Bearbeitung übernehmen",
    },
}


class SerialLiveServerThread(LiveServerThread):
    """A live server answering one request at a time. The pages here send a heartbeat every
    second; on the tests' in-memory SQLite, which every request thread of the usual threaded
    live server shares as one connection, two requests at once can fail ("database table is
    locked"). A real site's workers each have their own connection (and a busy timeout)."""

    def _create_server(self, connections_override=None):
        address = (self.host, self.port)
        return WSGIServer(address, QuietWSGIRequestHandler, allow_reuse_address=False)


@pytest.fixture
def site(transactional_db, settings):
    roles.sync_roles()  # see tests/desk_browser.py
    settings.DESK_HEARTBEAT_SECONDS = 1
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = SerialLiveServerThread("localhost", StaticFilesHandler, connections_override=shared)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://localhost:{server.port}"
    server.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


def at(language, when) -> str:
    with translation.override(language):
        return describe_time(when)


def say(text, **values) -> str:
    """`text` filled in as the desk does (articles/wording.py: no "a.m.." before a stop)."""
    return fill(text.replace("{", "%(").replace("}", ")s"), values)


def csp_refused(errors: list[str]) -> list[str]:
    return [error for error in errors if "Content Security Policy" in error]


def run_axe(page: Page, where: str, errors: list[str]) -> None:
    """axe on the banner; the page's own console errors first (axe's injected styles would
    trip the page's CSP themselves, so those after it are not the page's)."""
    assert not csp_refused(errors), errors
    violations = Axe().run(page, context={"include": [["#desk-presence"]]}).response["violations"]
    assert not violations, describe_violations(violations, where)
    errors.clear()


def eventually(check, seconds=10):
    """Wait (without asserting on time) until `check()` holds: the release is a beacon."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_second_editor_sees_the_first_takes_over_and_the_first_learns_it(open_as, site, language):
    article = make_article(
        headline="Harbour strike ends",
        body="The strike ended on Monday.",
        status=Status.DRAFT,
        published_at=None,
        authors=[make_author()],
    )
    ada = make_staff("Editors", first_name="Ada", last_name="Lovelace")
    wim = make_staff("Editors", first_name="Wim", last_name="Editor")
    texts = TEXTS[language]
    url = f"{site}{reverse('admin:articles_article_change', args=[article.pk])}"
    errors: list[str] = []

    first = open_as(ada, locale=LOCALES[language])
    first.on("console", lambda message: message.type == "error" and errors.append(message.text))
    first.goto(url)
    expect(first.locator("#desk-presence")).to_have_class("desk-presence desk-presence--quiet")
    lock = EditLock.objects.get(article=article)
    assert lock.holder == ada

    second = open_as(wim, locale=LOCALES[language])
    second.on("console", lambda message: message.type == "error" and errors.append(message.text))
    second.goto(url)
    banner = second.locator("#desk-presence")
    expect(banner.locator(".desk-presence__status")).to_have_text(
        say(texts["editing"], name="Ada Lovelace", time=at(language, lock.since))
    )
    button = banner.get_by_role("button", name=texts["button"])
    expect(button).to_be_visible()
    run_axe(second, f"the banner of the second editor ({language})", errors)
    screenshot(second, SHOTS, f"{language}-second-editor-sees-the-first", full_page=False)
    # The first editor's page learns at its next heartbeat who else has it open.
    expect(first.locator(".desk-presence__others")).to_contain_text(
        say(texts["also_open"], name="Wim Editor")
    )

    button.click()
    expect(button).to_be_hidden()  # the answer came: the lock moved
    lock = EditLock.objects.get(article=article)
    expect(banner.locator(".desk-presence__status")).to_have_text(
        say(texts["took_over"], name="Ada Lovelace", time=at(language, lock.taken_at))
    )
    expect(button).to_be_hidden()
    assert (lock.holder, lock.taken_from) == (wim, ada)

    lost = first.locator("#desk-presence")
    expect(lost.locator(".desk-presence__status")).to_have_text(
        say(texts["lost"], name="Wim Editor", time=at(language, lock.taken_at))
    )
    expect(lost).to_have_class("desk-presence desk-presence--alert")
    run_axe(first, f"the banner of the editor who lost the lock ({language})", errors)
    screenshot(first, SHOTS, f"{language}-first-editor-learns-it", full_page=False)

    first.fill("#id_body", "Ada's late change.")
    first.click("input[name=_save]")
    expect(first.locator(".errornote, .errorlist").first).to_be_visible()
    expect(first.locator("#article_form")).to_contain_text(
        "Wim Editor took over" if language == "en" else "Wim Editor hat um"
    )
    screenshot(first, SHOTS, f"{language}-first-editor-save-refused", full_page=False)
    assert Article.objects.get(pk=article.pk).body == "The strike ended on Monday."

    # Closing the page (here: leaving it) gives the lock up, by a beacon the page sends.
    second.goto(f"{site}/admin/")
    eventually(lambda: not EditLock.objects.filter(article=article).exists())
    assert not csp_refused(errors), errors


def test_the_banner_on_a_phone(open_as, site):
    article = make_article(status=Status.DRAFT, published_at=None, authors=[make_author()])
    ada = make_staff("Editors", first_name="Ada", last_name="Lovelace")
    wim = make_staff("Editors", first_name="Wim", last_name="Editor")
    url = f"{site}{reverse('admin:articles_article_change', args=[article.pk])}"
    open_as(ada).goto(url)

    for language in ("en", "de"):
        page = open_as(wim, "phone", LOCALES[language])
        page.goto(url)
        button = page.locator(".desk-presence__take-over")
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["x"] + box["width"] <= 390
        run_axe(page, f"the banner on a phone ({language})", [])
        screenshot(page, SHOTS, f"{language}-phone", full_page=False)
