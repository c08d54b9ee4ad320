"""An article's page: the original or a translation, found by any of their addresses."""

from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponsePermanentRedirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.views.generic import DetailView

from .. import cache, seo
from ..models import Article, ArticleTranslation, SlugRedirect, TaggedArticle
from ..reading import ReaderArticle, for_readers
from .mixins import with_document_title
from .stories import KeptStoryMixin


class ArticleDetailView(KeptStoryMixin, DetailView):
    """An article, or its translation, at /<language>/articles/<slug>/.

    The slug may be a translation's (in this language), an original's, or an old one. An
    original asked for in a language it has a published translation in redirects there;
    otherwise it is shown in its own language with a notice. A withdrawn article is 410 Gone.
    """

    context_object_name = "article"
    template_name = "articles/page.html"
    story_template = "articles/stories/article.html"
    story_head_template = "articles/stories/article_head.html"
    page_context_names = ("meta", "language_links")

    def get_articles(self):
        """The articles this page may show; previews widen it, readers get published() only."""
        return Article.objects.published()

    def get_queryset(self):
        return for_readers(self.get_articles(), get_language(), page=True)

    def get(self, request, *args, **kwargs):
        """One query finds the article whether `slug` is its own or its translation's here."""
        language, slug = get_language(), self.kwargs["slug"]
        readable = ArticleTranslation.objects.readable_in(language).filter(slug=slug)
        article = (
            self.get_queryset()
            # One id list from two index lookups; an OR of the two conditions scans every row.
            .filter(
                pk__in=Article.objects.filter(slug=slug)
                .order_by()
                .values("pk")
                .union(readable.order_by().values("article_id"))
            )
            .annotate(
                shown_translation=Subquery(
                    readable.filter(article=OuterRef("pk")).order_by().values("pk")[:1]
                )
            )
            .order_by(F("shown_translation").asc(nulls_first=True))
            .first()
        )
        if article is None:
            return self.elsewhere(language, slug)
        if article.slug != slug:
            shown = next(
                t for t in article.public_translations if t.pk == article.shown_translation
            )
            return self.show(ReaderArticle(article, language, shown))
        in_language = [t for t in article.public_translations if t.language == language]
        if article.language != language and in_language:
            return HttpResponsePermanentRedirect(in_language[0].get_absolute_url())
        return self.show(ReaderArticle(article, language))

    def elsewhere(self, language, slug):
        """An old slug, another language's translation slug, a withdrawn article, or nothing."""
        redirect = (
            SlugRedirect.objects.filter(old_slug=slug, language__in=["", language])
            .select_related("article", "translation")
            .defer("article__search_document", "translation__search_document")
            .first()
        )
        if redirect is not None and redirect.target.is_public():
            return HttpResponsePermanentRedirect(redirect.target.get_absolute_url())
        other = ArticleTranslation.objects.published().filter(slug=slug).first()
        if other is not None:
            return HttpResponsePermanentRedirect(other.get_absolute_url())
        if self.withdrawn(slug, redirect):
            return TemplateResponse(self.request, "410.html", status=410)
        raise Http404

    def withdrawn(self, slug, redirect) -> bool:
        """Whether `slug` is the address, current or old, of work readers can no longer read."""
        articles, translations = Article.objects.withdrawn(), ArticleTranslation.objects.withdrawn()
        if articles.filter(slug=slug).exists() or translations.filter(slug=slug).exists():
            return True
        if redirect is None:
            return False
        # An old address of withdrawn work is gone like its current one.
        if redirect.translation_id is not None:
            return translations.filter(pk=redirect.translation_id).exists()
        return articles.filter(pk=redirect.article_id).exists()

    def show(self, reader: ReaderArticle):
        self.object = reader.article
        context = self.get_context_data(object=reader.article, reader=reader)
        return self.render_to_response(context)

    def surrogate_keys(self, context):
        related = context["related"]
        reader = context["article"]
        return {*cache.article_keys(reader.article), *(cache.key(r.article) for r in related)}

    def last_modified(self, context):
        return context["article"].modified_at

    def get_context_data(self, **kwargs):
        reader = kwargs.pop("reader")
        context = super().get_context_data(**kwargs)
        context.update(
            article=reader,
            untranslated=reader.untranslated,
            corrections=reader.corrections,
            related=self.related(reader),
            meta=with_document_title(seo.article_meta(reader, self.request), reader.headline),
            structured_data=seo.news_article(reader, self.request),
            language_links=[vars(version) for version in reader.versions],
        )
        return context

    def related(self, reader, limit=4, candidates=50):
        """Hand-picked related articles first, then those sharing the most tags; one query.

        Only the hand-picked ones and the `candidates` articles sharing most tags are ranked,
        not every published article: at 100,000 articles ranking them all took seconds. Shown
        in their own language, linked under the reader's prefix (which leads to a
        translation into it where there is one).
        """
        article = reader.article
        through = Article.related_articles.through
        tag_ids = [tag.pk for tag in reader.tags]
        sharing = (
            TaggedArticle.objects.filter(tag_id__in=tag_ids)
            .exclude(content_object_id=article.pk)
            .values("content_object_id")
            .annotate(count=Count("pk"))
            .order_by("-count", "-content_object_id")
            .values("content_object_id")[:candidates]
        )
        picked = through.objects.filter(from_article_id=article.pk)
        shared = (
            TaggedArticle.objects.filter(content_object_id=OuterRef("pk"), tag_id__in=tag_ids)
            .values("content_object_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        related = (
            Article.objects.published()
            # One id list from both (a UNION); an OR of the two IN subqueries scans every row.
            .filter(
                pk__in=picked.values("to_article_id").union(
                    # Wrapped: SQLite allows no LIMIT in a part of a UNION.
                    Article.objects.filter(pk__in=sharing).order_by().values("pk")
                )
            )
            .exclude(pk=article.pk)
            .annotate(
                picked=Exists(picked.filter(to_article_id=OuterRef("pk"))),
                shared=Coalesce(Subquery(shared), 0),
            )
            .order_by("-picked", "-shared", F("published_at").desc(nulls_last=True))
            .only("headline", "slug", "language")[:limit]
        )
        return [ReaderArticle(other, reader.language) for other in related]
