"""The editorial actions, called without the desk: each is atomic, works on the row as stored,
checks the version the editor saw, records the revision and the workflow step, and sends one
domain signal once it has committed. A management command takes the same steps."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from articles import editorial
from articles.editorial import revisions
from articles.editorial.signals import EVENTS
from articles.models import (
    Article,
    ArticleTranslation,
    Correction,
    CorrectionKind,
    ShareLink,
    Status,
    StatusChange,
)

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return make_staff("Editors", username="erika")


@pytest.fixture
def events():
    """The domain events sent, as (name, model name, pk, username)."""
    sent = []

    def record(signal, sender, instance, user, **kwargs):
        name = next(name for name, known in EVENTS.items() if known is signal)
        sent.append((name, sender._meta.model_name, instance.pk, user.get_username()))

    for signal in EVENTS.values():
        signal.connect(record, dispatch_uid="test-events")
    yield sent
    for signal in EVENTS.values():
        signal.disconnect(dispatch_uid="test-events")


def draft(**fields):
    return make_article(
        status=fields.pop("status", Status.DRAFT),
        published_at=fields.pop("published_at", None),
        authors=fields.pop("authors", [make_author()]),
        **fields,
    )


def german(article, **fields):
    fields.setdefault("status", Status.DRAFT)
    return ArticleTranslation.objects.create(
        article=article, language="de", headline="Titel", slug=f"{article.slug}-de", body="Text.",
        **fields,
    )  # fmt: skip


def edit_body(article, editor, body, seen_version=None):
    with transaction.atomic():
        locked = editorial.lock(Article, article.pk, seen_version=seen_version)
        locked.body = body
        return editorial.save(locked, editor, seen_version=seen_version, comment="Edited.")


ACTIONS = {
    "article_submitted": lambda a, t, user: editorial.submit(Article, a.pk, user),
    "article_published": lambda a, t, user: editorial.publish(Article, a.pk, user),
    "article_scheduled": lambda a, t, user: editorial.publish(
        Article, a.pk, user, at=timezone.now() + timedelta(days=1)
    ),
    "article_saved": lambda a, t, user: edit_body(a, user, "New body."),
    "translation_published": lambda a, t, user: editorial.publish(ArticleTranslation, t.pk, user),
    "translation_marked_current": lambda a, t, user: editorial.mark_current(t.pk, user),
    "share_link_made": lambda a, t, user: editorial.make_share_link(a, user, hours=4),
}


@pytest.mark.parametrize("event", ACTIONS)
def test_each_action_sends_one_domain_signal_once_it_has_committed(
    editor, events, event, django_capture_on_commit_callbacks
):
    article = draft()
    translation = german(article)

    with django_capture_on_commit_callbacks() as callbacks:
        ACTIONS[event](article, translation, editor)
        assert events == []  # not before the change has committed
    for callback in callbacks:
        callback()

    assert [name for name, *_rest in events] == [event]
    assert events[0][3] == "erika"


def test_withdrawing_a_correction_and_a_revoked_link_each_say_so_once(
    editor, events, django_capture_on_commit_callbacks
):
    article = make_article(authors=[make_author()])
    link = ShareLink.objects.create(article=article)

    with django_capture_on_commit_callbacks(execute=True):
        editorial.add_correction(article.pk, editor, kind=CorrectionKind.UPDATE, text="More.")
        editorial.revoke_share_link(link.pk, editor)
        editorial.withdraw(Article, article.pk, editor)

    assert [name for name, *_rest in events] == [
        "article_corrected",
        "share_link_revoked",
        "article_withdrawn",
    ]


def test_a_refused_action_changes_nothing_and_sends_nothing(
    editor, events, django_capture_on_commit_callbacks
):
    article = draft(authors=[])  # no byline, not unsigned: not publishable

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(editorial.WorkflowError):
        editorial.publish(Article, article.pk, editor)

    article.refresh_from_db()
    assert (article.status, article.published_at, article.version) == (Status.DRAFT, None, 1)
    assert not StatusChange.objects.exists()
    assert events == []


def test_an_action_on_a_version_the_editor_did_not_see_is_a_conflict(editor):
    article = draft(body="Original.")
    seen = article.version
    edit_body(article, editor, "A colleague's body.")

    with pytest.raises(editorial.Conflict) as conflict:
        editorial.publish(Article, article.pk, editor, seen_version=seen)
    with pytest.raises(editorial.Conflict):
        edit_body(article, editor, "Mine.", seen_version=seen)

    assert conflict.value.current.body == "A colleague's body."
    article.refresh_from_db()
    assert (article.status, article.body) == (Status.DRAFT, "A colleague's body.")


def test_publishing_now_records_who_and_when_and_a_revision(editor):
    article = draft()

    editorial.publish(Article, article.pk, editor)

    article.refresh_from_db()
    assert article.is_public()
    assert article.updated_by == editor
    step = StatusChange.objects.get(article=article)
    assert (step.from_status, step.to_status, step.changed_by) == (
        Status.DRAFT,
        Status.PUBLISHED,
        editor,
    )
    latest = revisions.history(article).first()
    assert (latest.revision.user, latest.revision.comment) == (editor, "Published.")
    assert latest.field_dict["status"] == Status.PUBLISHED


def test_publishing_sets_a_time_only_when_none_was_given(editor):
    undated, embargoed = draft(), draft()
    embargo = timezone.now() + timedelta(hours=3)
    for article, time in ((undated, None), (embargoed, embargo)):
        with transaction.atomic():
            locked = editorial.lock(Article, article.pk)
            locked.status, locked.published_at = Status.PUBLISHED, time
            editorial.save(locked, editor)

    undated.refresh_from_db()
    embargoed.refresh_from_db()
    assert undated.published_at is not None and undated.is_public()
    assert embargoed.published_at == embargo and embargoed.is_scheduled()


def test_publishing_now_brings_a_scheduled_article_forward(editor):
    article = draft(status=Status.PUBLISHED, published_at=timezone.now() + timedelta(days=2))

    editorial.publish(Article, article.pk, editor)

    article.refresh_from_db()
    assert article.is_public()


def test_publishing_a_live_article_again_keeps_the_time_it_went_out(editor):
    went_out = timezone.now() - timedelta(days=3)
    article = make_article(published_at=went_out, authors=[make_author()])

    editorial.publish(Article, article.pk, editor)

    article.refresh_from_db()
    assert article.published_at == went_out


def test_a_reporter_may_not_touch_published_work(editor):
    reporter = make_staff("Reporters")
    live = make_article(authors=[make_author()])

    for step in (editorial.withdraw, editorial.submit):
        with pytest.raises(editorial.WorkflowError):
            step(Article, live.pk, reporter)
    with pytest.raises(editorial.WorkflowError):
        edit_body(live, reporter, "Changed behind the editors' backs.")

    live.refresh_from_db()
    assert live.status == Status.PUBLISHED
    assert live.body != "Changed behind the editors' backs."


def test_a_restore_brings_back_the_text_and_keeps_the_current_state(editor):
    article = draft(body="First words.")
    edit_body(article, editor, "Second words.")
    first = revisions.history(article).last()
    editorial.publish(Article, article.pk, editor)

    restored, notes = editorial.restore(Article, article.pk, first.revision_id, editor)

    restored.refresh_from_db()
    assert (restored.body, restored.status, notes) == ("First words.", Status.PUBLISHED, [])
    assert restored.published_at is not None


def test_a_correction_is_for_published_articles_only(editor):
    unpublished = draft()

    with pytest.raises(editorial.WorkflowError):
        editorial.add_correction(unpublished.pk, editor, text="Too early.")

    assert not Correction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_lock_needs_a_transaction():
    article = draft()

    with pytest.raises(transaction.TransactionManagementError):
        editorial.lock(Article, article.pk)


# The command line --------------------------------------------------------------------------


def test_the_article_command_publishes_through_the_editorial_actions(editor, capsys):
    article = draft(slug="budget")

    call_command("article", "publish", "budget", "--user", "erika")

    article.refresh_from_db()
    assert article.is_public()
    assert StatusChange.objects.get(article=article).changed_by == editor
    assert "Now published: " in capsys.readouterr().out


def test_the_article_command_schedules_and_its_dry_run_changes_nothing(editor):
    article = draft(slug="budget")

    call_command(
        "article", "publish", "budget", "--user", "erika", "--at", "2099-01-01T06:00", "--dry-run"
    )
    article.refresh_from_db()
    assert article.status == Status.DRAFT

    call_command("article", "publish", "budget", "--user", "erika", "--at", "2099-01-01T06:00")
    article.refresh_from_db()
    assert article.is_scheduled()
    assert timezone.localtime(article.published_at).hour == 6


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["publish", "no-such-slug", "--user", "erika"], "no article with the slug"),
        (["publish", "budget", "--user", "nobody"], "no active staff user"),
        (["withdraw", "budget", "--user", "erika"], "Refused: "),
        (["publish", "budget", "--user", "erika", "--at", "next week"], "YYYY-MM-DDTHH:MM"),
    ],
)
def test_the_article_command_says_why_it_refuses(editor, arguments, says):
    draft(slug="budget")

    with pytest.raises(CommandError, match=says):
        call_command("article", *arguments)
