"""The search page readers use: a GET form, results in pages, every odd query a normal page."""

import pytest

from articles.models import ArticleTranslation, Status

from .factories import make_article

pytestmark = pytest.mark.django_db


def test_every_page_has_the_search_form_in_its_masthead(client):
    make_article(slug="story")

    for url in ("/en/", "/en/articles/story/", "/de/"):
        html = client.get(url).content.decode()
        assert 'role="search"' in html and 'name="q"' in html, url


def test_a_search_finds_articles_and_echoes_the_query_escaped(client):
    make_article(headline="Harbour strike ends")
    make_article(headline="Election night")

    response = client.get("/en/search/", {"q": 'harbour <b>"x"'})
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;" in html and "<b>" not in html

    html = client.get("/en/search/", {"q": "harbour"}).content.decode()
    assert "Harbour strike ends" in html and "Election night" not in html


def test_a_german_reader_finds_the_german_translation(client):
    article = make_article(headline="Harbour strike ends")
    ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafenstreik beendet",
        slug="hafenstreik-beendet",
        body="Die Arbeit im Hafen beginnt wieder.",
        status=Status.PUBLISHED,
    )

    html = client.get("/de/search/", {"q": "Hafen"}).content.decode()

    assert 'href="/de/articles/hafenstreik-beendet/"' in html


@pytest.mark.parametrize(
    "query",
    ["", "   ", "x" * 5000, "\x00", "%_%", "' OR 1=1 --", '"unterminated', "-", "🔥", "or"],
)
def test_odd_queries_answer_a_normal_page(client, query):
    make_article(headline="Anything")

    response = client.get("/en/search/", {"q": query})

    assert response.status_code == 200


def test_results_come_in_pages_and_a_page_past_the_end_is_not_found(client):
    for number in range(25):
        make_article(headline=f"Budget story {number}")

    first = client.get("/en/search/", {"q": "budget"}).content.decode()
    second = client.get("/en/search/", {"q": "budget", "page": 2})
    past = client.get("/en/search/", {"q": "budget", "page": 9})

    assert "25 articles found" in first
    assert 'href="?q=budget&amp;page=2" rel="next"' in first
    assert second.status_code == 200
    assert past.status_code == 404
