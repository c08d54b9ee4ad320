"""What pages depend on: one list, read by the signal receivers, the pages' cache keys and the
CDN's purges alike.

Every public page names what it shows by surrogate keys (`article-12`, `section-3`, `tag-7`,
`author-5`, and the groups below); the page cache and the CDN keep it under them. DEPENDENCIES
says, for each model whose rows a page can show, which keys a change to a row touches.
signals.py connects `cache.changed()` to every model listed (saves, deletions, many-to-many
changes): it renews the page cache's token and stores a purge job for the keys. Bulk writers
that send no signals (the synthetic generator) call `cache.everything_changed()`.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Groups of pages. ALL is on every public response; LIST on every page that lists articles and
# on every page that names nothing else (404s, redirects, 410s), since publishing any article
# may change it.
ALL = "all"
LIST = "list"
HOME = "home"
FEEDS = "feeds"
SITEMAPS = "sitemaps"


def key(obj) -> str:
    """`article-12`: the surrogate key of an article, section, tag or author."""
    return f"{obj._meta.model_name}-{obj.pk}"


def article_keys(article) -> set[str]:
    """What an article's page shows of it: the article, its section, tags and authors.

    Needs the article's tags and bylines prefetched (reading.for_readers()).
    """
    return {
        key(article),
        f"section-{article.section_id}",
        *(key(tag) for tag in article.tags.all()),
        *(f"author-{byline.author_id}" for byline in article.bylines.all()),
    }


@dataclass(frozen=True)
class Dependency:
    """Pages show rows of `model` (an app label and model name); a change to one touches the
    pages named by `keys(row)`, and every list (a title or a byline on a teaser)."""

    model: str
    keys: Callable[[object], set[str]]
    through: tuple[str, ...] = ()  # many-to-many relations of the model whose changes count


def _everything(row) -> set[str]:
    # Sections are in every page's navigation.
    return {ALL}


DEPENDENCIES = (
    # An article's own pages, its translations' and every page showing it as related. Not its
    # section's, tags' or authors' keys: those pages are lists, purged with LIST, and the keys
    # would also drop every other article in the section from the edge.
    Dependency(
        "articles.Article",
        lambda article: {key(article)},
        # Tags are set through TaggedArticle, which taggit changes as a many-to-many.
        through=("related_articles", "tags"),
    ),
    Dependency(
        "articles.ArticleTranslation", lambda t: {f"article-{t.article_id}"}, ("translators",)
    ),
    Dependency("articles.Byline", lambda byline: {f"article-{byline.article_id}"}),
    Dependency("articles.Correction", lambda note: {f"article-{note.article_id}"}),
    Dependency("articles.SlugRedirect", lambda old: {f"article-{old.article_id}"}),
    Dependency("articles.TaggedArticle", lambda tagged: {f"article-{tagged.content_object_id}"}),
    Dependency("articles.Author", lambda author: {key(author)}),
    Dependency("articles.AuthorTranslation", lambda text: {f"author-{text.author_id}"}),
    Dependency("taggit.Tag", lambda tag: {key(tag)}),
    Dependency("articles.Section", _everything),
    Dependency("articles.SectionTranslation", _everything),
)
_BY_MODEL = {dependency.model.lower(): dependency for dependency in DEPENDENCIES}


def changed_keys(instance=None, raw=False, model=None, pk_set=None, **kwargs) -> set[str]:
    """The surrogate keys of every page a change to `instance` may show differently.

    Takes a post_save / post_delete / m2m_changed signal's arguments. A fixture load (raw), and
    any change the list above does not know, touches everything.
    """
    dependency = _BY_MODEL.get(instance._meta.label_lower) if instance is not None else None
    if raw or dependency is None:
        return {ALL}
    keys = dependency.keys(instance)
    if ALL in keys:
        return {ALL}
    if model is not None and model._meta.label_lower == "articles.article" and pk_set:
        # Related articles or tags changed from the other side: those articles' pages too.
        keys |= {f"article-{pk}" for pk in pk_set}
    return keys | {LIST}
