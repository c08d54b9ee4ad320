"""What pages depend on: one list, read by the signal receivers, the pages' cache keys and the
CDN's purges alike.

Every public page names what it shows by surrogate keys (`article-12`, `section-3`, `tag-7`,
`author-5`, and the groups below); the page cache and the CDN keep it under them. DEPENDENCIES
says, for each model whose rows a page can show, which keys a change to a row touches.
signals.py connects `cache.changed()` to every model listed (saves, deletions, many-to-many
changes): it renews those pages in the page cache and stores a purge job for the keys. Bulk
writers that send no signals (the synthetic generator) call `cache.everything_changed()`.

A change renews what shows it and no more: an edit of an article's text renews its own pages,
the lists, feeds and related-article boxes that show it (they name its key) and searches; a
change that can move it on or off a list (publication, its date, section, headline, address,
tags, bylines) renews every list too.
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
SEARCH = "search"  # search results: what an article's text says decides what they list


def key(obj) -> str:
    """`article-12`: the surrogate key of an article, section, tag or author."""
    return f"{obj._meta.model_name}-{obj.pk}"


def front_key(language: str, section_id: int | None = None) -> str:
    """`front-en`, `front-en-section-3`: named by a language's home page, or a section's page
    in that language, which editors arrange (models/frontpage.py); a placement touches only
    the page it is on."""
    return f"front-{language}" if section_id is None else f"front-{language}-section-{section_id}"


def body_key(article) -> str:
    """`body-12`: named by the pages that show an article's body (its own pages in every
    language, the feeds), not by teasers or related boxes, which show everything else of it
    and name `article-12`."""
    return f"body-{article.pk}"


def article_keys(article) -> set[str]:
    """What an article's page shows of it: the article, its body, section, tags and authors.

    Needs the article's tags and bylines prefetched (reading.for_readers()).
    """
    return {
        key(article),
        body_key(article),
        f"section-{article.section_id}",
        *(key(tag) for tag in article.tags.all()),
        *(f"author-{byline.author_id}" for byline in article.bylines.all()),
    }


@dataclass(frozen=True)
class Dependency:
    """Pages show rows of `model` (an app label and model name); a change to one touches the
    pages named by `keys(row, update_fields)`."""

    model: str
    keys: Callable[[object, frozenset | None], set[str]]
    through: tuple[str, ...] = ()  # many-to-many relations of the model whose changes count


# Columns of an article or a translation that only the pages showing its body display (and
# searches), and bookkeeping no reader sees. Saving only these (an edit of the body) renews
# the article's own pages, the feeds and searches, not the lists and boxes that show it.
BODY_FIELDS = frozenset({"body", "body_html", "media_shown", "content_digest", "search_document"})
UNSEEN_FIELDS = frozenset(
    {
        "version",
        "updated_at",
        "updated_by",
        "created_by",
        "source_digest",
        "source_headline",
        "source_standfirst",
        "source_body",
        "source_saved_at",
        "source_saved_by",
    }
)

# Columns of an article or a translation that only pages showing the article display (its own
# pages, teasers, feeds, related boxes) or that readers never see (bookkeeping). Saving only
# these (update_fields, as the editorial actions do) cannot move the article on or off a list.
# A column missing here counts as one that can: a new field is safe by default.
TEXT_ONLY_FIELDS = (
    BODY_FIELDS
    | UNSEEN_FIELDS
    | {
        "standfirst",
        "summary",
        "lead_picture",
        "unsigned",
        "is_stale",
    }
)


# Columns that decide whether readers can see an article at all: a change of these may put it
# into, or take it out of, the related-article boxes of other articles.
PUBLICATION_FIELDS = frozenset({"status", "published_at", "language"})


def _text_only(update_fields) -> bool:
    return update_fields is not None and update_fields <= TEXT_ONLY_FIELDS


def _body_only(update_fields) -> bool:
    return (
        update_fields is not None
        and bool(update_fields & BODY_FIELDS)
        and update_fields <= BODY_FIELDS | UNSEEN_FIELDS
    )


def _article(article, update_fields) -> set[str]:
    if _body_only(update_fields):
        return {body_key(article), SEARCH}
    # Every page naming the body names the article too.
    keys = {key(article), SEARCH}
    if _text_only(update_fields):
        return keys
    keys.add(LIST)
    if update_fields is not None and not update_fields & PUBLICATION_FIELDS:
        return keys
    # Other articles show it as related when they pick it by hand or share a tag with it.
    from ..models import Article  # the model knows no cache

    picked_by = Article.related_articles.through.objects.filter(to_article_id=article.pk)
    return keys | {
        *(f"article-{pk}" for pk in picked_by.values_list("from_article_id", flat=True)),
        *(f"tag-{pk}" for pk in article.tags.values_list("pk", flat=True)),
    }


def _translation(translation, update_fields) -> set[str]:
    if _body_only(update_fields):
        return {f"body-{translation.article_id}", SEARCH}
    keys = {f"article-{translation.article_id}", SEARCH}
    return keys if _text_only(update_fields) else keys | {LIST}


def _users(medium) -> set[str]:
    # The pages showing a picture or embed show an article's body: those of the articles using
    # it; a lead picture is in teasers too, which name the article.
    keys = {f"body-{pk}" for pk in medium.uses.values_list("article_id", flat=True)}
    if hasattr(medium, "leads"):  # a picture, not an embed
        keys |= {f"article-{pk}" for pk in medium.leads.values_list("pk", flat=True)}
    return keys


def _everything(row, update_fields) -> set[str]:
    # Sections are in every page's navigation.
    return {ALL}


DEPENDENCIES = (
    # An article's own pages, its translations' and every page showing it as a teaser or as
    # related. Not its section's or authors' keys: those would renew every other article of
    # the section on the article pages (which show the section's name).
    Dependency(
        "articles.Article",
        _article,
        # Tags are set through TaggedArticle, which taggit changes as a many-to-many.
        through=("related_articles", "tags"),
    ),
    Dependency("articles.ArticleTranslation", _translation, ("translators",)),
    Dependency("articles.Byline", lambda b, _f: {f"article-{b.article_id}", LIST, SEARCH}),
    Dependency("articles.Correction", lambda note, _f: {f"article-{note.article_id}", LIST}),
    Dependency("articles.SlugRedirect", lambda old, _f: {f"article-{old.article_id}", LIST}),
    Dependency(
        "articles.TaggedArticle",
        lambda tagged, _f: {f"article-{tagged.content_object_id}", f"tag-{tagged.tag_id}", LIST},
    ),
    # Names and bios are on the people's and tags' pages, on article pages (which name them)
    # and in teasers' bylines and tags (lists).
    Dependency("articles.Author", lambda author, _f: {key(author), LIST}),
    Dependency("articles.AuthorTranslation", lambda text, _f: {f"author-{text.author_id}", LIST}),
    Dependency("taggit.Tag", lambda tag, _f: {key(tag), LIST, SEARCH}),
    # The library: what a picture or embed looks like is read when a body is shown
    # (media/figures.py). Which articles use which is derived from their bodies, whose own
    # change renews their pages.
    Dependency("articles.MediaImage", lambda image, _f: _users(image)),
    Dependency("articles.MediaImageTranslation", lambda text, _f: _users(text.image)),
    Dependency("articles.Embed", lambda embed, _f: _users(embed)),
    Dependency("articles.MediaUse", lambda use, _f: set()),
    # Placements order one front page: a language's home page or one section's page in it.
    Dependency(
        "articles.Placement",
        lambda placed, _f: {front_key(placed.language, placed.section_id)},
    ),
    Dependency("articles.Section", _everything),
    Dependency("articles.SectionTranslation", _everything),
)
_BY_MODEL = {dependency.model.lower(): dependency for dependency in DEPENDENCIES}


def changed_keys(
    instance=None, raw=False, model=None, pk_set=None, update_fields=None, action=None, **kwargs
) -> set[str]:
    """The surrogate keys of every page a change to `instance` may show differently.

    Takes a post_save / post_delete / m2m_changed signal's arguments. A fixture load (raw), and
    any change the list above does not know, touches everything. A many-to-many change that
    adds or removes nothing (taggit's set() of the same tags) touches nothing.
    """
    dependency = _BY_MODEL.get(instance._meta.label_lower) if instance is not None else None
    if raw or dependency is None:
        return {ALL}
    if action is not None and action.startswith("pre_"):
        return set()  # the post_ signal follows
    if action in ("post_add", "post_remove") and not pk_set:
        return set()
    fields = frozenset(update_fields) if update_fields is not None else None
    if action is not None:
        # A relation changed (the rows added or removed are in pk_set): not its publication.
        fields = frozenset({"relations"})
    keys = dependency.keys(instance, fields)
    if ALL in keys:
        return {ALL}
    if model is not None and pk_set:
        # Related articles or tags changed from the other side: those pages too.
        label = model._meta.label_lower
        if label == "articles.article":
            keys |= {f"article-{pk}" for pk in pk_set}
        elif label == "taggit.tag":
            keys |= {f"tag-{pk}" for pk in pk_set}
    return keys
