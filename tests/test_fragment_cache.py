"""With the page cache off, each page's story and the navigation are kept between versions:
a page renders only around them, and they are as never stale as kept pages."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.cache import freshness, keys_changed
from articles.editorial import actions
from articles.models import Article, Status
from articles.views.article import ArticleDetailView

from .factories import make_article, make_author, make_section, make_staff
from .test_page_cache import CHANGES, assert_shows_the_change
from .test_page_cache_scope import CountingCache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_only")]

PAGES = ("/en/articles/story/", "/en/", "/de/", "/en/tags/harbour/", "/en/sections/politics/")


@pytest.fixture
def story():
    return make_article(
        headline="Original headline",
        slug="story",
        body="The first version.",
        authors=[make_author(name="Ada Reporter", slug="ada")],
        section=make_section(name="Politics", slug="politics"),
        tags=["Harbour"],
    )


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_a_page_asked_for_again_is_rendered_around_its_kept_story_without_a_query(
    client, story, url
):
    first, first_queries = get(client, url)
    second, second_queries = get(client, url)

    assert first_queries > 0
    assert second_queries == 0
    assert second.content == first.content
    assert "X-Page-Cache" not in second  # the page cache is off: only the story was kept


def test_the_article_page_keeps_its_last_modified_date_and_what_it_shows(client, story):
    first, _ = get(client, "/en/articles/story/")
    second, _ = get(client, "/en/articles/story/")

    assert second["Last-Modified"] == first["Last-Modified"]
    shown = second.wsgi_request.surrogate_keys  # for the CDN's headers (cache.shows)
    assert shown == first.wsgi_request.surrogate_keys
    author = story.bylines.get().author_id
    assert {f"article-{story.pk}", f"section-{story.section_id}", f"author-{author}"} <= shown


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_kind_of_change_is_on_the_very_next_request_with_only_stories_kept(client, change):
    apply, url, status = CHANGES[change]
    article = make_article(
        headline="Original headline",
        slug="story",
        authors=[make_author()],
        section=make_section(),
        status=status or Status.PUBLISHED,
    )
    url = "/en/articles/story/" if url == "article" else url
    before = client.get(url).content.decode()
    assert get(client, url)[1] == 0  # kept

    apply(article)
    after = client.get(url).content.decode()

    assert_shows_the_change(change, before, after)


def test_an_edit_renews_the_stories_showing_the_article_and_no_other(client, story):
    make_article(
        headline="An unrelated story",
        slug="unrelated",
        section=make_section(name="Sport", slug="sport"),
        tags=["Football"],
    )
    unrelated = ("/en/articles/unrelated/", "/en/sections/sport/", "/en/tags/football/")
    for url in (*unrelated, *PAGES):
        get(client, url)

    actions.edit(Article, story.pk, make_staff("Editors"), body="The second version.")

    for url in unrelated:
        assert get(client, url)[1] == 0, url
    page, queries = get(client, "/en/articles/story/")
    assert queries > 0
    assert "The second version." in page.content.decode()


def test_a_story_made_while_what_it_shows_changed_is_not_kept(client, story, monkeypatch):
    resolve = ArticleDetailView.get

    def changed_while_it_was_made(view, request, *args, **kwargs):
        response = resolve(view, request, *args, **kwargs)
        keys_changed({f"article-{story.pk}"})
        return response

    monkeypatch.setattr(ArticleDetailView, "get", changed_while_it_was_made)
    get(client, "/en/articles/story/")
    monkeypatch.setattr(ArticleDetailView, "get", resolve)

    assert get(client, "/en/articles/story/")[1] > 0
    assert get(client, "/en/articles/story/")[1] == 0


def test_a_scheduled_article_appears_at_its_time_with_stories_kept(client):
    make_article(headline="Already out")
    make_article(headline="Embargoed", published_at=timezone.now() + timedelta(seconds=2))

    assert "Embargoed" not in client.get("/en/").content.decode()
    assert "Embargoed" not in get(client, "/en/")[0].content.decode()
    time.sleep(2.2)

    assert "Embargoed" in client.get("/en/").content.decode()


def test_a_preview_is_never_kept_as_the_readers_story(client, story):
    editor = type(client)()
    editor.force_login(make_staff("Editors"))
    preview = editor.get(reverse("articles:article-preview", kwargs={"pk": story.pk}))
    assert 'class="preview-banner"' in preview.content.decode()

    page = client.get("/en/articles/story/").content.decode()

    assert "Original headline" in page
    assert 'class="preview-banner"' not in page


def test_redirects_and_missing_pages_are_not_kept(client, story):
    story.slug = "renamed"
    story.save()

    first = client.get("/en/articles/story/")
    assert first.status_code == 301
    assert client.get("/en/articles/story/").status_code == 301
    assert client.get("/en/articles/nothing-here/").status_code == 404
    assert client.get("/en/articles/nothing-here/").status_code == 404


def test_with_the_fragment_cache_off_every_request_makes_its_story(client, story, settings):
    settings.FRAGMENT_CACHE = False
    get(client, "/en/articles/story/")

    assert get(client, "/en/articles/story/")[1] > 0


def test_a_story_this_process_found_fresh_costs_one_small_read_of_the_shared_cache(
    client, story, monkeypatch
):
    get(client, "/en/articles/story/")
    get(client, "/en/articles/story/")
    counting = CountingCache(freshness.cache)
    monkeypatch.setattr(freshness, "cache", counting)

    get(client, "/en/articles/story/")

    assert counting.asked == ["get"]  # the last-change mark; the story is in memory


def test_a_story_in_memory_is_not_used_past_an_edit_of_what_it_shows(client, story):
    get(client, "/en/articles/story/")
    get(client, "/en/articles/story/")

    actions.edit(Article, story.pk, make_staff("Editors"), body="Seen at once.")

    assert "Seen at once." in client.get("/en/articles/story/").content.decode()


def test_one_story_serves_every_way_of_writing_a_page_s_address(client, story):
    get(client, "/en/tags/harbour/")
    get(client, "/en/articles/story/")

    for url in (
        "/en/tags/harbour/?page=1",
        "/en/tags/harbour/?page=01&utm_source=mail",
        "/en/articles/story/?page=7",
        "/en/articles/story/?q=anything",
    ):
        assert get(client, url)[1] == 0, url
    assert client.get("/en/tags/harbour/?page=2").status_code == 404


def test_a_story_made_for_an_address_with_made_up_parameters_is_not_kept(client, story):
    made_up = client.get("/en/tags/harbour/?page=1&utm_source=mail")
    assert made_up.status_code == 200

    assert get(client, "/en/tags/harbour/")[1] > 0  # made again, from the plain address
    assert get(client, "/en/tags/harbour/?utm_source=mail")[1] == 0


def test_a_cache_failing_while_a_story_is_checked_costs_a_render_not_an_error(
    client, story, monkeypatch
):
    get(client, "/en/articles/story/")
    # The mark moves (the token does not): the story's keys are read next time.
    make_article(headline="Elsewhere", section=story.section)
    freshness.in_memory.entries.clear()
    freshness.in_memory.size = 0

    def unavailable(kept):
        raise freshness.CacheUnavailable

    monkeypatch.setattr(freshness, "still_fresh", unavailable)
    page, queries = get(client, "/en/articles/story/")

    assert queries > 0
    assert "Original headline" in page.content.decode()
