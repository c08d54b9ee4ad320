"""loaddata checks fixtures like the desk checks an edit, and refuses a broken one whole, saying
which file, which object and what is wrong, in one paragraph and without a traceback."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.utils import get_random_secret_key
from reversion.models import Version

from articles.models import Article, ArticleTranslation, Author, MediaImage, Section, Status
from tests.factories import make_article, make_author, make_image, make_section
from tests.rows import every_row

pytestmark = pytest.mark.django_db

SEED_ARTICLE = "kim-meets-putin-china-none-of-its-business"


def article(**fields):
    """A valid article for the seed's section, as a fixture writes it."""
    return {
        "model": "articles.article",
        "fields": {
            "headline": "Probe",
            "slug": "probe",
            "body": "Text.",
            "section": ["politics"],
            "status": "published",
            "created_at": "2026-11-22T00:00:00Z",
            "updated_at": "2026-11-22T00:00:00Z",
            **fields,
        },
    }


def translation(**fields):
    return {
        "model": "articles.articletranslation",
        "fields": {
            "article": [SEED_ARTICLE],
            "language": "de",
            "headline": "Sonde",
            "slug": "sonde",
            "body": "Text.",
            "created_at": "2026-11-22T00:00:00Z",
            "updated_at": "2026-11-22T00:00:00Z",
            **fields,
        },
    }


def without(obj, field):
    return {**obj, "fields": {k: v for k, v in obj["fields"].items() if k != field}}


TAG = {"model": "taggit.tag", "fields": {"name": "Probe", "slug": "probe"}}

# name: (the fixture's objects, or its text; what the message must say)
BROKEN = {
    "invalid JSON": (
        '[\n  {"model": "taggit.tag",\n   "fields": {"name": "Probe",}}\n]',
        ["not valid JSON", "line 3, column 31"],
    ),
    "not a list of objects": (
        json.dumps(TAG),
        ["a JSON fixture is a list of objects"],
    ),
    "unknown model": (
        [TAG, {"model": "articles.kicker", "fields": {"text": "x"}}],
        ["object 2", 'unknown model "articles.kicker"'],
    ),
    "unknown field": (
        [TAG, article(kicker="Breaking")],
        ["object 2", "articles.article", 'has no field "kicker"'],
    ),
    "byline whose author is missing": (
        [
            TAG,
            article(),
            {
                "model": "articles.byline",
                "fields": {"article": ["probe"], "author": ["no-such-author"], "role": "reporter"},
            },
        ],
        ["object 3", "articles.byline", 'author ["no-such-author"] does not exist'],
    ),
    "article whose section is missing": (
        [TAG, article(section=["no-such-section"])],
        ["object 2", 'articles.article ["probe"]', 'section ["no-such-section"] does not exist'],
    ),
    "tag on an article that is missing": (
        [
            TAG,
            {
                "model": "articles.taggedarticle",
                "fields": {"content_object": ["no-such-article"], "tag": ["Probe"]},
            },
        ],
        ["object 2", "articles.taggedarticle", 'content_object ["no-such-article"] does not exist'],
    ),
    "tagging with a tag that is missing": (
        [
            {
                "model": "articles.taggedarticle",
                "fields": {"content_object": [SEED_ARTICLE], "tag": ["No such tag"]},
            },
        ],
        ["object 1", 'tag ["No such tag"] does not exist'],
    ),
    "translation of an article that is missing": (
        [TAG, translation(article=["no-such-article"])],
        [
            "object 2",
            'articles.articletranslation ["no-such-article", "de"]',
            'article ["no-such-article"] does not exist',
        ],
    ),
    "related article that is nowhere in the file": (
        [TAG, article(related_articles=[["no-such-article"]])],
        ["object 2", 'related_articles ["no-such-article"] does not exist'],
    ),
    "author whose staff user is missing": (
        [
            TAG,
            {"model": "articles.author", "fields": {"name": "P", "slug": "p", "user": ["nobody"]}},
        ],
        ["object 2", 'articles.author ["p"]', 'user ["nobody"] does not exist'],
    ),
    "invalid slug": (
        [TAG, article(slug="Kim meets Putin!")],
        ['articles.article ["Kim meets Putin!"]', 'invalid slug "Kim meets Putin!"'],
    ),
    "status in capitals": (
        [TAG, article(status="PUBLISHED")],
        ['invalid status "PUBLISHED"', "not a valid choice"],
    ),
    "translation status in capitals": (
        [translation(status="PUBLISHED")],
        [f'articles.articletranslation ["{SEED_ARTICLE}", "de"]', 'invalid status "PUBLISHED"'],
    ),
    "language that is not a language tag": (
        [TAG, article(language="English")],
        ['invalid language "English"', "BCP 47"],
    ),
    "language that nobody knows": (
        [translation(language="xx")],
        ['unknown language "xx"'],
    ),
    "headline too long": (
        [TAG, article(headline="x" * 251)],
        ["invalid headline", "(251 characters)", "at most 250 characters"],
    ),
    "article without a body": (
        [TAG, without(article(), "body")],
        ['invalid body ""', "cannot be blank"],
    ),
    "article without a creation time": (
        [TAG, without(article(), "created_at")],
        ['the required field "created_at" is missing'],
    ),
    "time that is not a time": (
        [TAG, article(published_at="yesterday")],
        ['invalid published_at "yesterday"'],
    ),
    "NUL character": (
        [TAG, article(headline="Probe\u0000")],
        ['invalid headline "Probe\\u0000"', "NUL"],
    ),
    "tag with a text direction control": (
        [{"model": "taggit.tag", "fields": {"name": "Probe\u202e", "slug": "probe"}}],
        ['invalid name "Probe\\u202e"', "text direction control U+202E"],
    ),
    # The desk refuses this name: the article form would split it in two on the next save.
    "tag with a double quote": (
        [{"model": "taggit.tag", "fields": {"name": 'The "Probe"', "slug": "the-probe"}}],
        ['invalid name "The \\"Probe\\""', "cannot contain a double quote"],
    ),
    "the same article twice": (
        [TAG, article(), article(headline="Probe again")],
        ["object 3", 'articles.article ["probe"]', "object 2 of this file is already this"],
    ),
    "translation in the original's language": (
        [translation(language="en")],
        ["other than the original"],
    ),
    "second translation with a slug taken in its language": (
        [
            {
                **translation(article=["china-eloquent-silence-kim-putin"]),
            },
            translation(),
        ],
        ["object 2", "Language and Slug already exists"],
    ),
}


def write_fixture(tmp_path, content) -> str:
    path = tmp_path / "broken.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def seeded():
    call_command("loaddata", "seed_articles", verbosity=0)


@pytest.mark.parametrize(("content", "says"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_fixture_is_refused_in_one_paragraph_and_changes_no_row(
    seeded, tmp_path, content, says
):
    path = write_fixture(tmp_path, content)
    before = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", path, verbosity=0)

    message = str(refused.value)
    assert message.startswith(f'Refused fixture "{path}"')
    for words in says:
        assert words in message
    assert message.endswith("Nothing was loaded.")
    assert "\n" not in message
    assert every_row() == before


def test_a_fixture_with_an_invalid_slug_is_refused_and_the_home_page_still_works(
    seeded, tmp_path, client
):
    path = write_fixture(tmp_path, [article(slug="Kim meets Putin!")])

    with pytest.raises(CommandError, match="invalid slug"):
        call_command("loaddata", path, verbosity=0)

    assert client.get("/en/").status_code == 200
    assert not Article.objects.filter(slug="Kim meets Putin!").exists()


def test_a_status_spelled_in_capitals_does_not_load(seeded, tmp_path):
    path = write_fixture(tmp_path, [article(status="PUBLISHED")])

    with pytest.raises(CommandError, match='invalid status "PUBLISHED"'):
        call_command("loaddata", path, verbosity=0)

    assert not Article.objects.filter(slug="probe").exists()


def test_a_refused_second_file_takes_the_first_back_too(seeded, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([article(slug="good-one")]), encoding="utf-8")
    broken = write_fixture(tmp_path, [article(status="PUBLISHED")])
    before = every_row()

    with pytest.raises(CommandError, match=f'Refused fixture "{broken}", object 1'):
        call_command("loaddata", str(good), broken, verbosity=0)

    assert every_row() == before


def test_forward_references_in_a_valid_fixture_still_load(tmp_path):
    # Each article names the next as related before the next one exists.
    path = tmp_path / "ok.json"
    path.write_text(
        json.dumps(
            [
                {"model": "articles.section", "fields": {"name": "Politics", "slug": "politics"}},
                article(slug="first", related_articles=[["second"]]),
                article(slug="second", related_articles=[["first"]]),
            ]
        ),
        encoding="utf-8",
    )

    call_command("loaddata", str(path), verbosity=0)

    assert list(
        Article.objects.get(slug="first").related_articles.values_list("slug", flat=True)
    ) == ["second"]


def test_an_updated_row_keeps_a_language_the_desk_no_longer_offers(tmp_path):
    make_article(slug="swiss", language="de-CH")
    path = tmp_path / "ok.json"
    path.write_text(
        json.dumps([article(slug="swiss", language="de-CH", headline="Neu")]), encoding="utf-8"
    )
    make_section(name="Politics", slug="politics")

    call_command("loaddata", str(path), verbosity=0)

    assert Article.objects.get(slug="swiss").headline == "Neu"


# What loading content with an existing slug does (README, "Loading fixtures").


def test_an_article_whose_slug_exists_replaces_that_row_in_place(tmp_path):
    section = make_section(name="Politics", slug="politics")
    author = make_author(slug="jane")
    existing = make_article(
        slug="probe",
        headline="Old headline",
        section=section,
        authors=[author],
        tags=["Kept"],
        lead_picture=make_image(slug="harbour"),
        unsigned=True,
    )
    existing.related_articles.add(make_article(slug="other"))
    versions_before = Version.objects.count()
    path = tmp_path / "update.json"
    path.write_text(
        json.dumps([article(headline="New headline", status="draft")]), encoding="utf-8"
    )

    call_command("loaddata", str(path), verbosity=0)

    updated = Article.objects.get(slug="probe")
    assert updated.pk == existing.pk
    assert Article.objects.count() == 2
    assert updated.headline == "New headline"
    assert updated.status == Status.DRAFT
    # Fields the fixture leaves out fall back to their defaults: the row is replaced, not merged.
    assert updated.lead_picture is None
    assert updated.unsigned is False
    assert updated.published_at is None
    # Rows of their own (bylines, tags), and related articles the fixture does not list, are
    # left alone.
    assert list(updated.related_articles.values_list("slug", flat=True)) == ["other"]
    assert [b.author.slug for b in updated.bylines.all()] == ["jane"]
    assert list(updated.tags.names()) == ["Kept"]
    # The picture stays in the library, no longer used by the article.
    assert not MediaImage.objects.get(slug="harbour").uses.exists()
    # No history is written: the History page shows no version for the load.
    assert Version.objects.count() == versions_before


def test_related_articles_listed_in_the_fixture_replace_the_existing_list(tmp_path):
    make_section(name="Politics", slug="politics")
    existing = make_article(slug="probe")
    existing.related_articles.add(make_article(slug="other"))
    path = tmp_path / "update.json"
    path.write_text(json.dumps([article(related_articles=[])]), encoding="utf-8")

    call_command("loaddata", str(path), verbosity=0)

    assert existing.related_articles.count() == 0


def test_a_section_or_author_whose_slug_exists_is_updated_in_place(tmp_path):
    section = make_section(name="Politik", slug="politics")
    author = make_author(name="J. Doe", slug="jane")
    path = tmp_path / "update.json"
    path.write_text(
        json.dumps(
            [
                {"model": "articles.section", "fields": {"name": "Politics", "slug": "politics"}},
                {"model": "articles.author", "fields": {"name": "Jane Doe", "slug": "jane"}},
            ]
        ),
        encoding="utf-8",
    )

    call_command("loaddata", str(path), verbosity=0)

    assert Section.objects.get().pk == section.pk
    assert Section.objects.get().name == "Politics"
    assert (Author.objects.get().pk, Author.objects.get().name) == (author.pk, "Jane Doe")


def test_changed_text_marks_the_translations_of_an_updated_article_stale(seeded, tmp_path):
    call_command(
        "loaddata", write_fixture(tmp_path, [translation(status="published")]), verbosity=0
    )
    assert not ArticleTranslation.objects.get().is_stale
    original = Article.objects.get(slug=SEED_ARTICLE)
    changed = article(
        slug=SEED_ARTICLE,
        headline=original.headline,
        body=original.body + "\n\nA new paragraph.",
    )

    call_command("loaddata", write_fixture(tmp_path, [changed]), verbosity=0)

    assert ArticleTranslation.objects.get().is_stale


# The command line: what an operator sees.


@pytest.fixture(scope="module")
def manage(tmp_path_factory):
    """manage.py on a migrated SQLite database of its own, as an operator runs it."""
    directory = tmp_path_factory.mktemp("cli")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "DJANGO_HTTPS": "false",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert run("migrate", "-v", "0").returncode == 0
    assert run("loaddata", "seed_articles", "-v", "0").returncode == 0
    return run


def test_the_command_prints_one_paragraph_without_a_traceback_and_fails(manage, tmp_path):
    path = write_fixture(tmp_path, BROKEN["byline whose author is missing"][0])

    result = manage("loaddata", path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f'Refused fixture "{path}", object 3' in result.stderr
    assert '["no-such-author"]' in result.stderr


def test_the_command_shows_the_traceback_when_asked(manage, tmp_path):
    path = write_fixture(tmp_path, BROKEN["invalid JSON"][0])

    result = manage("loaddata", path, "--traceback")

    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "JSONDecodeError" in result.stderr
    assert "line 3, column 31" in result.stderr
