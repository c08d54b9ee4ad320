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
- everything reading.ReaderArticle reads (reading.for_readers()) but the tags, which results
  do not show, `reader_translations` among it: a list holding the published translation into
  `language` that was searched and is to be shown, or empty when the original was.

Order: `search_rank` descending, then newest first (undated last), then primary key, so that
pages never overlap. An empty query (after trimming) finds nothing, not everything.

How the query is matched:

- PostgreSQL: full-text search. The query is read like a web search engine's box
  (websearch_to_tsquery: words are ANDed, "quoted phrases", `or`, `-word`) and never raises on
  odd input. Each text is stemmed in its own language (languages.SEARCH_CONFIGS; "simple", no
  stemming, for any other) and the query is normalised in that same language, so "ships" finds
  "ship" in English text and "Schiffe" finds "Schiff" in German. Expression indexes in
  migration 0007_search_indexes keep matching fast; see document() below.
- SQLite (development): every word of the query (the first MAX_WORDS; a "quoted phrase" counts
  as one) must appear, case-insensitively (ASCII only, SQLite's LIKE), in the headline,
  standfirst or body; no stemming.

Either way the query is cut to MAX_QUERY_LENGTH characters, NUL characters (which PostgreSQL
text cannot hold) become spaces, and whitespace is collapsed. Quotes and apostrophes match
alike however they were typed: “ ” „ « » (and ″) are read as ", ‘ ’ ‚ ‛ as '; on SQLite a word
with an apostrophe finds the text with ' or ’ (or ‘). (PostgreSQL's parser splits a word at
either apostrophe, and drops the "s" after it as a stop word in English.)

Results carry a snippet of the body around the matches (`search_snippet`, made into HTML by
highlighted()): ts_headline's on PostgreSQL; on SQLite the text around the first match, its
words marked by mark_snippets() once the page's rows are fetched. Either is made from a
bounded window of the body (SNIPPET_SOURCE_LENGTH on PostgreSQL, EXCERPT_LENGTH on SQLite)
that starts a little before the first place the query's words appear in it (on PostgreSQL,
as typed or as the text's language stems them), so a match deep in a long body still gets
its snippet and ts_headline never reads more than the window.
"""

import re
import secrets
from datetime import UTC, datetime
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, Lower, NullIf, StrIndex, Substr
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .languages import FALLBACK_SEARCH_CONFIG, SEARCH_CONFIGS, search_config, site_language_codes
from .models import Article, ArticleTranslation
from .prepared_sql import compiled
from .reading import for_readers
from .validators import BODY_MAX_LENGTH

MAX_QUERY_LENGTH = 200
MAX_WORDS = 10
# PostgreSQL ranks at most this many of the newest matching originals, and of translations.
MAX_RANKED = 500
# About how many words of the body a result's snippet shows around the matches.
SNIPPET_WORDS = 30
# A snippet is made from this many characters of the body at most, starting SNIPPET_SOURCE_LEAD
# before the first place a word of the query appears, as typed or as stemmed (else at the
# start): ts_headline reads all of the text it is given, and took 6 s for a body of 2 MB, per
# result (docs/reliability.md); over 5,000 characters it still took ~1 ms a result, the most
# of a search at 100,000 articles (docs/performance.md). 1,000 characters are some 160 words,
# five times what a snippet shows.
SNIPPET_SOURCE_LENGTH = 1_000
SNIPPET_SOURCE_LEAD = 200
# On SQLite, the text a snippet is made from: about SNIPPET_WORDS words around the first match.
EXCERPT_LENGTH, EXCERPT_LEAD = 300, 100
# What goes around a matched word in a snippet until highlighted() makes it <mark>: a random
# token, new in each process, between private-use characters. A body may hold any character,
# these too, but not the token, so nothing in a body can become markup.
_TOKEN = secrets.token_hex(8)
START_MARK, STOP_MARK = f"\ue000{_TOKEN}\ue001", f"\ue001{_TOKEN}\ue000"
# Typographic quotes and apostrophes, as the query is matched (see the module's docstring).
QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″", '"') | dict.fromkeys("‘’‚‛", "'"))
APOSTROPHES = "'’‘"
# Markdown in a snippet of the source: emphasis and code marks, headings, quote and list marks,
# and a link's address (its text is kept).
MARKDOWN_MARKS = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MARKDOWN_PUNCTUATION = re.compile(r"[*_`]+|^\s*(?:#+|>|[-+]|\d+\.)\s+", re.MULTILINE)


def clean_query(query: str | None) -> str:
    """The query as searched: at most MAX_QUERY_LENGTH characters, no NULs, single spaces."""
    return " ".join((query or "")[:MAX_QUERY_LENGTH].replace("\x00", " ").split())


def search(query: str, language: str, *, now=None):
    """Published articles matching `query` for a reader in `language`, best first."""
    query = clean_query(query).translate(QUOTES)
    if connection.vendor != "postgresql" and not terms(query):
        return Article.objects.none()
    if not query:
        return Article.objects.none()
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        found, rank, snippet = _prepared_full_text_search(query, language, now)
    else:
        found, rank, snippet = _word_search(query, *_searched(language, now))
    results = (
        Article.objects.published(now)
        .filter(found)
        .annotate(search_rank=rank, search_snippet=snippet)
        .order_by(F("search_rank").desc(), F("published_at").desc(nulls_last=True), "-pk")
    )
    # The translation read for each result is the one searched: the published one into
    # `language`, as on every list. Teasers of results show no topics: no tags.
    return for_readers(results, language, tags=False)


def _searched(language: str, now):
    """(the originals searched, the translations searched) for a reader of `language`."""
    reader_translations = ArticleTranslation.objects.published(now).filter(language=language)
    # Originals are searched only where no translation takes their place (see the docstring).
    originals = Article.objects.published(now).exclude(
        Exists(reader_translations.filter(article=OuterRef("pk")))
    )
    return originals, reader_translations


def ranked_only_the_newest(found: int) -> bool:
    """Whether `found` results may be only the newest MAX_RANKED of more matches: PostgreSQL
    ranks no more than that of originals and of translations; SQLite returns every match."""
    return connection.vendor == "postgresql" and found >= MAX_RANKED


def mark_snippets(results, query: str) -> None:
    """On SQLite, mark the words of `query` in each result's snippet (the text around the first
    match, from the database) as ts_headline marks them on PostgreSQL; the page's rows only."""
    if connection.vendor == "postgresql":
        return
    pattern = _terms_pattern(terms(clean_query(query).translate(QUOTES)))
    for result in results:
        excerpt = getattr(result, "search_snippet", "") or ""
        first = pattern.search(excerpt) if pattern else None
        if first is None:  # the words were in the headline or standfirst only
            result.search_snippet = ""
            continue
        # Where the database cut the text, a word in part goes (the page adds the ellipses).
        space = re.search(r"\s", excerpt)
        if first.start() >= EXCERPT_LEAD and space and space.start() < first.start():
            excerpt = excerpt[space.end() :]
        if len(result.search_snippet) >= EXCERPT_LENGTH:
            excerpt = re.sub(r"\s+\S*$", "", excerpt)
        result.search_snippet = pattern.sub(rf"{START_MARK}\g<0>{STOP_MARK}", excerpt)


def terms(query: str) -> list[str]:
    """What the word search matches (SQLite): the "quoted phrases" and the other words of a
    query whose quotes are normalised, without quotes around them; at most MAX_WORDS."""
    found = (phrase or word for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query))
    return [term for term in (t.strip(f'"{APOSTROPHES} ') for t in found) if term][:MAX_WORDS]


def _spellings(term: str) -> list[str]:
    """`term` with each kind of apostrophe (one kind throughout), as a text may spell it."""
    if "'" not in term:
        return [term]
    return [term.replace("'", apostrophe) for apostrophe in APOSTROPHES]


def _terms_pattern(words: list[str]):
    """A regular expression finding any of `words` in a text, apostrophes alike, ignoring case."""
    if not words:
        return None
    spelled = [
        "\\s+".join(re.escape(part).replace("'", f"[{APOSTROPHES}]") for part in word.split())
        for word in sorted(words, key=len, reverse=True)
    ]
    return re.compile("|".join(spelled), re.IGNORECASE)


def highlighted(snippet: str) -> str:
    """A snippet from the database as safe HTML: its text escaped, Markdown's marks dropped,
    the matched words in <mark>; empty when the body has no match (the words were in the
    headline or standfirst, which the result shows anyway)."""
    if START_MARK not in snippet:
        return ""
    text = MARKDOWN_MARKS.sub(r"\1", snippet)
    text = MARKDOWN_PUNCTUATION.sub("", text)
    text = conditional_escape(" ".join(text.split()))
    return mark_safe(text.replace(START_MARK, "<mark>").replace(STOP_MARK, "</mark>"))


def _web_query(query: str, config: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=config)


def _per_language(language_field: str = "language"):
    """(condition on the text's language, its config) for every configured language and the
    rest, as the stored documents were stemmed (migration 0009_stored_search_documents)."""
    yield from ((Q(**{language_field: code}), config) for code, config in SEARCH_CONFIGS.items())
    yield ~Q(**{f"{language_field}__in": list(SEARCH_CONFIGS)}), FALLBACK_SEARCH_CONFIG


def matching(query: str) -> Q:
    """Texts (articles or translations) whose stored search document matches `query`, each
    read in its own language; PostgreSQL only. The desk's search uses it too."""
    return _any_of(
        condition & Q(search_document=_web_query(query, config))
        for condition, config in _per_language()
    )


def snippet_words(query: str) -> list[str]:
    """The words of a query (its quotes normalised) as a text spells them, for finding where a
    snippet starts: without `or` and excluded `-words`, each apostrophe each way."""
    words = [word for word in terms(query) if word.lower() != "or" and not word.startswith("-")]
    return [spelling for word in words for spelling in _spellings(word)]


def snippet_source(words: list[str], field: str = "body"):
    """SQLite: at most EXCERPT_LENGTH characters of `field`, from EXCERPT_LEAD characters before
    the first place one of `words` appears in it (case aside), else from its start; a database
    expression."""
    length, lead = EXCERPT_LENGTH, EXCERPT_LEAD
    if not words:
        return Substr(field, 1, length)
    nowhere = Value(BODY_MAX_LENGTH * 100)  # past the end of any text
    positions = [
        Coalesce(NullIf(StrIndex(Lower(field), Lower(Value(word))), Value(0)), nowhere)
        for word in words
    ]
    first = Least(*positions) if len(positions) > 1 else positions[0]
    start = Greatest(Coalesce(NullIf(first, nowhere), Value(1)) - Value(lead), Value(1))
    return Substr(field, start, length)


class BodySnippet(Func):
    """PostgreSQL: ts_headline over a window of SNIPPET_SOURCE_LENGTH characters of `body`,
    from SNIPPET_SOURCE_LEAD before the first place one of the query's words (`words`, joined
    by spaces) appears in it as typed (`spellings`, lower case), or one of their lexemes in
    `config` ("harbours" is found at "harbour"), case aside; else from its start. The words are
    marked with START_MARK and STOP_MARK for highlighted().

    `config` is an expression naming the text's search configuration (a row's own, for
    originals in any language). One expression of a few nodes, compiled once per language
    (_prepared()); PostgreSQL evaluates it for the page's rows only, after the sort and limit.
    """

    output_field = TextField()

    def __init__(self, body, config, query: str, words: str, spellings: list[str]):
        super().__init__(body, config)
        self.query, self.words, self.spellings = query, words, spellings

    def as_sql(self, compiler, connection, **extra_context):
        body, body_params = compiler.compile(self.source_expressions[0])
        config, config_params = compiler.compile(self.source_expressions[1])
        config = f"({config})::regconfig"
        # The first place a lexeme of the words (in the text's configuration) or one of their
        # spellings as typed appears in the body, lower case both.
        # The body is put in lower case once, not once for each term (OFFSET 0 keeps PostgreSQL
        # from folding that subquery into the terms' loop): a third less time for a word and
        # its lexeme, more the more words and spellings a query has.
        first = (
            f"(SELECT MIN(NULLIF(STRPOS(lowered.body, term), 0)) "
            f"FROM (SELECT LOWER({body}) AS body OFFSET 0) AS lowered, unnest("
            f"tsvector_to_array(to_tsvector({config}, %s)) || %s::text[]) AS term)"
        )
        options = ", ".join(
            connection.ops.compose_sql(f"{option}=%s", [value])
            for option, value in [
                ("StartSel", START_MARK),
                ("StopSel", STOP_MARK),
                ("MaxWords", SNIPPET_WORDS),
                ("MinWords", SNIPPET_WORDS // 2),
                ("MaxFragments", 2),
                ("FragmentDelimiter", " … "),
            ]
        )
        sql = (
            f"ts_headline({config}, SUBSTRING({body} FROM "
            f"GREATEST(COALESCE({first}, 1) - %s, 1) FOR %s), "
            f"websearch_to_tsquery({config}, %s), %s)"
        )
        params = [
            *config_params,
            *body_params,
            *body_params,
            *config_params,
            self.words,
            self.spellings,
            SNIPPET_SOURCE_LEAD,
            SNIPPET_SOURCE_LENGTH,
            *config_params,
            self.query,
            options,
        ]
        return sql, tuple(params)


def text_config(language_field: str = "language"):
    """The search configuration of each row's text, by its language, as stored documents were
    stemmed (migration 0009_stored_search_documents): an expression."""
    return Case(
        *(
            When(**{language_field: code}, then=Value(config))
            for code, config in SEARCH_CONFIGS.items()
        ),
        default=Value(FALLBACK_SEARCH_CONFIG),
    )


# What the full-text search's SQL is compiled with once per language (_prepared()), each to be
# replaced by a search's own value: none can be one of the query's constant parameters (no
# NUL is left in a query; no article is published at midnight of the year 1).
PLACEHOLDERS = {
    "query": "\x00query\x00",
    "words": "\x00words\x00",
    "spellings": ["\x00spellings\x00"],
    "now": datetime(1, 1, 1, tzinfo=UTC),
}


@lru_cache(maxsize=32)
def _prepared(language: str, site_languages: tuple, alias: str, max_ranked: int):
    """(which articles match, their rank, their snippet) of _full_text_search() for a reader of
    `language`, compiled to SQL once (prepared_sql.py): building and compiling them took ~7 ms
    of Python a search, a quarter of the page's. What differs between searches (the query,
    its words, the time) are parameters (PLACEHOLDERS).
    Keyed by all else the SQL depends on: the site's languages (the published() querysets read
    them), the database, and MAX_RANKED."""
    found, rank, snippet = _full_text_search(language, **PLACEHOLDERS, max_ranked=max_ranked)
    results = Article.objects.filter(found).annotate(search_rank=rank, search_snippet=snippet)
    return compiled(results, PLACEHOLDERS, using=alias)


def _prepared_full_text_search(query: str, language: str, now):
    """_full_text_search()'s expressions for this query, from the SQL _prepared() compiled."""
    words = snippet_words(query)
    values = {
        "query": query,
        "words": " ".join(words),
        "spellings": [word.lower() for word in words if word],
        "now": now,
    }
    found, rank, snippet = _prepared(
        language, tuple(site_language_codes()), connection.alias, MAX_RANKED
    )
    return (
        found.expression(values, BooleanField()),
        rank.expression(values, FloatField()),
        snippet.expression(values, TextField()),
    )


def _full_text_search(language, query, words, spellings, now, max_ranked):
    """(which articles match, their rank, their snippet) by full-text search.

    Each text's stored search_document is matched against the query stemmed in the text's own
    language (one GIN index per table answers it). Of the matches, only the newest
    MAX_RANKED originals and MAX_RANKED translations are ranked: a word in most of a large
    archive costs a walk down the list-order index, not a rank of every match, and a rare word
    costs an index lookup. The snippets are made for the page's rows only.
    """
    originals, reader_translations = _searched(language, now)
    queries = {config: _web_query(query, config) for _condition, config in _per_language()}
    matched_originals = originals.filter(matching(query))
    reader_config = search_config(language)
    reader_query = _web_query(query, reader_config)
    matched_translations = reader_translations.filter(search_document=reader_query)
    newest = [F("published_at").desc(nulls_last=True), F("created_at").desc()]
    newest_translations = [
        F("article__published_at").desc(nulls_last=True),
        F("article__created_at").desc(),
    ]
    found = Q(
        pk__in=matched_originals.order_by(*newest)
        .values("pk")[:max_ranked]
        .union(
            matched_translations.order_by(*newest_translations).values("article_id")[:max_ranked],
            all=True,
        )
    )
    shown_translation = reader_translations.filter(article=OuterRef("pk")).order_by()
    # No translation shown: NULL, and the original's rank and snippet count.
    rank = Coalesce(
        Subquery(
            shown_translation.annotate(rank=SearchRank(F("search_document"), reader_query)).values(
                "rank"
            )[:1]
        ),
        Case(
            *(
                When(condition, then=SearchRank(F("search_document"), queries[config]))
                for condition, config in _per_language()
            )
        ),
    )
    snippet = Coalesce(
        Subquery(
            shown_translation.annotate(
                snippet=BodySnippet(F("body"), Value(reader_config), query, words, spellings)
            ).values("snippet")[:1]
        ),
        BodySnippet(F("body"), text_config(), query, words, spellings),
    )
    return found, rank, snippet


def _word_search(query, originals, reader_translations):
    """(which articles match, 1 for a headline match else 0, the text around the first match
    in the body) by words; mark_snippets() marks the words in it."""
    words = terms(query)

    def every_word_in(*fields):
        return Q(
            *(
                _any_of(
                    Q(**{f"{field}__icontains": spelling})
                    for field in fields
                    for spelling in _spellings(word)
                )
                for word in words
            )
        )

    originals = originals.filter(every_word_in("headline", "standfirst", "body"))
    translations = reader_translations.filter(every_word_in("headline", "standfirst", "body"))
    found = Q(pk__in=originals.values("pk")) | Q(pk__in=translations.values("article_id"))
    in_headline = Q(pk__in=originals.filter(every_word_in("headline")).values("pk")) | Q(
        pk__in=translations.filter(every_word_in("headline")).values("article_id")
    )
    rank = Case(When(in_headline, then=Value(1)), default=Value(0))
    spellings = snippet_words(query)
    excerpt = snippet_source(spellings)
    shown_translation = reader_translations.filter(article=OuterRef("pk")).order_by()
    snippet = Coalesce(
        Subquery(shown_translation.annotate(excerpt=excerpt).values("excerpt")[:1]), excerpt
    )
    return found, rank, snippet


def _any_of(conditions):
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined
