"""The curated front page: editors place the lead and the top stories per language and section,
for all time or from one time to another; readers see it on their next request, and the newest
fill in wherever nothing (public) is placed."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from articles import jobs
from articles.cache import purge
from articles.cache.pages import seconds_to_next_publication
from articles.editorial import WorkflowError, frontpage
from articles.models import Placement, Status

from .factories import make_article, make_section, make_staff

pytestmark = pytest.mark.django_db

DESK = "/admin/articles/placement/"


def lead_of(html: str) -> str:
    """The lead story's block of the front page."""
    start = html.index('class="front__lead"')
    return html[start : html.index("</section>", start)]


def lead_of_list(html: str) -> str:
    """The first teaser of a section page's list."""
    start = html.index('class="teaser')
    return html[start : html.index("</article>", start)]


def order_of(html: str, *headlines: str) -> list[str]:
    """`headlines` in the order the page shows them (those it does not show left out)."""
    return sorted((h for h in headlines if h in html), key=html.index)


@pytest.fixture
def editor():
    return make_staff("Editors")


@pytest.fixture
def news():
    """Three published articles, the newest first: "Newest", "Middle", "Oldest"."""
    now = timezone.now()
    section = make_section(name="Politics", slug="politics")
    return {
        name: make_article(
            headline=name, section=section, published_at=now - timedelta(hours=hours)
        )
        for hours, name in ((1, "Newest"), (2, "Middle"), (3, "Oldest"))
    }


def test_without_placements_the_newest_article_leads(client, news):
    assert "Newest" in lead_of(client.get("/en/").content.decode())


def test_the_chosen_lead_leads_in_english_and_not_in_german_unless_chosen_there(
    client, news, editor
):
    frontpage.place("en", None, news["Oldest"], editor)

    assert "Oldest" in lead_of(client.get("/en/").content.decode())
    assert "Newest" in lead_of(client.get("/de/").content.decode())

    frontpage.place("de", None, news["Middle"], editor)

    assert "Middle" in lead_of(client.get("/de/").content.decode())
    assert "Oldest" in lead_of(client.get("/en/").content.decode())


def test_the_top_stories_follow_in_the_order_placed_then_the_newest(client, news, editor):
    extra = make_article(headline="Brand new")
    frontpage.place("en", None, news["Oldest"], editor)
    frontpage.place("en", None, news["Middle"], editor)

    html = client.get("/en/").content.decode()

    assert order_of(html, "Oldest", "Middle", "Brand new", "Newest") == [
        "Oldest",
        "Middle",
        "Brand new",
        "Newest",
    ]
    assert extra.headline not in lead_of(html)


def test_placing_at_a_position_moves_the_others_down(news, editor):
    first = frontpage.place("en", None, news["Oldest"], editor)
    second = frontpage.place("en", None, news["Middle"], editor)
    third = frontpage.place("en", None, news["Newest"], editor, position=1)

    positions = dict(Placement.objects.values_list("pk", "position"))
    assert positions == {third.pk: 1, first.pk: 2, second.pk: 3}


def freeze(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_timed_lead_leads_only_inside_its_window(client, news, editor, monkeypatch):
    now = timezone.now()
    starts, ends = now + timedelta(hours=1), now + timedelta(hours=6)
    frontpage.place("en", None, news["Oldest"], editor, starts_at=starts, ends_at=ends)

    freeze(monkeypatch, starts - timedelta(seconds=1))
    assert "Newest" in lead_of(client.get("/en/").content.decode())
    freeze(monkeypatch, starts)
    assert "Oldest" in lead_of(client.get("/en/").content.decode())
    freeze(monkeypatch, ends - timedelta(seconds=1))
    assert "Oldest" in lead_of(client.get("/en/").content.decode())
    freeze(monkeypatch, ends)
    assert "Newest" in lead_of(client.get("/en/").content.decode())


@pytest.mark.parametrize(
    "unpublish",
    [
        lambda article: setattr(article, "status", Status.WITHDRAWN),
        lambda article: setattr(article, "status", Status.DRAFT),
        lambda article: setattr(article, "published_at", timezone.now() + timedelta(days=1)),
    ],
    ids=["withdrawn", "draft", "scheduled"],
)
def test_a_chosen_article_readers_may_not_see_gives_way_to_the_newest(
    client, news, editor, unpublish
):
    chosen = news["Oldest"]
    frontpage.place("en", None, chosen, editor)
    unpublish(chosen)
    chosen.save()

    html = client.get("/en/").content.decode()

    assert "Newest" in lead_of(html)
    assert "Oldest" not in html


def test_only_published_articles_can_be_placed(news, editor):
    draft = make_article(headline="Draft", status=Status.DRAFT)

    with pytest.raises(Exception, match="article"):
        frontpage.place("en", None, draft, editor)
    with pytest.raises(WorkflowError):
        frontpage.place("fr", None, news["Oldest"], editor)
    assert not Placement.objects.exists()


def test_the_home_pages_pages_show_every_article_once_however_many_are_placed(client, editor):
    now = timezone.now()
    section = make_section(name="Politics", slug="politics")
    articles = [
        make_article(
            headline=f"Story number {number:02}",
            section=section,
            published_at=now - timedelta(hours=number),
        )
        for number in range(1, 26)
    ]
    for oldest in articles[-3:]:
        frontpage.place("en", None, oldest, editor)

    shown = []
    for page in ("/en/", "/en/?page=2"):
        html = client.get(page).content.decode()
        shown += [a.headline for a in articles if f">{a.headline}<" in html]

    assert sorted(shown) == sorted(a.headline for a in articles)


def test_a_section_page_leads_with_its_own_placement_and_the_home_page_does_not(
    client, news, editor
):
    politics = news["Oldest"].section
    frontpage.place("en", politics, news["Oldest"], editor)

    section_html = client.get("/en/sections/politics/").content.decode()
    assert order_of(section_html, "Oldest", "Newest", "Middle") == ["Oldest", "Newest", "Middle"]
    assert "Newest" in lead_of(client.get("/en/").content.decode())


def test_a_section_page_shows_only_its_own_articles_with_placements(client, news, editor):
    politics = news["Oldest"].section
    make_article(headline="Sport story")
    frontpage.place("en", politics, news["Oldest"], editor)

    assert "Sport story" not in client.get("/en/sections/politics/").content.decode()


@pytest.mark.usefixtures("page_cache_on")
def test_the_cached_front_page_changes_on_the_very_next_request_after_a_reorder(
    client, news, editor
):
    frontpage.place("en", None, news["Oldest"], editor)
    second = frontpage.place("en", None, news["Middle"], editor)
    client.get("/en/")
    assert client.get("/en/")["X-Page-Cache"] == "hit"
    german = client.get("/de/")
    assert client.get("/de/")["X-Page-Cache"] == "hit"

    frontpage.move(second.pk, editor, by=-1)

    response = client.get("/en/")
    assert response["X-Page-Cache"] == "miss"
    assert "Middle" in lead_of(response.content.decode())
    # The German home page shows no English placement: kept as it was.
    assert client.get("/de/")["X-Page-Cache"] == "hit"
    assert client.get("/de/").content == german.content


@pytest.mark.usefixtures("fragment_cache_only")
def test_the_kept_story_of_the_front_page_changes_after_a_removal(client, news, editor):
    placed = frontpage.place("en", None, news["Oldest"], editor)
    assert "Oldest" in lead_of(client.get("/en/").content.decode())

    frontpage.remove(placed.pk, editor)

    assert "Newest" in lead_of(client.get("/en/").content.decode())


@pytest.mark.usefixtures("page_cache_on")
def test_a_cached_page_is_kept_no_longer_than_until_a_timed_placement_starts_or_ends(
    news, editor, monkeypatch
):
    now = timezone.now().replace(microsecond=0)
    frontpage.place(
        "en",
        None,
        news["Oldest"],
        editor,
        starts_at=now + timedelta(minutes=2),
        ends_at=now + timedelta(minutes=4),
    )
    freeze(monkeypatch, now)
    assert seconds_to_next_publication(None, None) == 120
    freeze(monkeypatch, now + timedelta(minutes=3))
    assert seconds_to_next_publication(None, None) == 60
    freeze(monkeypatch, now + timedelta(minutes=5))
    assert seconds_to_next_publication(None, None) is None


@pytest.mark.usefixtures("page_cache_on")
def test_a_timed_lead_appears_at_its_time_with_the_cache_on(client, news, editor):
    frontpage.place(
        "en", None, news["Oldest"], editor, starts_at=timezone.now() + timedelta(seconds=2)
    )

    assert "Newest" in lead_of(client.get("/en/").content.decode())
    assert client.get("/en/")["X-Page-Cache"] == "hit"
    time.sleep(2.2)

    assert "Oldest" in lead_of(client.get("/en/").content.decode())


def test_a_placement_purges_its_front_page_at_the_cdn(
    settings, news, editor, django_capture_on_commit_callbacks
):
    settings.PURGE_BACKEND = "articles.cache.purge.VarnishBackend"
    settings.VARNISH_URLS = ["http://127.0.0.1:9"]
    purge.purge_queue.keys.clear()
    politics = news["Oldest"].section

    with django_capture_on_commit_callbacks(execute=True):
        frontpage.place("de", politics, news["Oldest"], editor)

    (row,) = jobs.results_of(jobs.purge_pages)
    assert row.args_kwargs["kwargs"]["keys"] == [f"front-de-section-{politics.pk}"]


@pytest.mark.usefixtures("page_cache_on")
def test_the_front_pages_name_their_own_surrogate_keys(client, news):
    politics = news["Oldest"].section

    assert "front-en" in client.get("/en/")["Surrogate-Key"].split()
    assert "front-de" in client.get("/de/")["Surrogate-Key"].split()
    keys = client.get("/en/sections/politics/")["Surrogate-Key"].split()
    assert f"front-en-section-{politics.pk}" in keys


def test_the_home_page_takes_no_more_queries_with_placements(client, news, editor):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/").status_code == 200
        return len(queries)

    without = count()
    frontpage.place("en", None, news["Oldest"], editor)
    frontpage.place("en", None, news["Middle"], editor, ends_at=timezone.now() + timedelta(1))

    assert count() == without


def test_a_front_page_change_is_announced_once_it_commits(
    news, editor, django_capture_on_commit_callbacks
):
    from articles.editorial.signals import front_page_changed

    heard = []

    def listener(sender, instance, user, **kwargs):
        heard.append((sender, instance.article_id, user))

    front_page_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            placed = frontpage.place("en", None, news["Oldest"], editor)
        with django_capture_on_commit_callbacks(execute=True):
            frontpage.remove(placed.pk, editor)
    finally:
        front_page_changed.disconnect(listener)

    assert heard == [(Placement, news["Oldest"].pk, editor)] * 2


# The desk ------------------------------------------------------------------------------------


def staff(role):
    if role == "anonymous":
        return None
    return make_staff(role.capitalize())


ROLES = ["anonymous", "reporters", "translators", "editors"]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_front_page_desk(client, news, role):
    user = staff(role)
    if user:
        client.force_login(user)

    response = client.get(DESK, {"language": "de"})

    if role == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    else:
        assert response.status_code == 200
        html = response.content.decode()
        assert "As readers see it now" in html
        assert ('name="action" value="place"' in html) == (role == "editors")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["place", "up", "down", "remove"])
def test_only_editors_may_change_the_front_page(client, news, editor, role, action):
    placed = frontpage.place("en", None, news["Middle"], editor)
    frontpage.place("en", None, news["Newest"], editor)
    user = staff(role)
    if user:
        client.force_login(user)
    data = {"action": action, "placement": placed.pk, "article": news["Oldest"].pk}

    response = client.post(f"{DESK}?language=en&section=", data)

    def arrangement():
        return list(Placement.objects.values_list("article__headline", "position"))

    before = [("Middle", 1), ("Newest", 2)]
    if role == "editors":
        assert response.status_code == 302
        assert (
            arrangement()
            == {
                "place": [*before, ("Oldest", 3)],
                "up": before,  # the lead already
                "down": [("Newest", 1), ("Middle", 2)],
                "remove": [("Newest", 1)],
            }[action]
        )
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert arrangement() == before


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_front_page_preview(client, news, role):
    user = staff(role)
    if user:
        client.force_login(user)

    home = client.get("/en/preview/front-page/")
    section = client.get("/de/preview/front-page/sections/politics/")

    expected = 404 if role == "anonymous" else 200
    assert (home.status_code, section.status_code) == (expected, expected)
    if user:
        assert "no-store" in home["Cache-Control"]
        assert home["X-Frame-Options"] == "SAMEORIGIN"
        assert "Newest" in lead_of(home.content.decode())


def test_an_editor_places_moves_and_removes_at_the_desk(client, news, editor):
    client.force_login(editor)
    url = f"{DESK}?language=en&section="

    client.post(url, {"action": "place", "article": news["Oldest"].pk})
    client.post(url, {"action": "place", "article": news["Middle"].pk, "position": "1"})
    assert "Middle" in lead_of(client.get("/en/").content.decode())
    oldest = Placement.objects.get(article=news["Oldest"])

    client.post(url, {"action": "up", "placement": oldest.pk})
    assert "Oldest" in lead_of(client.get("/en/").content.decode())

    client.post(url, {"action": "remove", "placement": oldest.pk})
    assert "Middle" in lead_of(client.get("/en/").content.decode())
    assert list(Placement.objects.values_list("article__headline", "position")) == [("Middle", 1)]


def test_the_desk_places_from_one_time_to_another(client, news, editor):
    client.force_login(editor)
    starts = timezone.localtime() + timedelta(days=1)

    client.post(
        f"{DESK}?language=de",
        {
            "action": "place",
            "article": news["Oldest"].pk,
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "06:00",
            "ends_at_0": starts.strftime("%Y-%m-%d"),
            "ends_at_1": "12:00",
        },
    )

    placement = Placement.objects.get()
    assert placement.language == "de"
    assert timezone.localtime(placement.starts_at).hour == 6
    assert timezone.localtime(placement.ends_at).hour == 12
    desk = client.get(f"{DESK}?language=de").content.decode()
    assert date_format(timezone.localtime(placement.starts_at), "DATETIME_FORMAT") in desk
    assert "Waits for its time" in desk


@pytest.mark.parametrize(
    "data",
    [
        {"action": "place", "article": ""},
        {"action": "place", "article": "nonsense"},
        {"action": "place", "article": "999999"},
        {"action": "place", "article": "{draft}"},
        {"action": "place", "article": "{article}", "position": "0"},
        {"action": "place", "article": "{article}", "position": "x"},
        {"action": "place", "article": "{article}", "starts_at_0": "2026-13-40"},
        {
            "action": "place",
            "article": "{article}",
            "starts_at_0": "2030-01-02",
            "starts_at_1": "12:00",
            "ends_at_0": "2030-01-02",
            "ends_at_1": "06:00",
        },
        {
            "action": "place",
            "article": "{article}",
            "starts_at_0": "9999-01-01",
            "starts_at_1": "1:0",
        },
    ],
)
def test_bad_input_to_the_desk_answers_with_the_form_errors(client, news, editor, data):
    draft = make_article(status=Status.DRAFT)
    client.force_login(editor)
    data = {
        name: value.format(article=news["Oldest"].pk, draft=draft.pk)
        for name, value in data.items()
    }

    response = client.post(DESK, data)

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["?section=999999", "?section=x", "?language=xx", "?section=%00"],
)
def test_odd_addresses_of_the_desk_are_never_a_server_error(client, news, editor, query):
    client.force_login(editor)

    response = client.get(DESK + query)

    assert response.status_code in {200, 302, 400, 404}


@pytest.mark.parametrize(
    "data", [{"action": "up", "placement": "x"}, {"action": "dance", "placement": "1"}, {}]
)
def test_odd_changes_posted_to_the_desk_change_nothing(client, news, editor, data):
    placed = frontpage.place("en", None, news["Oldest"], editor)
    client.force_login(editor)

    response = client.post(f"{DESK}?language=en", data)

    assert response.status_code == 302
    assert list(Placement.objects.values_list("pk", "position")) == [(placed.pk, 1)]


def test_the_article_picker_offers_only_published_articles(client, news, editor):
    make_article(headline="Newest draft", status=Status.DRAFT)
    client.force_login(editor)

    response = client.get(
        "/admin/autocomplete/",
        {
            "term": "Newest",
            "app_label": "articles",
            "model_name": "placement",
            "field_name": "article",
        },
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Newest"]


def test_a_user_without_staff_status_cannot_reach_the_desk(client, news):
    client.force_login(User.objects.create_user("reader", password="x"))

    assert client.get(DESK).status_code == 302


def test_the_desk_arranges_a_section_page_apart_from_the_home_page(client, news, editor):
    politics = news["Oldest"].section
    client.force_login(editor)

    response = client.post(
        f"{DESK}?language=en&section={politics.pk}",
        {"action": "place", "article": news["Oldest"].pk},
    )

    assert response.status_code == 302
    placement = Placement.objects.get()
    assert (placement.language, placement.section) == ("en", politics)
    desk = client.get(f"{DESK}?language=en&section={politics.pk}").content.decode()
    assert "Front page: Politics (English)" in desk
    assert "/en/preview/front-page/sections/politics/" in desk
    client.logout()
    assert "Oldest" in lead_of_list(client.get("/en/sections/politics/").content.decode())
    assert "Newest" in lead_of(client.get("/en/").content.decode())
