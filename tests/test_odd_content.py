"""Odd content typed at the desk is saved and shown correctly everywhere, or refused with a field
error that loses nothing; never a 500 in the admin or on a public page (SQLite and PostgreSQL).

Refused: NUL and the other C0 control characters (PostgreSQL refuses NUL; XML feeds and
sitemaps cannot carry any of them), DEL and the C1 controls U+0080–U+009F, the noncharacters
(U+FFFE, U+FFFF, which XML cannot carry either, U+FDD0–U+FDEF and the last two of every
plane), and the bidi embedding, override and isolate controls U+202A–U+202E, U+2066–U+2069,
whose effect reaches past the field into the text around it.
Saved: emoji, punctuation, right-to-left scripts with their marks (U+200E, U+200F).
"""

import json

import pytest
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, Author, MediaImage, Section

from .everywhere import (
    ARTICLE_TEXT_FIELDS,
    PICTURE_TEXT_FIELDS,
    admin_pages,
    feeds,
    field_errors,
    make_story,
    reader_pages,
    save_article_through_admin,
    save_picture_through_admin,
    sitemaps,
)
from .forms import change_url, form_data
from .markup import text_of, xml_document

pytestmark = pytest.mark.django_db

NUL = "Storm\x00warning"
CONTROL = "Storm\x1bwarning"
VERTICAL_TAB = "Storm\x0bwarning"
RIGHT_TO_LEFT_OVERRIDE = "Storm \u202ewarning"
RIGHT_TO_LEFT_ISOLATE = "Storm \u2067warning"
REFUSED_CHARACTERS = {
    "nul": NUL,
    "escape": CONTROL,
    "vertical-tab": VERTICAL_TAB,
    "delete": "Storm\x7fwarning",
    "c1-next-line": "Storm\x85warning",
    "c1-csi": "Storm\x9bwarning",
    "noncharacter-ffff": "Storm\uffffwarning",
    "noncharacter-fdd0": "Storm\ufdd0warning",
    "noncharacter-10ffff": "Storm\U0010ffffwarning",
    "rlo": RIGHT_TO_LEFT_OVERRIDE,
    "rli": RIGHT_TO_LEFT_ISOLATE,
}
SAVED_TEXTS = {
    "emoji": "Sturm 🌪️ über 🇩🇪 — 👩🏽‍💻",
    "punctuation": "?!… «»„“ <> & ' \" / \\ ; -- ## **",
    "arabic-with-mark": "عاصفة قادمة\u200f (Storm)",
    "hebrew": "סערה מתקרבת",
    "combining": "Zalgo z̴̢̛a̷l̶g̵o̸ ö",
    "astral": "𝔖𝔱𝔬𝔯𝔪 𐍈 𓀀",
    "zero-width": "Storm\u200bwarning\u200d\ufeff",
    "tab": "Storm\twarning",
}


@pytest.fixture
def story():
    return make_story()


def problems_on_every_page(client, admin_client, story) -> list[str]:
    """Every public page, feed, sitemap and admin page of the story answers and parses."""
    problems = []
    for url in reader_pages(story) + admin_pages(story):
        response = (admin_client if url.startswith("/admin/") else client).get(url)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
    for url in feeds(story) + sitemaps():
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
        elif url.endswith(".json"):
            json.loads(response.content)
        else:
            xml_document(response.content)
    return problems


def assert_refused(response, field, article, message_part):
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.get(field, [])
    assert any(message_part in error for error in errors), (field, field_errors(response))
    stored = Article.objects.get(pk=article.pk)
    assert stored.version == article.version
    assert getattr(stored, field, None) == getattr(article, field, None)


# The article's own fields


@pytest.mark.parametrize("field", ARTICLE_TEXT_FIELDS)
@pytest.mark.parametrize("kind", REFUSED_CHARACTERS)
def test_control_characters_in_an_article_field_are_a_field_error(admin_client, story, field, kind):
    article = story.article
    value = REFUSED_CHARACTERS[kind]

    response = save_article_through_admin(admin_client, article, **{field: value})

    message = "Null characters are not allowed" if kind == "nul" else "U+"
    assert_refused(response, field, article, message)


@pytest.mark.parametrize("field", PICTURE_TEXT_FIELDS)
@pytest.mark.parametrize("kind", REFUSED_CHARACTERS)
def test_control_characters_in_a_lead_pictures_field_are_a_field_error(
    admin_client, story, field, kind
):
    picture = story.picture

    response = save_picture_through_admin(
        admin_client, picture, **{field: REFUSED_CHARACTERS[kind]}
    )

    message = "Null characters are not allowed" if kind == "nul" else "U+"
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.get(field, [])
    assert any(message in error for error in errors), (field, field_errors(response))
    assert getattr(MediaImage.objects.get(pk=picture.pk), field) == getattr(picture, field)


@pytest.mark.parametrize("kind", REFUSED_CHARACTERS)
def test_control_characters_in_a_tag_are_a_field_error(admin_client, story, kind):
    response = save_article_through_admin(
        admin_client, story.article, tags=f"Weather, {REFUSED_CHARACTERS[kind]}"
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tags"]
    assert [tag.name for tag in story.article.tags.all()] == ["Storms"]


def test_the_refusal_names_the_character_and_where_it_is(admin_client, story):
    response = save_article_through_admin(admin_client, story.article, headline="Storm \u202eahead")

    [error] = response.context["adminform"].form.errors["headline"]
    assert "U+202E (character 7)" in error
    assert "can reverse the text around this field" in error


@pytest.mark.parametrize("kind", SAVED_TEXTS)
def test_unusual_but_printable_text_is_saved_and_shown_everywhere(
    client, admin_client, story, kind
):
    value = SAVED_TEXTS[kind]
    changes = {field: value for field in ARTICLE_TEXT_FIELDS}

    response = save_article_through_admin(admin_client, story.article, **changes)
    assert response.status_code == 302, field_errors(response)
    response = save_picture_through_admin(
        admin_client, story.picture, **{field: value for field in PICTURE_TEXT_FIELDS}
    )

    assert response.status_code == 302, field_errors(response)
    article = Article.objects.get(pk=story.article.pk)
    for field in ARTICLE_TEXT_FIELDS:
        assert getattr(article, field) == value.strip(), field
    picture = MediaImage.objects.get(pk=story.picture.pk)
    for field in PICTURE_TEXT_FIELDS:
        assert getattr(picture, field) == value.strip(), field
    assert problems_on_every_page(client, admin_client, story) == []
    html = client.get(article.get_original_url()).content.decode()
    assert text_of(html, "h1") == [value.strip()]


def test_an_overlong_headline_is_a_field_error_and_the_longest_allowed_is_shown(
    client, admin_client, story
):
    article = story.article
    response = save_article_through_admin(admin_client, article, headline="Storm " * 42)
    assert_refused(response, "headline", article, "at most 250 characters")

    longest = "Sturmwarnung" * 20 + "x" * 10  # 250 characters and not one space
    response = save_article_through_admin(admin_client, article, headline=longest)

    assert response.status_code == 302, field_errors(response)
    assert problems_on_every_page(client, admin_client, story) == []
    html = client.get(article.get_original_url()).content.decode()
    assert text_of(html, "h1") == [longest]


@pytest.mark.parametrize(
    "slug",
    [
        "Kim meets Putin!",
        "storm/ahead",
        "storm%20ahead",
        "sturm-über-berlin",
        "storm.html",
        "storm\x00ahead",
        "storm\u202eahead",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "s" * 251,
        " ",
    ],
    ids=[
        "spaces-and-punctuation",
        "slash",
        "percent",
        "umlaut",
        "dot",
        "nul",
        "bidi",
        "markup",
        "scheme",
        "too-long",
        "blank",
    ],
)
def test_an_invalid_slug_is_a_field_error(admin_client, story, slug):
    article = story.article

    response = save_article_through_admin(admin_client, article, slug=slug)

    assert_refused(response, "slug", article, "")
    assert response.context["adminform"].form.errors["slug"]
    assert client_gets(admin_client, article.get_original_url()) == 200


def client_gets(client, url) -> int:
    return client.get(url).status_code


@pytest.mark.parametrize("slug", ["-", "_", "2026", "a" * 250, "--storm--"])
def test_an_odd_but_valid_slug_is_saved_and_its_page_answers(client, admin_client, story, slug):
    response = save_article_through_admin(admin_client, story.article, slug=slug)

    assert response.status_code == 302, field_errors(response)
    story.article.refresh_from_db()
    assert story.article.slug == slug
    assert problems_on_every_page(client, admin_client, story) == []


# Tags


def test_emoji_punctuation_and_lookalike_tags_are_saved_with_working_pages(
    client, admin_client, story
):
    long_tag = "Klimawandel" * 9 + "x"  # 100 characters, the most a tag may have
    typed = f'Storms, 🔥, "!!!", C++, C#, c, Straße, STRASSE, …, {long_tag}'

    response = save_article_through_admin(admin_client, story.article, tags=typed)

    assert response.status_code == 302, field_errors(response)
    tags = {tag.name: tag.slug for tag in story.article.tags.all()}
    assert set(tags) == {
        "Storms",
        "🔥",
        "!!!",
        "C++",
        "C#",
        "c",
        "Straße",
        "STRASSE",
        "…",
        long_tag,
    }
    assert len(set(tags.values())) == len(tags), tags
    for name, slug in tags.items():
        page = client.get(reverse("articles:tag-detail", kwargs={"slug": slug}))
        assert page.status_code == 200, (name, slug)
        assert text_of(page.content.decode(), "h1") == [name]
        assert (
            client.get(reverse("articles:tag-feed-rss", kwargs={"slug": slug})).status_code == 200
        )
    assert problems_on_every_page(client, admin_client, story) == []
    tag_admin = admin_client.get(reverse("admin:taggit_tag_changelist"))
    assert tag_admin.status_code == 200


def test_a_tag_over_100_characters_is_a_field_error(admin_client, story):
    response = save_article_through_admin(admin_client, story.article, tags="Weather, " + "x" * 101)

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["tags"]
    assert "at most 100 characters" in error
    assert list(Tag.objects.filter(name__startswith="xxx")) == []


# Authors and sections


@pytest.mark.parametrize("field", ["name", "job_title", "bio"])
@pytest.mark.parametrize("kind", REFUSED_CHARACTERS)
def test_control_characters_in_an_author_field_are_a_field_error(admin_client, story, field, kind):
    author = story.author
    data = form_data(admin_client.get(change_url(author)), "author_form")
    data[field] = REFUSED_CHARACTERS[kind]

    response = admin_client.post(change_url(author), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    assert getattr(Author.objects.get(pk=author.pk), field) == getattr(author, field)


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("kind", REFUSED_CHARACTERS)
def test_control_characters_in_a_section_field_are_a_field_error(admin_client, story, field, kind):
    section = story.section
    data = form_data(admin_client.get(change_url(section)), "section_form")
    data[field] = REFUSED_CHARACTERS[kind]

    response = admin_client.post(change_url(section), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    assert getattr(Section.objects.get(pk=section.pk), field) == getattr(section, field)


@pytest.mark.parametrize("kind", SAVED_TEXTS)
def test_unusual_names_of_authors_and_sections_are_saved_and_shown_everywhere(
    client, admin_client, story, kind
):
    value = SAVED_TEXTS[kind]
    for obj, form_id, fields in (
        (story.author, "author_form", ["name", "job_title", "bio"]),
        (story.section, "section_form", ["name", "description"]),
    ):
        data = form_data(admin_client.get(change_url(obj)), form_id)
        data.update({field: value for field in fields})
        response = admin_client.post(change_url(obj), data)
        assert response.status_code == 302, field_errors(response)

    story.author.refresh_from_db()
    story.section.refresh_from_db()
    assert story.author.name == story.section.name == value.strip()
    assert problems_on_every_page(client, admin_client, story) == []
    author_page = client.get(story.author.get_absolute_url()).content.decode()
    assert text_of(author_page, "h1") == [value.strip()]


def test_an_invalid_author_slug_is_a_field_error(admin_client, story):
    author = story.author
    data = form_data(admin_client.get(change_url(author)), "author_form")
    data["slug"] = "Ada Writer!"

    response = admin_client.post(change_url(author), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"]
    assert Author.objects.get(pk=author.pk).slug == author.slug


def test_authors_and_sections_saved_unchanged_keep_exactly_their_translations(admin_client, story):
    # The blank row for one more language must not become a row in the first language listed.
    for obj, form_id in ((story.author, "author_form"), (story.section, "section_form")):
        response = admin_client.post(
            change_url(obj), form_data(admin_client.get(change_url(obj)), form_id)
        )

        assert response.status_code == 302, field_errors(response)
        assert [t.language for t in obj.localizations.all()] == ["de"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Storms\x1b", "U+001B"),
        ("Storms \u202e", "U+202E"),
        ('Storms "2026"', "double quote"),
        ("Storms\x00", "Null characters"),
    ],
    ids=["escape", "bidi", "double-quote", "nul"],
)
def test_renaming_a_tag_to_something_a_page_cannot_carry_is_a_field_error(
    client, admin_client, story, name, message
):
    tag = story.tag
    data = form_data(admin_client.get(change_url(tag)), "tag_form")
    data["name"] = name

    response = admin_client.post(change_url(tag), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["adminform"].form.errors["name"])
    assert Tag.objects.get(pk=tag.pk).name == "Storms"
    assert problems_on_every_page(client, admin_client, story) == []


def post_new_correction(admin_client, article, text):
    """The article's change form with one more correction, as the admin's "add another" adds it."""
    data = form_data(admin_client.get(change_url(article)), "article_form")
    [prefix] = [
        name.removesuffix("-TOTAL_FORMS")
        for name in data
        if "correction" in name and name.endswith("-TOTAL_FORMS")
    ]
    data.update(
        {
            name.replace("-__prefix__-", "-1-"): value
            for name, value in data.items()
            if name.startswith(f"{prefix}-__prefix__-")
        }
    )
    data[f"{prefix}-TOTAL_FORMS"] = "2"
    data[f"{prefix}-1-text"] = text
    return admin_client.post(change_url(article), data), prefix


def test_a_new_correction_in_unusual_script_is_saved(admin_client, story):
    response, _prefix = post_new_correction(
        admin_client, story.article, SAVED_TEXTS["arabic-with-mark"]
    )

    assert response.status_code == 302, field_errors(response)
    assert story.article.corrections.count() == 2


@pytest.mark.parametrize("kind", REFUSED_CHARACTERS)
def test_control_characters_in_a_new_correction_are_a_field_error(admin_client, story, kind):
    article = story.article

    response, prefix = post_new_correction(
        admin_client, article, f"The storm comes on {REFUSED_CHARACTERS[kind]}."
    )

    assert response.status_code == 200
    [corrections] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    assert corrections.errors[1]["text"]
    assert [c.text for c in article.corrections.all()] == ["The storm comes on Tuesday."]
