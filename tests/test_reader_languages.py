"""The two editions: translations at their own addresses, German lists, per-language texts."""

import pytest
from django.urls import reverse

from articles.models import ArticleTranslation, AuthorTranslation, SectionTranslation, Status

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def translate(article, status=Status.PUBLISHED, **fields):
    fields.setdefault("headline", f"Deutsch: {article.headline}")
    fields.setdefault("slug", f"de-{article.slug}")
    fields.setdefault("body", "Deutscher Text.")
    return ArticleTranslation.objects.create(
        article=article, language="de", status=status, **fields
    )


def test_the_original_address_under_de_redirects_to_the_published_german_translation(client):
    article = make_article(slug="port-story")
    translate(article, slug="hafen-geschichte")

    response = client.get("/de/articles/port-story/")

    assert response.status_code == 301
    assert response["Location"] == "/de/articles/hafen-geschichte/"


def test_without_a_translation_the_original_shows_under_de_marked_with_its_language(client):
    make_article(slug="only-english", headline="Only in English")

    response = client.get("/de/articles/only-english/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert '<article class="article" lang="en">' in html
    assert "Only in English" in html
    assert "Von diesem Artikel gibt es noch keine Übersetzung" in html


def test_a_translation_slug_asked_for_under_another_language_redirects_to_it(client):
    translate(make_article(), slug="nur-deutsch")

    response = client.get("/en/articles/nur-deutsch/")

    assert response.status_code == 301
    assert response["Location"] == "/de/articles/nur-deutsch/"


@pytest.mark.parametrize(
    "state",
    [
        {"status": Status.DRAFT},
        {"status": Status.IN_REVIEW},
        {"status": Status.WITHDRAWN},
    ],
)
def test_unpublished_translations_show_nowhere(client, state):
    section, author = make_section(slug="welt"), make_author(slug="ada")
    article = make_article(
        slug="visible", headline="Visible original", section=section, authors=[author], tags=["X"]
    )
    translate(article, slug="geheim", headline="Geheime Übersetzung", **state)

    # A withdrawn translation is gone (410), like a withdrawn article; the others never were.
    expected = 410 if state["status"] == Status.WITHDRAWN else 404
    assert client.get("/de/articles/geheim/").status_code == expected
    for url in (
        "/de/",
        "/de/articles/visible/",
        section.get_absolute_url().replace("/en/", "/de/"),
        "/de/authors/ada/",
        "/de/tags/x/",
    ):
        html = client.get(url).content.decode()
        assert "Geheime Übersetzung" not in html, url
        assert "/de/articles/geheim/" not in html, url


def test_a_translation_of_an_unpublished_article_is_not_public(client):
    article = make_article(status=Status.DRAFT)
    translate(article, slug="entwurf-uebersetzt")

    assert client.get("/de/articles/entwurf-uebersetzt/").status_code == 404


def test_german_section_tag_and_author_pages_list_the_german_translations(client):
    section, author = make_section(slug="politics"), make_author(slug="sven")
    article = make_article(
        headline="English headline", section=section, authors=[author], tags=["China"]
    )
    translate(article, headline="Deutsche Überschrift", slug="deutsche-ueberschrift")

    for url in ("/de/sections/politics/", "/de/tags/china/", "/de/authors/sven/"):
        html = client.get(url).content.decode()
        assert "Deutsche Überschrift" in html, url
        assert 'href="/de/articles/deutsche-ueberschrift/"' in html, url
        assert "English headline" not in html, url


def test_section_names_and_descriptions_are_given_per_language_with_fallback(client):
    politics = make_section(name="Politics", slug="politics", description="Power and policy.")
    SectionTranslation.objects.create(section=politics, language="de", name="Politik")
    make_article(section=politics)

    german = client.get("/de/sections/politics/").content.decode()
    english = client.get("/en/sections/politics/").content.decode()

    assert '<a href="/de/sections/politics/"' in german and ">Politik</a>" in german
    assert "<h1>Politik</h1>" in german
    assert "Power and policy." in german  # no German description: the original's
    assert "<h1>Politics</h1>" in english and "Politik" not in english


def test_an_authors_job_title_and_bio_are_given_per_language(client):
    author = make_author(slug="ada", job_title="China correspondent", bio="Ada writes.")
    AuthorTranslation.objects.create(
        author=author, language="de", job_title="China-Korrespondentin", bio=""
    )
    make_article(authors=[author])

    german = client.get("/de/authors/ada/").content.decode()

    assert "China-Korrespondentin" in german
    assert "Ada writes." in german


def test_an_author_with_nothing_published_has_no_page(client):
    author = make_author(slug="nobody")
    make_article(authors=[author], status=Status.DRAFT)

    assert client.get(reverse("articles:author-detail", kwargs={"slug": "nobody"})).status_code == (
        404
    )


def test_the_html_lang_is_the_page_language_everywhere(client):
    article = make_article(slug="story", tags=["T"], authors=[make_author(slug="au")])
    translate(article, slug="geschichte")
    for language in ("en", "de"):
        for path in ("", "articles/story/", "tags/t/", "authors/au/", "corrections/"):
            response = client.get(f"/{language}/{path}", follow=True)
            assert f'<html lang="{language}">' in response.content.decode(), (language, path)


def teaser_of(page, headline):
    """The <article class="teaser"> holding `headline`."""
    start = page.rindex('<article class="teaser', 0, page.index(headline))
    return page[start : page.index("</article>", start)]


def test_a_teaser_in_another_language_than_the_page_says_which(client):
    make_article(headline="Only in English", slug="only-english")
    translate(make_article(headline="Translated story"), headline="Übersetzte Geschichte")

    german = client.get("/de/").content.decode()
    english = client.get("/en/").content.decode()

    teaser = teaser_of(german, "Only in English")
    assert '<span class="teaser__language">Auf Englisch</span>' in teaser
    assert 'lang="en"><a href="/de/articles/only-english/">Only in English</a>' in teaser
    assert "teaser__language" not in teaser_of(german, "Übersetzte Geschichte")
    assert "teaser__language" not in english
