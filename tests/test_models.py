from datetime import timedelta

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, ArticleTranslation, Byline, Status, TaggedArticle

from .factories import make_article, make_author

pytestmark = pytest.mark.django_db


def test_published_gate_lets_through_only_published_and_not_future_articles():
    now = timezone.now()
    visible = make_article(published_at=now - timedelta(minutes=1))
    undated = make_article(published_at=None)
    make_article(status=Status.DRAFT)
    make_article(status=Status.IN_REVIEW)
    make_article(status=Status.WITHDRAWN)
    make_article(published_at=now + timedelta(minutes=5))

    assert set(Article.objects.published()) == {visible, undated}


def test_published_gate_is_chainable_and_takes_a_reference_time():
    later = timezone.now() + timedelta(days=2)
    scheduled = make_article(published_at=timezone.now() + timedelta(days=1))

    assert not Article.objects.published().filter(pk=scheduled.pk).exists()
    assert list(Article.objects.filter(pk=scheduled.pk).published(now=later)) == [scheduled]


def test_body_is_rendered_to_html_once_on_save():
    article = make_article(body="Intro with *emphasis*.\n\n## A subheading\n\nMore text.")

    assert article.body_html == (
        "<p>Intro with <em>emphasis</em>.</p>\n<h2>A subheading</h2>\n<p>More text.</p>\n"
    )
    stored = Article.objects.values_list("body_html", flat=True).get(pk=article.pk)
    assert stored == article.body_html


def test_rendered_body_is_sanitised():
    article = make_article(
        body=(
            '<script>alert("x")</script>\n\n[click](javascript:alert(1)) '
            "<img src=x onerror=alert(1)>\n\n# Not a second page title"
        )
    )

    # Raw HTML shows as text; nothing executable reaches the page.
    assert "<script" not in article.body_html
    assert "&lt;script&gt;" in article.body_html
    assert "href=" not in article.body_html
    assert "<img" not in article.body_html
    assert "<h1" not in article.body_html
    assert "<h2>Not a second page title</h2>" in article.body_html


def test_external_links_in_the_body_get_a_safe_rel():
    article = make_article(body="[Brookings](https://www.brookings.edu/)")

    assert 'href="https://www.brookings.edu/"' in article.body_html
    assert 'rel="noopener noreferrer nofollow"' in article.body_html


def test_content_digest_changes_only_when_the_text_changes():
    article = make_article()
    digest = article.content_digest
    article.status = Status.WITHDRAWN
    article.save()
    assert article.content_digest == digest

    article.body += "\n\nA correction."
    article.save()
    assert article.content_digest != digest


def test_translation_records_the_source_version_and_goes_stale_when_the_original_changes():
    article = make_article(language="en")
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Schlagzeile", slug="schlagzeile", body="Text."
    )
    assert translation.source_digest == article.content_digest
    assert not translation.is_stale
    assert translation.body_html == "<p>Text.</p>\n"

    article.body = "Rewritten."
    article.save()
    translation.refresh_from_db()
    assert translation.is_stale


def test_an_article_has_at_most_one_translation_per_language():
    article = make_article()
    ArticleTranslation.objects.create(
        article=article, language="de", headline="A", slug="a", body="x"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleTranslation.objects.create(
            article=article, language="de", headline="B", slug="b", body="y"
        )


def test_a_translation_cannot_be_in_the_original_language():
    article = make_article(language="en")
    translation = ArticleTranslation(
        article=article, language="en", headline="A", slug="a", body="x"
    )

    with pytest.raises(ValidationError) as error:
        translation.full_clean()
    assert "language" in error.value.message_dict


@pytest.mark.parametrize("tag", ["en", "de", "de-CH", "zh-Hant-TW", "sr-Latn", "es-419"])
def test_language_accepts_bcp47_tags(tag):
    article = make_article(language=tag)
    article.full_clean()


@pytest.mark.parametrize("tag", ["english", "EN", "de_DE", "", "d"])
def test_language_rejects_what_is_not_a_bcp47_tag(tag):
    article = make_article()
    article.language = tag
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "language" in error.value.message_dict


def test_bylines_keep_their_order():
    first, second, third = (
        make_author(name="Zoe"),
        make_author(name="Adam"),
        make_author(name="Mia"),
    )
    article = make_article(authors=[first, second, third])

    assert [b.author.name for b in article.bylines.all()] == ["Zoe", "Adam", "Mia"]


def test_tags_use_the_article_foreign_key_through_model():
    article = make_article(tags=["China", "Russia"])

    rows = TaggedArticle.objects.filter(content_object=article)
    assert sorted(row.tag.name for row in rows) == ["China", "Russia"]
    assert TaggedArticle._meta.get_field("content_object").related_model is Article


def test_articles_round_trip_through_natural_key_fixtures():
    author = make_author(slug="jane-doe")
    article = make_article(slug="round-trip", authors=[author], tags=["Energy"])
    data = serializers.serialize(
        "json",
        [article, *Byline.objects.filter(article=article), *TaggedArticle.objects.all()],
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    assert '"pk"' not in data

    objects = list(serializers.deserialize("json", data))
    for obj in objects:
        obj.save()
    assert Article.objects.count() == 1
    assert Byline.objects.count() == 1
    assert TaggedArticle.objects.count() == 1
    assert objects[0].object.pk == article.pk


def test_content_moves_between_sites_with_dumpdata_and_loaddata(tmp_path):
    from django.core.management import call_command
    from taggit.models import Tag

    from articles.models import Author, Section

    author = make_author(slug="mover")
    first = make_article(slug="first", authors=[author], tags=["Ports", "Trade"])
    second = make_article(slug="second", section=first.section)
    first.related_articles.add(second)
    ArticleTranslation.objects.create(
        article=first, language="de", headline="Erster", slug="erster", body="Text."
    )
    dump = tmp_path / "content.json"
    call_command(
        "dumpdata",
        "articles",
        "taggit",
        natural_foreign=True,
        natural_primary=True,
        output=str(dump),
        verbosity=0,
    )
    for model in (ArticleTranslation, Byline, TaggedArticle, Article, Author, Section, Tag):
        model.objects.all().delete()

    call_command("loaddata", str(dump), verbosity=0)

    moved = Article.objects.get(slug="first")
    assert [b.author.slug for b in moved.bylines.all()] == ["mover"]
    assert sorted(moved.tags.names()) == ["Ports", "Trade"]
    assert [a.slug for a in moved.related_articles.all()] == ["second"]
    assert moved.translations.get().headline == "Erster"
    assert moved.body_html == first.body_html
