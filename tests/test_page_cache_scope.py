"""An edit renews the pages that show what it changed, and no other; a hit is one read of the
shared cache while nothing changes; readers asking for a page being rendered wait for it."""

import threading
import time
from urllib.request import urlopen

import pytest
from django.db import connection

from articles.cache import freshness, keys_changed
from articles.editorial import actions
from articles.models import Article, Status
from articles.views.article import ArticleDetailView

from .factories import make_article, make_author, make_section, make_staff
from .forms import change_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def newsroom():
    """Two articles in different sections, with different tags and authors."""
    edited = make_article(
        headline="The edited story",
        slug="edited",
        body="The first version.",
        section=make_section(name="Politics", slug="politics"),
        authors=[make_author(name="Ada Reporter", slug="ada")],
        tags=["Harbour"],
    )
    other = make_article(
        headline="An unrelated story",
        slug="unrelated",
        section=make_section(name="Sport", slug="sport"),
        authors=[make_author(name="Bo Writer", slug="bo")],
        tags=["Football"],
    )
    return edited, other


UNRELATED_PAGES = (
    "/en/articles/unrelated/",
    "/en/sections/sport/",
    "/en/tags/football/",
    "/en/authors/bo/",
)


def cached(client, urls):
    for url in urls:
        assert client.get(url).status_code == 200, url
        assert client.get(url)["X-Page-Cache"] == "hit", url


def test_an_edit_of_the_body_renews_the_pages_showing_the_body_and_no_other(client, newsroom):
    edited, _other = newsroom
    teasing = ("/en/", "/en/sections/politics/", "/en/tags/harbour/", "/en/authors/ada/")
    cached(client, UNRELATED_PAGES + teasing + ("/en/articles/edited/", "/en/feeds/atom.xml"))

    actions.edit(Article, edited.pk, make_staff("Editors"), body="The first version, longer.")

    for url in UNRELATED_PAGES + teasing:  # teasers show its headline and standfirst
        assert client.get(url)["X-Page-Cache"] == "hit", url
    for url in ("/en/articles/edited/", "/en/feeds/atom.xml"):
        page = client.get(url)
        assert page["X-Page-Cache"] == "miss", url
        assert "The first version, longer." in page.content.decode(), url


def test_an_edit_of_what_teasers_show_renews_the_lists_showing_the_article(client, newsroom):
    edited, _other = newsroom
    teasing = ("/en/", "/en/sections/politics/", "/en/tags/harbour/", "/en/authors/ada/")
    cached(client, UNRELATED_PAGES + teasing)

    actions.edit(Article, edited.pk, make_staff("Editors"), standfirst="A new standfirst.")

    for url in UNRELATED_PAGES:
        assert client.get(url)["X-Page-Cache"] == "hit", url
    for url in teasing:
        page = client.get(url)
        assert page["X-Page-Cache"] == "miss", url
        assert "A new standfirst." in page.content.decode(), url


def test_an_edit_of_a_body_without_a_standfirst_renews_the_teasers_quoting_it(client):
    make_article(
        headline="No standfirst", slug="bare", standfirst="", body="First words.", unsigned=True
    )
    cached(client, ["/en/"])
    article = Article.objects.get(slug="bare")

    actions.edit(Article, article.pk, make_staff("Editors"), body="Other words. And more.")

    page = client.get("/en/")
    assert page["X-Page-Cache"] == "miss"
    assert "Other words." in page.content.decode()


def test_a_desk_save_of_the_text_renews_the_article_and_not_the_unrelated_pages(client, newsroom):
    edited, _other = newsroom
    cached(client, (*UNRELATED_PAGES, "/en/articles/edited/"))
    published_at = Article.objects.get(pk=edited.pk).published_at
    desk = type(client)()
    desk.force_login(make_staff("Editors"))
    data = form_data(desk.get(change_url(edited)), "article_form")
    data["body"] = "Rewritten on the desk."

    assert desk.post(change_url(edited), data).status_code == 302

    # The time shown to the second on the desk, untouched: the stored one is kept whole.
    assert Article.objects.get(pk=edited.pk).published_at == published_at
    for url in UNRELATED_PAGES:
        assert client.get(url)["X-Page-Cache"] == "hit", url
    assert "Rewritten on the desk." in client.get("/en/articles/edited/").content.decode()


def test_a_search_finds_what_an_edit_of_the_text_wrote(client, newsroom):
    edited, _other = newsroom
    assert "The edited story" not in client.get("/en/search/?q=lighthouse").content.decode()

    actions.edit(Article, edited.pk, make_staff("Editors"), body="A lighthouse was built.")

    assert "The edited story" in client.get("/en/search/?q=lighthouse").content.decode()


def test_publishing_renews_the_lists_and_the_related_boxes_of_articles_sharing_a_tag(client):
    make_article(headline="Older harbour story", slug="older", tags=["Harbour"])
    make_article(headline="A story about nothing", slug="nothing", tags=["Nothing"])
    draft = make_article(
        headline="New harbour story",
        slug="new",
        tags=["Harbour"],
        status=Status.DRAFT,
        unsigned=True,
    )
    cached(client, ("/en/", "/en/articles/older/", "/en/articles/nothing/"))

    actions.publish(Article, draft.pk, make_staff("Editors"))

    assert "New harbour story" in client.get("/en/").content.decode()
    related = client.get("/en/articles/older/")
    assert related["X-Page-Cache"] == "miss"
    assert "New harbour story" in related.content.decode()
    assert client.get("/en/articles/nothing/")["X-Page-Cache"] == "hit"


def test_an_article_picked_as_related_by_hand_appears_there_when_it_is_published(client):
    draft = make_article(
        headline="Picked by hand", slug="picked", status=Status.DRAFT, unsigned=True
    )
    picking = make_article(headline="The picking story", slug="picking")
    picking.related_articles.add(draft)
    assert "Picked by hand" not in client.get("/en/articles/picking/").content.decode()

    actions.publish(Article, draft.pk, make_staff("Editors"))

    assert "Picked by hand" in client.get("/en/articles/picking/").content.decode()


def test_a_page_rendered_while_what_it_shows_changed_is_not_kept(client, newsroom, monkeypatch):
    edited, _other = newsroom
    render = ArticleDetailView.get

    def changed_during_the_render(view, request, *args, **kwargs):
        response = render(view, request, *args, **kwargs)
        keys_changed({f"article-{edited.pk}"})
        return response

    monkeypatch.setattr(ArticleDetailView, "get", changed_during_the_render)
    assert client.get("/en/articles/edited/")["X-Page-Cache"] == "miss"
    monkeypatch.setattr(ArticleDetailView, "get", render)

    assert client.get("/en/articles/edited/")["X-Page-Cache"] == "miss"
    assert client.get("/en/articles/edited/")["X-Page-Cache"] == "hit"


class CountingCache:
    """The shared cache, counting what the page cache asks of it."""

    def __init__(self, real):
        self.real = real
        self.asked = []

    OPERATIONS = frozenset({"get", "get_many", "set", "set_many", "add", "delete", "incr"})

    def __getattr__(self, operation):
        if operation in self.OPERATIONS:
            self.asked.append(operation)
        return getattr(self.real, operation)


@pytest.fixture
def shared_cache_calls(monkeypatch):
    counting = CountingCache(freshness.cache)
    monkeypatch.setattr(freshness, "cache", counting)
    return counting.asked


def test_a_hit_reads_the_shared_cache_once_while_nothing_changes(
    client, newsroom, shared_cache_calls, django_assert_num_queries
):
    cached(client, ["/en/articles/unrelated/"])
    shared_cache_calls.clear()

    with django_assert_num_queries(0):
        response = client.get("/en/articles/unrelated/")

    assert response["X-Page-Cache"] == "hit"
    # The last-change mark alone: the page is in this process's memory since it was checked.
    assert shared_cache_calls == ["get"]


def test_a_page_too_large_for_the_memory_of_a_process_is_read_with_the_mark(
    client, newsroom, shared_cache_calls, settings
):
    settings.PAGE_CACHE_MEMORY_BYTES = 1000
    freshness.in_memory.entries.clear()
    freshness.in_memory.size = 0
    cached(client, ["/en/articles/unrelated/"])
    shared_cache_calls.clear()

    response = client.get("/en/articles/unrelated/")

    assert response["X-Page-Cache"] == "hit"
    assert shared_cache_calls == ["get_many"]  # the page, the token and the mark
    assert freshness.in_memory.size == 0


def test_a_page_in_memory_is_not_served_past_an_edit_of_what_it_shows(client, newsroom):
    edited, _other = newsroom
    cached(client, ["/en/articles/edited/"])

    actions.edit(Article, edited.pk, make_staff("Editors"), body="Seen at once.")

    response = client.get("/en/articles/edited/")
    assert response["X-Page-Cache"] == "miss"
    assert "Seen at once." in response.content.decode()


def test_after_an_unrelated_edit_a_process_checks_a_page_once_then_trusts_it(
    client, newsroom, shared_cache_calls
):
    edited, _other = newsroom
    cached(client, ["/en/articles/unrelated/"])
    actions.edit(Article, edited.pk, make_staff("Editors"), body="Elsewhere.")
    shared_cache_calls.clear()

    first = client.get("/en/articles/unrelated/")
    reads_of_the_first = [call for call in shared_cache_calls if call.startswith("get")]
    shared_cache_calls.clear()
    second = client.get("/en/articles/unrelated/")

    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "hit"
    # The mark (the page in memory was checked under another); then the token, the mark and
    # its keys' generations together, once, not the page; after that the mark alone.
    assert reads_of_the_first == ["get", "get_many"]
    assert shared_cache_calls == ["get"]


@pytest.mark.django_db(transaction=True)
def test_readers_asking_at_once_for_a_page_not_kept_wait_for_one_render(
    live_server, monkeypatch, page_cache_on
):
    make_article(headline="Asked for by many", slug="many")
    renders = []
    render = ArticleDetailView.get

    def slow_render(view, request, *args, **kwargs):
        renders.append(request.path)
        time.sleep(0.3)  # so that the others ask while it renders
        return render(view, request, *args, **kwargs)

    monkeypatch.setattr(ArticleDetailView, "get", slow_render)
    start = threading.Barrier(6)
    answers = []

    def read():
        start.wait()
        with urlopen(f"{live_server.url}/en/articles/many/") as response:
            answers.append((response.status, response.headers["X-Page-Cache"], response.read()))

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    connection.close()

    assert renders == ["/en/articles/many/"]
    assert {status for status, _hit, _body in answers} == {200}
    assert sorted(hit for _status, hit, _body in answers) == ["hit"] * 5 + ["miss"]
    assert len({body for _status, _hit, body in answers}) == 1
