from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Page
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from . import cache, seo
from .languages import url_language
from .models import (
    Article,
    ArticleTranslation,
    Author,
    Byline,
    Correction,
    CorrectionKind,
    PublicationState,
    Section,
    ShareLink,
    SlugRedirect,
    Status,
    TaggedArticle,
    correction_rows,
    corrections_from_rows,
    translator_rows,
)
from .models.rows import local_text, local_texts
from .search import clean_query, ranked_only_the_newest, search


def reader_translations(language):
    """Prefetch of each article's published translation into `language`, as reader_translation."""
    return Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.readable_in(language),
        to_attr="reader_translations",
    )


def in_reader_language(articles):
    """Show each article in the reader's language where a published translation exists."""
    for article in articles:
        if hasattr(article, "section_local_name"):
            article.section.local_name = article.section_local_name
        translations = getattr(article, "reader_translations", None)
        if translations:
            show_translation(article, translations[0])
    return articles


class SurrogateKeysMixin:
    """Names what a page shows, so that a CDN purges it when any of that changes (cache.py)."""

    def surrogate_keys(self, context) -> set[str]:
        return set()

    def last_modified(self, context):
        """When what the page shows last changed, where that is cheap to know (else None)."""
        return None

    def render_to_response(self, context, **response_kwargs):
        keys = self.surrogate_keys(context)
        cache.shows(self.request, *keys, modified=self.last_modified(context))
        return super().render_to_response(context, **response_kwargs)


class PageMetaMixin:
    """What a reader page's <head> says about it: title, description, canonical, alternates."""

    def meta_title(self) -> str:
        return ""

    def meta_description(self) -> str:
        return _("Independent news, analysis and reporting.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "meta" not in context:
            context["meta"] = self.page_meta()
        return context

    def page_meta(self):
        path = self.request.path
        page = self.request.GET.get("page", "")
        canonical = f"{path}?page={page}" if page.isdigit() and page != "1" else path
        title = self.meta_title()
        meta = seo.page_meta(
            self.request,
            title=title or settings.PUBLISHER_NAME,
            description=self.meta_description(),
            canonical=canonical,
            locale=get_language(),
            alternates=[(code, translate_url(canonical, code)) for code, _n in settings.LANGUAGES],
            x_default=translate_url(canonical, settings.LANGUAGE_CODE),
        )
        return with_document_title(meta, title)


def with_document_title(meta, title):
    """The <title>: "Page — Publication", or the publication alone for the front page."""
    site = settings.PUBLISHER_NAME
    meta["document_title"] = f"{title} — {site}" if title and title != site else site
    return meta


class ReaderListMixin(SurrogateKeysMixin, PageMetaMixin):
    """Every public list: only what published() lets through, in the reader's language."""

    context_object_name = "articles"
    paginate_by = 20

    def surrogate_keys(self, context):
        return {cache.LIST, *(cache.key(article) for article in context[self.context_object_name])}

    def get_queryset(self):
        # Teasers never show the body, so it stays in the database.
        return (
            Article.objects.published()
            .with_relations()
            .annotate(section_local_name=local_text(Section, "name", owner="section_id"))
            .prefetch_related(reader_translations(get_language()))
            .defer("body", "body_html")
        )

    # A list whose first page is empty (a tag or author with nothing published) does not exist.
    empty_is_not_found = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        in_reader_language(context[self.context_object_name])
        return context

    def paginate_queryset(self, queryset, page_size):
        """Pages without COUNT(*): one row more than a page says whether another follows."""
        number = page_number(self.request, self.page_kwarg)
        start = (number - 1) * page_size
        rows = list(queryset[start : start + page_size + 1])
        page = NewsPage(rows[:page_size], number, has_next=len(rows) > page_size)
        if not page.object_list and (number > 1 or self.empty_is_not_found):
            raise Http404
        return None, page, page.object_list, page.has_other_pages()


MAX_PAGE = 100_000


def page_number(request, page_kwarg="page") -> int:
    """The list page asked for, 1 if none; any other value than 1…MAX_PAGE is not a page (404).

    A form field, not str.isdigit() and int(): "²" and a number of 10,000 digits both pass
    isdigit(), then int() raised ValueError (a 500).
    """
    field = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False)
    try:
        return field.clean(request.GET.get(page_kwarg)) or 1
    except ValidationError:
        raise Http404 from None


class NewsPage:
    """A page of a list that does not know how many pages there are (see paginate_queryset)."""

    def __init__(self, object_list, number, has_next):
        self.object_list, self.number, self._has_next = object_list, number, has_next

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


class PublishedArticleListView(ReaderListMixin, ListView):
    pass


class HomeView(PublishedArticleListView):
    """The front page: the lead story, the latest news, and the newest of each section.

    Later pages (?page=2, …) list older articles plainly.
    """

    template_name = "articles/home.html"

    def surrogate_keys(self, context):
        return {cache.HOME, *super().surrogate_keys(context)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        articles = list(context["articles"])
        if context["page_obj"].number == 1 and articles:
            by_section = {}
            for article in articles[7:]:
                by_section.setdefault(article.section, []).append(article)
            context.update(
                lead=articles[0],
                latest=articles[1:7],
                sections=sorted(by_section.items(), key=lambda item: item[0].position),
            )
        return context


class SectionDetailView(PublishedArticleListView):
    template_name = "articles/section_detail.html"

    def meta_title(self):
        return self.section.localized("name")

    def meta_description(self):
        return self.section.localized("description") or _("Articles in %(section)s") % {
            "section": self.section.localized("name")
        }

    def get_queryset(self):
        self.section = get_object_or_404(
            Section.objects.annotate(**local_texts(Section, "name", "description")),
            slug=self.kwargs["slug"],
        )
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)

    def surrogate_keys(self, context):
        return {cache.key(self.section), *super().surrogate_keys(context)}


class TagDetailView(PublishedArticleListView):
    template_name = "articles/tag_detail.html"

    def meta_title(self):
        return self.tag.name

    def meta_description(self):
        return _("Articles about %(tag)s") % {"tag": self.tag.name}

    # A tag used only on drafts must not reveal itself.
    empty_is_not_found = True

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)

    def surrogate_keys(self, context):
        return {cache.key(self.tag), *super().surrogate_keys(context)}


class AuthorDetailView(PublishedArticleListView):
    template_name = "articles/author_detail.html"

    def meta_title(self):
        return self.author.name

    def meta_description(self):
        return self.author.localized("bio") or _("Articles by %(name)s") % {
            "name": self.author.name
        }

    # An author with nothing published has no public page.
    empty_is_not_found = True

    def get_queryset(self):
        self.author = get_object_or_404(
            Author.objects.annotate(**local_texts(Author, "job_title", "bio")),
            slug=self.kwargs["slug"],
        )
        # A subquery, not a join + DISTINCT: the list's index then serves its order.
        bylines = Byline.objects.filter(author=self.author).values("article_id")
        return super().get_queryset().filter(pk__in=bylines)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)

    def surrogate_keys(self, context):
        return {cache.key(self.author), *super().surrogate_keys(context)}


class ArchiveView(PublishedArticleListView):
    """Articles published in a year, or in one month of it (in the site's time zone)."""

    template_name = "articles/archive.html"

    def meta_title(self):
        if "month" in self.kwargs:
            return date_format(self.period, "YEAR_MONTH_FORMAT")
        return str(self.period.year)

    def meta_description(self):
        return _("Articles published in %(period)s") % {"period": self.meta_title()}

    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        if not 1 <= year <= 9999 or (month is not None and not 1 <= month <= 12):
            raise Http404
        self.period = date(year, month or 1, 1)
        queryset = super().get_queryset().filter(published_at__year=year)
        return queryset.filter(published_at__month=month) if month else queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            period=self.period, monthly="month" in self.kwargs, **kwargs
        )


class SearchView(PublishedArticleListView):
    """Full-text search of what a reader of this language can read (see search.py)."""

    template_name = "articles/search.html"

    def paginate_queryset(self, queryset, page_size):
        """The one list that says how many it found: counted in the page's own query (a
        window over the matches), not by a COUNT(*) that would match them all again."""
        number = page_number(self.request, self.page_kwarg)
        start = (number - 1) * page_size
        rows = list(queryset.annotate(found=Window(Count("pk")))[start : start + page_size])
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        paginator.count = rows[0].found if rows else 0 if number == 1 else queryset.count()
        try:
            paginator.validate_number(number)
        except InvalidPage as error:
            raise Http404 from error
        page = Page(rows, number, paginator)
        return paginator, page, rows, paginator.num_pages > 1

    def meta_title(self):
        return _("Search: %(query)s") % {"query": self.query} if self.query else _("Search")

    def meta_description(self):
        return _("Search our articles.")

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        return (
            search(self.query, get_language())
            .with_relations()
            .annotate(section_local_name=local_text(Section, "name", owner="section_id"))
            .defer("body", "body_html")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        found = context["paginator"].count
        context["capped"] = found if ranked_only_the_newest(found) else None
        return context


class CorrectionListView(SurrogateKeysMixin, PageMetaMixin, ListView):
    """Every correction and clarification on a published article, newest first."""

    template_name = "articles/correction_list.html"

    def meta_title(self):
        return _("Corrections and clarifications")

    def meta_description(self):
        return _("Every correction and clarification we have made to our reporting.")

    context_object_name = "corrections"
    paginate_by = 50

    def get_queryset(self):
        return (
            Correction.objects.filter(
                article__in=Article.objects.published(),
                kind__in=[CorrectionKind.CORRECTION, CorrectionKind.CLARIFICATION],
            )
            .select_related("article")
            .defer("article__search_document")
            .prefetch_related(
                Prefetch(
                    "article__translations",
                    queryset=ArticleTranslation.objects.readable_in(get_language()),
                    to_attr="reader_translations",
                )
            )
            .order_by("-noted_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        in_reader_language(correction.article for correction in context["corrections"])
        return context

    def surrogate_keys(self, context):
        articles = {f"article-{correction.article_id}" for correction in context["corrections"]}
        return {cache.LIST, *articles}


class ArticleDetailView(SurrogateKeysMixin, DetailView):
    """An article, or its translation, at /<language>/articles/<slug>/.

    The slug may be a translation's (in this language), an original's, or an old one. An
    original asked for in a language it has a published translation in redirects there;
    otherwise it is shown in its own language with a notice. A withdrawn article is 410 Gone.
    """

    context_object_name = "article"
    template_name = "articles/article_detail.html"

    def get_articles(self):
        """The articles this page may show; previews widen it, readers get published() only."""
        return Article.objects.published()

    def get_queryset(self):
        return (
            self.get_articles()
            .with_relations()
            .annotate(
                correction_rows=correction_rows(),
                section_local_name=local_text(Section, "name", owner="section_id"),
            )
            .prefetch_related(public_translations())
        )

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
                shown_translation=Subquery(readable.filter(article=OuterRef("pk")).values("pk")[:1])
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
            return self.show(article, shown)
        in_language = [t for t in article.public_translations if t.language == language]
        if article.language != language and in_language:
            return HttpResponsePermanentRedirect(in_language[0].get_absolute_url())
        return self.show(article, None)

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
        if (
            Article.objects.withdrawn().filter(slug=slug).exists()
            or ArticleTranslation.objects.withdrawn().filter(slug=slug).exists()
        ):
            return TemplateResponse(self.request, "410.html", status=410)
        raise Http404

    def show(self, article, translation):
        self.object = article
        in_reader_language([article])
        if translation is not None:
            show_translation(article, translation)
        context = self.get_context_data(object=article, translation=translation)
        return self.render_to_response(context)

    def surrogate_keys(self, context):
        related = context["related"]
        return {*cache.article_keys(context["article"]), *(cache.key(a) for a in related)}

    def last_modified(self, context):
        article, translation = context["article"], context.get("translation")
        times = [article.updated_at, article.revised_at, translation and translation.updated_at]
        return max(time for time in times if time)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article, translation = context["article"], context.get("translation")
        language = get_language()
        context.update(
            untranslated=translation is None and article.language != language,
            corrections=self.corrections(article),
            related=self.related(article),
            versions=self.versions(article, translation),
        )
        translations = article.public_translations
        context["meta"] = with_document_title(
            seo.article_meta(
                article, self.request, translation=translation, translations=translations
            ),
            article.headline,
        )
        context["structured_data"] = seo.news_article(
            article, self.request, translation=translation, translations=translations
        )
        context["language_links"] = [
            {"code": code, "name": name, "url": version["url"], "exists": version["exists"]}
            for code, name in settings.LANGUAGES
            for version in [context["versions"].get(code) or {}]
            if version
        ]
        return context

    @staticmethod
    def corrections(article):
        """The article's notes, fetched with it; the page and its JSON-LD both show them."""
        if not hasattr(article, "loaded_corrections"):
            article.loaded_corrections = corrections_from_rows(article)
        return article.loaded_corrections

    def versions(self, article, translation):
        """The page in each site language: the original, its translations, or the original
        shown under that language's prefix (with a notice) when there is no translation."""
        slug = getattr(article, "original_slug", article.slug)
        original_language = getattr(article, "original_language", article.language)
        versions = {
            code: {"url": article_url(slug, code), "exists": False}
            for code, _name in settings.LANGUAGES
        }
        versions[url_language(original_language)] = {
            "url": article_url(slug, url_language(original_language)),
            "exists": True,
        }
        for other in article.public_translations:
            versions[other.language] = {"url": other.get_absolute_url(), "exists": True}
        return versions

    def related(self, article, limit=4, candidates=50):
        """Hand-picked related articles first, then those sharing the most tags; one query.

        Only the hand-picked ones and the `candidates` articles sharing most tags are ranked,
        not every published article: at 100,000 articles ranking them all took seconds.
        """
        through = Article.related_articles.through
        tag_ids = [tag.pk for tag in article.tags.all()]
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
        return list(
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


def public_translations():
    """Prefetch of an article's published translations, as public_translations: whole, as a
    page may show one of them (there is one per site language at most)."""
    return Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.published()
        .defer("source_headline", "source_standfirst", "source_body")
        .annotate(translator_rows=translator_rows()),
        to_attr="public_translations",
    )


def article_url(slug, language):
    """The address of the original with `slug` under `language`'s prefix."""
    with override(language):
        return reverse("articles:article-detail", kwargs={"slug": slug})


def describe_preview(article, translation=None, share_link=None, now=None):
    """What the preview banner says: the state of the work shown, and the link's expiry."""
    now = now or timezone.now()
    if translation is None:
        state = article.publication_state
        is_public = article.is_public(now)
    else:
        # is_public() asks the article; hand it the one just loaded instead of a second query.
        translation.article = article
        is_public = translation.is_public(now)
        # A published translation of a scheduled article goes out with it.
        scheduled = translation.status == Status.PUBLISHED and article.is_scheduled(now)
        state = PublicationState.SCHEDULED if scheduled else PublicationState(translation.status)
    return {
        "state": state,
        "state_label": PublicationState(state).label,
        "scheduled_for": article.published_at if state == PublicationState.SCHEDULED else None,
        "is_public": is_public,
        "translation": translation,
        "original_state_label": article.publication_state.label if translation else None,
        "expires_at": share_link.expires_at if share_link else None,
    }


def show_translation(article, translation):
    """Dress the original in a translation's text for the article layout; in memory, never saved.

    Its links then lead to the translation (the slug is the translation's); the original's own
    slug and language stay at hand as original_slug and original_language.
    """
    article.original_slug, article.original_language = article.slug, article.language
    article.headline = translation.headline
    article.slug = translation.slug
    article.standfirst = translation.standfirst
    article.summary = translation.summary
    if "body_html" in translation.__dict__:
        article.body_html = translation.body_html
    article.language = translation.language
    article.shown_translation = translation
    return article


class PreviewMixin:
    """Work in any state at its reader layout: never cached, never indexed, always labelled."""

    def get(self, request, *args, **kwargs):
        # By primary key or share link, not by the readers' slug resolution.
        return DetailView.get(self, request, *args, **kwargs)

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    def get_articles(self):
        return Article.objects.all()

    def get_preview_subject(self):
        """The pk of the article to show, and the translation to show it in (or None)."""
        return self.kwargs["pk"], None

    def get_share_link(self):
        return None

    def get_object(self, queryset=None):
        article_pk, translation = self.get_preview_subject()
        queryset = self.get_queryset() if queryset is None else queryset
        article = get_object_or_404(queryset, pk=article_pk)
        self.preview = describe_preview(article, translation, self.get_share_link())
        if translation is not None:
            show_translation(article, translation)
        return article

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.preview, **kwargs)


class StaffPreviewMixin(PermissionRequiredMixin):
    """Logged-in staff who may view articles; others are sent to the admin login (or refused)."""

    permission_required = "articles.view_article"
    login_url = reverse_lazy("admin:login")

    def has_permission(self):
        return self.request.user.is_staff and super().has_permission()


class ArticlePreviewView(PreviewMixin, StaffPreviewMixin, ArticleDetailView):
    pass


class TranslationPreviewView(PreviewMixin, StaffPreviewMixin, ArticleDetailView):
    def get_preview_subject(self):
        translation = get_object_or_404(ArticleTranslation, pk=self.kwargs["pk"])
        return translation.article_id, translation


class SharedPreviewView(PreviewMixin, ArticleDetailView):
    """What a share link opens, for anyone holding it, until it expires or is revoked."""

    gone_template_name = "articles/preview_gone.html"

    def get(self, request, *args, **kwargs):
        link_pk = ShareLink.pk_from_token(self.kwargs["token"])
        if link_pk is None:
            raise Http404
        self.share_link = get_object_or_404(
            ShareLink.objects.select_related("translation"), pk=link_pk
        )
        if not self.share_link.is_active():
            # Says only that the link is dead: not what it pointed to, nor why.
            return TemplateResponse(request, self.gone_template_name, status=410)
        return super().get(request, *args, **kwargs)

    def get_preview_subject(self):
        return self.share_link.article_id, self.share_link.translation

    def get_share_link(self):
        return self.share_link
