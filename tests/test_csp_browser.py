"""The Content-Security-Policy in a real browser: readers' pages and the whole editors' desk
(login, lists, bulk actions, the change form with its autocompletes and Markdown preview,
share links, history) work under it, and the browser reports no violation anywhere.

Chromium enforces the policy each response carries; every page records the
securitypolicyviolation events it sees, and the console's "Refused to …" messages are
collected too. Any one of them fails the test.
"""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from articles.models import Article, ArticleTranslation

from .desk_browser import PASSWORD, choose, screenshot
from .factories import make_staff
from .test_browser import FIRST, GERMAN_SLUG, add_german_translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def site(live_server):
    from articles import roles

    call_command("loaddata", "seed_articles", verbosity=0)
    add_german_translation()
    roles.sync_roles()  # the groups, as roles.py declares them (flushed between tests)
    return live_server.url


class Watched:
    """A tab whose CSP violations (events and console messages) are collected."""

    def __init__(self, browser: Browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", self._console)
        self.seen: list[str] = []

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(f"{self.page.url}: {text}")

    def goto(self, url: str, status: int = 200) -> Page:
        response = self.page.goto(url)
        assert response is not None and response.status == status, (url, response)
        assert "Content-Security-Policy" in {h["name"].title() for h in response.headers_array()}
        self.seen.append(url)
        return self.page

    def violations(self) -> list[str]:
        """What the current document reported, plus every console message so far."""
        events = self.page.evaluate("window.__cspViolations || []")
        return [f"{self.page.url}: {event}" for event in events] + self.console

    def assert_clean(self):
        assert self.violations() == []


@pytest.fixture
def watched(browser: Browser):
    tabs = []

    def open_() -> Watched:
        tab = Watched(browser)
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.context.close()


def test_readers_pages_in_both_languages_raise_no_csp_violation(site, watched):
    tab = watched()
    tag = Article.objects.get(slug=FIRST).tags.first()
    assert tag is not None
    pages = [
        "/en/",
        f"/en/articles/{FIRST}/",
        f"/en/tags/{tag.slug}/",
        "/en/search/?q=Putin",
        "/de/",
        f"/de/articles/{GERMAN_SLUG}/",
        f"/de/tags/{tag.slug}/",
        "/de/search/?q=Putin",
    ]
    for path in pages:
        page = tab.goto(site + path)
        # JSON-LD is data: the article keeps it under the policy, and it parses.
        if "/articles/" in path:
            assert page.evaluate(
                "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]')"
                ".textContent)['@type']"
            )
        tab.assert_clean()
    tab.goto(site + "/en/articles/no-such-article/", status=404)
    tab.assert_clean()


def test_the_desk_works_under_the_csp_with_no_violation(site, watched):
    editor = make_staff("Editors", username="ines")
    article = Article.objects.get(slug=FIRST)
    tab = watched()

    page = tab.goto(site + reverse("admin:login"))
    tab.assert_clean()
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_be_visible()
    tab.assert_clean()

    # The change form: autocomplete, the Markdown preview (a fetch from desk.js), saving.
    page = tab.goto(site + reverse("admin:articles_article_change", args=[article.pk]))
    page.fill(
        "#id_body",
        "A body with *emphasis*, a [link](https://example.org/) and an image from elsewhere:"
        "\n\n![A harbour](https://images.example.org/harbour.jpg)",
    )
    expect(
        page.frame_locator(".markdown-preview__frame").locator(".article__body em")
    ).to_have_text("emphasis")
    expect(
        page.frame_locator(".markdown-preview__frame").locator(".article__body img")
    ).to_have_attribute("alt", "A harbour")
    choose(page, ".field-section", "Politics")
    tab.assert_clean()
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    tab.assert_clean()

    # Share links: made from the change form.
    page.click("text=Create share link")
    expect(page.locator(".messagelist")).to_be_visible()
    tab.assert_clean()

    # A new article: the slug fills in from the headline (prepopulate.js), bylines inline.
    page = tab.goto(site + reverse("admin:articles_article_add"))
    page.locator("#id_headline").press_sequentially("Harbour strike ends")
    expect(page.locator("#id_slug")).to_have_value("harbour-strike-ends")
    page.locator(".add-row a").first.click()
    tab.assert_clean()

    # History: the list of versions and one version with its comparison.
    page = tab.goto(site + reverse("admin:articles_article_history", args=[article.pk]))
    tab.assert_clean()
    page.locator("#change-history a[href*='/history/']").first.click()
    expect(page.locator("#content h1")).to_be_visible()
    assert "/history/" in page.url
    tab.assert_clean()

    # Translations and the desk's home page.
    translation = ArticleTranslation.objects.get(slug=GERMAN_SLUG)
    tab.goto(site + reverse("admin:articles_articletranslation_change", args=[translation.pk]))
    tab.assert_clean()
    tab.goto(site + reverse("admin:index"))
    tab.assert_clean()

    # The article list, and a bulk action.
    page = tab.goto(site + reverse("admin:articles_article_changelist"))
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("3 of 3 selected")
    page.select_option("select[name=action]", "withdraw")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_be_visible()
    tab.assert_clean()


def test_the_lockout_page_after_too_many_failed_logins_raises_no_csp_violation(site, watched):
    make_staff("Editors", username="ines")
    tab = watched()
    page = tab.goto(site + reverse("admin:login"))
    for _ in range(10):
        page.fill("#id_username", "ines")
        page.fill("#id_password", "wrong password")
        page.click("input[type=submit]")
        page.wait_for_load_state()
        if page.locator("h2", has_text="Too many failed logins").count():
            break

    expect(page.locator("#content-main h2")).to_have_text("Too many failed logins")
    expect(page.locator(".errornote")).to_contain_text("try again in 15 minutes")
    screenshot(page, "desk", "login-locked-out")
    tab.assert_clean()


def test_a_violation_would_be_caught(site, watched):
    """The watch itself works: an inline script the policy refuses is reported."""
    tab = watched()
    page = tab.goto(site + "/en/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.body.append(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("script-src" in v for v in tab.violations())
