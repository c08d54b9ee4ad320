"""A desk save of one article stays within a fixed number of queries, however much it carries:
the change form loads the article once (locked), checks its edit lock, writes the columns that
changed, and records the revision with its bylines and tags read in one query each."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, ArticleTranslation, Byline, Correction, Status, TaggedArticle

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

# 25, one DELETE that forgets the editor's autosave of the article (admin/writing.py), and one
# query that asks whether someone else holds the article's edit lock (editorial/locks.py): a save
# from a page whose lock was taken over is refused.
BUDGET = 27
# The first desk edit of an article made elsewhere (a fixture, a migration) also keeps the
# version from before it in the history: a revision of its own.
FIRST_EDIT_EXTRA = 8


@pytest.fixture(autouse=True)
def _content_types_known():
    # A running site has looked these up once per process; the tests' database is new.
    ContentType.objects.get_for_models(Article, ArticleTranslation, Byline, TaggedArticle)


@pytest.fixture
def editor(client):
    client.force_login(make_staff("Editors"))


def article_with(size):
    """A published article with `size` bylines, tags, translations and corrections."""
    article = make_article(
        authors=[make_author() for _ in range(size)], tags=[f"Tag {n}" for n in range(size)]
    )
    for language in ["de", "fr", "it", "es", "nl"][:size]:
        ArticleTranslation.objects.create(
            article=article,
            language=language,
            headline=f"Headline {language}",
            slug=f"{article.slug}-{language}",
            body="Text.",
            status=Status.PUBLISHED,
        )
    for n in range(size):
        Correction.objects.create(article=article, text=f"Fix {n}.")
    return article


def desk_save(client, article, body):
    """The queries of one save of the change form with a new body."""
    form = form_data(client.get(change_url(article)), "article_form")
    form["body"] = body
    with CaptureQueriesContext(connection) as queries:
        response = client.post(change_url(article), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Article.objects.get(pk=article.pk).body == body
    return [query["sql"] for query in queries]


def listed(queries):
    return "\n".join(f"{n:>3} {sql[:160]}" for n, sql in enumerate(queries, 1))


@pytest.mark.parametrize("size", [1, 5])
def test_a_desk_save_of_an_article_runs_at_most_27_queries(client, editor, size):
    article = article_with(size)
    desk_save(client, article, "The first edit at the desk.")

    queries = desk_save(client, article, "A new body, saved at the desk.")

    assert len(queries) <= BUDGET, listed(queries)


def test_the_first_desk_edit_adds_only_the_version_from_before_it(client, editor):
    article = article_with(3)

    first = desk_save(client, article, "The first edit at the desk.")
    second = desk_save(client, article, "The second edit.")

    assert len(first) <= len(second) + FIRST_EDIT_EXTRA, listed(first)


def test_a_desk_save_reads_the_article_row_once(client, editor):
    article = article_with(3)

    queries = desk_save(client, article, "A new body, saved at the desk.")

    reads = [sql for sql in queries if sql.startswith('SELECT "articles_article"."id", ')]
    assert len(reads) == 1, listed(reads)
    assert "FOR UPDATE" in reads[0] or connection.vendor == "sqlite"


def test_the_desk_save_budget_holds_however_much_the_article_carries(client, editor):
    small, large = article_with(1), article_with(5)
    desk_save(client, small, "First.")
    desk_save(client, large, "First.")

    assert len(desk_save(client, large, "Again.")) == len(desk_save(client, small, "Again."))
