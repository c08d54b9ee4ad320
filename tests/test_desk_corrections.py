"""Corrections and updates: dated notes an editor appends to a published article."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Correction, CorrectionKind, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

FORM = "article_form"
PREFIX = "corrections"
REFUSED_FOR_UNPUBLISHED = (
    "Corrections and updates are for published articles; edit a draft directly."
)


def a_minute(minutes_ago):
    """A time as the form's date and time inputs carry it: local, to the second."""
    return timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago)).replace(
        microsecond=0
    )


def with_note(data, kind, text, noted_at):
    """The change form's POST after the editor clicked "Add another" and filled in a note.

    The browser clones the rendered empty form (prefix __prefix__) into the next index.
    """
    index = int(data[f"{PREFIX}-TOTAL_FORMS"])
    template = f"{PREFIX}-__prefix__-"
    data = dict(data)
    for name, value in list(data.items()):
        if template in name:
            data[name.replace("__prefix__", str(index))] = value
    data[f"{PREFIX}-TOTAL_FORMS"] = str(index + 1)
    data.update(
        {
            f"{PREFIX}-{index}-kind": kind,
            f"{PREFIX}-{index}-text": text.replace("\n", "\r\n"),
            f"{PREFIX}-{index}-noted_at_0": noted_at.strftime("%Y-%m-%d"),
            f"{PREFIX}-{index}-noted_at_1": noted_at.strftime("%H:%M:%S"),
        }
    )
    return data


@pytest.fixture
def editor(client):
    user = make_staff("Editors", first_name="Erika", last_name="Mustermann")
    client.force_login(user)
    return user


@pytest.fixture
def article():
    return make_article(
        headline="Council approves budget",
        body="The council approved a budget of 12 million.",
        authors=[make_author(name="Rita Reporter")],
    )


def add_note(client, article, kind, text, noted_at):
    page = client.get(change_url(article))
    assert page.status_code == 200
    return client.post(change_url(article), with_note(form_data(page, FORM), kind, text, noted_at))


def test_an_editor_adds_a_correction_to_a_published_article(client, editor, article):
    noted_at = a_minute(5)

    response = add_note(
        client,
        article,
        CorrectionKind.CORRECTION,
        "The budget is **14 million**, not 12 million.",
        noted_at,
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    correction = Correction.objects.get(article=article)
    assert correction.kind == CorrectionKind.CORRECTION
    assert correction.text == "The budget is **14 million**, not 12 million."
    assert correction.text_html == (
        "<p>The budget is <strong>14 million</strong>, not 12 million.</p>\n"
    )
    assert correction.noted_at == noted_at


def test_a_correction_records_the_editor_who_made_it(client, editor, article):
    add_note(client, article, CorrectionKind.CORRECTION, "The budget is 14 million.", a_minute(1))

    correction = Correction.objects.get(article=article)
    assert correction.created_by == editor


def test_a_corrections_text_is_sanitised_for_readers(client, editor, article):
    text = (
        "We misquoted the mayor. <script>alert('x')</script>\n\n"
        "[Read the statement](javascript:alert('x')) or "
        '<a href="javascript:alert(1)">this</a> '
        "[the minutes](https://example.org/minutes)."
    )

    response = add_note(client, article, CorrectionKind.CORRECTION, text, a_minute(1))

    assert response.status_code == 302
    html = Correction.objects.get(article=article).text_html
    assert "<script" not in html
    assert '<a href="javascript' not in html
    assert html.count("<a ") == 1  # only the https link is a link
    assert "&lt;script&gt;" in html  # shown as text, never run
    assert '<a href="https://example.org/minutes" rel="noopener noreferrer nofollow">' in html


@pytest.mark.parametrize(
    ("kind", "moves_updated_time"),
    [
        (CorrectionKind.CORRECTION, True),
        (CorrectionKind.UPDATE, True),
        (CorrectionKind.CLARIFICATION, False),
        (CorrectionKind.EDITORS_NOTE, False),
    ],
)
def test_corrections_and_updates_set_the_updated_time_other_notes_do_not(
    client, editor, article, kind, moves_updated_time
):
    noted_at = a_minute(10)

    response = add_note(client, article, kind, "A note for readers.", noted_at)

    assert response.status_code == 302
    assert Correction.objects.filter(article=article, kind=kind).count() == 1
    article.refresh_from_db()
    assert article.revised_at == (noted_at if moves_updated_time else None)


def test_a_later_update_moves_the_updated_time_again(client, editor, article):
    first, second = a_minute(60), a_minute(2)
    add_note(client, article, CorrectionKind.CORRECTION, "First fix.", first)

    add_note(client, article, CorrectionKind.UPDATE, "Police have since confirmed it.", second)

    article.refresh_from_db()
    assert article.revised_at == second
    assert Correction.objects.filter(article=article).count() == 2


@pytest.mark.parametrize("earlier_update", [False, True], ids=["never-updated", "updated-before"])
def test_a_silent_typo_fix_leaves_the_updated_time_alone(client, editor, earlier_update):
    article = make_article(
        body="The council approved a budget of 12 milion.", authors=[make_author()]
    )
    if earlier_update:
        Correction.objects.create(
            article=article, kind=CorrectionKind.UPDATE, text="More.", noted_at=a_minute(30)
        )
    article.refresh_from_db()
    revised_before, saved_before = article.revised_at, article.updated_at
    data = form_data(client.get(change_url(article)), FORM)
    data["body"] = "The council approved a budget of 12 million."

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "The council approved a budget of 12 million."
    assert article.updated_at > saved_before
    assert article.revised_at == revised_before


@pytest.mark.parametrize(
    "state",
    [
        {"status": Status.DRAFT, "published_at": None},
        {"status": Status.IN_REVIEW, "published_at": None},
        {"status": Status.PUBLISHED, "published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "in-review", "scheduled"],
)
def test_a_correction_to_an_article_readers_have_not_seen_is_refused(client, editor, state):
    article = make_article(body="Unpublished text.", authors=[make_author()], **state)

    response = add_note(client, article, CorrectionKind.CORRECTION, "A fix.", a_minute(1))

    assert response.status_code == 200
    assertContains(response, REFUSED_FOR_UNPUBLISHED)
    assert not Correction.objects.exists()
    article.refresh_from_db()
    assert article.revised_at is None


def test_a_reporter_cannot_add_a_correction(client, editor, article):
    data = with_note(
        form_data(client.get(change_url(article)), FORM),
        CorrectionKind.CORRECTION,
        "A reporter's unreviewed correction.",
        a_minute(1),
    )
    client.force_login(make_staff("Reporters"))

    page = client.get(change_url(article))
    response = client.post(change_url(article), data)

    assert page.status_code == 200
    assertNotContains(page, f'name="{PREFIX}-__prefix__-text"')
    assert response.status_code == 403
    assert not Correction.objects.exists()
    article.refresh_from_db()
    assert article.revised_at is None


def test_existing_corrections_are_shown_read_only_and_cannot_be_rewritten(client, editor, article):
    Correction.objects.create(
        article=article,
        kind=CorrectionKind.CORRECTION,
        text="The budget is 14 million.",
        noted_at=a_minute(90),
    )
    Correction.objects.create(
        article=article,
        kind=CorrectionKind.CLARIFICATION,
        text="The vote was unanimous.",
        noted_at=a_minute(30),
    )

    page = client.get(change_url(article))

    assertContains(page, '<div class="readonly">The budget is 14 million.</div>', html=True)
    assertContains(page, '<div class="readonly">The vote was unanimous.</div>', html=True)
    assertContains(page, '<div class="readonly">Clarification</div>', html=True)
    assertNotContains(page, f'name="{PREFIX}-0-text"')
    assertNotContains(page, f'name="{PREFIX}-1-text"')
    # Only the blank form for a new note is editable.
    assertContains(page, f'name="{PREFIX}-__prefix__-text"')

    data = form_data(page, FORM)
    data[f"{PREFIX}-0-text"] = "The budget is 99 million."
    data[f"{PREFIX}-0-kind"] = CorrectionKind.EDITORS_NOTE
    assert client.post(change_url(article), data).status_code == 302
    texts = list(Correction.objects.order_by("noted_at").values_list("kind", "text"))
    assert texts == [
        (CorrectionKind.CORRECTION, "The budget is 14 million."),
        (CorrectionKind.CLARIFICATION, "The vote was unanimous."),
    ]
