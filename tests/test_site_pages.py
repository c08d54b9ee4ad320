"""The site's own pages (About, Impressum, Datenschutz) and the editors' menus: readers see
published pages in their language with the other language linked; drafts are nobody's but the
desk's; the workflow and revisions are the articles'; sitemaps list pages, news surfaces never."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from articles.models import Status
from pages import editorial
from pages.models import MenuLink, MenuPlace, Page

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def make_page(title="Impressum", slug="impressum", language="en", **fields):
    fields.setdefault("body", f"Body of the {title} page.")
    fields.setdefault("status", Status.PUBLISHED)
    return Page.objects.create(title=title, slug=slug, language=language, **fields)


@pytest.fixture
def impressum():
    """An Impressum in English and its German translation, both published."""
    english = make_page("Legal notice", "legal-notice", body="Who publishes this site.")
    german = make_page(
        "Impressum", "impressum", language="de", translation_of=english, body="Wer das ist."
    )
    return english, german


def alternates(html):
    return {
        line.split('hreflang="')[1].split('"')[0]
        for line in html.splitlines()
        if 'rel="alternate"' in line and "hreflang=" in line
    }


def test_an_impressum_in_english_and_german_are_both_reachable_and_link_each_other(
    client, impressum
):
    english = client.get("/en/pages/legal-notice/")
    german = client.get("/de/pages/impressum/")

    assert english.status_code == 200
    assert german.status_code == 200
    assert "<h1" in german.content.decode() and "Impressum" in german.content.decode()
    assert "Who publishes this site." in english.content.decode()
    for response in (english, german):
        html = response.content.decode()
        assert alternates(html) >= {"en", "de", "x-default"}
        assert 'href="http://testserver/de/pages/impressum/"' in html
        assert 'href="http://testserver/en/pages/legal-notice/"' in html
    # The language switcher goes to the translation, not to a made-up address.
    assert 'href="/de/pages/impressum/" hreflang="de"' in english.content.decode()
    assert 'href="/en/pages/legal-notice/" hreflang="en"' in german.content.decode()


def test_a_page_is_only_at_its_own_languages_address(client, impressum):
    assert client.get("/en/pages/impressum/").status_code == 404
    assert client.get("/de/pages/legal-notice/").status_code == 404


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW])
def test_unpublished_pages_and_unknown_slugs_answer_404(client, status):
    make_page(status=status)

    assert client.get("/en/pages/impressum/").status_code == 404
    assert client.get("/en/pages/no-such-page/").status_code == 404


def test_a_withdrawn_page_answers_410_gone_like_a_withdrawn_article(client):
    make_page(status=Status.WITHDRAWN)

    response = client.get("/en/pages/impressum/")

    assert response.status_code == 410
    assert "Impressum" not in response.content.decode()
    assert client.get("/de/pages/impressum/").status_code == 404


def test_an_unpublished_translation_is_not_offered_to_readers(client, impressum):
    _english, german = impressum
    german.status = Status.DRAFT
    german.save()

    html = client.get("/en/pages/legal-notice/").content.decode()

    assert "/de/pages/impressum/" not in html


def test_the_body_is_markdown_rendered_and_sanitised(client):
    make_page(body="## Contact\n\n**Bold** and <script>alert(1)</script>")

    html = client.get("/en/pages/impressum/").content.decode()

    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_footer_and_main_menu_links_show_on_every_page_in_the_readers_language(client, impressum):
    english, german = impressum
    MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label="Legal", page=english)
    MenuLink.objects.create(place=MenuPlace.FOOTER, language="de", label="Impressum", page=german)
    MenuLink.objects.create(
        place=MenuPlace.MAIN, language="en", label="Podcast", url="/en/archive/"
    )
    make_article(slug="story", authors=[make_author()])

    for url in ("/en/", "/en/articles/story/", "/en/archive/", "/en/pages/legal-notice/"):
        html = client.get(url).content.decode()
        footer = html[html.index('class="site-footer"') :]
        assert '<a href="/en/pages/legal-notice/"' in footer, url
        assert ">Legal</a>" in footer, url
        assert "/de/pages/impressum/" not in footer, url
        rail = html[html.index('class="section-nav"') : html.index('class="search-form"')]
        assert '<a href="/en/archive/"' in rail and ">Podcast</a>" in rail, url
    german_home = client.get("/de/").content.decode()
    footer = german_home[german_home.index('class="site-footer"') :]
    assert '<a href="/de/pages/impressum/">Impressum</a>' in footer
    assert "Podcast" not in german_home


def test_links_to_a_page_readers_cannot_see_are_not_shown(client):
    draft = make_page(status=Status.DRAFT)
    MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label="Secret", page=draft)

    assert ">Secret</a>" not in client.get("/en/").content.decode()

    draft.status = Status.PUBLISHED
    draft.save()
    assert ">Secret</a>" in client.get("/en/").content.decode()


def test_the_menus_take_one_query_whatever_their_number_of_links(client):
    page = make_page()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/en/pages/impressum/")
        return len(captured)

    MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label="One", page=page)
    few = queries()
    for n in range(10):
        MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label=f"L{n}", page=page)
        MenuLink.objects.create(place=MenuPlace.MAIN, language="en", label=f"M{n}", url="/en/")

    assert queries() == few


@pytest.mark.usefixtures("page_cache_on")
def test_editing_a_menu_link_or_a_page_changes_the_cached_pages_on_the_next_request(client):
    page = make_page()
    link = MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label="Legal", page=page)
    make_article(slug="story", authors=[make_author()])
    for url in ("/en/", "/en/articles/story/"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"

    link.label = "Imprint"
    link.save()

    for url in ("/en/", "/en/articles/story/"):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss"
        assert ">Imprint</a>" in response.content.decode()
    assert client.get("/en/")["X-Page-Cache"] == "hit"

    editorial.withdraw(page, make_staff("Editors"))

    response = client.get("/en/")
    assert response["X-Page-Cache"] == "miss"
    assert ">Imprint</a>" not in response.content.decode()


def test_the_sitemap_lists_published_pages_with_their_translations_as_alternates(client, impressum):
    make_page("Draft", "draft-page", status=Status.DRAFT)

    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-pages.xml" in index
    urlset = ET.fromstring(client.get("/sitemap-pages.xml").content)
    urls = {url.findtext("sm:loc", namespaces=NS): url for url in urlset.iterfind("sm:url", NS)}

    assert set(urls) == {
        "http://testserver/en/pages/legal-notice/",
        "http://testserver/de/pages/impressum/",
    }
    for url in urls.values():
        links = {link.get("hreflang"): link.get("href") for link in url.iterfind("xhtml:link", NS)}
        assert links == {
            "en": "http://testserver/en/pages/legal-notice/",
            "de": "http://testserver/de/pages/impressum/",
            "x-default": "http://testserver/en/pages/legal-notice/",
        }


def test_pages_are_never_in_the_news_sitemap_feeds_or_search(client, impressum):
    make_article(headline="Legal notice news", authors=[make_author()])

    for url in (
        "/sitemap-news.xml",
        "/en/feeds/rss.xml",
        "/en/feeds/atom.xml",
        "/en/feeds/feed.json",
        "/de/feeds/rss.xml",
        "/en/search/?q=legal",
        "/de/search/?q=impressum",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "/pages/" not in response.content.decode().replace("sitemap-pages", ""), url


def test_a_reporter_writes_and_submits_a_page_but_cannot_publish_it():
    reporter = make_staff("Reporters")
    page = editorial.save(Page(title="About", slug="about", body="Us."), reporter)
    editorial.submit(page, reporter)

    with pytest.raises(editorial.workflow.WorkflowError):
        editorial.publish(page, reporter)
    page.refresh_from_db()
    assert page.status == Status.IN_REVIEW

    editorial.publish(page, make_staff("Editors"))
    page.refresh_from_db()
    assert page.status == Status.PUBLISHED
    with pytest.raises(editorial.workflow.WorkflowError):
        editorial.withdraw(page, reporter)


def test_every_save_and_step_is_a_revision_with_who_made_it(client):
    reporter = make_staff("Reporters", username="rita")
    page = editorial.save(Page(title="About", slug="about", body="First."), reporter)
    editorial.submit(page, reporter)
    editorial.publish(page, make_staff("Editors", username="erik"))

    versions = Version.objects.get_for_object(page).order_by("pk")
    assert [v.revision.user.username for v in versions] == ["rita", "rita", "erik"]
    assert [v.field_dict["status"] for v in versions] == ["draft", "review", "published"]
    assert "body_html" not in versions[0].field_dict


def test_pages_and_menu_links_travel_in_a_fixture_by_natural_key(tmp_path, impressum):
    from django.core.management import call_command

    english, _german = impressum
    MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label="Legal", page=english)
    dump = tmp_path / "pages.json"
    call_command("dumpdata", "pages", "--natural-foreign", "--natural-primary", output=str(dump))
    assert '"pk"' not in dump.read_text().split('"model": "pages.menulink"')[0]
    MenuLink.objects.all().delete()
    Page.objects.all().delete()

    call_command("loaddata", str(dump), verbosity=0)

    german = Page.objects.get(language="de", slug="impressum")
    assert german.translation_of.slug == "legal-notice"
    assert german.body_html.strip() == "<p>Wer das ist.</p>"
    assert MenuLink.objects.get().page.slug == "legal-notice"
