"""The synthetic newsroom for benchmarks: articles/synthetic.py and `generate_newsroom`."""

import io
import re
from collections import Counter
from itertools import count

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override
from taggit.models import Tag

from articles.cache import content_token
from articles.management.commands.generate_newsroom import ProgressBar
from articles.markdown import plain_text
from articles.models import (
    REVISING_KINDS,
    Article,
    ArticleTranslation,
    Author,
    Byline,
    Correction,
    Section,
    Status,
    TaggedArticle,
)
from articles.synthetic import RealContentError, generate

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db

SMALL = {"articles": 200, "authors": 30, "tags": 50, "sections": 4, "batch_size": 80}


@pytest.fixture
def newsroom(django_capture_on_commit_callbacks):
    """A small synthetic newsroom, and the counts generate() reported."""
    # As after a real run, committed: cached pages from before are out of date.
    with django_capture_on_commit_callbacks(execute=True):
        return generate(**SMALL, seed=1)


def headlines():
    return list(Article.objects.order_by("slug").values_list("headline", flat=True))


def test_a_small_run_makes_the_numbers_asked_for(newsroom):
    assert Article.objects.count() == newsroom["articles"] == 200
    assert Author.objects.count() == newsroom["authors"] == 30
    assert Tag.objects.count() == newsroom["tags"] == 50
    assert Section.objects.count() == newsroom["sections"] == 4
    assert ArticleTranslation.objects.count() == newsroom["translations"]
    assert Byline.objects.count() == newsroom["bylines"]
    assert TaggedArticle.objects.count() == newsroom["taggings"]
    assert Correction.objects.count() == newsroom["corrections"]
    # Every section has its German name, for the German edition's navigation.
    assert all(section.localized("name", "de") for section in Section.objects.all())


def test_about_thirty_percent_of_articles_have_a_published_german_translation(newsroom):
    translated = ArticleTranslation.objects.filter(language="de")
    published = translated.filter(status=Status.PUBLISHED)

    assert 0.22 <= translated.count() / 200 <= 0.38
    assert 0.2 <= published.count() / 200 <= 0.38
    assert published.count() < translated.count()  # a few are still being translated
    assert not translated.filter(is_stale=True).exists()


def test_derived_fields_are_exactly_what_a_normal_save_would_make(newsroom):
    for article in Article.objects.all():
        stored = (article.body_html, article.summary, article.content_digest)
        article.refresh_derived_fields()
        assert stored == (article.body_html, article.summary, article.content_digest)
        assert article.body_html.startswith("<p>") and article.summary
    for translation in ArticleTranslation.objects.select_related("article"):
        stored = vars(translation).copy()
        translation.source_digest = ""  # so that refresh_derived_fields() records the source
        translation.refresh_derived_fields()
        assert stored == vars(translation)
        assert translation.source_digest == translation.article.content_digest
    for correction in Correction.objects.all():
        stored = correction.text_html
        correction.refresh_derived_fields()
        assert stored == correction.text_html


def test_a_correction_moves_the_updated_time_as_the_signal_would(newsroom):
    corrected = Article.objects.filter(corrections__isnull=False).distinct()
    assert corrected.exists()
    for article in corrected:
        revising = [c.noted_at for c in article.corrections.all() if c.kind in REVISING_KINDS]
        assert article.revised_at == max(revising, default=None)
        assert all(c.noted_at >= article.published_at for c in article.corrections.all())
    assert not Article.objects.filter(corrections__isnull=True, revised_at__isnull=False).exists()


def test_articles_are_shaped_like_a_newsroom_s(newsroom):
    articles = Article.objects.annotate(
        bylines_count=Count("bylines", distinct=True),
        tags_count=Count("tagged_items", distinct=True),
    )
    for article in articles:
        assert 6 <= len(article.headline.split()) <= 14
        assert 400 <= len(plain_text(article.body_html).split()) <= 1_500
        assert 6 <= article.body_html.count("<p>") + article.body_html.count("<ul>") <= 20
        assert 1 <= article.body_html.count("<h2>") <= 3
        assert article.slug.startswith("synthetic-")
        assert (article.bylines_count == 0) == article.unsigned
        assert article.bylines_count <= 3
        assert 2 <= article.tags_count <= 8
    assert articles.filter(unsigned=True).exists()
    # Zipf-like: a few tags are big, most are small.
    uses = sorted(Counter(TaggedArticle.objects.values_list("tag", flat=True)).values())
    assert uses[-1] > 4 * uses[len(uses) // 2]
    corrected = Article.objects.filter(corrections__isnull=False).distinct().count()
    assert 1 <= corrected <= 15


def test_some_articles_are_not_public_so_the_gates_have_work(newsroom):
    public = Article.objects.published().count()
    assert 0.85 <= public / 200 < 1
    assert Article.objects.scheduled().exists()
    assert Article.objects.filter(status__in=[Status.DRAFT, Status.IN_REVIEW]).exists()
    assert not Article.objects.filter(
        status__in=[Status.DRAFT, Status.IN_REVIEW], published_at__isnull=False
    ).exists()


def test_published_articles_and_translations_have_working_pages(newsroom, client):
    with override("en"):
        # Addresses first: a request leaves its own language active.
        public, hidden, gone = (
            [article.get_absolute_url() for article in articles.order_by("pk")[:4]]
            for articles in (
                Article.objects.published(),
                Article.objects.filter(status=Status.DRAFT) | Article.objects.scheduled(),
                Article.objects.withdrawn(),
            )
        )
        section = Section.objects.first().get_absolute_url()
        byline = Byline.objects.filter(article__in=Article.objects.published()).first()
        author = byline.author.get_absolute_url()
        biggest = (
            Tag.objects.annotate(uses=Count("articles_taggedarticle_items"))
            .order_by("-uses")
            .first()
        )
    translations = ArticleTranslation.objects.published().order_by("pk")[:4]

    assert client.get("/en/").status_code == 200
    assert client.get("/de/").status_code == 200
    assert client.get(section).status_code == 200
    assert client.get(author).status_code == 200
    assert client.get(f"/en/tags/{biggest.slug}/").status_code == 200
    assert len(public) == 4 and all(client.get(url).status_code == 200 for url in public)
    assert hidden and all(client.get(url).status_code == 404 for url in hidden)
    assert gone and all(client.get(url).status_code == 410 for url in gone)
    assert len(translations) == 4
    for translation in translations:
        response = client.get(translation.get_absolute_url())
        assert response.status_code == 200
        assert '<html lang="de">' in response.content.decode()


def test_the_same_seed_writes_the_same_headlines_whatever_the_batch_size():
    generate(**{**SMALL, "batch_size": 50}, seed=7)
    first = headlines()

    generate(**{**SMALL, "batch_size": 200}, seed=7)
    second = headlines()[len(first) :]
    generate(**SMALL, seed=8)
    other = headlines()[len(first) * 2 :]

    assert second == first
    assert other != first


def test_running_again_adds_as_much_again_with_new_slugs(newsroom):
    again = generate(**SMALL, seed=1)

    assert (again["articles"], again["authors"], again["tags"], again["sections"]) == (
        200,
        30,
        50,
        4,
    )
    assert Article.objects.count() == 400
    assert Section.objects.count() == 8 and Author.objects.count() == 60
    assert Tag.objects.count() == 100
    # Slugs are unique by constraint; the numbers carry on from the first run.
    assert Article.objects.filter(slug__startswith="synthetic-0000400-").exists()


def test_with_no_new_sections_authors_or_tags_new_articles_use_those_there_are(newsroom):
    made = generate(articles=20, authors=0, tags=0, sections=0, batch_size=10)

    assert (made["sections"], made["authors"], made["tags"], made["articles"]) == (0, 0, 0, 20)
    assert Section.objects.count() == 4 and Author.objects.count() == 30
    assert made["bylines"] > 0 and made["taggings"] >= 40


def test_cached_pages_are_out_of_date_once_a_batch_is_committed(
    django_capture_on_commit_callbacks,
):
    before = content_token()

    with django_capture_on_commit_callbacks(execute=True):
        generate(**SMALL)

    assert content_token() != before


def test_articles_need_a_section():
    with pytest.raises(ValueError, match="section"):
        generate(articles=5, authors=1, tags=1, sections=0)
    assert not Author.objects.exists()


@pytest.mark.parametrize(
    "real",
    [make_article, make_section, make_author, lambda: Tag.objects.create(name="Real")],
    ids=["article", "section", "author", "tag"],
)
def test_a_database_with_real_content_is_refused_and_left_untouched(real):
    real()
    before = [model.objects.count() for model in (Article, Section, Author, Tag)]

    with pytest.raises(RealContentError, match="real content"):
        generate(**SMALL)

    assert [model.objects.count() for model in (Article, Section, Author, Tag)] == before


def test_the_command_refuses_real_content_even_in_a_dry_run():
    make_article()

    for dry_run in ([], ["--dry-run"]):
        with pytest.raises(CommandError, match="real content"):
            call_command("generate_newsroom", "--articles", "5", *dry_run, stdout=io.StringIO())
    assert Article.objects.count() == 1


def test_dry_run_says_what_it_would_make_and_writes_nothing():
    out = io.StringIO()

    call_command("generate_newsroom", "--articles", "1000", "--dry-run", stdout=out)

    assert "Would make" in out.getvalue()
    assert "1,000 articles, 2,000 authors, 5,000 tags, 20 sections" in out.getvalue()
    assert "about 300 German translations" in out.getvalue()
    assert not any(m.objects.exists() for m in (Article, Section, Author, Tag))


def test_the_command_reports_each_phase_then_the_counts_and_time():
    out = io.StringIO()

    call_command(
        "generate_newsroom",
        *("--articles", "30", "--authors", "5", "--tags", "10", "--sections", "2"),
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[1:5]] == ["sections", "authors", "tags", "articles"]
    assert "100%  30/30  in " in lines[4]
    assert re.fullmatch(r"Made 2 sections, 5 authors, 10 tags, 30 articles, .* in \d+s\.", lines[5])
    assert Article.objects.count() == 30


def test_the_command_rejects_impossible_numbers():
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("generate_newsroom", "--translated", "30")
    with pytest.raises(CommandError, match="0 or more"):
        call_command("generate_newsroom", "--articles", "-5")


def test_progress_is_reported_after_every_batch():
    calls = []

    generate(**SMALL, progress=lambda *call: calls.append(call))

    assert [call for call in calls if call[2] == "articles"] == [
        (0, 200, "articles"),
        (80, 200, "articles"),
        (160, 200, "articles"),
        (200, 200, "articles"),
    ]


def test_on_a_terminal_the_bar_is_redrawn_in_place_with_an_eta():
    out, ticks = io.StringIO(), count()
    bar = ProgressBar(_Output(out), interactive=True, clock=lambda: 10.0 * next(ticks))

    for done in (0, 50, 100):
        bar(done, 100, "articles")

    drawn = out.getvalue().split("\r")[1:]
    assert "  0%  0/100" in drawn[0]
    assert " 50%  50/100  ETA 20s" in drawn[1]
    assert "100%  100/100  in 30s" in drawn[2] and drawn[2].endswith("\n")
    assert "\n" not in "".join(drawn[:2])


def test_queries_grow_with_batches_not_with_articles():
    sizes = {**SMALL, "batch_size": 100}
    with CaptureQueriesContext(connection) as two_batches:
        generate(**{**sizes, "articles": 200})
    with CaptureQueriesContext(connection) as four_batches:
        generate(**{**sizes, "articles": 400})

    two_more_batches = len(four_batches) - len(two_batches)
    # A batch takes one insert per table (SQLite cuts the long ones into a few statements of
    # at most 999 parameters), not one per article, tag or byline.
    assert 0 < two_more_batches <= 2 * 20
    assert len(four_batches) < 400 / 4


class _Output:
    """What a command's self.stdout offers the bar, writing into a StringIO."""

    def __init__(self, out):
        self.out = out

    def write(self, text, ending="\n"):
        self.out.write(text + ending)

    def flush(self):
        pass

    def isatty(self):
        return True
