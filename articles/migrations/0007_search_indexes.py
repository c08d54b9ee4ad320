"""GIN indexes for the readers' full-text search (articles/search.py); PostgreSQL only.

SQLite's fallback search has no use for them, so there this migration does nothing. They are
plain SQL, not Meta.indexes: the models stay database-neutral and migration state knows nothing
of them (so makemigrations never wants to drop them).
"""

from django.db import migrations

# A frozen copy of articles.search.TEXT_SEARCH_CONFIGS as this migration was written: migrations
# must not change when app code does. A language added there needs a new migration like this one
# (tests/test_search.py fails on PostgreSQL until every configured language has its indexes).
CONFIGS = {"en": "english", "de": "german"}
FALLBACK = "simple"

# Exactly the SQL Django writes for articles.search.document(config): PostgreSQL uses an
# expression index only for a query whose expression is the same once parsed, down to the
# COALESCE(column, '') Django wraps around each column and the quoted weights. Hence also one
# partial index per language with a constant config, rather than one index choosing the config
# per row: the query's right-hand side (the tsquery) must be the same for every row an index
# scan returns, and the query is normalised in the config of the text it is matched against.
DOCUMENT = (
    "setweight(to_tsvector('{config}'::regconfig, COALESCE(headline, '')), 'A')"
    " || setweight(to_tsvector('{config}'::regconfig, COALESCE(standfirst, '')), 'B')"
    " || setweight(to_tsvector('{config}'::regconfig, COALESCE(body, '')), 'C')"
)
TABLES = ("articles_article", "articles_articletranslation")


def search_indexes():
    """(name, table, config, predicate) of each index; the predicates are search.py's."""
    for table in TABLES:
        for code, config in CONFIGS.items():
            yield f"{table}_search_{code}", table, config, f"language = '{code}'"
        configured = ", ".join(f"'{code}'" for code in CONFIGS)
        yield f"{table}_search_other", table, FALLBACK, f"NOT (language IN ({configured}))"


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, config, predicate in search_indexes():
        # CONCURRENTLY: building these over a large archive takes a while, and the desk must be
        # able to save articles meanwhile. A failed concurrent build leaves an invalid index.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {name} ON {table} "
            f"USING gin (({DOCUMENT.format(config=config)})) WHERE {predicate}"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _config, _predicate in search_indexes():
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("articles", "0006_teaser_summary"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, reverse_code=drop_search_indexes),
    ]
