"""Links on reader pages, built from one reverse() per page name and language, are the
addresses reverse() gives: in each language, for slugs in any script, under a script prefix."""

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils.translation import override

from articles.addresses import slug_url

from .factories import make_article

pytestmark = pytest.mark.django_db

PATHS = {
    "articles:article-detail": "articles",
    "articles:section-detail": "sections",
    "articles:tag-detail": "tags",
}


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("name", PATHS)
def test_a_slug_address_is_the_one_reverse_gives_in_each_language(name, language):
    with override(language):
        assert slug_url(name, "a-slug_2") == reverse(name, kwargs={"slug": "a-slug_2"})
    with override("en"):
        assert slug_url(name, "a-slug_2", language) == f"/{language}/{PATHS[name]}/a-slug_2/"


def test_the_topics_of_an_article_link_tags_in_other_scripts_to_their_quoted_addresses(client):
    article = make_article(tags=["Москва", "Berlin"])
    tags = {tag.name: tag.slug for tag in article.tags.all()}

    response = client.get(article.get_absolute_url())

    moscow = reverse("articles:tag-detail", kwargs={"slug": tags["Москва"]})
    assert moscow.startswith("/en/tags/%D0%")
    assert f'<a href="{moscow}" rel="tag">Москва</a>' in response.content.decode()
    assert '<a href="/en/tags/berlin/" rel="tag">Berlin</a>' in response.content.decode()


def test_a_slug_address_keeps_the_script_prefix_the_site_is_served_under():
    previous = get_script_prefix()
    with override("en"):
        set_script_prefix("/news/")
        try:
            built = slug_url("articles:author-detail", "ada-reporter")
            assert built == reverse("articles:author-detail", kwargs={"slug": "ada-reporter"})
            assert built == "/news/en/authors/ada-reporter/"
        finally:
            set_script_prefix(previous)
        assert slug_url("articles:author-detail", "ada-reporter") == "/en/authors/ada-reporter/"
