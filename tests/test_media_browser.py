"""Pictures, galleries and embeds in a real browser: an editor inserts them with the picker and
publishes; readers in English and German, on a phone and a desktop, see the figures, and meet
the video's provider only when they click to load it. Accessible (axe), under the same CSP as
any article, and a plain link without JavaScript.

The test server does not serve uploads (production's web server does): each tab serves
/media/ from the test's MEDIA_ROOT itself, so the requests still go to the live server's
address. The oEmbed provider is a fake on 127.0.0.1, and the provider's frame is answered by
the tab, so nothing leaves the machine. Screenshots go to test-artifacts/media/.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from articles.media import library
from articles.models import Article, ArticleTranslation, MediaImageTranslation, Status

from .desk_browser import HANDHELD, VIEWPORTS, choose, screenshot
from .factories import make_article, make_author, make_image, make_section, make_staff, picture_file
from .test_browser import describe_violations
from .test_csp_browser import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "media"  # test-artifacts/media/

VIDEO_ID = "aqz-KE-bpKQ"
YOUTUBE_URL = f"https://www.youtube.com/watch?v={VIDEO_ID}"
FRAME_URL = f"https://www.youtube-nocookie.com/embed/{VIDEO_ID}?feature=oembed"
VIDEO_TITLE = "Big Buck Bunny at the harbour"
YOUTUBE_ANSWER = {
    "type": "video",
    "version": "1.0",
    "provider_name": "YouTube",
    "title": VIDEO_TITLE,
    "author_name": "Blender",
    "width": 672,
    "height": 378,
    "html": f'<iframe width="672" height="378" src="https://www.youtube.com/embed/{VIDEO_ID}'
    f'?feature=oembed" frameborder="0" allowfullscreen title="{VIDEO_TITLE}"></iframe>',
}
CREDIT = "Jane Doe / Reuters"
MEDIA_LINES = (
    "[[image harbour-dawn]]\n\n"
    "[[gallery harbour-ferry, harbour-cranes]]\n\n"
    f"[[embed {YOUTUBE_URL}]]"
)
GERMAN_SLUG = "hafenstreik-endet"


@pytest.fixture
def youtube(oembed_server):
    """YouTube's oEmbed endpoint on 127.0.0.1 (tests/oembed.py), answering for the video."""
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    return oembed_server


@pytest.fixture
def pictures():
    """Three harbour pictures (English texts, German ones beside) and one that no search for
    "harbour" finds. The picker lists the newest first; a gallery takes the order in which
    the editor ticks them."""
    made = {
        slug: make_image(
            title=title,
            slug=slug,
            alt=alt,
            caption=caption,
            credit=CREDIT,
            file=picture_file(1200, 800, name=f"{slug}.jpg", colour=colour),
        )
        for slug, title, alt, caption, colour in [
            (
                "harbour-ferry",
                "Harbour ferry",
                "A ferry leaving the quay",
                "Ferries kept running.",
                (30, 130, 70),
            ),
            (
                "harbour-cranes",
                "Harbour cranes",
                "Three idle container cranes",
                "The cranes stood still for a week.",
                (40, 90, 160),
            ),
            (
                "harbour-dawn",
                "Harbour at dawn",
                "Cranes against an orange sky",
                "The harbour at dawn on Monday.",
                (220, 120, 40),
            ),
        ]
    }
    german = {
        "harbour-dawn": ("Kräne vor orangefarbenem Himmel", "Der Hafen am Montagmorgen."),
        "harbour-cranes": ("Drei stillstehende Containerkräne", "Die Kräne standen eine Woche."),
        "harbour-ferry": ("Eine Fähre legt vom Kai ab", "Die Fähren fuhren weiter."),
    }
    for slug, (alt, caption) in german.items():
        MediaImageTranslation.objects.create(
            image=made[slug], language="de", alt=alt, caption=caption
        )
    make_image(title="Council chamber", slug="council-chamber")
    return made


def add_german_translation(article: Article) -> ArticleTranslation:
    return ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafenarbeiter beenden ihren Streik",
        slug=GERMAN_SLUG,
        standfirst="Nach einer Woche laufen die Kräne wieder.",
        body=f"Der Streik endete am Montag nach Verhandlungen.\n\n{MEDIA_LINES}",
        status=Status.PUBLISHED,
    )


@pytest.fixture
def media_article(site, youtube, pictures):
    """A published article showing a picture, a gallery and a YouTube video, in German too."""
    library.fetch_embeds([YOUTUBE_URL])
    article = make_article(
        headline="Harbour workers end their strike",
        slug="harbour-workers-end-their-strike",
        standfirst="After a week the cranes move again.",
        body=f"The strike ended on Monday after talks.\n\n{MEDIA_LINES}",
        authors=[make_author(name="Rita Reporter")],
    )
    add_german_translation(article)
    return article


def serve_media(context: BrowserContext, site: str) -> None:
    """Answer the live server's /media/ addresses from this test's MEDIA_ROOT, as production's
    web server would."""
    prefix = "/" + settings.MEDIA_URL.strip("/") + "/"
    root = Path(settings.MEDIA_ROOT)

    def fulfil(route):
        file = root / unquote(urlsplit(route.request.url).path.removeprefix(prefix))
        if not file.is_file():
            route.fulfill(status=404)
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix == ".avif":
            content_type = "image/avif"
        route.fulfill(path=file, content_type=content_type)

    context.route(f"{site}{prefix}**", fulfil)


@pytest.fixture
def open_tab(open_as, site):
    """A tab at a viewport (phone or desktop), optionally logged in as `user`, serving media
    and recording CSP violations."""

    def prepare(context: BrowserContext) -> None:
        context.add_init_script(RECORD_VIOLATIONS)
        serve_media(context, site)

    def open_(viewport="desktop", user=None, **options) -> Page:
        return open_as(user, viewport, prepare=prepare, **HANDHELD[viewport], **options)

    return open_


def scroll_through(page: Page) -> None:
    """Scroll to the bottom in steps, as a reader does, so that lazy pictures load."""
    height = page.evaluate("document.documentElement.scrollHeight")
    step = page.viewport_size["height"] // 2
    for top in range(0, height + step, step):
        page.evaluate("(top) => window.scrollTo(0, top)", top)
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


def wait_until_decoded(page: Page, selector: str) -> None:
    """Wait until every image matched has loaded and decoded: a broken or blocked one never
    gets a natural width. (A function, not an expression: the page's CSP forbids eval.)"""
    page.wait_for_function(
        """(selector) => [...document.querySelectorAll(selector)]
            .every((img) => img.complete && img.naturalWidth > 0)""",
        arg=selector,
    )


def shown_pictures(page: Page) -> list[str]:
    """The address each body picture was loaded from; fails on any that did not load."""
    images = page.locator(".article__body picture img")
    expect(images).to_have_count(3)
    wait_until_decoded(page, ".article__body picture img")
    return images.evaluate_all("(images) => images.map((img) => img.currentSrc)")


EXPECTED = {
    "en": {
        "path": "/en/articles/harbour-workers-end-their-strike/",
        "alt": ["Cranes against an orange sky", "A ferry leaving the quay"],
        "caption": "The harbour at dawn on Monday.",
        "credit": f"Photo: {CREDIT}",
        "load": "Load content from YouTube",
        "source": "Blender on YouTube",
    },
    "de": {
        "path": f"/de/articles/{GERMAN_SLUG}/",
        "alt": ["Kräne vor orangefarbenem Himmel", "Eine Fähre legt vom Kai ab"],
        "caption": "Der Hafen am Montagmorgen.",
        "credit": f"Foto: {CREDIT}",
        "load": "Inhalt von YouTube laden",
        "source": "Blender auf YouTube",
    },
}


def check_reader_page(page: Page, language: str) -> None:
    expected = EXPECTED[language]
    body = page.locator(".article__body")

    figure = body.locator("figure.figure--image")
    expect(figure).to_have_count(1)
    expect(figure.locator("picture source[type='image/avif']")).to_have_count(1)
    expect(figure.locator("picture source[type='image/webp']")).to_have_count(1)
    expect(figure.locator("img")).to_have_attribute("alt", expected["alt"][0])
    expect(figure.locator("figcaption")).to_contain_text(expected["caption"])
    expect(figure.locator("figcaption .credit")).to_have_text(expected["credit"])
    expect(figure).to_be_visible()

    gallery = body.locator(".figure--gallery .gallery__item")
    expect(gallery).to_have_count(2)
    expect(gallery.first.locator("img")).to_have_attribute("alt", expected["alt"][1])
    for item in gallery.all():
        expect(item.locator("picture source[type='image/avif']")).to_have_count(1)
        expect(item.locator(".credit")).to_have_text(expected["credit"])

    embed = body.locator("figure.embed")
    expect(embed).to_have_attribute("data-embed-src", FRAME_URL)
    title = embed.locator(".embed-card__title a")
    expect(title).to_have_text(VIDEO_TITLE)
    expect(title).to_have_attribute("href", YOUTUBE_URL)
    expect(embed.locator(".embed-card__source")).to_have_text(expected["source"])
    expect(embed.locator(".embed-load")).to_be_visible()
    expect(embed.locator(".embed-load")).to_have_text(expected["load"])
    expect(embed.locator("iframe")).to_have_count(0)

    # Chromium takes the AVIF sources; every picture decoded.
    sources = shown_pictures(page)
    assert all(urlsplit(src).path.endswith(".avif") for src in sources), sources


def test_an_editor_inserts_pictures_a_gallery_and_a_video_and_readers_see_them_in_both_languages(
    open_tab, site, youtube, pictures
):
    make_section(name="Port", slug="port")
    make_author(name="Rita Reporter", slug="rita-reporter")
    editor = make_staff("Editors")
    page = open_tab("desktop", editor)
    page.goto(f"{site}{reverse('admin:articles_article_add')}")
    page.locator("#id_headline").press_sequentially("Harbour workers end their strike")
    expect(page.locator("#id_slug")).to_have_value("harbour-workers-end-their-strike")
    page.fill("#id_standfirst", "After a week the cranes move again.")
    page.fill("#id_body", "The strike ended on Monday after talks.")

    picker = page.locator(".media-picker")
    expect(picker).to_be_visible()
    page.fill("#media-picker-query", "harbour")
    results = picker.locator(".media-picker__results li")
    expect(results).to_have_count(3)
    expect(picker.locator(".media-picker__results")).not_to_contain_text("Council chamber")
    expect(picker.locator(".media-picker__results img").first).to_have_js_property("complete", True)

    image_button = picker.get_by_role("button", name="Insert the picture")
    gallery_button = picker.get_by_role("button", name="Insert as a gallery")
    expect(image_button).to_be_disabled()
    picker.get_by_label("Harbour at dawn").check()
    expect(gallery_button).to_be_disabled()
    image_button.click()
    picker.get_by_label("Harbour at dawn").uncheck()
    # Ticked in the order the gallery shows them, not the picker's (newest first).
    picker.get_by_label("Harbour ferry").check()
    picker.get_by_label("Harbour cranes").check()
    expect(image_button).to_be_disabled()
    gallery_button.click()
    page.fill("#media-picker-embed", YOUTUBE_URL)
    picker.get_by_role("button", name="Insert the embed").click()
    expect(page.locator("#media-picker-embed")).to_have_value("")

    expect(page.locator("#id_body")).to_have_value(
        f"The strike ended on Monday after talks.\n\n{MEDIA_LINES}\n"
    )
    preview = page.frame_locator(".markdown-preview__frame").locator(".article__body")
    expect(preview.locator("figure.figure--image img")).to_have_attribute(
        "alt", "Cranes against an orange sky"
    )
    expect(preview.locator(".gallery__item")).to_have_count(2)
    page.locator(".markdown-preview").scroll_into_view_if_needed()  # its pictures load lazily
    frame = page.locator(".markdown-preview__frame").element_handle().content_frame()
    wait_until_decoded(frame, ".article__body img")
    picker.scroll_into_view_if_needed()
    screenshot(page, SHOTS, "desk-picker")

    choose(page, ".field-section", "Port")
    choose(page, "#bylines-0", "Rita Reporter")
    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    article = Article.objects.get(slug="harbour-workers-end-their-strike")
    assert article.status == Status.PUBLISHED
    assert article.body == f"The strike ended on Monday after talks.\n\n{MEDIA_LINES}"
    # The embed was asked of the (fake) provider once, when the article was saved.
    assert [path for path, _query, _headers in youtube.requests] == ["/youtube"]
    assert youtube.requests[0][1]["url"] == [YOUTUBE_URL]
    assert set(article.media_uses.values_list("image__slug", flat=True)) == {
        "harbour-dawn",
        "harbour-cranes",
        "harbour-ferry",
        None,  # the embed's use
    }

    add_german_translation(article)
    for viewport in VIEWPORTS:
        reader = open_tab(viewport)
        for language in ("en", "de"):
            response = reader.goto(site + EXPECTED[language]["path"])
            assert response is not None and response.status == 200
            check_reader_page(reader, language)
            scroll_through(reader)
            screenshot(reader, SHOTS, f"article-{language}-{viewport}")
            # Nothing is wider than the screen (a phone would widen its viewport to fit).
            width = VIEWPORTS[viewport]["width"]
            assert reader.evaluate("[window.innerWidth, document.documentElement.scrollWidth]") == [
                width,
                width,
            ], f"{language} at {viewport} scrolls sideways"


def test_no_request_leaves_for_another_host_until_the_reader_loads_the_video(
    open_tab, site, media_article
):
    page = open_tab("desktop")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    frames_asked: list[str] = []

    def provider(route):
        # No network here: the frame gets a stand-in page, and nothing leaves the machine.
        frames_asked.append(route.request.url)
        route.fulfill(content_type="text/html", body="<!doctype html><title>Video</title>")

    page.context.route("https://www.youtube-nocookie.com/**", provider)

    page.goto(site + EXPECTED["en"]["path"])
    scroll_through(page)
    shown_pictures(page)
    origin = site.rstrip("/")
    elsewhere = [url for url in requests if not url.startswith(origin + "/")]
    assert elsewhere == []
    assert any("/media/" in url for url in requests)  # the pictures were asked for, here

    before = len(requests)
    with page.expect_request(FRAME_URL):
        page.locator(".embed-load").click()
    frame = page.locator("figure.embed iframe.embed__frame")
    expect(frame).to_have_attribute("src", FRAME_URL)
    expect(frame).to_have_attribute("title", VIDEO_TITLE)
    assert "allow-scripts" in frame.get_attribute("sandbox")
    expect(page.locator(".embed-load")).to_have_count(0)
    # The link to the original stays, under the frame.
    expect(page.locator("figure.embed figcaption a")).to_have_attribute("href", YOUTUBE_URL)
    page.wait_for_load_state("networkidle")
    after = [url for url in requests[before:] if not url.startswith(origin + "/")]
    assert after == [FRAME_URL]
    assert frames_asked == [FRAME_URL]
    screenshot(page, SHOTS, "article-en-desktop-video-loaded")


def run_axe(page: Page, where: str, context=None) -> None:
    violations = Axe().run(page, context=context).response["violations"]
    assert not violations, describe_violations(violations, where)


def test_axe_finds_nothing_on_the_article_with_media_nor_on_the_picker(
    open_tab, site, media_article
):
    for viewport in VIEWPORTS:
        page = open_tab(viewport)
        for language in ("en", "de"):
            page.goto(site + EXPECTED[language]["path"])
            scroll_through(page)
            run_axe(page, f"{language} article at {viewport}")

    page = open_tab("desktop", make_staff("Editors"))
    page.goto(f"{site}{reverse('admin:articles_article_change', args=[media_article.pk])}")
    expect(page.locator(".media-picker__results li")).to_have_count(4)
    page.locator(".media-picker__results input").first.check()
    expect(
        page.frame_locator(".markdown-preview__frame").locator(".article__body .gallery__item")
    ).to_have_count(2)
    page.locator(".media-picker").scroll_into_view_if_needed()
    screenshot(page, SHOTS, "desk-picker-change-form")
    # Django's own widgets on this form (select2, the inline tables, the split date and time)
    # have violations that are not the picker's; the picker and the preview must have none.
    run_axe(page, "the picker", context={"include": [[".media-picker"], [".markdown-preview"]]})


def csp_violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_media_change_nothing_in_the_csp_and_raise_no_violation(open_tab, site, media_article):
    plain = make_article(headline="Council meets", slug="council-meets", authors=[make_author()])
    page = open_tab("desktop")
    console: list[str] = []
    page.on(
        "console",
        lambda message: message.type == "error" and console.append(message.text),
    )
    page.on("pageerror", lambda error: console.append(str(error)))
    page.context.route(
        "https://www.youtube-nocookie.com/**",
        lambda route: route.fulfill(content_type="text/html", body="<title>Video</title>"),
    )

    without = page.goto(f"{site}/en/articles/{plain.slug}/")
    assert without is not None and without.status == 200
    for language in ("en", "de"):
        with_media = page.goto(site + EXPECTED[language]["path"])
        assert with_media is not None and with_media.status == 200
        assert (
            with_media.headers["content-security-policy"]
            == (without.headers["content-security-policy"])
        )
        scroll_through(page)
        shown_pictures(page)
        # Loading the video is within the policy too (frame-src names the provider's host):
        # a frame the policy refused would never be requested.
        with page.expect_request(FRAME_URL):
            page.locator(".embed-load").click()
        page.wait_for_load_state("networkidle")
        assert csp_violations(page) == []
    assert console == []


def test_without_javascript_the_video_is_a_plain_link(open_tab, site, media_article):
    for language in ("en", "de"):
        page = open_tab("phone", java_script_enabled=False)
        page.goto(site + EXPECTED[language]["path"])
        embed = page.locator("figure.embed")
        link = embed.get_by_role("link", name=VIDEO_TITLE)
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", YOUTUBE_URL)
        expect(embed.get_by_role("button")).to_have_count(0)
        expect(embed.locator(".embed-load")).to_be_hidden()
        expect(embed.locator(".embed-card__note")).to_be_hidden()
        expect(embed.locator("iframe")).to_have_count(0)
        # The pictures need no script either.
        expect(page.locator(".article__body picture img")).to_have_count(3)
        screenshot(page, SHOTS, f"article-{language}-phone-without-javascript")
