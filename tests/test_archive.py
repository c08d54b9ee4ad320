"""The archive: an index of the years and months with published articles, leading to every one
of them through the year and month pages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Status

from .factories import make_article

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def published(year, month, day=15, hour=12, **fields):
    return make_article(published_at=datetime(year, month, day, hour, tzinfo=BERLIN), **fields)


@pytest.fixture
def archive():
    for day in (3, 9, 21):
        published(2024, 3, day)
    published(2024, 11)
    published(2023, 9)
    # Midnight on 1 February in Berlin, still 31 January in UTC: February on the site.
    published(2025, 2, 1, 0, headline="Just after midnight")
    # Nothing unpublished counts.
    published(2022, 5, status=Status.DRAFT)
    published(2021, 5, status=Status.WITHDRAWN)
    return make_article(published_at=timezone.now() + timedelta(days=40))  # scheduled


def test_the_archive_index_lists_the_years_and_months_with_published_articles(client, archive):
    response = client.get("/en/archive/")

    assert response.status_code == 200
    assertContains(response, "<h1>Archive</h1>", html=True)
    assertContains(response, '<a href="/en/archive/2024/">2024</a>', html=True)
    assertContains(response, '<a href="/en/archive/2024/3/">March</a>', html=True)
    assertContains(response, '<a href="/en/archive/2024/11/">November</a>', html=True)
    assertContains(response, '<a href="/en/archive/2023/9/">September</a>', html=True)
    assertContains(response, '<a href="/en/archive/2025/2/">February</a>', html=True)
    assertContains(response, "3 articles")
    assertContains(response, "1 article<")
    page = response.content.decode()
    # Newest first.
    assert page.index("/en/archive/2025/") < page.index("/en/archive/2024/")
    assert page.index("/en/archive/2024/11/") < page.index("/en/archive/2024/3/")


def test_the_archive_index_counts_nothing_unpublished(client, archive):
    scheduled = timezone.localtime(archive.published_at)

    page = client.get("/en/archive/").content.decode()

    assert "/en/archive/2022/" not in page
    assert "/en/archive/2021/" not in page
    assert f"/en/archive/{scheduled.year}/{scheduled.month}/" not in page
    assert "/en/archive/2025/1/" not in page
    # Six published articles in all, in four months of three years.
    assert page.count('class="archive-index__month"') == 4


def test_the_archive_index_is_in_german_under_de(client, archive):
    response = client.get("/de/archive/")

    assert response.status_code == 200
    assertContains(response, "<h1>Archiv</h1>", html=True)
    assertContains(response, '<a href="/de/archive/2024/3/">März</a>', html=True)
    assertContains(response, "3 Artikel")


def test_an_empty_archive_says_so(client):
    response = client.get("/en/archive/")

    assert response.status_code == 200
    assertContains(response, "Nothing has been published yet.")


def test_the_footer_links_to_the_archive_index(client, archive):
    for language in ("en", "de"):
        response = client.get(f"/{language}/")

        assertContains(response, f'href="/{language}/archive/"')
        assertNotContains(response, f'href="/{language}/archive/{timezone.now().year}/"')


def test_a_year_page_links_to_its_months_and_to_the_index(client, archive):
    response = client.get("/en/archive/2024/")

    assertContains(response, '<a href="/en/archive/2024/3/">March</a>', html=True)
    assertContains(response, '<a href="/en/archive/2024/11/">November</a>', html=True)
    assertContains(response, 'href="/en/archive/"')


def test_the_year_and_month_pages_lead_to_every_published_article(client):
    for n in range(45):
        published(2024, 3, 1 + n % 28, hour=n % 24, headline=f"March story {n}")

    headlines = []
    page = 1
    while True:
        response = client.get(f"/en/archive/2024/3/?page={page}")
        if response.status_code == 404:
            break
        assert response.status_code == 200
        page_html = response.content.decode()
        headlines += [f"March story {n}" for n in range(45) if f">March story {n}<" in page_html]
        page += 1

    assert page == 4  # 20 a page: three pages
    assert sorted(headlines) == sorted(f"March story {n}" for n in range(45))
