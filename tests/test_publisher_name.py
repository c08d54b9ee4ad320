"""The publisher's name comes from one setting, PUBLISHER_NAME, everywhere a reader sees it."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import override
from pytest_django.asserts import assertContains

from articles.errors import service_unavailable
from articles.models import Status

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db

NAME = "Der Kurier"
# What base.html says around the name, in each language.
SAYS = {
    "en": {
        "footer": f"{NAME} — independent journalism.",
        "rss": f"{NAME}: latest articles (RSS)",
        "atom": f"{NAME}: latest articles (Atom)",
        "not found": f"Page not found — {NAME}",
        "withdrawn": f"Article withdrawn — {NAME}",
        "outage": f"Back in a moment — {NAME}",
    },
    "de": {
        "footer": f"{NAME} — unabhängiger Journalismus.",
        "rss": f"{NAME}: die neuesten Artikel (RSS)",
        "atom": f"{NAME}: die neuesten Artikel (Atom)",
        "not found": f"Seite nicht gefunden — {NAME}",
        "withdrawn": f"Artikel zurückgezogen — {NAME}",
        "outage": f"Gleich wieder da — {NAME}",
    },
}
LANGUAGES = list(SAYS)


@pytest.fixture(autouse=True)
def _publisher(settings):
    settings.PUBLISHER_NAME = NAME


def get(client, name, language, status=200, **kwargs):
    with override(language):
        url = reverse(f"articles:{name}", kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == status
    return response


def assert_only_the_publishers_name(response):
    # The product's own name must not show through anywhere on the page.
    assert "Newsroom" not in response.content.decode()


def title(response) -> str:
    (text,) = re.findall(r"<title>(.*?)</title>", response.content.decode(), re.DOTALL)
    return text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_names_the_publisher_in_masthead_footer_title_and_feed_links(
    client, language
):
    response = get(client, "home", language)

    home = response.wsgi_request.path
    assertContains(response, f'<a class="masthead__title" href="{home}">{NAME}</a>', html=True)
    assertContains(
        response, f'<p class="site-footer__title"><a href="{home}">{NAME}</a></p>', html=True
    )
    assertContains(response, f'<p class="site-footer__note">{SAYS[language]["footer"]}</p>')
    assert title(response) == NAME
    assertContains(response, f'type="application/rss+xml" title="{SAYS[language]["rss"]}"')
    assertContains(response, f'type="application/atom+xml" title="{SAYS[language]["atom"]}"')
    assert_only_the_publishers_name(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_articles_title_names_the_publisher(client, language):
    article = make_article(headline="Harbour reopens")
    if language == "de":
        article.translations.create(
            language="de",
            headline="Hafen öffnet",
            slug="hafen",
            body="Text.",
            status=Status.PUBLISHED,
        )
        response = get(client, "article-detail", "de", slug="hafen")
        assert title(response) == f"Hafen öffnet — {NAME}"
    else:
        response = client.get(article.get_absolute_url())
        assert title(response) == f"Harbour reopens — {NAME}"
    assert_only_the_publishers_name(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_section_tag_and_author_pages_name_the_publisher_in_their_feed_links(client, language):
    section, author = make_section(name="Politics"), make_author(name="Ada")
    article = make_article(section=section, authors=[author], tags=["Climate"])
    tag = article.tags.get()

    pages = [
        (get(client, "section-detail", language, slug=section.slug), "Politics"),
        (get(client, "tag-detail", language, slug=tag.slug), "Climate"),
        (get(client, "author-detail", language, slug=author.slug), "Ada"),
    ]

    for response, subject in pages:
        assertContains(response, f'type="application/rss+xml" title="{NAME}: {subject} (RSS)"')
        assert_only_the_publishers_name(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_not_found_and_withdrawn_pages_name_the_publisher(client, language):
    withdrawn = make_article(slug="gone", status=Status.WITHDRAWN)

    not_found = client.get(f"/{language}/no-such-page/")
    gone = client.get(withdrawn.get_absolute_url().replace("/en/", f"/{language}/"))

    assert (not_found.status_code, gone.status_code) == (404, 410)
    assert title(not_found) == SAYS[language]["not found"]
    assert title(gone) == SAYS[language]["withdrawn"]
    for response in (not_found, gone):
        assertContains(response, NAME, status_code=response.status_code)
        assert_only_the_publishers_name(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_outage_page_names_the_publisher_without_asking_the_database(
    language, django_assert_num_queries
):
    request = RequestFactory().get(f"/{language}/")

    with django_assert_num_queries(0):
        response = service_unavailable(request)

    assert response.status_code == 503
    assert title(response) == SAYS[language]["outage"]
    assert_only_the_publishers_name(response)
