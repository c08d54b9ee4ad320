"""Stored search documents for the readers' full-text search (articles/search.py).

Each article and translation keeps its text as a weighted tsvector in `search_document`: the
headline (A), standfirst (B) and body (C), stemmed in the text's own language. On PostgreSQL a
trigger writes it on every INSERT and on every UPDATE that changes the text or the language, so
it is current whatever writes the row: the desk, a fixture, a bulk insert, a raw UPDATE. One GIN
index per table answers the matching, and ranking reads the stored vectors instead of parsing
every match's body again; migration 0007's expression indexes are dropped, nothing uses them.

Also, on PostgreSQL, the partial index that serves every public list's order among published
articles.

On SQLite the columns exist and stay empty (its search matches words with LIKE); the trigger
and the indexes are not made.
"""

from django.db import migrations

import articles.models.article

# A frozen copy of articles.search.TEXT_SEARCH_CONFIGS when this migration was written. A
# language added there needs a migration replacing the trigger function (tests/test_search.py
# fails on PostgreSQL until the stored documents of that language are stemmed in it).
CONFIGS = {"en": "english", "de": "german"}
FALLBACK = "simple"
TABLES = ("articles_article", "articles_articletranslation")


def config_case():
    whens = " ".join(f"WHEN '{code}' THEN '{config}'" for code, config in CONFIGS.items())
    return f"(CASE NEW.language {whens} ELSE '{FALLBACK}' END)::regconfig"


FUNCTION = f"""
CREATE OR REPLACE FUNCTION articles_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    config regconfig;
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.search_document IS NOT NULL
        AND NEW.headline IS NOT DISTINCT FROM OLD.headline
        AND NEW.standfirst IS NOT DISTINCT FROM OLD.standfirst
        AND NEW.body IS NOT DISTINCT FROM OLD.body
        AND NEW.language IS NOT DISTINCT FROM OLD.language
    THEN
        RETURN NEW;
    END IF;
    config := {config_case()};
    NEW.search_document :=
        setweight(to_tsvector(config, COALESCE(NEW.headline, '')), 'A')
        || setweight(to_tsvector(config, COALESCE(NEW.standfirst, '')), 'B')
        || setweight(to_tsvector(config, COALESCE(NEW.body, '')), 'C');
    RETURN NEW;
END
$$
"""


def create_search_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_search BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION articles_search_document()"
        )
        # NULL makes the trigger write the document of every existing row.
        schema_editor.execute(f"UPDATE {table} SET search_document = NULL")


def drop_search_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS articles_search_document()")


def create_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        # CONCURRENTLY: the desk can save while a large archive is indexed.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {table}_search_document")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {table}_search_document ON {table} "
            "USING gin (search_document)"
        )


def drop_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {table}_search_document")


# Every public list's order (Article.Meta.ordering) among published articles: home, section, tag
# and author pages read their newest rows from here instead of sorting every published one.
# PostgreSQL only: SQLite cannot index NULLS LAST (and has no archive large enough to need it).
ORDER_INDEX = (
    "CREATE INDEX CONCURRENTLY article_published_order_idx ON articles_article "
    "(published_at DESC NULLS LAST, created_at DESC) WHERE status = 'published'"
)


def create_order_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS article_published_order_idx")
    schema_editor.execute(ORDER_INDEX)


def drop_order_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS article_published_order_idx")


def drop_expression_indexes(apps, schema_editor):
    from importlib import import_module

    old = import_module("articles.migrations.0007_search_indexes")
    old.drop_search_indexes(apps, schema_editor)


def recreate_expression_indexes(apps, schema_editor):
    from importlib import import_module

    old = import_module("articles.migrations.0007_search_indexes")
    old.create_search_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("articles", "0008_localized_texts_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_document",
            field=articles.models.article.SearchDocumentField(verbose_name="search document"),
        ),
        migrations.AddField(
            model_name="articletranslation",
            name="search_document",
            field=articles.models.article.SearchDocumentField(verbose_name="search document"),
        ),
        migrations.RunPython(create_search_documents, reverse_code=drop_search_documents),
        migrations.RunPython(create_gin_indexes, reverse_code=drop_gin_indexes),
        migrations.RunPython(drop_expression_indexes, reverse_code=recreate_expression_indexes),
        migrations.RunPython(create_order_index, reverse_code=drop_order_index),
    ]
