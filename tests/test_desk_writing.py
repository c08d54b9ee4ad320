"""Writing comfort at the desk: preview, length, language list, a readable article list."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import User
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertContains

from articles.markdown import render_markdown
from articles.models import Article, ArticleTranslation, Status

from .factories import make_article, make_author, make_section, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

FORM = "article_form"
PREVIEW = "admin:articles_article_markdown_preview"
CHANGELIST = "admin:articles_article_changelist"
TRANSLATIONS = "admin:articles_articletranslation_changelist"


def when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def listed(response):
    """The headlines in the article list, top to bottom, as the editor reads them."""
    assert response.status_code == 200
    return re.findall(
        r'<th class="field-headline_column"><a href="[^"]*">([^<]*)<',
        response.content.decode(),
    )


def translate(article, language="de", **fields):
    fields.setdefault("headline", f"{article.headline} ({language})")
    fields.setdefault("slug", f"{article.slug}-{language}")
    fields.setdefault("body", "Text.")
    return ArticleTranslation.objects.create(article=article, language=language, **fields)


def make_stale(translation):
    article = translation.article
    article.body += " Updated."
    article.save()
    translation.refresh_from_db()
    assert translation.is_stale


@pytest.fixture
def editor(client):
    user = make_staff("Editors", first_name="Erika", last_name="Mustermann")
    client.force_login(user)
    return user


# The Markdown preview


def test_the_preview_renders_the_body_with_the_readers_renderer(client, editor):
    text = "# Storm warning\n\nShips *stay* in [port](https://example.org/port-of-call)."

    response = client.post(reverse(PREVIEW), {"text": text})

    assert response.status_code == 200
    result = response.json()
    assert result["html"] == render_markdown(text)
    assert result["html"] == (
        "<h2>Storm warning</h2>\n<p>Ships <em>stay</em> in "
        '<a href="https://example.org/port-of-call" rel="noopener noreferrer nofollow">port</a>'
        ".</p>\n"
    )
    assert (result["words"], result["minutes"]) == (6, 1)
    assert result["summary"] == "6 words · about 1 minute to read"


def test_the_preview_is_sanitised_like_the_readers_page(client, editor):
    text = (
        "Hello <script>alert('x')</script> <img src=x onerror=alert(1)>\n\n"
        "[Details](javascript:alert(1))"
    )

    html = client.post(reverse(PREVIEW), {"text": text}).json()["html"]

    assert html == render_markdown(text)
    assert "<script" not in html
    assert "<img" not in html
    assert '<a href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_the_preview_counts_minutes_for_a_long_text(client, editor):
    response = client.post(reverse(PREVIEW), {"text": "word " * 461})

    assert (response.json()["words"], response.json()["minutes"]) == (461, 3)


def test_the_preview_answers_only_to_post(client, editor):
    response = client.get(reverse(PREVIEW), {"text": "Hello"})

    assert response.status_code == 405
    assert "html" not in response.json()


def test_the_preview_sends_anonymous_visitors_to_log_in(client):
    response = client.post(reverse(PREVIEW), {"text": "Hello"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_preview_is_refused_to_staff_who_write_neither_articles_nor_translations(client):
    # Translators write translations, and preview them (tests/test_translate_in_one_click.py).
    client.force_login(User.objects.create_user("visitor", password="x", is_staff=True))

    response = client.post(reverse(PREVIEW), {"text": "Hello"})

    assert response.status_code == 403
    assert "html" not in response.json()


def test_a_reporter_may_use_the_preview(client):
    client.force_login(make_staff("Reporters"))

    response = client.post(reverse(PREVIEW), {"text": "Hello **there**"})

    assert response.status_code == 200
    assert response.json()["html"] == "<p>Hello <strong>there</strong></p>\n"


# The change form


def test_the_change_form_shows_the_length_and_reading_time_and_the_preview(client, editor):
    body = "## Budget\n\n" + "word " * 460 + "[link](https://example.org/one-two-three)"
    article = make_article(body=body, status=Status.DRAFT, published_at=None)

    response = client.get(change_url(article))

    assertContains(response, "462 words · about 3 minutes to read")
    assertContains(response, '<section class="markdown-preview"')
    assertContains(response, f'data-preview-url="{reverse(PREVIEW)}"')
    assertContains(response, "Preview, as readers will see it")


def test_a_new_article_shows_no_length_yet(client, editor):
    response = client.get(reverse("admin:articles_article_add"))

    assertContains(response, "0 words")
    assertContains(response, '<section class="markdown-preview"')


def language_select(response):
    html = response.content.decode()
    match = re.search(r'<select name="language".*?</select>', html, re.S)
    assert match, "the language is not chosen from a list"
    return match.group(0)


def test_the_language_is_chosen_from_a_list_with_the_sites_languages_first(client, editor):
    article = make_article(status=Status.DRAFT, published_at=None)

    select = language_select(client.get(change_url(article)))

    first = re.findall(r'<option value="([^"]*)"|<optgroup label="([^"]*)"', select)[:4]
    assert first[0] == ("en", "")
    assert first[1] == ("de", "")
    assert first[2] == ("", "Other languages")
    assert 'value="fr"' in select.split('<optgroup label="Other languages">')[1]
    assert re.search(r'<option value="en" selected>English</option>', select)


def test_a_language_that_is_not_in_the_list_is_refused(client, editor):
    article = make_article(status=Status.DRAFT, published_at=None)
    data = form_data(client.get(change_url(article)), FORM)
    data["language"] = "klingon"

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["language"]
    assertContains(response, "Select a valid choice. klingon is not one of the available choices.")
    article.refresh_from_db()
    assert article.language == "en"


@pytest.mark.parametrize("name", ["French", "German", "Brazilian Portuguese", "British English"])
def test_every_language_offered_in_the_list_can_be_saved(client, editor, name):
    article = make_article(status=Status.DRAFT, published_at=None)
    page = client.get(change_url(article))
    offered = re.search(rf'<option value="([^"]+)">{name}</option>', language_select(page))
    assert offered, f"{name} is not offered"
    data = form_data(page, FORM)
    data["language"] = offered.group(1)

    response = client.post(change_url(article), data)

    assert response.status_code == 302, re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    article.refresh_from_db()
    assert article.language == offered.group(1)


def test_an_article_in_a_language_outside_the_list_keeps_it_when_saved(client, editor):
    article = make_article(language="de-CH", status=Status.DRAFT, published_at=None)
    page = client.get(change_url(article))
    assertContains(page, '<option value="de-CH" selected>de-CH</option>', html=True)
    data = form_data(page, FORM)
    data["body"] = "Neuer Text."

    assert client.post(change_url(article), data).status_code == 302

    article.refresh_from_db()
    assert (article.language, article.body) == ("de-CH", "Neuer Text.")


# The article list


def test_the_article_list_shows_the_desks_columns(client, editor):
    section = make_section(name="Politics")
    article = make_article(
        headline="Council approves budget",
        section=section,
        authors=[make_author(name="Ann Archer"), make_author(name="Ben Baker")],
        updated_by=editor,
    )
    make_stale(translate(article, "de"))
    translate(article, "fr")
    article.refresh_from_db()

    response = client.get(reverse(CHANGELIST))

    headers = re.findall(
        r'<th scope="col" class="[^"]*column-[^"]*">\s*(?:<div class="sortoptions">.*?</div>\s*)?'
        r'<div class="text">(?:<a [^>]*>|<span>)([^<]+)<',
        response.content.decode(),
        re.S,
    )
    assert headers == ["Headline", "Section", "Status", "Bylines", "Languages", "Last modified"]
    assert listed(response) == ["Council approves budget"]
    assertContains(response, '<td class="field-section nowrap">Politics</td>', html=True)
    assertContains(
        response,
        '<td class="field-state_column"><span class="state state--published">Published</span></td>',
        html=True,
    )
    assertContains(response, '<td class="field-byline_names">Ann Archer, Ben Baker</td>', html=True)
    assertContains(response, '<td class="field-languages_column"><strong>EN</strong> · DE')
    assertContains(response, '<span class="stale-marker"', count=1)
    assertContains(
        response,
        f'<td class="field-modified_column"><time datetime="{article.updated_at.isoformat()}">'
        f"{when(article.updated_at)}</time><br>Erika Mustermann</td>",
        html=True,
    )


def test_the_article_list_shows_a_scheduled_article_with_its_time(client, editor):
    at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    make_article(headline="Embargoed report", published_at=at, authors=[make_author()])

    response = client.get(reverse(CHANGELIST))

    assertContains(
        response,
        f'<span class="state state--scheduled">Scheduled · {when(at)}</span>',
        html=True,
    )


def make_desk_articles(count):
    section = make_section()
    authors = [make_author(), make_author()]
    user = make_staff("Editors")
    for n in range(count):
        article = make_article(
            section=section,
            authors=authors,
            tags=[f"tag-{n}", "politics"],
            updated_by=user,
            published_at=timezone.now() + timedelta(days=1) if n % 3 == 0 else None,
        )
        german = translate(article, "de")
        translate(article, "fr")
        if n % 2:
            make_stale(german)


def changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return len(queries), len(listed(response))


def test_the_article_list_needs_the_same_number_of_queries_for_3_or_30_articles(client, editor):
    make_desk_articles(3)
    few, shown_few = changelist_queries(client)
    make_desk_articles(27)
    many, shown_many = changelist_queries(client)

    assert (shown_few, shown_many) == (3, 30)
    assert many == few


# Filters and search


@pytest.fixture
def desk(editor):
    """One article in each state, with sections, authors, languages, tags and translations."""
    politics, sport = make_section(name="Politics"), make_section(name="Sport")
    ann, ben = make_author(name="Ann Archer"), make_author(name="Ben Okonkwo")
    now = timezone.now()
    articles = {
        "draft": make_article(
            headline="Draft on taxes", status=Status.DRAFT, published_at=None, section=politics
        ),
        "review": make_article(
            headline="Review of the match",
            status=Status.IN_REVIEW,
            published_at=None,
            section=sport,
            authors=[ben],
        ),
        "scheduled": make_article(
            headline="Embargoed budget",
            published_at=now + timedelta(days=1),
            section=politics,
            authors=[ann],
            tags=["budget"],
        ),
        "live": make_article(
            headline="Live election results",
            section=politics,
            authors=[ann, ben],
            tags=["elections", "budget"],
        ),
        "german": make_article(
            headline="Wahlergebnisse",
            language="de",
            section=politics,
            authors=[ann],
            standfirst="Die Wahl in Zahlen.",
        ),
        "withdrawn": make_article(
            headline="Withdrawn rumour", status=Status.WITHDRAWN, section=sport
        ),
    }
    make_stale(translate(articles["live"], "de"))
    translate(articles["scheduled"], "de")
    return {"politics": politics, "sport": sport, "ann": ann, "ben": ben, **articles}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "draft"}, {"draft"}),
        ({"state": "review"}, {"review"}),
        ({"state": "scheduled"}, {"scheduled"}),
        ({"state": "published"}, {"live", "german"}),
        ({"state": "withdrawn"}, {"withdrawn"}),
        ({"section__id__exact": "sport"}, {"review", "withdrawn"}),
        ({"author": "ann"}, {"scheduled", "live", "german"}),
        ({"author": "ben"}, {"review", "live"}),
        ({"language": "de"}, {"german"}),
        ({"tag": "budget"}, {"scheduled", "live"}),
        ({"tag": "elections"}, {"live"}),
        ({"translations": "stale"}, {"live"}),
        ({"translations": "none"}, {"draft", "review", "german", "withdrawn"}),
    ],
)
def test_each_filter_lists_exactly_the_matching_articles(client, desk, query, expected):
    params = {
        name: str(desk[value].pk) if value in desk and name != "state" else value
        for name, value in query.items()
    }

    shown = listed(client.get(reverse(CHANGELIST), params))

    assert sorted(shown) == sorted(desk[key].headline for key in expected)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("Okonkwo", {"review", "live"}),
        ("Ann Archer", {"scheduled", "live", "german"}),
        ("Zahlen", {"german"}),
        ("election", {"live"}),
    ],
)
def test_search_finds_articles_by_text_and_by_byline_author(client, desk, term, expected):
    shown = listed(client.get(reverse(CHANGELIST), {"q": term}))

    assert sorted(shown) == sorted(desk[key].headline for key in expected)


def test_search_by_an_author_lists_an_article_with_two_matching_bylines_once(client, editor):
    article = make_article(
        headline="Joint investigation",
        authors=[make_author(name="Sam Smith"), make_author(name="Sue Smith")],
    )

    shown = listed(client.get(reverse(CHANGELIST), {"q": "Smith"}))

    assert shown == [article.headline]


def test_search_finds_words_in_the_body(client, editor):
    make_article(headline="Harbour news", body="The lighthouse keeper retired today.")
    make_article(headline="Other news", body="Nothing to see.")

    assert listed(client.get(reverse(CHANGELIST), {"q": "lighthouse"})) == ["Harbour news"]


# The dashboard


def test_the_admin_home_page_lists_what_waits_on_the_desk_with_links(client, desk):
    make_article(headline="Second for review", status=Status.IN_REVIEW, published_at=None)
    stale_too = translate(desk["german"], "en")
    make_stale(stale_too)

    response = client.get(reverse("admin:index"))

    articles = reverse(CHANGELIST)
    translations = reverse(TRANSLATIONS)
    for url, label, count in [
        (f"{articles}?state=review", "In review", 2),
        (f"{articles}?state=scheduled", "Scheduled", 1),
        (f"{translations}?stale=yes", "Stale translations", 2),
    ]:
        assertContains(
            response,
            f'<tr><th scope="row"><a href="{url}">{label}</a></th>'
            f'<td class="desk-summary__count">{count}</td></tr>',
            html=True,
        )
        listing = client.get(url)
        assert listing.status_code == 200
        assert listing.context["cl"].result_count == count


def test_the_dashboard_does_not_count_a_live_article_as_scheduled(client, editor):
    make_article(headline="Live now")
    make_article(headline="Later", published_at=timezone.now() + timedelta(hours=3))
    make_article(headline="Undated", published_at=None)

    response = client.get(reverse("admin:index"))

    assertContains(
        response,
        f'<tr><th scope="row"><a href="{reverse(CHANGELIST)}?state=scheduled">Scheduled</a></th>'
        '<td class="desk-summary__count">1</td></tr>',
        html=True,
    )
    assert Article.objects.published().count() == 2


def test_search_finds_a_word_in_any_form_and_part_of_a_headline(client, editor):
    make_article(headline="Harbour news", body="Two lighthouses were sold.")
    make_article(headline="Other news", body="Nothing to see.")

    # PostgreSQL reads the words stemmed ("lighthouse" finds "lighthouses"); both databases
    # find part of a headline.
    assert listed(client.get(reverse(CHANGELIST), {"q": "lighthouses"})) == ["Harbour news"]
    assert listed(client.get(reverse(CHANGELIST), {"q": "arbou"})) == ["Harbour news"]


@pytest.mark.postgresql_only
def test_search_at_the_desk_reads_the_search_index_not_every_body(client, editor):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    request = RequestFactory().get(reverse(CHANGELIST), {"q": "lighthouse"})
    request.user = editor
    model_admin = site._registry[Article]

    found, _distinct = model_admin.get_search_results(request, Article.objects.all(), "lighthouse")

    assert "articles_article_search_document" in found.explain()
