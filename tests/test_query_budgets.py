"""Query budgets with every cache cold: each public page in at most seven queries, whatever an
article carries (1 or 50 bylines, tags, translations, related articles, corrections) and
however many articles a list shows; the admin's article list constant in its rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.editorial import frontpage
from articles.models import (
    Article,
    ArticleTranslation,
    Correction,
    CorrectionKind,
    Section,
    Status,
)

from .factories import make_article, make_author, make_section, make_staff

pytestmark = pytest.mark.django_db

# Six, and one for the editors' menu and footer links (pages/context_processors.py), which
# every HTML page shows: kept in the fragment cache, so with caches warm it costs nothing.
BUDGET = 7
OTHER_LANGUAGES = [code for code, _name in ALL_LANGUAGES if code not in {"en", "de"}]


def build(size):
    """A newsroom whose main article carries `size` of everything, in a list of `size`."""
    section = make_section(slug=f"section-{size}")
    authors = [make_author(slug=f"author-{size}-{n}") for n in range(size)]
    tags = [f"Tag {size} {n}" for n in range(size)]
    when = timezone.now() - timedelta(days=1)
    main = make_article(
        slug=f"main-{size}",
        headline="Budget story",
        section=section,
        authors=authors,
        tags=tags,
        published_at=when,
    )
    others = [
        make_article(section=section, authors=authors[:1], tags=tags[:1], published_at=when)
        for _ in range(size - 1)
    ]
    main.related_articles.add(*others)
    for n in range(size):
        Correction.objects.create(article=main, kind=CorrectionKind.CORRECTION, text=f"Fix {n}.")
    for language in ["de", *OTHER_LANGUAGES][:size]:
        ArticleTranslation.objects.create(
            article=main,
            language=language,
            headline=f"Budget {language}",
            slug=f"budget-{size}-{language}",
            body="Text.",
            status=Status.PUBLISHED,
        )
    return {
        "article": f"/en/articles/main-{size}/",
        "translation": f"/de/articles/budget-{size}-de/",
        "home": "/en/",
        "german home": "/de/",
        "section": f"/en/sections/section-{size}/",
        "tag": f"/en/tags/tag-{size}-0/",
        "author": f"/en/authors/author-{size}-0/",
        "archive index": "/en/archive/",
        "archive": f"/en/archive/{when.year}/",
        "month archive": f"/en/archive/{when.year}/{when.month}/",
        "search": "/en/search/?q=budget",
        "corrections": "/en/corrections/",
        "rss": "/en/feeds/rss.xml",
        "atom": "/en/feeds/atom.xml",
        "json feed": "/en/feeds/feed.json",
        "section feed": f"/en/sections/section-{size}/rss.xml",
        "tag feed": f"/en/tags/tag-{size}-0/rss.xml",
        "author feed": f"/en/authors/author-{size}-0/rss.xml",
        "sitemap index": "/sitemap.xml",
        "article sitemap": "/sitemap-articles.xml",
        "translation sitemap": "/sitemap-translations.xml",
        "tag sitemap": "/sitemap-tags.xml",
        "news sitemap": "/sitemap-news.xml",
    }


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    "page",
    [
        "article",
        "translation",
        "home",
        "german home",
        "section",
        "tag",
        "author",
        "archive index",
        "archive",
        "month archive",
        "search",
        "corrections",
        "rss",
        "atom",
        "json feed",
        "section feed",
        "tag feed",
        "author feed",
        "sitemap index",
        "article sitemap",
        "translation sitemap",
        "tag sitemap",
        "news sitemap",
    ],
)
def test_every_public_page_keeps_its_query_budget_whatever_it_shows(client, page):
    small = count(client, build(1)[page])
    large = count(client, build(50)[page])

    assert small <= BUDGET, f"{page}: {small} queries"
    assert large <= BUDGET, f"{page}: {large} queries with 50 of everything"
    assert large == small, f"{page}: {small} queries for 1, {large} for 50"


def test_the_admin_article_list_is_constant_in_its_rows(client):
    client.force_login(make_staff("Editors"))
    make_article(authors=[make_author()], tags=["One"])
    few = count(client, "/admin/articles/article/")
    for _ in range(30):
        article = make_article(authors=[make_author(), make_author()], tags=["One", "Two"])
        ArticleTranslation.objects.create(
            article=article, language="de", headline="X", slug=f"x-{article.pk}", body="x"
        )

    many = count(client, "/admin/articles/article/")

    assert many == few


@pytest.mark.postgresql_only
def test_the_sites_postgresql_connections_do_not_jit_compile_queries():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


# Exact counts (issue 14): lists whose teasers show no topics fetch no tags (one query fewer
# than before); the front page fetches its lead's alone. A query added back shows here.
# Issue 16: each HTML page one more, the editors' menu links (one query, however many links).
PINNED = {
    "article": 7,
    "home": 6,
    "section": 6,
    "tag": 6,
    "author": 6,
    "archive": 6,
    "month archive": 5,
}


@pytest.mark.parametrize("page", PINNED)
def test_reader_pages_take_exactly_the_queries_pinned_for_them(client, page):
    assert count(client, build(1)[page]) == PINNED[page]
    assert count(client, build(50)[page]) == PINNED[page]


@pytest.mark.parametrize("page", ["home", "german home", "section"])
def test_front_pages_take_no_query_more_with_placements_timed_or_not(client, page):
    urls = build(50)
    before = count(client, urls[page])
    section = Section.objects.get(slug="section-50") if page == "section" else None
    language = "de" if page == "german home" else "en"
    oldest = Article.objects.order_by("published_at", "pk")[:3]
    until = timezone.now() + timedelta(hours=1)
    for article, ends_at in zip(oldest, [None, until, None], strict=True):
        frontpage.place(language, section, article, None, ends_at=ends_at)

    assert count(client, urls[page]) == before == PINNED.get(page, PINNED["home"])


def test_the_admin_article_list_takes_a_query_a_year_for_its_dates_and_no_more(client):
    client.force_login(make_staff("Editors"))
    for year in (2021, 2022, 2023):
        make_article(
            authors=[make_author()], tags=["One"], published_at=datetime(year, 6, 1, tzinfo=UTC)
        )

    # The session, the user, their own and their groups' permissions (4); the sections,
    # languages, authors and tags of the filters (4); the count, the page and its bylines and
    # translations (4); and the years of the date drill-down: one for each, one finding no more
    # (4).
    assert count(client, "/admin/articles/article/") == 16
