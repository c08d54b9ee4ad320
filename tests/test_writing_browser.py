"""The writing view in a real browser, in the English and the German desk: the preview beside
the body in the readers' own type, phone width and the other language, the Markdown toolbar,
and an autosave offered back after a closed tab. Screenshots go to test-artifacts/writing/."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from articles.models import Article, ArticleTranslation, Autosave, Status

from .desk_browser import LOCALES, VIEWPORTS, log_in, screenshot
from .factories import make_article, make_staff
from .test_browser import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "writing"  # test-artifacts/writing/
# The desktop wide enough for the preview beside the body.
SIZES = {"desktop": {"width": 1600, "height": 1000}, "phone": VIEWPORTS["phone"]}
WORDS = {
    "en": {"bold": "Bold", "phone": "Phone width", "restore": "Restore them", "save": "Save"},
    "de": {
        "bold": "Fett",
        "phone": "Handybreite",
        "restore": "Wiederherstellen",
        "save": "Sichern",
    },
}
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""
BODY = "The storm reached the coast.\n\n- Ferries stopped\n- Schools closed\n\n> Stay inside."


@pytest.fixture
def open_tab(open_as, site):
    """A logged-in tab at a viewport and desk language, collecting CSP complaints; given an
    earlier tab's `context`, a second tab beside it (logged in already)."""

    def record_violations(context: BrowserContext) -> None:
        context.add_init_script(RECORD_VIOLATIONS)

    def open_(user, viewport="desktop", language="en", context=None) -> Page:
        if context is None:
            page = open_as(None, SIZES[viewport], LOCALES[language], prepare=record_violations)
        else:
            page = context.new_page()
        page.csp_console = []
        page.on(
            "console",
            lambda message: (
                page.csp_console.append(f"{page.url}: {message.text} {message.location}")
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        if not page.context.cookies():
            log_in(page, site, user)
        return page

    return open_


def csp_violations(page: Page) -> list[str]:
    found = list(page.csp_console)
    for frame in page.frames:
        found += frame.evaluate("window.__cspViolations || []")
    return found


def preview(page: Page):
    return page.frame_locator(".markdown-preview__frame")


def computed(page: Page, selector: str, prop: str) -> str:
    frame = page.locator(".markdown-preview__frame").element_handle().content_frame()
    return frame.eval_on_selector(selector, "(node, prop) => getComputedStyle(node)[prop]", prop)


@pytest.fixture
def story():
    article = make_article(
        headline="Storm on the coast",
        standfirst="Ferries stop.",
        body="Old text.",
        status=Status.DRAFT,
        published_at=None,
    )
    ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Sturm an der Küste",
        slug="sturm-an-der-kueste",
        body="Der **Sturm** erreichte die Küste.",
    )
    return article


@pytest.mark.parametrize("language", ["en", "de"])
def test_typing_in_the_body_updates_the_preview_beside_it_in_the_readers_type(
    open_tab, site, story, language
):
    words = WORDS[language]
    page = open_tab(make_staff("Editors"), language=language)
    page.goto(site + reverse("admin:articles_article_change", args=[story.pk]))

    page.fill("#id_body", BODY)

    expect(preview(page).locator(".article__body li")).to_have_count(2)
    expect(preview(page).locator(".article__headline")).to_have_text("Storm on the coast")
    # The readers' stylesheet: 19 px list items and an italic quote on a desktop page.
    assert computed(page, ".article__body li", "fontSize") == "19px"
    assert computed(page, ".article__body blockquote", "fontStyle") == "italic"
    page.locator(".field-body").scroll_into_view_if_needed()
    screenshot(page, SHOTS, f"writing-desktop-{language}", full_page=False)
    # Beside the body, not below it.
    body_box = page.locator("#id_body").bounding_box()
    preview_box = page.locator(".markdown-preview").bounding_box()
    assert preview_box["x"] >= body_box["x"] + body_box["width"]
    assert preview_box["y"] < body_box["y"] + body_box["height"]

    # The page as a phone shows it: 390 px wide, the readers' smaller phone type.
    page.get_by_role("button", name=words["phone"]).click()
    expect(page.get_by_role("button", name=words["phone"])).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".markdown-preview__frame")).to_have_js_property("offsetWidth", 390)
    page.wait_for_function(
        """() => getComputedStyle(document.querySelector(".markdown-preview__frame")
            .contentDocument.querySelector(".article__body li")).fontSize === "18px\""""
    )
    screenshot(page, SHOTS, f"writing-desktop-phone-preview-{language}", full_page=False)

    # The other language: the translation's text, rendered.
    page.select_option("#preview-text", label="Deutsch" if language == "de" else "German")
    expect(preview(page).locator(".article__headline")).to_have_text("Sturm an der Küste")
    expect(preview(page).locator(".article__body strong")).to_have_text("Sturm")
    expect(preview(page).locator("html")).to_have_attribute("lang", "de")
    page.select_option("#preview-text", index=0)
    expect(preview(page).locator(".article__headline")).to_have_text("Storm on the coast")

    assert csp_violations(page) == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_toolbar_wraps_the_selection_and_marks_lines(open_tab, site, story, language):
    page = open_tab(make_staff("Editors"), language=language)
    page.goto(site + reverse("admin:articles_article_change", args=[story.pk]))
    body = page.locator("#id_body")
    body.fill("Make this bold.\nA line.")
    body.evaluate("(node) => node.setSelectionRange(5, 9)")

    page.get_by_role("button", name=WORDS[language]["bold"]).click()

    expect(body).to_have_value("Make **this** bold.\nA line.")
    expect(preview(page).locator(".article__body strong")).to_have_text("this")
    # Keyboard: the quote button, reached by Tab from the toolbar, marks the current line.
    body.evaluate("(node) => node.setSelectionRange(22, 22)")
    quote = page.locator(".markdown-toolbar [data-prefix='> ']")
    quote.focus()
    page.keyboard.press("Enter")
    expect(body).to_have_value("Make **this** bold.\n> A line.")
    expect(preview(page).locator(".article__body blockquote")).to_contain_text("A line.")


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_restored_autosave_after_a_closed_tab_is_saved(browser, open_tab, site, story, language):
    words = WORDS[language]
    editor = make_staff("Editors")
    page = open_tab(editor, language=language)
    url = site + reverse("admin:articles_article_change", args=[story.pk])
    page.goto(url)
    page.locator("#id_body").fill("Words typed on the train.")
    expect(page.locator(".markdown-toolbar__status")).not_to_be_empty(timeout=10_000)
    assert Autosave.objects.get().fields["body"] == "Words typed on the train."
    context = page.context
    page.close()  # no save, no beforeunload question: the tab is gone

    page = open_tab(editor, language=language, context=context)
    page.goto(url)
    banner = page.locator(".autosave-banner")
    expect(banner).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("Old text.")
    screenshot(page, SHOTS, f"writing-banner-{language}", full_page=False)
    assert csp_violations(page) == []
    # Django's own widgets on the form fail axe; the writing view's parts must not.
    scope = {"include": [[".autosave-banner"], [".markdown-toolbar"], [".markdown-preview__bar"]]}
    violations = Axe().run(page, context=scope).response["violations"]
    assert not violations, describe_violations(violations, f"the writing view ({language})")
    page.csp_console.clear()  # axe's own injected styles, not the desk's

    page.get_by_role("button", name=words["restore"]).click()
    expect(banner).to_have_count(0)
    expect(page.locator("#id_body")).to_have_value("Words typed on the train.")
    expect(preview(page).locator(".article__body")).to_contain_text("Words typed on the train.")
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()

    assert Article.objects.get(pk=story.pk).body == "Words typed on the train."
    assert not Autosave.objects.exists()
    page.goto(url)
    expect(page.locator(".autosave-banner")).to_have_count(0)
    assert csp_violations(page) == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_writing_view_on_a_phone_stacks_the_preview_under_the_body(
    open_tab, site, story, language
):
    page = open_tab(make_staff("Editors"), viewport="phone", language=language)
    page.goto(site + reverse("admin:articles_article_change", args=[story.pk]))
    page.fill("#id_body", BODY)
    expect(preview(page).locator(".article__body li")).to_have_count(2)

    body_box = page.locator("#id_body").bounding_box()
    preview_box = page.locator(".markdown-preview").bounding_box()
    assert preview_box["y"] >= body_box["y"] + body_box["height"]
    assert preview_box["width"] <= 390
    page.locator(".markdown-toolbar").scroll_into_view_if_needed()
    screenshot(page, SHOTS, f"writing-phone-toolbar-{language}", full_page=False)
    page.locator(".markdown-preview").scroll_into_view_if_needed()
    screenshot(page, SHOTS, f"writing-phone-preview-{language}", full_page=False)
    assert csp_violations(page) == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_translation_is_written_beside_its_preview_which_shows_the_original_too(
    open_tab, site, story, language
):
    translation = story.translations.get()
    page = open_tab(make_staff("Translators"), language=language)
    page.goto(site + reverse("admin:articles_articletranslation_change", args=[translation.pk]))
    page.fill("#id_body", "Der Sturm erreichte die Küste.\n\n- Fähren standen still")

    expect(preview(page).locator(".article__body li")).to_have_text("Fähren standen still")
    expect(preview(page).locator("html")).to_have_attribute("lang", "de")
    page.locator(".field-body").scroll_into_view_if_needed()
    screenshot(page, SHOTS, f"writing-translation-{language}", full_page=False)
    page.select_option("#preview-text", label="Englisch" if language == "de" else "English")
    expect(preview(page).locator(".article__headline")).to_have_text("Storm on the coast")
    expect(preview(page).locator(".article__body")).to_contain_text("Old text.")
    expect(page.locator(".markdown-toolbar [data-media]")).to_be_hidden()
    assert csp_violations(page) == []


def test_discarding_a_kept_text_forgets_it_and_keeps_the_saved_one(open_tab, site, story):
    editor = make_staff("Editors")
    Autosave.objects.create(
        user=editor, kind="article", article=story, fields={"body": "Thrown away."}
    )
    page = open_tab(editor, language="de")
    page.goto(site + reverse("admin:articles_article_change", args=[story.pk]))

    page.get_by_role("button", name="Verwerfen").click()

    # The banner goes once the server has answered the discard.
    expect(page.locator(".autosave-banner")).to_have_count(0)
    expect(page.locator("#id_body")).to_have_value("Old text.")
    assert not Autosave.objects.exists()


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_translator_starts_a_translation_in_one_click_and_saves_it(open_tab, site, language):
    article = make_article(
        language="en", headline="Harbour strike ends", body="The strike ended on Monday."
    )
    page = open_tab(make_staff("Translators"), language=language)
    page.goto(site + reverse("admin:articles_article_change", args=[article.pk]))

    label = "Übersetzen in: Deutsch" if language == "de" else "Translate into German"
    page.get_by_role("link", name=label).click()

    expect(page.locator("#id_language")).to_have_value("de")
    expect(page.locator("#id_headline")).to_have_value("Harbour strike ends")
    expect(page.locator(".original__headline")).to_have_text("Harbour strike ends")
    page.fill("#id_headline", "Hafenstreik beendet")
    page.fill("#id_slug", "hafenstreik-beendet")
    page.fill("#id_body", "Der Streik endete am Montag.")
    expect(preview(page).locator(".article__body")).to_contain_text("Der Streik endete am Montag.")
    expect(preview(page).locator("html")).to_have_attribute("lang", "de")
    assert csp_violations(page) == []
    page.get_by_role("button", name=WORDS[language]["save"], exact=True).click()

    expect(page.locator(".messagelist")).to_be_visible()
    translation = ArticleTranslation.objects.get(article=article)
    assert (translation.language, translation.headline) == ("de", "Hafenstreik beendet")
    assert translation.body == "Der Streik endete am Montag."
