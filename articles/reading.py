"""The article as a reader of language L sees it: one object, built once, read by every surface.

Pages, feeds, sitemaps, search results, JSON-LD and OpenGraph all show an article the same way:
its text in L where a published translation into L exists (else the original's, with a notice),
the address of that page and of its other language versions, when it was published and last
modified, the corrections readers are shown, bylines with roles, its section's name in L, its
tags and its lead picture. `ReaderArticle` answers each of these from rows fetched once by
`for_readers()`; nothing here changes or dresses a model instance.

    articles = for_readers(Article.objects.published(), "de", page=True)
    reader = ReaderArticle(articles.get(slug=...), "de")
    reader.headline, reader.url, reader.modified_at, reader.versions ...

"Last modified" has one meaning everywhere (`modified_at`): the last time readers were told of a
change, by a correction or an update note (`Article.revised_at`), else the publication time;
never a silent save, a fixture load or a migration; nothing for an undated article that was
never corrected. A translation shares its original's dates: corrections belong to the article.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.functions import Coalesce, Greatest

from .languages import site_languages, url_language
from .media.figures import Figure, Media, expand, figure, placeholders
from .models import (
    Article,
    ArticleTranslation,
    Author,
    Byline,
    Correction,
    CorrectionKind,
    MediaImage,
    Section,
    article_page_url,
    correction_rows,
    corrections_from_rows,
    translator_rows,
    translators_from_rows,
)
from .models.rows import local_text

# Notes that say the article was wrong or unclear (schema.org `correction`); updates and editor's
# notes are shown with the article but are not corrections.
CORRECTING_KINDS = (CorrectionKind.CORRECTION, CorrectionKind.CLARIFICATION)
# The Markdown sources and the desk's copies of an original: never shown to readers.
UNREAD_TRANSLATION_FIELDS = ("body", "source_headline", "source_standfirst", "source_body")


def modified_expression(prefix: str = ""):
    """`modified_at` as a database expression on an article (through `prefix`, e.g.
    "article__" from a translation), for orderings and the sitemap index's newest date.
    GREATEST ignores NULLs on PostgreSQL but not on SQLite, hence the Coalesce."""
    revised, published = f"{prefix}revised_at", f"{prefix}published_at"
    return Coalesce(Greatest(revised, published), revised, published)


def for_readers(
    articles, language: str, *, page: bool = False, body: bool = False, tags: bool = True
):
    """`articles` with everything a ReaderArticle of `language` reads, fetched in a fixed
    number of queries however many articles there are.

    Lists (the default) get each article's published translation into `language`. An article
    page (`page=True`) gets every published translation instead, for its language versions,
    with their translators, and the article's corrections; and the rendered body. Feeds ask
    for the `body` and the corrections with `page=False` and `body=True`. Lists whose teasers
    show no topics ask for no `tags` (then `fetch_tags()` for the few that show them).
    """
    # A list's bylines go to a plain list per article (`reader_bylines`): into each article's
    # manager, Django filters a queryset per article. The page keeps them in the manager, where
    # cache.article_keys() reads them.
    bylines = Prefetch(
        "bylines",
        queryset=Byline.objects.select_related("author"),
        to_attr=None if page else "reader_bylines",
    )
    articles = (
        articles.select_related("section", "lead_picture")
        .prefetch_related(bylines)
        .annotate(
            section_local_name=local_text(Section, "name", language, owner="section_id"),
            lead_local_alt=local_text(MediaImage, "alt", language, owner="lead_picture_id"),
            lead_local_caption=local_text(MediaImage, "caption", language, owner="lead_picture_id"),
        )
    )
    if tags:
        articles = articles.prefetch_related("tags")
    translations = ArticleTranslation.objects.defer(*UNREAD_TRANSLATION_FIELDS)
    if page:
        articles = articles.annotate(correction_rows=correction_rows()).prefetch_related(
            Prefetch(
                "translations",
                # Unordered: the page sorts them by language (ReaderArticle.public_translations).
                queryset=translations.published()
                .order_by()
                .annotate(translator_rows=translator_rows()),
                to_attr="public_translations",
            )
        )
    else:
        if body:
            articles = articles.annotate(correction_rows=correction_rows())
        else:
            translations = translations.defer("body_html")
        articles = articles.prefetch_related(reader_translation(language, translations))
    # Pages show the rendered HTML; the Markdown source stays in the database.
    return articles.defer("body") if page or body else articles.defer("body", "body_html")


def reader_translation(language: str, translations=None, lookup: str = "translations"):
    """The prefetch of each article's published translation into `language` (at most one), as
    `reader_translations`, which ReaderArticle shows instead of the original. `lookup` reaches
    the translations from the rows fetched (e.g. "article__translations" from corrections)."""
    if translations is None:
        translations = ArticleTranslation.objects.defer(*UNREAD_TRANSLATION_FIELDS, "body_html")
    # Unordered: at most one per article (a unique constraint).
    return Prefetch(
        lookup,
        queryset=translations.readable_in(language).order_by(),
        to_attr="reader_translations",
    )


@dataclass(frozen=True)
class Version:
    """The article in one site language: a translation, or the original under that prefix."""

    code: str
    name: str
    url: str
    exists: bool  # False: no translation, the original is shown there with a notice


class ReaderArticle:
    """One article as a reader of `language` sees it (see the module's docstring).

    `translation`: the translation shown; by default the published translation into
    `language` that for_readers() fetched, if any. Pass one explicitly to show it (an article
    page reached by a translation's slug, a preview of an unpublished translation).
    """

    def __init__(self, article: Article, language: str, translation=None):
        self.article = article
        self.language = language
        if translation is None:
            translation = next(iter(getattr(article, "reader_translations", ())), None)
        self.translation: ArticleTranslation | None = translation

    def __repr__(self):
        return f"<ReaderArticle {self.article.pk} in {self.language}: {self.headline!r}>"

    # The text --------------------------------------------------------------------------------

    @property
    def text(self):
        """What the reader reads: the translation shown, else the original."""
        return self.translation or self.article

    @property
    def pk(self) -> int:
        return self.article.pk

    @property
    def headline(self) -> str:
        return self.text.headline

    @property
    def standfirst(self) -> str:
        return self.text.standfirst

    @property
    def summary(self) -> str:
        """The standfirst, or the body's opening sentence: teasers and descriptions."""
        return self.text.summary

    @cached_property
    def body_html(self) -> str:
        """The body with its pictures, galleries and embeds, captions in the text's language."""
        return expand(self.text.body_html, self.text_language, media=self._body_media)

    def body_html_absolute(self, absolute) -> str:
        """The body for readers elsewhere (feeds): every address absolute."""
        return expand(
            self.text.body_html, self.text_language, media=self._body_media, absolute=absolute
        )

    @cached_property
    def _body_media(self) -> Media | None:
        references = placeholders(self.text.body_html)
        return Media.fetch(references, self.text_language) if references else None

    @cached_property
    def body_pictures(self) -> list[Figure]:
        """The pictures the body shows (alone or in galleries), each once, in order."""
        media, pictures, seen = self._body_media, [], set()
        for reference in placeholders(self.text.body_html) if media else ():
            for slug in () if reference.kind == "embed" else reference.targets:
                shown = media.figure(slug, self.text_language, reference)
                if slug not in seen and shown:
                    seen.add(slug)
                    pictures.append(shown)
        return pictures

    @property
    def text_language(self) -> str:
        """The language the text shown is written in (may differ from the reader's)."""
        return self.text.language

    @property
    def is_translation(self) -> bool:
        return self.translation is not None

    @property
    def untranslated(self) -> bool:
        """The original shown under another language's prefix: no translation into it yet."""
        return self.translation is None and self.article.language != self.language

    @property
    def search_snippet(self) -> str:
        """The matched words in context, for a search result (search.py annotates it)."""
        return getattr(self.article, "search_snippet", "") or ""

    # Addresses -------------------------------------------------------------------------------

    @cached_property
    def url(self) -> str:
        """Where this reader reads it: the translation, or the original under their prefix."""
        if self.translation is not None:
            return self.translation.get_absolute_url()
        return article_page_url(self.article.slug, self.language)

    @cached_property
    def original_url(self) -> str:
        """The original in its own language: its canonical address."""
        return article_page_url(self.article.slug, self.article.language)

    @property
    def canonical_url(self) -> str:
        """The text's own address: the translation's, or the original's."""
        if self.translation is not None:
            return self.url
        return self.original_url

    @cached_property
    def public_translations(self) -> list[ArticleTranslation]:
        """Every published translation, by language (fetched with the page)."""
        found = getattr(self.article, "public_translations", None)
        if found is None:
            found = ArticleTranslation.objects.published().filter(article=self.article)
        return sorted(found, key=lambda translation: translation.language)

    @cached_property
    def pages(self) -> list[tuple[str, str]]:
        """(language, path) of every page of the article that answers 200: the original, then
        its translations. An original in no site language whose address redirects to its
        translation into the default language is left out. For hreflang and sitemaps."""
        translations = {t.language: t for t in self.public_translations}
        if self.translation is not None:  # a preview shows an unpublished one
            translations.setdefault(self.translation.language, self.translation)
        pages = [(language, t.get_absolute_url()) for language, t in sorted(translations.items())]
        home = url_language(self.article.language)
        if home == self.article.language or home not in translations:
            pages.insert(0, (self.article.language, self.original_url))
        return pages

    @cached_property
    def versions(self) -> list[Version]:
        """The page in each site language, for the language switcher."""
        by_language = {t.language: t for t in self.public_translations}
        if self.translation is not None:
            by_language.setdefault(self.translation.language, self.translation)
        original_home = url_language(self.article.language)
        versions = []
        for language in site_languages():
            if language.code in by_language:
                url, exists = by_language[language.code].get_absolute_url(), True
            else:
                url = article_page_url(self.article.slug, language.code)
                exists = language.code == original_home
            versions.append(Version(language.code, language.label, url, exists))
        return versions

    # Dates -----------------------------------------------------------------------------------

    @property
    def published_at(self) -> datetime | None:
        return self.article.published_at

    @property
    def revised_at(self) -> datetime | None:
        """When readers were last told of a change (a correction or an update note)."""
        return self.article.revised_at

    @property
    def modified_at(self) -> datetime | None:
        """The last time readers were told of a change, else the publication time."""
        dates = [date for date in (self.article.revised_at, self.article.published_at) if date]
        return max(dates, default=None)

    # People, filing and notes ----------------------------------------------------------------

    @cached_property
    def bylines(self) -> list[Byline]:
        found = getattr(self.article, "reader_bylines", None)
        return list(self.article.bylines.all() if found is None else found)

    @cached_property
    def authors(self) -> list[Author]:
        """Everyone in the byline, once each, in byline order."""
        return list({byline.author_id: byline.author for byline in self.bylines}.values())

    @cached_property
    def translators(self) -> list[Author]:
        if self.translation is None:
            return []
        if hasattr(self.translation, "translator_rows"):
            return translators_from_rows(self.translation)
        return list(self.translation.translators.all())

    @property
    def unsigned(self) -> bool:
        return self.article.unsigned

    @property
    def section(self) -> Section:
        return self.article.section

    @cached_property
    def section_name(self) -> str:
        """The section's name in the reader's language."""
        local = getattr(self.article, "section_local_name", None)
        if local is None:  # not fetched with the article
            return self.section.localized("name", self.language)
        return local or self.section.name

    def section_name_in(self, language: str) -> str:
        return (
            self.section_name
            if language == self.language
            else self.section.localized("name", language)
        )

    @cached_property
    def tags(self) -> list:
        return list(self.article.tags.all())

    @cached_property
    def corrections(self) -> list[Correction]:
        """Every note shown with the article (corrections, updates, editor's notes), oldest
        first; they are the article's, so its translations show them too."""
        if hasattr(self.article, "correction_rows"):
            return corrections_from_rows(self.article)
        return list(self.article.corrections.all())

    @property
    def correcting_notes(self) -> list[Correction]:
        """The notes that say the article was wrong or unclear."""
        return [note for note in self.corrections if note.kind in CORRECTING_KINDS]

    # The picture -----------------------------------------------------------------------------

    @cached_property
    def image(self) -> Figure | None:
        """The lead picture, with its texts in the language of the text shown."""
        picture = self.article.lead_picture
        if picture is None:
            return None
        if hasattr(self.article, "lead_local_alt"):  # fetched by for_readers()
            picture.local_alt = self.article.lead_local_alt
            picture.local_caption = self.article.lead_local_caption
            picture.local_language = self.language
        return figure(picture, self.text_language)


def fetch_tags(readers) -> None:
    """The tags of `readers` fetched by for_readers(tags=False), in one query, as it would have."""
    prefetch_related_objects([reader.article for reader in readers], "tags")


def fetch_media(readers) -> None:
    """The pictures and embeds the bodies of `readers` show, in one fetch per language of
    their texts instead of one per body (feeds show many bodies)."""
    by_language: dict[str, list] = {}
    for reader in readers:
        references = placeholders(reader.text.body_html)
        reader.__dict__["_body_media"] = None  # as _body_media says for a body without media
        if references:
            by_language.setdefault(reader.text_language, []).append((reader, references))
    for language, shown in by_language.items():
        media = Media.fetch([ref for _reader, refs in shown for ref in refs], language)
        for reader, _references in shown:
            reader.__dict__["_body_media"] = media


def read(articles, language: str) -> list[ReaderArticle]:
    """Each of `articles` (fetched by for_readers()) as a reader of `language` sees it."""
    return [ReaderArticle(article, language) for article in articles]
