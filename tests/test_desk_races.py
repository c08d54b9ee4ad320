"""Two editors at the desk at the same moment: nobody is told "done" and then loses the change.

Each test sends two real admin requests, each from its own thread (so on its own PostgreSQL
connection) and as its own editor. The interleaving is fixed, not left to luck:

1. the first request runs until its first save of the article (a `pre_save` receiver on Article
   holds it there, after it has loaded the article and before it writes the row);
2. the second request runs until it is done, or until PostgreSQL shows it waiting for a lock (one
   only the held request can hold);
3. the first request is let go, and both finish.

Then each editor's change must be in the final row, or that editor must have been told it was not
made: the change form answers 302 ("saved") or 200 with a form error; bulk actions and History
restores say so in the messages of the page they lead to.

The only seams are Article's `pre_save` signal and PostgreSQL's `pg_locks`, so the tests hold
whichever code path saves the article, as long as it saves it with `Model.save()`. When the held
request holds the row lock (the change form does, after its version check), the second request
blocks on it, and the test sees that and lets the first one go: no deadlock, no sleeping.
"""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import roles
from articles.editorial import revisions
from articles.models import Article, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]

WAIT = 30  # seconds any one step may take before the test gives up and says which step hung

ORIGINAL = ("Harbour reopens", "The harbour reopened on Monday.")
REWRITTEN = ("Harbour stays shut", "The strike goes on.")

# How the admin shows messages (django/contrib/admin/templates/admin/base.html).
MESSAGE_LIST = re.compile(r'<ul class="messagelist">(.*?)</ul>', re.DOTALL)
MESSAGE_LEVEL = re.compile(r'<li class="(\w+)">')


@pytest.fixture(autouse=True)
def _desk_groups():
    # Transactional tests flush the tables between tests, groups included: make them again.
    roles.sync_roles()


class HoldFirstSave:
    """A pre_save receiver holding one thread at its first save of an article until let go."""

    def __init__(self, thread):
        self.thread = thread
        self.reached = threading.Event()
        self.go = threading.Event()

    def __call__(self, sender, instance, **kwargs):
        if threading.current_thread() is not self.thread or self.reached.is_set():
            return
        self.reached.set()
        if not self.go.wait(WAIT):
            raise AssertionError("The held request was never let go.")


class Request(threading.Thread):
    """One editor's request in a thread, and so on a database connection, of its own."""

    def __init__(self, send):
        super().__init__(daemon=True)
        self.send = send
        self.response = self.error = self.backend_pid = None

    def run(self):
        try:
            with connection.cursor() as cursor:
                # Behind the other request's row lock: fail with an error instead of hanging.
                cursor.execute(f"SET lock_timeout = '{WAIT}s'")
                cursor.execute("SELECT pg_backend_pid()")
                [self.backend_pid] = cursor.fetchone()
            self.response = self.send()
        except BaseException as error:  # re-raised by race() in the test's own thread
            self.error = error
        finally:
            connection.close()  # Django opens one connection per thread and never closes it


def waiting_for_a_lock(request: Request) -> bool:
    if request.backend_pid is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)",
            [request.backend_pid],
        )
        return cursor.fetchone()[0]


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Gave up after {WAIT}s waiting for {what}.")
        time.sleep(0.01)


def race(first, second):
    """Hold `first` at its save of the article, run `second` until it is done or waits for a
    lock, then let `first` finish. Returns both responses."""
    one, two = Request(first), Request(second)
    hold = HoldFirstSave(one)
    pre_save.connect(hold, sender=Article, weak=False, dispatch_uid="desk-race-hold")
    try:
        one.start()
        wait_until(
            lambda: hold.reached.is_set() or not one.is_alive(),
            "the first request to save the article",
        )
        if not hold.reached.is_set():
            pytest.fail(
                "The first request ended without saving an Article, so it was never held "
                f"between its load and its write: {one.error or one.response!r}"
            )
        two.start()
        wait_until(
            lambda: not two.is_alive() or waiting_for_a_lock(two),
            "the second request to finish or to wait for the first one's lock",
        )
    finally:
        hold.go.set()
        pre_save.disconnect(sender=Article, dispatch_uid="desk-race-hold")
        for request in (one, two):
            if request.ident is not None:
                request.join(WAIT)
    for name, request in (("first", one), ("second", two)):
        assert not request.is_alive(), f"The {name} request did not finish within {WAIT}s."
        if request.error is not None:
            raise request.error
    return one.response, two.response


def editor(first_name: str) -> Client:
    """A browser session of its own, logged in as an editor of that name."""
    client = Client()
    client.force_login(make_staff("Editors", first_name=first_name, last_name="Editor"))
    return client


def change_form_save(client: Client, article: Article, **changes):
    """Open the change form now; return the save of it with `changes`, to send later."""
    data = form_data(client.get(change_url(article)), "article_form")
    data.update(changes)
    return lambda: client.post(change_url(article), data)


def bulk_action(client: Client, article: Article, action: str):
    """Load the article list now; return `action` on the article from it, to send later."""
    changelist = reverse("admin:articles_article_changelist")
    data = form_data(client.get(changelist), "changelist-form")
    data.update(action=action, _selected_action=[article.pk])
    return lambda: client.post(changelist, data, follow=True)


def history_restore(client: Client, article: Article, revision_id: int):
    """The "Restore this version" button of History, to press later."""
    url = reverse("admin:articles_article_revision", args=[article.pk, revision_id])
    return lambda: client.post(url, follow=True)


def saved(response) -> bool:
    """What the change form told its editor: saved (302), or refused with a form error (200)."""
    if response.status_code == 302:
        return True
    assert response.status_code == 200, response.status_code
    assert 'class="errornote"' in response.content.decode(), "200 without saying what was wrong"
    return False


def done(response) -> bool:
    """Whether a bulk action or a restore told its editor it was done (and nothing refused)."""
    # Read from the page, not response.context: the test client records the templates that
    # any thread renders, so with two requests at once the context can be the other editor's.
    assert response.status_code == 200, response.status_code
    shown = MESSAGE_LIST.search(response.content.decode())
    levels = MESSAGE_LEVEL.findall(shown[1]) if shown else []
    assert {"success", "error"} & set(levels), "The editor was told nothing."
    return "error" not in levels


def rewritten_article(**fields) -> tuple[Article, int]:
    """An article rewritten once at the desk; the revision of its original text."""
    headline, body = ORIGINAL
    article = make_article(headline=headline, body=body, authors=[make_author()], **fields)
    # By a third editor: the racing editors' next pages must show only what their race did.
    rewrite = change_form_save(editor("Cleo"), article, headline=REWRITTEN[0], body=REWRITTEN[1])
    assert rewrite().status_code == 302
    original = revisions.history(article).last()
    assert original.field_dict["headline"] == headline
    return Article.objects.get(pk=article.pk), original.revision_id


def last_workflow_step(article: Article) -> str:
    """Where the article's recorded workflow ends: a status, or "" if no step was recorded."""
    step = article.status_changes.order_by("changed_at", "pk").last()
    return step.to_status if step else ""


@pytest.mark.parametrize("loads_first", ["bulk action", "change form"])
def test_a_change_form_save_racing_publish_now_is_kept_or_refused(loads_first):
    article = make_article(
        status=Status.IN_REVIEW, published_at=None, body="First draft.", authors=[make_author()]
    )
    ada, bob = editor("Ada"), editor("Bob")
    save = change_form_save(ada, article, body="Ada's corrected text.")
    publish = bulk_action(bob, article, "publish_now")

    if loads_first == "bulk action":
        # Bob's action has loaded the article; Ada's whole save happens before it writes.
        publish_response, save_response = race(publish, save)
    else:
        # Ada's save has checked the version and holds the row; Bob's action loads meanwhile.
        save_response, publish_response = race(save, publish)

    article.refresh_from_db()
    if saved(save_response):
        assert article.body == "Ada's corrected text.", (
            f"Ada was told “saved”, and her text is gone: the body is {article.body!r}."
        )
    if done(publish_response):
        assert article.is_public(), "Bob was told “Published.”, and the article is not live."


@pytest.mark.parametrize("loads_first", ["restore", "withdraw"])
def test_a_restore_racing_withdraw_keeps_it_withdrawn_and_keeps_the_restored_text_or_says_so(
    loads_first,
):
    ada, bob = editor("Ada"), editor("Bob")
    article, original = rewritten_article()
    restore = history_restore(ada, article, original)
    withdraw = bulk_action(bob, article, "withdraw")

    if loads_first == "restore":
        restore_response, withdraw_response = race(restore, withdraw)
    else:
        withdraw_response, restore_response = race(withdraw, restore)

    article.refresh_from_db()
    if done(withdraw_response):
        assert article.status == Status.WITHDRAWN, (
            f"Bob was told “Withdrawn.”, and the article is {article.get_status_display()} again "
            f"(live: {article.is_public()})."
        )
    if done(restore_response):
        assert (article.headline, article.body) == ORIGINAL, (
            "Ada was told the old version was restored, and the text is "
            f"{(article.headline, article.body)!r}."
        )


@pytest.mark.parametrize("loads_first", ["restore", "publish now"])
def test_a_restore_racing_publish_now_never_silently_undoes_the_publication(loads_first):
    ada, bob = editor("Ada"), editor("Bob")
    article, original = rewritten_article(status=Status.IN_REVIEW, published_at=None)
    restore = history_restore(ada, article, original)
    publish = bulk_action(bob, article, "publish_now")

    if loads_first == "restore":
        restore_response, publish_response = race(restore, publish)
    else:
        publish_response, restore_response = race(publish, restore)

    article.refresh_from_db()
    if done(publish_response):
        assert article.is_public(), (
            f"Bob was told “Published.”, and the article is {article.get_status_display()} "
            f"(published at {article.published_at})."
        )
    if done(restore_response):
        assert (article.headline, article.body) == ORIGINAL, (
            "Ada was told the old version was restored, and the text is "
            f"{(article.headline, article.body)!r}."
        )


def test_publish_now_racing_withdraw_never_silently_puts_a_withdrawn_article_back_live():
    # Scheduled for tomorrow: "publish now" is a real change (live at once), so it saves the row.
    article = make_article(published_at=timezone.now() + timedelta(days=1), authors=[make_author()])
    ada, bob = editor("Ada"), editor("Bob")
    publish = bulk_action(ada, article, "publish_now")
    withdraw = bulk_action(bob, article, "withdraw")

    # Ada's action has loaded the scheduled article; Bob's withdrawal happens before it writes.
    publish_response, withdraw_response = race(publish, withdraw)

    article.refresh_from_db()
    recorded = last_workflow_step(article)
    if done(withdraw_response):
        # Live again is fine only if the workflow records someone putting it back.
        assert article.status == Status.WITHDRAWN or recorded == Status.PUBLISHED, (
            f"Bob was told “Withdrawn.”, and the article is {article.get_status_display()} (live: "
            f"{article.is_public()}) while its workflow ends at {recorded!r}."
        )
    if done(publish_response):
        assert article.is_public() or recorded == Status.WITHDRAWN, (
            f"Ada was told “Published.”, and the article is {article.get_status_display()}."
        )
