"""Public pages name what they show (surrogate keys), and every change purges exactly those keys
from the CDN through the purge backend: a job stored once the change has committed, run by a
worker (here run_jobs). Queueing and retries are in tests/test_jobs.py; the real loop with
Varnish is in tests/test_varnish.py."""

import socket
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from taggit.models import Tag

from articles.cache import purge
from articles.models import (
    Article,
    ArticleTranslation,
    AuthorTranslation,
    Byline,
    Correction,
    CorrectionKind,
    SectionTranslation,
    ShareLink,
    Status,
)

from .factories import make_article, make_author, make_section, make_staff
from .forms import change_url, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


class RecordingBackend(purge.PurgeBackend):
    """Remembers every purge instead of sending it."""

    purges: list[set[str]] = []

    def purge(self, keys):
        RecordingBackend.purges.append(set(keys))


@pytest.fixture
def purges(settings, run_jobs):
    """purges(): runs the purge jobs stored so far, then gives the purges sent, each a set of
    keys; only those of changes made in the test."""
    settings.PURGE_BACKEND = "tests.test_surrogate_keys.RecordingBackend"
    purge.purge_queue.keys.clear()  # left by earlier tests' rolled-back transactions
    RecordingBackend.purges = []

    def sent():
        run_jobs()
        return RecordingBackend.purges

    return sent


def keys_of(response) -> set[str]:
    return set(response["xkey"].split())


@pytest.fixture
def story():
    """A published article with a section, two authors, two tags and a related article."""
    related = make_article(headline="Related story", slug="related", tags=["Energy"])
    article = make_article(
        headline="The story",
        slug="story",
        section=make_section(name="Politics", slug="politics"),
        authors=[make_author(slug="ada"), make_author(slug="bob")],
        tags=["Energy", "Berlin"],
    )
    article.related_articles.add(related)
    return article


def article_keys(article) -> set[str]:
    authors = {f"author-{pk}" for pk in article.bylines.values_list("author", flat=True)}
    tags = {f"tag-{pk}" for pk in article.tags.values_list("pk", flat=True)}
    own = {f"article-{article.pk}", f"body-{article.pk}", f"section-{article.section_id}"}
    return {*own, *authors, *tags}


# What each page shows -----------------------------------------------------------------------


def test_an_article_page_names_the_article_its_body_section_tags_authors_and_related_articles(
    client, story
):
    related = Article.objects.get(slug="related")

    response = client.get("/en/articles/story/")

    assert keys_of(response) == {"all", f"article-{related.pk}", *article_keys(story)}
    assert response["Surrogate-Key"] == response["xkey"]


def test_an_article_page_is_last_modified_when_readers_were_last_told_of_a_change(client, story):
    now = timezone.now()
    revised = now - timedelta(hours=1)
    Article.objects.filter(pk=story.pk).update(
        updated_at=now - timedelta(days=1), revised_at=revised
    )

    response = client.get("/en/articles/story/")

    assert parsedate_to_datetime(response["Last-Modified"]) == revised.replace(microsecond=0)
    since = {"if-modified-since": response["Last-Modified"]}
    assert client.get("/en/articles/story/", headers=since).status_code == 304


def test_a_translation_page_names_its_article_and_dates_itself_as_its_original(client, story):
    translation = ArticleTranslation.objects.create(
        article=story,
        language="de",
        headline="Die Geschichte",
        slug="geschichte",
        body="Text.",
        status=Status.PUBLISHED,
    )
    # Saves tell readers nothing (tests/test_modified_dates.py): the dates stay the original's.
    ArticleTranslation.objects.filter(pk=translation.pk).update(updated_at=timezone.now())

    response = client.get("/de/articles/geschichte/")

    assert "Die Geschichte" in response.content.decode()
    assert article_keys(story) <= keys_of(response)
    published = story.published_at.replace(microsecond=0)
    assert parsedate_to_datetime(response["Last-Modified"]) == published


def test_the_home_page_names_itself_every_list_and_each_teaser_shown(client, story):
    related = Article.objects.get(slug="related")

    response = client.get("/en/")

    assert keys_of(response) == {
        "all",
        "home",
        "front-en",  # its placements (models/frontpage.py)
        "list",
        f"article-{story.pk}",
        f"article-{related.pk}",
    }


@pytest.mark.parametrize("kind", ["section", "tag", "author"])
def test_a_subject_page_names_its_subject_and_the_articles_it_lists(client, story, kind):
    subject = {
        "section": story.section,
        "tag": Tag.objects.get(name="Berlin"),
        "author": story.bylines.first().author,
    }[kind]
    url = reverse(f"articles:{kind}-detail", kwargs={"slug": subject.slug})

    response = client.get(url)

    placements = {"section": {f"front-en-section-{subject.pk}"}}.get(kind, set())
    assert keys_of(response) == {
        "all",
        "list",
        f"{kind}-{subject.pk}",
        f"article-{story.pk}",
        *placements,
    }


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/en/archive/{year}/", {"story"}),
        ("/en/search/?q=story", {"story"}),
        ("/en/feeds/rss.xml", {"feeds", "story"}),
        ("/en/sections/politics/atom.xml", {"feeds", "section", "story"}),
        ("/sitemap.xml", {"sitemaps"}),
        ("/sitemap-articles.xml", {"sitemaps"}),
    ],
)
def test_archives_search_feeds_and_sitemaps_are_lists_too(client, story, url, named):
    keys = {"story": f"article-{story.pk}", "section": f"section-{story.section_id}"}

    response = client.get(url.format(year=story.published_at.year))

    assert response.status_code == 200
    assert {"all", "list", *(keys.get(name, name) for name in named)} <= keys_of(response)


def test_the_corrections_page_names_the_corrected_articles(client, story):
    Correction.objects.create(article=story, kind=CorrectionKind.CORRECTION, text="Fixed.")

    response = client.get("/en/corrections/")

    assert keys_of(response) == {"all", "list", f"article-{story.pk}"}


def test_a_page_that_names_nothing_is_purged_with_the_lists(client):
    # A missing article may be published at that address, so a 404 goes with every list.
    response = client.get("/en/articles/not-yet/")

    assert response.status_code == 404
    assert keys_of(response) == {"all", "list"}


def test_a_page_from_the_page_cache_keeps_its_keys(client, story):
    first = client.get("/en/articles/story/")
    second = client.get("/en/articles/story/")

    assert second["X-Page-Cache"] == "hit"
    assert second["xkey"] == first["xkey"]
    assert int(second["Age"]) >= 0  # a CDN counts s-maxage from when the page was made
    assert second["Last-Modified"] == first["Last-Modified"]


def test_the_key_headers_are_a_setting(client, settings, story):
    settings.SURROGATE_KEY_HEADERS = ["Cache-Tag"]

    response = client.get("/en/articles/story/")

    assert f"article-{story.pk}" in response["Cache-Tag"].split()
    assert "xkey" not in response and "Surrogate-Key" not in response


def test_a_logged_in_editor_gets_no_keys(client, story):
    client.force_login(make_staff("Editors"))

    response = client.get("/en/articles/story/")

    assert response.status_code == 200
    assert "xkey" not in response and "Surrogate-Key" not in response
    assert "public" not in response.get("Cache-Control", "")


def test_previews_and_the_admin_get_no_keys(client, story):
    link = ShareLink.objects.create(article=story)

    shared = client.get(link.get_absolute_url())
    login = client.get("/admin/login/")
    client.force_login(make_staff("Editors"))
    preview = client.get(reverse("articles:article-preview", kwargs={"pk": story.pk}))

    for response in (shared, login, preview):
        assert response.status_code == 200
        assert "xkey" not in response and "Surrogate-Key" not in response
    assert "private" in shared["Cache-Control"]


def test_a_scheduled_article_caps_how_long_the_cdn_may_keep_a_page(client, settings):
    settings.PURGE_BACKEND = "articles.cache.purge.VarnishBackend"
    make_article()
    make_article(published_at=timezone.now() + timedelta(seconds=90))

    response = client.get("/en/")

    max_age = int(response["Surrogate-Control"].removeprefix("max-age="))
    assert 80 <= max_age <= 90


def test_no_header_readers_see_counts_down_to_a_scheduled_publication(client, settings):
    make_article()
    quiet = client.get("/en/")
    make_article(published_at=timezone.now() + timedelta(seconds=90))

    for backend in ("articles.cache.purge.NullBackend", "articles.cache.purge.VarnishBackend"):
        settings.PURGE_BACKEND = backend
        response = client.get("/en/")
        # Surrogate-Control is the edge's; the VCL strips it (tests/test_varnish.py).
        assert response["Cache-Control"] == quiet["Cache-Control"]
    assert "Surrogate-Control" not in quiet


# What each change purges ---------------------------------------------------------------------


def edit_headline(article):
    article.headline = "Changed"
    article.save(update_fields=["headline"])  # as the editorial actions save


def withdraw(article):
    article.status = Status.WITHDRAWN
    article.save()


def add_correction(article):
    Correction.objects.create(article=article, kind=CorrectionKind.UPDATE, text="Updated.")


def publish_translation(article):
    ArticleTranslation.objects.create(
        article=article, language="de", headline="Neu", slug="neu", body="x", status="published"
    )


def add_byline(article):
    Byline.objects.create(article=article, author=make_author(), position=5)


def retag(article):
    article.tags.add("Climate")


def relate(article):
    article.related_articles.add(make_article(section=article.section))


def relate_from_the_other_side(article):
    make_article(section=article.section).article_set.add(article)


def change_the_old_address(article):
    article.slug = "story-renamed"
    article.save()


CHANGES_TO_AN_ARTICLE = {
    "edit": edit_headline,
    "withdraw": withdraw,
    "correction": add_correction,
    "translation": publish_translation,
    "byline": add_byline,
    "tag": retag,
    "related": relate,
    "related-reverse": relate_from_the_other_side,
    "slug": change_the_old_address,
}


@pytest.mark.parametrize("change", CHANGES_TO_AN_ARTICLE, ids=list(CHANGES_TO_AN_ARTICLE))
def test_a_change_to_an_article_purges_its_page_and_the_lists(
    story, purges, django_capture_on_commit_callbacks, change
):
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES_TO_AN_ARTICLE[change](story)

    purged = set().union(*purges())
    assert {f"article-{story.pk}", "list"} <= purged
    assert "all" not in purged
    # Not the section's, tags' or authors' keys: those would empty the CDN of every article
    # in the section, and their own pages are lists.
    assert f"section-{story.section_id}" not in purged


def test_an_author_purges_the_pages_with_their_byline(
    story, purges, django_capture_on_commit_callbacks
):
    author = story.bylines.first().author
    with django_capture_on_commit_callbacks(execute=True):
        author.name = "Ada Lovelace"
        author.save()
        AuthorTranslation.objects.create(author=author, language="de", bio="Mathematikerin.")

    assert set().union(*purges()) == {f"author-{author.pk}", "list"}


def test_a_renamed_tag_purges_the_pages_tagged_with_it(
    story, purges, django_capture_on_commit_callbacks
):
    tag = Tag.objects.get(name="Berlin")
    with django_capture_on_commit_callbacks(execute=True):
        tag.name = "Berlin-Mitte"
        tag.save()

    assert set().union(*purges()) == {f"tag-{tag.pk}", "list", "search"}


def test_a_section_is_on_every_page_so_a_change_purges_everything(
    story, purges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        SectionTranslation.objects.create(section=story.section, language="de", name="Politik")

    assert purges() == [{"all"}]


def test_loading_a_fixture_purges_everything(purges, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", "seed_articles", verbosity=0)

    assert purges() == [{"all"}]


def test_nothing_is_purged_before_the_change_commits(
    story, purges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        edit_headline(story)

    assert purges() == []
    for callback in callbacks:
        callback()
    assert purges() == [{f"article-{story.pk}", "list", "search"}]


def test_an_admin_save_sends_one_purge_with_every_key_it_touched(
    client, story, purges, django_capture_on_commit_callbacks
):
    client.force_login(make_staff("Editors"))
    data = form_data(client.get(change_url(story)), "article_form")
    data["headline"] = "Edited on the desk"
    data["tags"] = "Energy, Berlin, Climate"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(story), data)

    assert response.status_code == 302
    climate = Tag.objects.get(name="Climate")  # new: its own (empty) pages are purged too
    assert purges() == [{f"article-{story.pk}", f"tag-{climate.pk}", "list", "search"}]


# The Varnish backend -------------------------------------------------------------------------


class PurgeRecorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, str]] = []

    def do_PURGE(self):
        PurgeRecorder.received.append((self.command, self.path, self.headers["xkey-purge"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_varnish():
    PurgeRecorder.received = []
    server = HTTPServer(("127.0.0.1", 0), PurgeRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", PurgeRecorder.received
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_varnish_backend_sends_one_purge_request_with_the_keys_to_each_server(
    settings, fake_varnish, django_capture_on_commit_callbacks, story, run_jobs
):
    url, received = fake_varnish
    settings.PURGE_BACKEND = "articles.cache.purge.VarnishBackend"
    settings.VARNISH_URLS = [url, url]
    purge.purge_queue.keys.clear()

    with django_capture_on_commit_callbacks(execute=True):
        edit_headline(story)
    run_jobs()

    assert received == [("PURGE", "/", f"article-{story.pk} list search")] * 2


def test_an_unreachable_varnish_neither_fails_nor_waits_for_the_edit_its_purge_is_a_job(
    client, settings, django_capture_on_commit_callbacks, story
):
    settings.PURGE_BACKEND = "articles.cache.purge.VarnishBackend"
    settings.VARNISH_URLS = [f"http://127.0.0.1:{closed_port()}"]
    client.force_login(make_staff("Editors"))
    data = form_data(client.get(change_url(story)), "article_form")
    data["headline"] = "Saved while the CDN is down"
    purge.purge_queue.keys.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(story), data)

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Saved while the CDN is down"
    # Not tried in the request: the purge waits for a worker (tests/test_jobs.py runs it).
    job = DBTaskResult.objects.get()
    assert (job.status, job.worker_ids) == ("READY", [])
    assert job.args_kwargs["kwargs"]["keys"] == [f"article-{story.pk}", "list", "search"]
