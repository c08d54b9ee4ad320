"""A reader in a real browser: reads the seed articles, switches language, searches, follows
the feed, on a phone and on a desktop.

Full-page screenshots of the readers' pages, at 375 px and 1280 px and in both languages, go
to test-artifacts/reader/ for people to look at.
"""

import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from .browser import ARTIFACTS
from .factories import make_article
from .test_browser import FIRST, GERMAN_SLUG, SECOND, THIRD, add_german_translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "reader"
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

SEED_HEADLINES = {
    FIRST: "China acts helplessly as Russia becomes North Korea’s closest partner",
    SECOND: "Kim meets Putin, and China acts as if it is none of its business",
    THIRD: "China’s eloquent silence on Kim and Putin",
}
GERMAN_HEADLINE = "China wirkt hilflos, während Russland zu Nordkoreas engstem Partner wird"

# What each screenshot shows, per language: the front page, every seed article as a reader of
# that language finds it (in German: the translation, and the two originals with their
# "no translation yet" notice), a section front and search results.
PAGES = {
    "en": {
        "home": "/en/",
        "article-1": f"/en/articles/{FIRST}/",
        "article-2": f"/en/articles/{SECOND}/",
        "article-3-unsigned-undated": f"/en/articles/{THIRD}/",
        "section": "/en/sections/politics/",
        "search": "/en/search/?q=Putin",
    },
    "de": {
        "home": "/de/",
        "article-1-translation": f"/de/articles/{GERMAN_SLUG}/",
        "article-2-untranslated": f"/de/articles/{SECOND}/",
        "article-3-untranslated": f"/de/articles/{THIRD}/",
        "section": "/de/sections/politics/",
        "search": "/de/search/?q=Putin",
    },
}


@pytest.fixture
def site(live_server) -> str:
    """The seed articles, the first of them translated into German."""
    call_command("loaddata", "seed_articles", verbosity=0)
    add_german_translation()
    return live_server.url


@pytest.fixture
def open_tab(browser: Browser, live_server):
    """A fresh browser tab at a viewport ("phone" or "desktop").

    Set up after the live server, so torn down before it: the tabs are closed before the
    database is emptied, never while one still has a request in flight."""
    contexts = []

    def open_(viewport: str = "desktop") -> Page:
        context = browser.new_context(**VIEWPORTS[viewport])
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def sideways_overflow(page: Page) -> dict:
    """How far the page reaches beyond the phone's width, and the elements that do."""
    return page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            tooWide: [...document.querySelectorAll("body *")]
                .filter((element) => element.getBoundingClientRect().right > innerWidth + 0.5)
                .slice(0, 10)
                .map((element) => element.localName
                    + [...element.classList].map((name) => "." + name).join("")),
        })"""
    )


def test_reader_reads_the_three_seeded_articles_from_the_front_page(open_tab, site):
    page = open_tab("desktop")

    for slug, headline in SEED_HEADLINES.items():
        page.goto(f"{site}/en/")
        page.locator("main").get_by_role("link", name=headline, exact=True).first.click()

        expect(page).to_have_url(f"{site}/en/articles/{slug}/")
        expect(page.locator("h1")).to_have_text(headline)
        expect(page.locator(".article__body p").first).to_be_visible()
        assert page.locator(".article__body p").count() >= 5, f"{slug}: the body is missing"


def test_reader_switches_an_article_to_its_german_translation_and_back(open_tab, site):
    page = open_tab("desktop")
    page.goto(f"{site}/en/articles/{FIRST}/")

    page.locator(".language-switcher").get_by_role("link", name="DE").click()

    expect(page).to_have_url(f"{site}/de/articles/{GERMAN_SLUG}/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text(GERMAN_HEADLINE)
    expect(page.locator(".article__body")).to_contain_text("Seine Nachbarn kann man sich nicht")
    expect(page.locator(".notice")).to_have_count(0)

    page.locator(".language-switcher").get_by_role("link", name="EN").click()

    expect(page).to_have_url(f"{site}/en/articles/{FIRST}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(SEED_HEADLINES[FIRST])


def test_reader_searches_from_the_masthead_and_opens_a_result(open_tab, site):
    page = open_tab("phone")
    page.goto(f"{site}/en/articles/{THIRD}/")

    page.locator(".masthead").get_by_role("searchbox").fill("Pyongyang")
    page.locator(".masthead").get_by_role("button", name="Search").click()

    expect(page).to_have_url(f"{site}/en/search/?q=Pyongyang")
    expect(page.locator("h1")).to_have_text("Search")
    results = page.locator(".result-list .teaser__headline a")
    expect(results.first).to_be_visible()
    first_headline = results.first.inner_text()
    assert first_headline in SEED_HEADLINES.values()

    results.first.click()

    expect(page.locator("h1")).to_have_text(first_headline)


def test_reader_follows_the_rss_link_in_the_footer_and_gets_the_feed(open_tab, site):
    page = open_tab("desktop")
    page.goto(f"{site}/de/")
    feed_link = page.locator(".site-footer").get_by_role("link", name="RSS")
    expect(page.locator('head link[rel=alternate][type="application/rss+xml"]')).to_have_attribute(
        "href", feed_link.get_attribute("href")
    )

    with page.expect_navigation() as navigation:
        feed_link.click()

    response = navigation.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.body()).find("channel")
    titles = [item.findtext("title") for item in channel.iter("item")]
    assert GERMAN_HEADLINE in titles
    assert SEED_HEADLINES[SECOND] in titles


@pytest.mark.parametrize("path", ["/en/", f"/en/articles/{FIRST}/", f"/de/articles/{GERMAN_SLUG}/"])
def test_pages_do_not_scroll_sideways_on_a_375_px_phone(open_tab, site, path):
    page = open_tab("phone")
    page.goto(site + path)

    layout = sideways_overflow(page)

    # A phone widens its layout viewport to fit overflowing content: it must stay 375 px.
    assert layout["innerWidth"] == 375, f"{path} is too wide: {layout}"
    assert layout["scrollWidth"] <= layout["innerWidth"], f"{path} scrolls sideways: {layout}"


@pytest.mark.parametrize("language", PAGES)
def test_screenshots_of_the_readers_pages_at_phone_and_desktop_widths(open_tab, site, language):
    for viewport in VIEWPORTS:
        page = open_tab(viewport)
        for name, path in PAGES[language].items():
            response = page.goto(site + path)
            assert response is not None and response.status == 200, path
            expect(page.locator("h1")).to_have_count(1)
            screenshot(page, f"{language}-{viewport}-{name}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_drop_cap_never_crowds_a_subheading_after_a_one_line_paragraph(
    open_tab, live_server, viewport
):

    article = make_article(
        headline="Short opening",
        body="One line.\n\n## What happened next\n\nThe story goes on.",
    )
    page = open_tab(viewport)
    page.goto(live_server.url + article.get_absolute_url())

    # The drop cap (the first letter, floated: as tall as its line) and the subheading under it.
    cap_bottom, heading_top, gap = page.evaluate(
        """() => {
            const paragraph = document.querySelector(".article__body > p");
            const cap = getComputedStyle(paragraph, "::first-letter");
            const heading = document.querySelector(".article__body h2");
            return [
                paragraph.getBoundingClientRect().top + parseFloat(cap.marginTop)
                    + parseFloat(cap.lineHeight) + parseFloat(cap.marginBottom),
                heading.getBoundingClientRect().top,
                parseFloat(getComputedStyle(heading).marginTop),
            ];
        }"""
    )
    screenshot(page, f"drop-cap-before-subheading-{viewport}")
    # As much space above the subheading as after any paragraph: the drop cap takes none of it.
    assert heading_top - cap_bottom >= gap - 1, (cap_bottom, heading_top, gap)
