"""The readers' search (articles/search.py), on SQLite and on PostgreSQL.

Run both: `python3 -m newsroom test tests/test_search.py` and, against PostgreSQL, the same with
DATABASE_URL=postgres://…. Tests marked `postgresql_only` or `sqlite_only` are left out of the
other database's run (tests/conftest.py deselects them); CI runs the suite on both databases,
so every one of them runs, and must pass, on every change.
"""

from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.utils import timezone

from articles.languages import SEARCH_CONFIGS
from articles.models import Article, ArticleTranslation, Status
from articles.search import MAX_QUERY_LENGTH, search

from .factories import make_article

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.postgresql_only
sqlite_only = pytest.mark.sqlite_only


def translate(article, language="de", **fields):
    """A published translation of `article`, unless told otherwise."""
    fields.setdefault("headline", f"{article.headline} ({language})")
    fields.setdefault("slug", f"{article.slug}-{language}")
    fields.setdefault("body", "Text.")
    fields.setdefault("status", Status.PUBLISHED)
    return ArticleTranslation.objects.create(article=article, language=language, **fields)


def found(query, language="en"):
    """Headlines of the results as the reader sees them: the translation's where there is one."""
    return [
        result.reader_translations[0].headline if result.reader_translations else result.headline
        for result in search(query, language)
    ]


def days_ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def harbour():
    """An English original with a published German translation."""
    article = make_article(
        headline="Harbour reopens after the storm",
        slug="harbour-reopens",
        standfirst="Dockers return to work on Monday.",
        body="The container terminal was closed for a week.",
    )
    translate(
        article,
        headline="Hafen öffnet nach dem Sturm wieder",
        slug="hafen-oeffnet-wieder",
        standfirst="Die Hafenarbeiter kehren am Montag zurück.",
        body="Das Containerterminal war eine Woche lang geschlossen.",
    )
    return article


@pytest.mark.parametrize(
    "query",
    ["Harbour", "dockers", "terminal", "harbour dockers terminal"],
    ids=["headline", "standfirst", "body", "words-from-each"],
)
def test_finds_a_published_article_by_words_of_its_headline_standfirst_or_body(query):
    make_article(
        headline="Harbour reopens",
        standfirst="Dockers return to work.",
        body="The container terminal was closed for a week.",
    )
    make_article(headline="Parliament votes", standfirst="A long night.", body="Nothing else.")

    assert found(query) == ["Harbour reopens"]


def test_every_word_of_the_query_must_match():
    make_article(headline="Harbour reopens", body="After the storm.")
    make_article(headline="Harbour closes", body="Before the storm.")

    assert found("harbour reopens") == ["Harbour reopens"]


def test_a_word_that_appears_nowhere_finds_nothing():
    make_article(headline="Harbour reopens")

    assert found("volcano") == []


def test_german_reader_finds_the_german_translation_and_is_given_it_to_show(harbour):
    results = list(search("Hafenarbeiter", "de"))

    assert results == [harbour]
    [translation] = results[0].reader_translations
    assert translation.headline == "Hafen öffnet nach dem Sturm wieder"
    assert translation.standfirst == "Die Hafenarbeiter kehren am Montag zurück."
    assert translation.get_absolute_url() == "/de/articles/hafen-oeffnet-wieder/"


def test_german_reader_does_not_match_the_english_text_of_a_translated_article(harbour):
    # The German translation takes the original's place: its text is the one searched.
    assert found("dockers", "de") == []


def test_english_reader_does_not_match_german_translation_text(harbour):
    assert found("Hafenarbeiter", "en") == []


def test_english_reader_finds_the_english_original_and_is_given_no_translation(harbour):
    [result] = search("dockers", "en")

    assert result.headline == "Harbour reopens after the storm"
    assert result.reader_translations == []


def test_untranslated_originals_are_found_from_both_languages():
    make_article(headline="Volcano erupts in Iceland", language="en")
    make_article(headline="Vulkan bricht auf Island aus", language="de")

    for language in ("en", "de"):
        assert found("volcano", language) == ["Volcano erupts in Iceland"]
        assert found("vulkan", language) == ["Vulkan bricht auf Island aus"]


def test_an_original_in_the_readers_language_is_found_beside_translations():
    make_article(headline="Wahl in Hessen", language="de")
    translate(make_article(headline="Election in Hesse"), headline="Wahl in Hessen entschieden")

    assert sorted(found("Hessen", "de")) == ["Wahl in Hessen", "Wahl in Hessen entschieden"]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.DRAFT},
        {"status": Status.IN_REVIEW},
        {"status": Status.WITHDRAWN},
        {"published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "in-review", "withdrawn", "scheduled"],
)
def test_unpublished_articles_are_never_found(fields):
    article = make_article(headline="Secret harbour plan", **fields)
    translate(article, headline="Geheimer Hafenplan")

    assert found("harbour", "en") == []
    assert found("harbour", "de") == []
    assert found("Hafenplan", "de") == []


def test_each_search_reads_its_own_words_and_time_though_the_sql_is_built_once():
    # The full-text search's SQL is compiled once per language (search._prepared()): the
    # query, its words and the time are what each search gives it.
    now = timezone.now()
    article = make_article(headline="Harbour plan", published_at=now + timedelta(hours=1))
    translate(article, headline="Hafenplan")
    make_article(headline="Storm warning", body="Ships stay in port.")

    assert found("harbour") == []
    assert [a.headline for a in search("harbour", "en", now=now + timedelta(hours=2))] == [
        "Harbour plan"
    ]
    assert found("storm") == ["Storm warning"]
    assert [a.pk for a in search("Hafenplan", "de", now=now + timedelta(hours=2))] == [article.pk]
    assert found("Hafenplan", "de") == []


def test_sql_compiled_once_refuses_a_placeholder_it_does_not_contain():
    from articles.prepared_sql import compiled

    articles = Article.objects.filter(headline="\x00headline\x00")

    assert compiled(articles, {"headline": "\x00headline\x00"})[0].slots == {0: "headline"}
    with pytest.raises(ValueError, match="slug"):
        compiled(articles, {"headline": "\x00headline\x00", "slug": "\x00slug\x00"})


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.WITHDRAWN])
def test_an_unpublished_translation_is_never_found_and_the_original_stands_in(status):
    article = make_article(headline="Harbour reopens")
    translate(article, headline="Hafen öffnet wieder", status=status)

    assert found("Hafen", "de") == []
    assert found("harbour", "de") == ["Harbour reopens"]


def test_a_translation_in_another_language_does_not_hide_the_original():
    translate(make_article(headline="Harbour reopens"), language="fr", headline="Le port rouvre")

    assert found("harbour", "de") == ["Harbour reopens"]
    assert found("port", "de") == []


@pytest.mark.parametrize("query", ["", " ", "\t\n ", "\x00", None])
def test_an_empty_query_finds_nothing_rather_than_everything(query):
    make_article(headline="Harbour reopens")

    assert list(search(query, "en")) == []


ODD_QUERIES = [
    "harbour\x00reopens",
    "\x00\x00\x00",
    "!!! ... ???",
    "%",
    "_",
    "%%_%",
    "'",
    '"',
    "'harbour'",
    '"unterminated',
    '"harbour reopens"',
    "-",
    "--",
    "-harbour",
    "or",
    "harbour or",
    "or or or",
    "&|!():*<->",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    "harbour\\",
    "\\%",
    "🙂 Straße ÜBER",
    "x" * 10_000,
    "harbour " * 500,
]


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_odd_queries_return_without_error(query, language):
    translate(make_article(headline="Harbour reopens"), headline="Hafen öffnet wieder")

    results = list(search(query, language))

    assert len(results) <= 1


@pytest.mark.parametrize("query", ["%", "_", "'", "-", "or", "!!!"])
def test_wildcards_and_operators_alone_do_not_match_everything(query):
    make_article(headline="Harbour reopens", standfirst="", body="Ships are back.")

    assert found(query) == []


def test_the_query_is_cut_to_its_first_two_hundred_characters():
    make_article(headline="Harbour reopens")
    query = "harbour".ljust(MAX_QUERY_LENGTH) + "volcano"

    assert found(query) == ["Harbour reopens"]


def test_headline_matches_come_before_matches_in_the_body():
    make_article(headline="Ships are back", body="Traffic resumes.", published_at=days_ago(3))
    make_article(headline="Traffic resumes", body="The ships are back.", published_at=days_ago(1))

    assert found("ships") == ["Ships are back", "Traffic resumes"]


def test_headline_matches_come_first_among_translations_too():
    translate(
        make_article(headline="Ships are back", published_at=days_ago(3)),
        headline="Die Schiffe sind zurück",
        body="Der Verkehr läuft wieder.",
    )
    translate(
        make_article(headline="Traffic resumes", published_at=days_ago(1)),
        headline="Der Verkehr läuft wieder",
        body="Die Schiffe sind zurück.",
    )

    assert found("Schiffe", "de") == ["Die Schiffe sind zurück", "Der Verkehr läuft wieder"]


def test_equally_good_matches_come_newest_first():
    for headline, days in [("Older", 5), ("Newest", 1), ("Middle", 3)]:
        make_article(headline=headline, body="The harbour reopens.", published_at=days_ago(days))

    assert found("harbour") == ["Newest", "Middle", "Older"]


def test_a_search_takes_the_same_number_of_queries_however_many_results(
    django_assert_max_num_queries,
):
    def count_results():
        # The results, and what a reader sees of them (translations, bylines): three queries,
        # for one result or for many. Results show no topics, so no tags are fetched.
        with django_assert_max_num_queries(3):
            return len(search("harbour", "de"))

    translate(make_article(headline="Harbour one"), headline="Hafen eins", body="harbour")
    assert count_results() == 1

    for n in range(5):
        make_article(headline=f"Harbour {n}")
        translate(make_article(headline=f"Port {n}"), headline=f"Hafen {n}", body="Harbour")
    assert count_results() == 11


def test_results_paginate_in_the_database(django_assert_num_queries):
    from django.core.paginator import Paginator

    for n in range(5):
        make_article(headline=f"Harbour {n}", published_at=days_ago(n))

    # The count, the page, and the page's translations and bylines.
    with django_assert_num_queries(4):
        page = Paginator(search("harbour", "en"), 2).page(2)
        headlines = [article.headline for article in page]

    assert page.paginator.count == 5
    assert headlines == ["Harbour 2", "Harbour 3"]


@sqlite_only
def test_sqlite_ignores_words_after_the_tenth():
    make_article(headline="one two three four five six seven eight nine ten")

    assert found("one two three four five six seven eight nine ten eleven") == [
        "one two three four five six seven eight nine ten"
    ]


@postgresql_only
def test_english_text_is_found_by_other_forms_of_a_word():
    make_article(headline="The ship is sinking", language="en")

    assert found("ships", "en") == ["The ship is sinking"]
    assert found("sinks", "en") == ["The ship is sinking"]
    # An untranslated English original is stemmed as English for the German reader too.
    assert found("ships", "de") == ["The ship is sinking"]


@postgresql_only
def test_german_text_is_found_by_other_forms_of_a_word():
    translate(make_article(headline="The ship sank"), headline="Das Schiff sank")
    make_article(headline="Schiffe im Hafen", language="de")

    assert sorted(found("Schiffe", "de")) == ["Das Schiff sank", "Schiffe im Hafen"]
    assert sorted(found("Schiff", "de")) == ["Das Schiff sank", "Schiffe im Hafen"]


@postgresql_only
def test_queries_read_like_a_web_search_box():
    make_article(headline="Harbour reopens after the storm")
    make_article(headline="Storm closes the harbour")

    assert found('"harbour reopens"') == ["Harbour reopens after the storm"]
    assert found("storm -reopens") == ["Storm closes the harbour"]
    assert sorted(found("reopens or closes")) == [
        "Harbour reopens after the storm",
        "Storm closes the harbour",
    ]


@postgresql_only
@pytest.mark.parametrize("language", [*SEARCH_CONFIGS, "fr"])
def test_each_text_is_stored_for_search_stemmed_in_its_own_language(language):
    article = make_article(headline="Ships and harbours", language=language)
    translation = translate(make_article(), language, headline="Ships and harbours")
    config = SEARCH_CONFIGS.get(language, "simple")

    for model, pk in [(type(article), article.pk), (type(translation), translation.pk)]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT search_document = setweight(to_tsvector(%s, headline), 'A')"
                f" || setweight(to_tsvector(%s, standfirst), 'B')"
                f" || setweight(to_tsvector(%s, body), 'C') FROM {model._meta.db_table}"
                " WHERE id = %s",
                [config, config, config, pk],
            )
            assert cursor.fetchone() == (True,)


@postgresql_only
def test_the_stored_text_follows_every_kind_of_write():
    article = make_article(headline="Harbour reopens")
    article.headline = "Airport reopens"
    article.save()
    assert found("airport") == ["Airport reopens"]
    assert found("harbour") == []

    Article.objects.filter(pk=article.pk).update(body="The runway was flooded.")
    assert found("runway") == ["Airport reopens"]

    Article.objects.bulk_create(
        [
            Article(
                headline="Ferry returns",
                slug="ferry-returns",
                body="Text.",
                section=article.section,
                status=Status.PUBLISHED,
            )
        ]
    )
    assert found("ferry") == ["Ferry returns"]


def test_pages_never_load_the_stored_search_text():
    sql = str(Article.objects.all().query) + str(ArticleTranslation.objects.all().query)

    assert "search_document" not in sql


@postgresql_only
@pytest.mark.parametrize("model", [Article, ArticleTranslation])
def test_matching_the_stored_text_uses_its_gin_index(model):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    query = SearchQuery("harbour", search_type="websearch", config="english")
    plan = model.objects.filter(search_document=query).explain()

    assert f"{model._meta.db_table}_search_document" in plan


@postgresql_only
def test_a_word_in_most_of_the_archive_ranks_only_the_newest_matches(monkeypatch):
    monkeypatch.setattr("articles.search.MAX_RANKED", 3)
    now = timezone.now()
    for days in range(6):
        make_article(
            headline=f"Harbour story {days}",
            body="harbour " * (10 if days == 5 else 1),
            published_at=now - timedelta(days=days + 1),
        )

    # The oldest says "harbour" most, but only the three newest are ranked.
    assert sorted(found("harbour")) == ["Harbour story 0", "Harbour story 1", "Harbour story 2"]


@postgresql_only
def test_results_show_where_the_words_were_found_highlighted(client):
    make_article(
        headline="Port news",
        body="The **old** harbour <b>reopened</b> on Monday after [the storm](https://example.org) "
        "had closed it for a week.",
    )

    response = client.get("/en/search/?q=harbours")

    snippet = response.content.decode().split('class="teaser__snippet"', 1)[1].split("</p>")[0]
    assert "<mark>harbour</mark>" in snippet
    assert "&lt;b&gt;reopened&lt;/b&gt;" in snippet or "reopened" in snippet
    assert "<b>" not in snippet
    assert "the storm" in snippet
    assert "example.org" not in snippet
    assert "**" not in snippet


@postgresql_only
def test_a_result_found_by_its_headline_shows_no_snippet_of_an_unrelated_body(client):
    make_article(headline="Harbour reopens", body="The ferry timetable is unchanged.")

    page = client.get("/en/search/?q=harbour").content.decode()

    assert "Harbour reopens" in page
    assert "teaser__snippet" not in page


@postgresql_only
def test_a_search_with_more_matches_than_are_ranked_says_so(client, monkeypatch):
    monkeypatch.setattr("articles.search.MAX_RANKED", 3)
    for n in range(5):
        make_article(headline=f"Harbour story {n}")

    page = client.get("/en/search/?q=harbour").content.decode()

    assert "More than 3 articles found for “harbour”: the newest 3, best first." in page


@sqlite_only
def test_the_word_search_finds_every_match_and_says_how_many(client, monkeypatch):
    monkeypatch.setattr("articles.search.MAX_RANKED", 3)
    for n in range(5):
        make_article(headline=f"Harbour story {n}")

    page = client.get("/en/search/?q=harbour").content.decode()

    assert "5 articles found for “harbour”." in page
    assert "More than" not in page


# Quotes and apostrophes as typed on any keyboard, and snippets on both databases


@pytest.mark.parametrize("query", ["Putin's", "Putin’s", "putin‘s", "PUTIN'S silence"])
def test_an_apostrophe_finds_the_word_whichever_apostrophe_either_side_typed(query):
    make_article(headline="Putin’s silence", body="Nothing was said.")
    make_article(headline="Kim's visit", body="It went ahead.")

    assert found(query) == ["Putin’s silence"]


@pytest.mark.parametrize("query", ["Kim's", "Kim’s"])
def test_a_keyboard_apostrophe_in_the_text_is_found_by_either_too(query):
    make_article(headline="Kim's visit", body="It went ahead.")

    assert found(query) == ["Kim's visit"]


@pytest.mark.parametrize(
    "query",
    ['"council approved"', "“council approved”", "„council approved“", "«council approved»"],
)
def test_quotes_of_any_kind_search_for_a_phrase(query):
    make_article(headline="Budget", body="The council approved the plan.")
    make_article(headline="Meeting", body="The council met; the board approved a budget.")

    assert found(query) == ["Budget"]


def snippet_in(page):
    return page.split('class="teaser__snippet"', 1)[1].split("</p>")[0]


def test_results_show_the_first_match_in_the_body_highlighted_and_escaped(client):
    make_article(
        headline="Port news",
        body="Ships are back. The **old** harbour <b>reopened</b> on Monday after "
        "[the storm](https://example.org) had closed it for a week.",
    )

    page = client.get("/en/search/?q=harbour").content.decode()

    snippet = snippet_in(page)
    assert "<mark>harbour</mark>" in snippet
    # The Markdown source's HTML as text (SQLite), or left out (PostgreSQL's ts_headline).
    assert "<b>" not in snippet and "reopened" in snippet
    assert "**" not in snippet and "example.org" not in snippet and "the storm" in snippet


def test_a_match_deep_in_a_long_body_gets_a_snippet_around_it(client):
    make_article(headline="A long read", body="Words of a long read. " * 5000 + "Harbour reopens.")

    page = client.get("/en/search/?q=harbour").content.decode()

    assert "<mark>Harbour</mark> reopens" in snippet_in(page)


def test_the_snippet_of_a_keyboard_apostrophe_search_marks_the_typographic_word(client):
    make_article(headline="Silence", body="Nobody heard Putin’s answer.")

    page = client.get("/en/search/?q=Putin%27s").content.decode()

    assert "<mark>Putin" in snippet_in(page)


@pytest.mark.parametrize("characters", ["\ue000\ue001", "\ue001\ue000", "\ue000"])
def test_private_use_characters_in_a_body_never_become_markup(client, characters):
    opening, *closing = characters
    make_article(
        headline="Port news",
        body=f"The {opening}secret{''.join(closing)} harbour reopened on Monday.",
    )

    page = client.get("/en/search/?q=harbour").content.decode()

    snippet = snippet_in(page)
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "<mark>harbour</mark>" in snippet
    assert "<mark>secret" not in snippet


@postgresql_only
def test_a_match_deep_in_a_long_body_is_found_for_its_snippet_in_another_form_of_the_word(client):
    make_article(headline="A long read", body="Words of a long read. " * 500 + "Harbour reopens.")

    page = client.get("/en/search/?q=harbours").content.decode()

    assert "<mark>Harbour</mark> reopens" in snippet_in(page)


@postgresql_only
def test_a_german_snippet_is_found_by_the_german_form_of_the_word(client):
    article = make_article(headline="Port", body="The port is open.")
    translate(article, headline="Hafen", body="Ein langer Text. " * 500 + "Die Schiffe fahren.")

    page = client.get("/de/search/?q=Schiffen").content.decode()

    assert "<mark>Schiffe</mark> fahren" in snippet_in(page)


def test_a_translation_shows_a_snippet_of_its_own_body_not_the_originals(client):
    article = make_article(headline="Port", body="The harbour reopened on Monday.")
    translate(article, headline="Hafen", body="Der Hafen wurde am Montag wieder geöffnet.")

    page = client.get("/de/search/?q=Hafen").content.decode()

    snippet = snippet_in(page)
    assert "<mark>Hafen</mark> wurde am Montag" in snippet
    assert "harbour" not in snippet


def test_the_search_page_takes_five_queries_whatever_it_shows(client, django_assert_num_queries):
    for n in range(25):
        article = make_article(headline=f"Port {n}", tags=["Ports", f"Tag {n}"])
        if n % 2:
            translate(article, headline=f"Hafen {n}", body="Der Hafen ist offen.")
        else:
            article.body = "Der Hafen ist offen."
            article.save()

    # The page of results (with the count), their bylines and translations, the sections of
    # the navigation and the editors' menu links; results show no topics, so no tags.
    with django_assert_num_queries(5):
        response = client.get("/de/search/?q=Hafen")

    assert response.status_code == 200
    assert response.content.decode().count("<mark>Hafen</mark> ist offen") == 20
