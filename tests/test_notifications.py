"""Notifications (articles/notifications.py): who is told what when work is submitted, published,
scheduled or sent back, or when a note mentions them; at the desk (rows, the list, the home
page's panel) and by e-mail through a real SMTP server, in each person's language."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles import editorial, jobs
from articles.editorial import signals
from articles.models import (
    Article,
    ArticleTranslation,
    Notification,
    NotificationKind,
    NotificationPreference,
    Status,
)

from .factories import make_article, make_author, make_staff
from .forms import form_data
from .mailbox import html_of, text_of

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/articles/notification/"
READ_ALL_URL = "/admin/articles/notification/read-all/"
SETTINGS_URL = "/admin/articles/notification/settings/"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the editorial actions announce on commit, as a real request would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def newsroom():
    reporter = make_staff("Reporters", "rita", email="rita@newsroom.test")
    author = make_author(name="Rita Reporter", user=reporter)
    return {
        "reporter": reporter,
        "editor": make_staff("Editors", "ed", email="ed@newsroom.test"),
        "other_editor": make_staff("Editors", "eva", email="eva@newsroom.test"),
        "translator": make_staff("Translators", "tom", email="tom@newsroom.test"),
        "author": author,
        "draft": make_article(
            headline="Harbour strike ends", status=Status.DRAFT, authors=[author]
        ),
    }


def recipients(kind, **filters):
    rows = Notification.objects.filter(kind=kind, **filters)
    return sorted(rows.values_list("recipient__username", flat=True))


def subject(message) -> str:
    # A long non-ASCII subject is folded onto its own header line: unfolded, it starts with a space.
    return message["Subject"].strip()


def email_jobs():
    return list(jobs.results_of(jobs.send_notification_email))


# Who is told what ----------------------------------------------------------------------------


def test_submitting_an_article_notifies_every_active_editor_but_not_the_reporter(
    newsroom, on_commit
):
    make_staff("Editors", "gone", is_active=False)
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])

    assert recipients(NotificationKind.REVIEW_REQUESTED) == ["ed", "eva"]
    notification = Notification.objects.get(recipient=newsroom["editor"])
    assert notification.article == newsroom["draft"]
    assert notification.actor == newsroom["reporter"]
    assert notification.read_at is None


def test_an_editor_who_submits_is_not_told_about_their_own_submission(newsroom, on_commit):
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["editor"])

    assert recipients(NotificationKind.REVIEW_REQUESTED) == ["eva"]


def test_submitting_a_translation_notifies_the_editors_about_the_translation(newsroom, on_commit):
    translation = ArticleTranslation.objects.create(
        article=newsroom["draft"], language="de", headline="Hafenstreik endet", slug="hafen"
    )
    on_commit(editorial.submit, ArticleTranslation, translation.pk, newsroom["translator"])

    assert recipients(NotificationKind.REVIEW_REQUESTED, translation=translation) == ["ed", "eva"]


def test_publishing_notifies_the_bylines_staff_accounts_and_the_creator_not_the_publisher(
    newsroom, on_commit
):
    creator = make_staff("Reporters", "carl")
    Article.objects.filter(pk=newsroom["draft"].pk).update(created_by=creator)
    on_commit(editorial.publish, Article, newsroom["draft"].pk, newsroom["editor"])

    assert recipients(NotificationKind.PUBLISHED) == ["carl", "rita"]
    assert not Notification.objects.filter(recipient=newsroom["editor"]).exists()


def test_scheduling_notifies_the_authors_that_it_is_scheduled(newsroom, on_commit):
    later = timezone.now() + timedelta(days=1)
    on_commit(editorial.publish, Article, newsroom["draft"].pk, newsroom["editor"], at=later)

    assert recipients(NotificationKind.SCHEDULED) == ["rita"]
    assert not Notification.objects.filter(kind=NotificationKind.PUBLISHED).exists()


def test_sending_back_from_review_is_its_own_event_not_a_save(newsroom, on_commit):
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])
    heard = []

    def listen(signal_name):
        def receiver(sender, instance, user, **kwargs):
            heard.append((signal_name, instance.pk, user))

        return receiver

    sent_back, saved = listen("sent_back"), listen("saved")
    signals.article_sent_back.connect(sent_back)
    signals.article_saved.connect(saved)
    try:
        on_commit(editorial.unpublish, Article, newsroom["draft"].pk, newsroom["editor"])
    finally:
        signals.article_sent_back.disconnect(sent_back)
        signals.article_saved.disconnect(saved)

    assert heard == [("sent_back", newsroom["draft"].pk, newsroom["editor"])]
    assert signals.EVENTS["article_sent_back"] is signals.article_sent_back
    assert signals.EVENTS["translation_sent_back"] is signals.translation_sent_back


def test_sending_back_notifies_the_author(newsroom, on_commit):
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])
    on_commit(editorial.unpublish, Article, newsroom["draft"].pk, newsroom["editor"])

    assert recipients(NotificationKind.SENT_BACK) == ["rita"]


def test_an_editor_sending_back_at_the_desk_notifies_the_reporter_once(
    newsroom, client, django_capture_on_commit_callbacks
):
    article = newsroom["draft"]
    Article.objects.filter(pk=article.pk).update(status=Status.IN_REVIEW)
    client.force_login(newsroom["editor"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(client.get(url), "article_form")
    data["status"] = Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302
    assert recipients(NotificationKind.SENT_BACK) == ["rita"]
    assert Notification.objects.count() == 1


def test_the_e_mail_about_a_translation_links_to_the_translation_at_the_desk(
    newsroom, on_commit, run_jobs, smtp_server
):
    translation = ArticleTranslation.objects.create(
        article=newsroom["draft"], language="de", headline="Hafenstreik endet", slug="hafen"
    )
    User.objects.filter(pk=newsroom["other_editor"].pk).update(email="")
    on_commit(editorial.submit, ArticleTranslation, translation.pk, newsroom["translator"])
    run_jobs()

    (message,) = smtp_server.wait_for(1)
    assert "“Hafenstreik endet”" in subject(message)
    assert f"/admin/articles/articletranslation/{translation.pk}/change/" in text_of(message)


def test_sending_a_translation_back_notifies_its_translators(newsroom, on_commit):
    translator_profile = make_author(name="Tom Translator", user=newsroom["translator"])
    translation = ArticleTranslation.objects.create(
        article=newsroom["draft"], language="de", headline="Hafenstreik endet", slug="hafen"
    )
    translation.translators.add(translator_profile)
    on_commit(editorial.submit, ArticleTranslation, translation.pk, newsroom["translator"])
    on_commit(editorial.unpublish, ArticleTranslation, translation.pk, newsroom["editor"])

    assert recipients(NotificationKind.SENT_BACK, translation=translation) == ["tom"]


def test_taking_a_scheduled_article_off_the_schedule_is_not_sending_it_back(newsroom, on_commit):
    later = timezone.now() + timedelta(days=1)
    on_commit(editorial.publish, Article, newsroom["draft"].pk, newsroom["editor"], at=later)
    on_commit(editorial.unpublish, Article, newsroom["draft"].pk, newsroom["editor"])

    assert not Notification.objects.filter(kind=NotificationKind.SENT_BACK).exists()


def test_a_mention_notifies_staff_who_may_see_articles_and_ignores_unknown_names(
    newsroom, on_commit
):
    User.objects.create_user("outsider", is_staff=False)
    make_staff("Editors", "retired", is_active=False)
    User.objects.create_user("nogroup", is_staff=True)
    text = "@ed @tom, please check. @nobody @outsider @retired @nogroup and mail me@rita.example."
    note = on_commit(editorial.add_note, newsroom["draft"], newsroom["reporter"], text=text)

    assert recipients(NotificationKind.MENTIONED) == ["ed", "tom"]
    assert set(Notification.objects.values_list("note", flat=True)) == {note.pk}


def test_a_reply_tells_the_author_of_the_note_it_answers_once(newsroom, on_commit):
    question = on_commit(
        editorial.add_note, newsroom["draft"], newsroom["reporter"], text="Is para 3 right?"
    )
    on_commit(
        editorial.add_note, newsroom["draft"], newsroom["editor"], text="Yes.", parent=question
    )
    on_commit(
        editorial.add_note,
        newsroom["draft"],
        newsroom["editor"],
        text="@rita see the figures too.",
        parent=question,
    )
    on_commit(
        editorial.add_note, newsroom["draft"], newsroom["reporter"], text="Thanks.", parent=question
    )

    assert recipients(NotificationKind.REPLIED) == ["rita"]
    assert recipients(NotificationKind.MENTIONED) == ["rita"]
    assert Notification.objects.count() == 2


def test_mentioning_oneself_tells_nobody(newsroom, on_commit):
    on_commit(editorial.add_note, newsroom["draft"], newsroom["reporter"], text="Note to @rita")

    assert not Notification.objects.exists()


# Preferences and e-mail jobs -----------------------------------------------------------------


def test_each_notification_wanted_by_e_mail_is_one_job(newsroom, on_commit):
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])

    stored = {row.args_kwargs["kwargs"]["notification_pk"] for row in email_jobs()}
    assert stored == set(Notification.objects.values_list("pk", flat=True))
    assert len(stored) == 2


def test_a_person_who_turned_off_review_e_mails_gets_the_row_but_no_e_mail(newsroom, on_commit):
    NotificationPreference.objects.create(user=newsroom["editor"], email_review_requests=False)
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])

    assert recipients(NotificationKind.REVIEW_REQUESTED) == ["ed", "eva"]
    (job,) = email_jobs()
    eva_note = Notification.objects.get(recipient=newsroom["other_editor"])
    assert job.args_kwargs["kwargs"]["notification_pk"] == eva_note.pk


def test_turning_off_mention_e_mails_leaves_review_e_mails_on(newsroom, on_commit):
    NotificationPreference.objects.create(user=newsroom["editor"], email_mentions=False)
    on_commit(editorial.add_note, newsroom["draft"], newsroom["reporter"], text="@ed look")
    assert email_jobs() == []
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])
    assert len(email_jobs()) == 2


def test_a_person_without_an_e_mail_address_gets_no_e_mail_job(newsroom, on_commit):
    User.objects.filter(pk__in=[newsroom["editor"].pk, newsroom["other_editor"].pk]).update(
        email=""
    )
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])

    assert len(recipients(NotificationKind.REVIEW_REQUESTED)) == 2
    assert email_jobs() == []


# E-mail through a real SMTP server -----------------------------------------------------------


def test_the_review_request_e_mail_reaches_the_editors_mailbox_with_a_link_to_the_desk(
    newsroom, on_commit, run_jobs, smtp_server, settings
):
    settings.SITE_URL = "https://news.example.org"
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])
    run_jobs()

    assert sorted(to for delivery in smtp_server.received for to in delivery["to"]) == [
        "ed@newsroom.test",
        "eva@newsroom.test",
    ]
    message = next(m for m in smtp_server.messages() if m["To"] == "ed@newsroom.test")
    assert subject(message) == "[Newsroom] rita submitted “Harbour strike ends” for review."
    assert message["From"] == "desk@newsroom.test"
    assert message["Content-Language"] == "en"
    link = f"https://news.example.org/admin/articles/article/{newsroom['draft'].pk}/change/"
    assert link in text_of(message)
    assert f'href="{link}"' in html_of(message)
    assert "Hello ed," in text_of(message)
    assert all(row.status == "SUCCESSFUL" for row in email_jobs())


def test_a_german_preferring_editor_gets_the_e_mail_in_german(
    newsroom, on_commit, run_jobs, smtp_server
):
    NotificationPreference.objects.create(user=newsroom["editor"], language="de")
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])
    run_jobs()

    german = next(m for m in smtp_server.messages() if m["To"] == "ed@newsroom.test")
    english = next(m for m in smtp_server.messages() if m["To"] == "eva@newsroom.test")
    assert subject(german) == ("[Newsroom] rita hat „Harbour strike ends“ zur Prüfung eingereicht.")
    assert german["Content-Language"] == "de"
    assert "Am Desk öffnen" in html_of(german)
    assert 'lang="de"' in html_of(german)
    assert subject(english).endswith("for review.")


def test_a_mention_e_mail_quotes_the_note_and_links_to_the_notes(
    newsroom, on_commit, run_jobs, smtp_server, settings
):
    settings.SITE_URL = "https://news.example.org"
    on_commit(
        editorial.add_note, newsroom["draft"], newsroom["reporter"], text="@ed <b>check</b> this"
    )
    run_jobs()

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "ed@newsroom.test"
    assert "mentioned you in a note" in subject(message)
    assert "@ed <b>check</b> this" in text_of(message)
    assert "&lt;b&gt;check&lt;/b&gt;" in html_of(message)
    assert f"/article/{newsroom['draft'].pk}/change/#notes" in text_of(message)


def test_an_unreachable_mail_server_fails_the_job_and_stores_a_retry(
    newsroom, on_commit, run_jobs, settings
):
    from .ports import free_ports

    (closed,) = free_ports(1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed
    on_commit(editorial.add_note, newsroom["draft"], newsroom["reporter"], text="@ed hello")
    run_jobs()

    attempts = sorted(email_jobs(), key=lambda row: row.enqueued_at)
    assert [row.status for row in attempts] == ["FAILED", "READY"]
    assert attempts[1].args_kwargs["kwargs"]["attempt"] == 2


# The desk: the list, the panel, settings -----------------------------------------------------


@pytest.fixture
def notified(newsroom, on_commit):
    """Each editor has one notification (a review request)."""
    on_commit(editorial.submit, Article, newsroom["draft"].pk, newsroom["reporter"])
    return newsroom


@pytest.mark.parametrize(
    "url", [LIST_URL, READ_ALL_URL, SETTINGS_URL, "/admin/articles/notification/1/open/"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.post(url) if url == READ_ALL_URL else client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("group", ["Reporters", "Editors", "Translators"])
def test_every_desk_role_has_its_own_notifications_list_and_settings(client, group):
    client.force_login(make_staff(group))

    assert client.get(LIST_URL).status_code == 200
    assert client.get(SETTINGS_URL).status_code == 200


def test_a_non_staff_account_has_no_notifications_list(client):
    client.force_login(User.objects.create_user("reader"))

    assert client.get(LIST_URL).status_code == 302  # to the desk's login


def test_the_list_shows_my_notifications_newest_first_and_unread_marked(notified, client):
    editor = notified["editor"]
    Notification.objects.create(
        recipient=editor,
        kind=NotificationKind.MENTIONED,
        article=notified["draft"],
        actor=notified["reporter"],
        created_at=timezone.now() + timedelta(minutes=1),
        read_at=timezone.now() + timedelta(minutes=2),
    )
    client.force_login(editor)
    response = client.get(LIST_URL)

    assertContains(response, "1 unread notification")
    text = response.content.decode()
    mention = text.index("rita mentioned you in a note on “Harbour strike ends”.")
    review = text.index("rita submitted “Harbour strike ends” for review.")
    assert mention < review
    assertContains(response, '<strong class="notification-unread">unread</strong>', count=1)
    assertContains(response, "Mark all read")


def test_another_persons_notifications_are_never_shown(notified, client):
    mine = Notification.objects.get(recipient=notified["other_editor"])
    client.force_login(notified["editor"])

    assertNotContains(client.get(LIST_URL), f"/notification/{mine.pk}/open/")
    assert client.get(f"/admin/articles/notification/{mine.pk}/open/").status_code == 404
    assert client.get(f"/admin/articles/notification/{mine.pk}/change/").status_code in {302, 404}
    mine.refresh_from_db()
    assert mine.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_the_article(notified, client):
    mine = Notification.objects.get(recipient=notified["editor"])
    client.force_login(notified["editor"])
    response = client.get(f"/admin/articles/notification/{mine.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:articles_article_change", args=[notified["draft"].pk]
    )
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_all_read_marks_only_mine_and_only_by_post(notified, client):
    client.force_login(notified["editor"])

    assert client.get(READ_ALL_URL).status_code == 405
    response = client.post(READ_ALL_URL)

    assert response.status_code == 302
    assert not Notification.objects.for_user(notified["editor"]).unread().exists()
    assert Notification.objects.for_user(notified["other_editor"]).unread().count() == 1


def test_a_bad_notification_address_is_a_404(client):
    client.force_login(make_staff("Editors"))

    assert client.get("/admin/articles/notification/abc/open/").status_code == 404
    assert client.get("/admin/articles/notification/999999/open/").status_code == 404


def test_the_desk_home_page_shows_the_unread_count_and_the_newest_notifications(notified, client):
    client.force_login(notified["editor"])
    response = client.get("/admin/")

    assertContains(response, 'id="notifications-panel"')
    assertContains(response, "1 unread")
    assertContains(response, "rita submitted “Harbour strike ends” for review.")
    client.post(READ_ALL_URL)
    assertNotContains(client.get("/admin/"), "1 unread")


def test_the_desk_home_page_panel_is_in_german_for_a_german_desk(notified, client):
    client.force_login(notified["editor"])
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de")

    assertContains(response, "Benachrichtigungen")
    assertContains(response, "1 ungelesen")


def test_notification_settings_are_saved_per_person(client, newsroom):
    client.force_login(newsroom["editor"])
    response = client.post(
        SETTINGS_URL, {"email_review_requests": "", "email_mentions": "on", "language": "de"}
    )

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=newsroom["editor"])
    assert (preference.email_review_requests, preference.email_publication) == (False, False)
    assert (preference.email_mentions, preference.language) == (True, "de")
    assert not NotificationPreference.objects.exclude(user=newsroom["editor"]).exists()


def test_an_unknown_e_mail_language_is_refused(client, newsroom):
    client.force_login(newsroom["editor"])
    response = client.post(SETTINGS_URL, {"language": "xx"})

    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_without_stored_settings_everyone_gets_every_e_mail_in_the_first_site_language(newsroom):
    preference = NotificationPreference.of(newsroom["editor"])

    assert preference.pk is None
    assert preference.language == "en"
    assert all(preference.wants_email(kind) for kind in NotificationKind.values)


def test_the_notifications_list_does_not_query_per_row(
    notified, client, django_assert_max_num_queries
):
    editor = notified["editor"]
    for _ in range(20):
        Notification.objects.create(
            recipient=editor, kind=NotificationKind.PUBLISHED, article=notified["draft"]
        )
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        assert client.get(LIST_URL).status_code == 200
