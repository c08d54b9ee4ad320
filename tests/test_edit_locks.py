"""Edit locks and presence at the desk: the first editor to open a change form holds its lock,
others see who edits and since when, a stale lock is taken by the next one to open the form, an
editor may take a lock over, and the former holder's save is then refused (editorial/locks.py,
admin/presence.py)."""

from datetime import datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.editorial import locks
from articles.models import ArticleTranslation, EditLock, EditPresence, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

# 08:02 UTC is 10:02 at the desk (Europe/Berlin, summer time).
START = datetime.fromisoformat("2026-05-06T08:02:00+00:00")


@pytest.fixture
def clock(monkeypatch):
    """Time stands still until the test moves it on."""

    class Clock:
        now = START

        def move(self, **delta):
            self.now += timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def rita():
    return make_staff("Reporters", "rita", first_name="Rita", last_name="Reporter")


@pytest.fixture
def wim():
    return make_staff("Editors", "wim", first_name="Wim", last_name="Editor")


@pytest.fixture
def draft():
    return make_article(
        headline="Harbour strike ends",
        body="The strike ended.",
        status=Status.DRAFT,
        published_at=None,
        authors=[make_author()],
    )


def as_user(client, user):
    client.force_login(user)
    return client


def endpoint(obj, action):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=[obj.pk])


def status_line(text):
    return f'<p class="desk-presence__status">{text}</p>'


def take_over_button():
    return 'class="button desk-presence__take-over"'


def test_the_first_editor_to_open_an_article_takes_its_lock(client, clock, rita, draft):
    response = as_user(client, rita).get(change_url(draft))

    assert response.status_code == 200
    lock = EditLock.objects.get(article=draft)
    assert (lock.holder, lock.since, lock.renewed_at) == (rita, START, START)
    # Nobody else has it open: the banner has nothing to say.
    assertContains(response, status_line(""), html=True)
    assertContains(response, 'data-held="1"')
    assertContains(response, "articles/presence.js")


def test_a_second_editor_sees_who_is_editing_and_since_when(client, clock, rita, wim, draft):
    as_user(client, rita).get(change_url(draft))
    clock.move(minutes=1)

    response = as_user(client, wim).get(change_url(draft))

    assertContains(
        response,
        status_line(
            "Rita Reporter is editing since 10:02 a.m. Take over to save your changes here."
        ),
        html=True,
    )
    assertContains(response, take_over_button())
    assertContains(response, 'data-held="0"')
    assert EditLock.objects.get(article=draft).holder == rita
    # And Rita's page learns at its next heartbeat that Wim has it open too.
    state = as_user(client, rita).post(endpoint(draft, "presence"), {"held": "1"}).json()
    assert (state["mine"], state["status"]) == (True, "")
    assert state["others"] == "Also open: Wim Editor (since 10:03 a.m.)."


def test_the_german_desk_says_who_is_editing_in_german(client, clock, rita, wim, draft):
    as_user(client, rita).get(change_url(draft))

    response = as_user(client, wim).get(change_url(draft), HTTP_ACCEPT_LANGUAGE="de")

    assertContains(
        response,
        status_line(
            "Rita Reporter bearbeitet das seit 10:02. Übernehmen Sie die Bearbeitung, um Ihre "
            "Änderungen hier zu speichern."
        ),
        html=True,
    )
    assertContains(response, "Bearbeitung übernehmen")


def test_a_heartbeat_renews_the_lock_so_it_does_not_go_stale(client, clock, rita, wim, draft):
    as_user(client, rita).get(change_url(draft))
    clock.move(seconds=100)
    client.post(endpoint(draft, "presence"), {"held": "1"})
    clock.move(seconds=100)

    as_user(client, wim).get(change_url(draft))

    lock = EditLock.objects.get(article=draft)
    assert (lock.holder, lock.since) == (rita, START)
    assert lock.renewed_at == START + timedelta(seconds=100)


def test_a_stale_lock_expires_and_the_next_editor_to_open_the_form_takes_it(
    client, clock, rita, wim, draft
):
    as_user(client, rita).get(change_url(draft))
    clock.move(seconds=121)

    response = as_user(client, wim).get(change_url(draft))

    lock = EditLock.objects.get(article=draft)
    assert (lock.holder, lock.since, lock.taken_from) == (wim, clock.now, None)
    assertNotContains(response, "is editing since")
    # Rita's page, if it wakes up, learns that it lost the lock; it does not take it back.
    state = as_user(client, rita).post(endpoint(draft, "presence"), {"held": "1"}).json()
    assert state["lost"] and not state["mine"]
    assert EditLock.objects.get(article=draft).holder == wim


def test_take_over_moves_the_lock_and_records_from_whom(client, clock, rita, wim, draft):
    as_user(client, rita).get(change_url(draft))
    as_user(client, wim).get(change_url(draft))
    clock.move(minutes=1)

    state = client.post(endpoint(draft, "take_over")).json()

    lock = EditLock.objects.get(article=draft)
    assert (lock.holder, lock.taken_from, lock.taken_at) == (wim, rita, clock.now)
    assert state["mine"] and not state["may_take_over"]
    assert state["status"] == "You took over from Rita Reporter at 10:03 a.m."
    entry = LogEntry.objects.get(object_id=str(draft.pk), user=wim)
    assert entry.get_change_message() == "Took over editing from Rita Reporter."
    # Rita's page learns it at its next heartbeat.
    state = as_user(client, rita).post(endpoint(draft, "presence"), {"held": "1"}).json()
    assert state["lost"] and not state["mine"] and not state["may_take_over"]
    assert state["status"] == (
        "Wim Editor took over at 10:03 a.m.; your changes are not saved — copy them before leaving."
    )


def test_the_former_holders_save_is_refused_with_a_form_error_and_nothing_changes(
    client, clock, rita, wim, draft
):
    opened = form_data(as_user(client, rita).get(change_url(draft)), "article_form")
    as_user(client, wim).post(endpoint(draft, "take_over"))
    before = draft.__class__.objects.values().get(pk=draft.pk)

    opened["body"] = "Rita's new body."
    response = as_user(client, rita).post(change_url(draft), opened)

    assert response.status_code == 200
    assertContains(response, "Wim Editor took over at 10:02 a.m.; your changes are not saved.")
    assert draft.__class__.objects.values().get(pk=draft.pk) == before
    assert EditLock.objects.get(article=draft).holder == wim


def test_a_save_is_refused_while_someone_else_holds_a_live_lock_and_allowed_once_stale(
    client, clock, rita, wim, draft
):
    as_user(client, rita).get(change_url(draft))
    opened = form_data(as_user(client, wim).get(change_url(draft)), "article_form")
    opened["body"] = "Wim's new body."

    refused = client.post(change_url(draft), opened)
    assertContains(refused, "Rita Reporter is editing this since 10:02 a.m., so nothing was")
    draft.refresh_from_db()
    assert draft.body == "The strike ended."

    clock.move(minutes=3)
    saved = client.post(change_url(draft), opened)
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.body == "Wim's new body."


def test_the_new_holder_saves_after_taking_over(client, clock, rita, wim, draft):
    as_user(client, rita).get(change_url(draft))
    opened = form_data(as_user(client, wim).get(change_url(draft)), "article_form")
    client.post(endpoint(draft, "take_over"))
    opened["body"] = "Wim's new body."

    assert client.post(change_url(draft), opened).status_code == 302
    draft.refresh_from_db()
    assert draft.body == "Wim's new body."


def test_a_translator_on_an_original_sees_who_edits_but_takes_no_lock(client, clock, wim, draft):
    translator = make_staff("Translators", first_name="Tom", last_name="Translator")
    as_user(client, translator).get(change_url(draft))
    assert not EditLock.objects.exists()
    as_user(client, wim).get(change_url(draft))

    response = as_user(client, translator).get(change_url(draft))

    assertContains(response, status_line("Wim Editor is editing since 10:02 a.m."), html=True)
    assertNotContains(response, take_over_button())
    assert EditLock.objects.get(article=draft).holder == wim
    assert as_user(client, translator).post(endpoint(draft, "take_over")).status_code == 403
    assert EditLock.objects.get(article=draft).holder == wim
    assert EditPresence.objects.filter(article=draft).count() == 2


def test_a_reporter_on_published_work_sees_who_edits_but_takes_no_lock(client, clock, rita, wim):
    published = make_article(authors=[make_author()])
    as_user(client, rita).get(change_url(published))
    assert not EditLock.objects.exists()
    as_user(client, wim).get(change_url(published))

    response = as_user(client, rita).get(change_url(published))

    assertContains(response, status_line("Wim Editor is editing since 10:02 a.m."), html=True)
    assertNotContains(response, take_over_button())
    assert as_user(client, rita).post(endpoint(published, "take_over")).status_code == 403


def test_a_translation_has_its_own_lock(client, clock, rita, wim, draft):
    translation = ArticleTranslation.objects.create(
        article=draft, language="de", headline="Streik", slug="streik", body="Text."
    )
    translator = make_staff("Translators", first_name="Tom", last_name="Translator")
    as_user(client, translator).get(change_url(translation))

    response = as_user(client, wim).get(change_url(translation))

    assert EditLock.objects.get(translation=translation).holder == translator
    assert not EditLock.objects.filter(article=draft).exists()
    assertContains(
        response,
        status_line(
            "Tom Translator is editing since 10:02 a.m. Take over to save your changes here."
        ),
        html=True,
    )


def test_a_translation_saved_from_a_page_whose_lock_was_taken_over_is_refused(
    client, clock, wim, draft
):
    translation = ArticleTranslation.objects.create(
        article=draft, language="de", headline="Streik", slug="streik", body="Text."
    )
    translator = make_staff("Translators", first_name="Tom", last_name="Translator")
    opened = form_data(
        as_user(client, translator).get(change_url(translation)), "articletranslation_form"
    )
    as_user(client, wim).post(endpoint(translation, "take_over"))

    opened["body"] = "Neuer Text."
    response = as_user(client, translator).post(change_url(translation), opened)

    assertContains(response, "Wim Editor took over at 10:02 a.m.; your changes are not saved.")
    translation.refresh_from_db()
    assert (translation.body, translation.version) == ("Text.", 1)


def test_a_heartbeat_from_a_page_without_the_lock_takes_it_once_it_is_free(
    client, clock, rita, wim, draft
):
    as_user(client, rita).get(change_url(draft))
    as_user(client, wim).get(change_url(draft))
    clock.move(seconds=30)
    as_user(client, rita).post(endpoint(draft, "release"), {"at": START.isoformat()})

    state = as_user(client, wim).post(endpoint(draft, "presence"), {"held": "0"}).json()

    assert state["mine"] and not state["lost"]
    lock = EditLock.objects.get(article=draft)
    assert (lock.holder, lock.since) == (wim, clock.now)


def test_the_add_form_has_no_banner_and_takes_no_lock(client, wim):
    response = as_user(client, wim).get(reverse("admin:articles_article_add"))

    assert response.status_code == 200
    assertNotContains(response, "desk-presence")
    assert not EditLock.objects.exists()


def test_closing_the_page_releases_the_lock_but_not_a_later_page_of_the_same_editor(
    client, clock, rita, wim, draft
):
    as_user(client, rita).get(change_url(draft))
    first_page = START.isoformat()
    clock.move(seconds=5)
    # "Save and continue editing", or a reload: the new page renews the lock before the old
    # page's release arrives.
    client.get(change_url(draft))

    client.post(endpoint(draft, "release"), {"at": first_page})
    assert EditLock.objects.get(article=draft).holder == rita

    client.post(endpoint(draft, "release"), {"at": clock.now.isoformat()})
    assert not EditLock.objects.exists()
    assert not EditPresence.objects.filter(user=rita).exists()


def test_a_release_from_someone_who_holds_no_lock_leaves_it(client, clock, rita, wim, draft):
    as_user(client, rita).get(change_url(draft))
    as_user(client, wim).get(change_url(draft))

    client.post(endpoint(draft, "release"), {"at": clock.now.isoformat()})

    assert EditLock.objects.get(article=draft).holder == rita


ENDPOINTS = ["presence", "take_over", "release"]


def request_as(client, role, obj, action, method="post"):
    if role == "nobody":
        user = User.objects.create_user("nobody", password="x", is_staff=True)
    elif role is not None:
        user = make_staff(role)
    if role is not None:
        client.force_login(user)
    data = {"held": "0", "at": timezone.now().isoformat()}
    return getattr(client, method)(endpoint(obj, action), data)


@pytest.mark.parametrize("action", ENDPOINTS)
def test_anonymous_visitors_are_sent_to_the_login(client, draft, action):
    response = request_as(client, None, draft, action)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert not EditLock.objects.exists()


@pytest.mark.parametrize("action", ENDPOINTS)
def test_staff_who_may_not_see_articles_are_refused(client, draft, action):
    response = request_as(client, "nobody", draft, action)
    assert response.status_code == 403
    assert not EditLock.objects.exists()


@pytest.mark.parametrize(
    ("role", "action", "status"),
    [
        ("Reporters", "presence", 200),
        ("Reporters", "take_over", 200),
        ("Reporters", "release", 200),
        ("Editors", "presence", 200),
        ("Editors", "take_over", 200),
        ("Editors", "release", 200),
        ("Translators", "presence", 200),
        ("Translators", "take_over", 403),
        ("Translators", "release", 200),
    ],
)
def test_each_role_may_use_the_endpoints_on_a_draft_as_its_permissions_say(
    client, draft, role, action, status
):
    assert request_as(client, role, draft, action).status_code == status


@pytest.mark.parametrize("role", ["Reporters", "Editors", "Translators"])
@pytest.mark.parametrize("action", ENDPOINTS)
def test_a_missing_object_is_404(client, draft, role, action):
    draft.delete()
    assert request_as(client, role, draft, action).status_code == 404


@pytest.mark.parametrize("action", ENDPOINTS)
def test_a_pk_that_is_no_number_is_404(client, wim, action):
    client.force_login(wim)
    url = reverse(f"admin:articles_article_{action}", args=["abc"])
    assert client.post(url, {"at": timezone.now().isoformat()}).status_code == 404


@pytest.mark.parametrize("action", ENDPOINTS)
def test_a_get_on_an_endpoint_is_refused(client, draft, action):
    assert request_as(client, "Editors", draft, action, method="get").status_code == 405
    assert not EditLock.objects.exists()


@pytest.mark.parametrize("at", ["", "yesterday", "2026-13-45T10:00:00", "2026-05-06T10:00:00"])
def test_a_release_without_a_valid_aware_time_is_a_bad_request(client, wim, draft, at):
    client.force_login(wim)
    client.get(change_url(draft))
    assert client.post(endpoint(draft, "release"), {"at": at}).status_code == 400
    assert EditLock.objects.filter(holder=wim).exists()


def test_two_first_opens_at_once_leave_one_holder(monkeypatch, clock, rita, wim, draft):
    """Wim's open read no lock just before Rita's first open made one: his insert is refused by
    the one-lock-per-article constraint, and he reads again and sees hers."""
    locks.open_form(draft, rita, may_change=True)
    read = locks._locked
    reads = []

    def read_before_ritas_insert(obj):
        reads.append(obj)
        return None if len(reads) == 1 else read(obj)

    monkeypatch.setattr(locks, "_locked", read_before_ritas_insert)

    presence = locks.open_form(draft, wim, may_change=True)

    assert len(reads) == 2
    assert presence.lock.holder == rita and not presence.mine
    assert EditLock.objects.get(article=draft).holder == rita
