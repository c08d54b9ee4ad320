"""Search for the readers' site: search(query, language) -> a queryset of published articles.

What is searched, for a reader of the site in `language` (a site language, "en" or "de"):
each published article is searched in the one text that reader would be shown for it —

- its published translation into `language`, if it has one (the translation's headline,
  standfirst and body; ArticleTranslation.objects.published() decides what "published" means);
- otherwise the original (its headline, standfirst and body): originals written in `language`,
  and originals in any other language that have no published translation into it, so that
  nothing published is unreachable from either language's search.

So a German reader finds German translations and German originals and untranslated English
originals, but never matches the English text of an article that has a German translation (nor
the German translation's text from the English site). Each article comes back at most once.
Drafts, scheduled and withdrawn articles, and translations that are unpublished or whose article
is, never match: Article.objects.published() and ArticleTranslation.objects.published() are the
gates. A `language` that is not a site language has no translations, so only originals match.

What comes back is an Article queryset (slices, counts and paginates in the database), ordered
best first, with:

- `search_rank`: higher is better. PostgreSQL: ts_rank of the shown text, weighted headline
  (A), standfirst (B), body (C). SQLite: 1 when every word is in the shown headline, else 0.
- `reader_translations`: prefetched, a list holding the published translation into `language`
  that was searched and is to be shown, or empty when the original was. The readers' views
  dress the article in it (headline, standfirst, summary, slug, language) as on every other list.

Order: `search_rank` descending, then newest first (undated last), then primary key, so that
pages never overlap. An empty query (after trimming) finds nothing, not everything.

How the query is matched:

- PostgreSQL: full-text search. The query is read like a web search engine's box
  (websearch_to_tsquery: words are ANDed, "quoted phrases", `or`, `-word`) and never raises on
  odd input. Each text is stemmed in its own language (TEXT_SEARCH_CONFIGS; "simple", no
  stemming, for any other) and the query is normalised in that same language, so "ships" finds
  "ship" in English text and "Schiffe" finds "Schiff" in German. Expression indexes in
  migration 0007_search_indexes keep matching fast; see document() below.
- SQLite (development): every word of the query (the first MAX_WORDS) must appear, case-
  insensitively (ASCII only, SQLite's LIKE), in the headline, standfirst or body; no stemming.

Either way the query is cut to MAX_QUERY_LENGTH characters, NUL characters (which PostgreSQL
text cannot hold) become spaces, and whitespace is collapsed.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Article, ArticleTranslation

# PostgreSQL text search configuration (stemmer and stop words) per language of a text. Adding a
# language here needs a migration adding its indexes (see articles/migrations/0007_*.py); a test
# in tests/test_search.py fails on PostgreSQL until it exists.
TEXT_SEARCH_CONFIGS = {"en": "english", "de": "german"}
FALLBACK_CONFIG = "simple"

MAX_QUERY_LENGTH = 200
MAX_WORDS = 10


def text_search_config(language: str) -> str:
    """The PostgreSQL text search configuration for text written in `language`."""
    return TEXT_SEARCH_CONFIGS.get(language, FALLBACK_CONFIG)


def clean_query(query: str | None) -> str:
    """The query as searched: at most MAX_QUERY_LENGTH characters, no NULs, single spaces."""
    return " ".join((query or "")[:MAX_QUERY_LENGTH].replace("\x00", " ").split())


def search(query: str, language: str, *, now=None):
    """Published articles matching `query` for a reader in `language`, best first."""
    query = clean_query(query)
    if not query:
        return Article.objects.none()
    now = now or timezone.now()
    reader_translations = ArticleTranslation.objects.published(now).filter(language=language)
    # Originals are searched only where no translation takes their place (see the docstring).
    originals = Article.objects.exclude(pk__in=reader_translations.values("article_id"))
    if connection.vendor == "postgresql":
        originals, translations, rank = _full_text_search(
            query, language, originals, reader_translations
        )
    else:
        originals, translations, rank = _word_search(query, originals, reader_translations)
    return (
        Article.objects.published(now)
        .filter(Q(pk__in=originals.values("pk")) | Q(pk__in=translations.values("article_id")))
        .annotate(search_rank=rank)
        .order_by(F("search_rank").desc(), F("published_at").desc(nulls_last=True), "-pk")
        .prefetch_related(
            Prefetch("translations", queryset=reader_translations, to_attr="reader_translations")
        )
    )


def document(config: str) -> SearchVector:
    """The weighted text search document of an article or a translation, stemmed by `config`.

    The expression indexes of migration 0007_search_indexes are built on exactly this SQL, for
    each config and language: setweight(to_tsvector('<config>'::regconfig, COALESCE(headline,
    '')), 'A') || … standfirst 'B' || … body 'C'. PostgreSQL uses an expression index only for
    the very same expression, so a change here needs a new migration (a test checks the plan).
    """
    return (
        SearchVector("headline", config=config, weight="A")
        + SearchVector("standfirst", config=config, weight="B")
        + SearchVector("body", config=config, weight="C")
    )


def _web_query(query: str, config: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=config)


def _per_language(language_field: str):
    """(condition on the text's language, its config) for every configured language and the
    rest; the conditions are the predicates of the partial indexes in 0007_search_indexes."""
    yield from (
        (Q(**{language_field: code}), config) for code, config in TEXT_SEARCH_CONFIGS.items()
    )
    yield ~Q(**{f"{language_field}__in": list(TEXT_SEARCH_CONFIGS)}), FALLBACK_CONFIG


def _full_text_search(query, language, originals, reader_translations):
    """(matching originals, matching translations, rank of the shown text) by full-text search.

    Matching runs in subqueries on one table each, which the partial GIN indexes answer (one
    per language of the text); the outer query only looks their results up, so no text is
    parsed to find the matches. Ranking parses the text of the matches: ts_rank needs it.
    """
    documents = {f"document_{config}": document(config) for _c, config in _per_language("language")}
    originals = originals.alias(**documents).filter(
        _any_of(
            condition & Q(**{f"document_{config}": _web_query(query, config)})
            for condition, config in _per_language("language")
        )
    )
    reader_config = text_search_config(language)
    reader_query = _web_query(query, reader_config)
    translations = reader_translations.alias(document=document(reader_config)).filter(
        document=reader_query
    )
    translation_rank = (
        reader_translations.filter(article=OuterRef("pk"))
        .annotate(rank=SearchRank(document(reader_config), reader_query))
        .order_by()
        .values("rank")[:1]
    )
    original_rank = Case(
        *(
            When(condition, then=SearchRank(document(config), _web_query(query, config)))
            for condition, config in _per_language("language")
        ),
    )
    # No translation shown: NULL, and the original's rank counts.
    return originals, translations, Coalesce(Subquery(translation_rank), original_rank)


def _word_search(query, originals, reader_translations):
    """(matching originals, matching translations, 1 for a headline match else 0) by words."""
    words = query.split()[:MAX_WORDS]

    def every_word_in(*fields):
        return Q(
            *(_any_of(Q(**{f"{field}__icontains": word}) for field in fields) for word in words)
        )

    originals = originals.filter(every_word_in("headline", "standfirst", "body"))
    translations = reader_translations.filter(every_word_in("headline", "standfirst", "body"))
    in_headline = Q(pk__in=originals.filter(every_word_in("headline")).values("pk")) | Q(
        pk__in=translations.filter(every_word_in("headline")).values("article_id")
    )
    return originals, translations, Case(When(in_headline, then=Value(1)), default=Value(0))


def _any_of(conditions):
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined
