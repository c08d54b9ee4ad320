"""Lists of articles: the front page, sections, tags, authors, archives, search, corrections."""

from datetime import date

from django.core.paginator import InvalidPage, Page
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from .. import cache
from ..models import Article, Author, Byline, Correction, Placement, Section, placed_first
from ..models.rows import local_texts
from ..reading import CORRECTING_KINDS, ReaderArticle, fetch_tags, reader_translation
from ..search import clean_query, mark_snippets, ranked_only_the_newest, search
from .mixins import PageMetaMixin, ReaderListMixin, SurrogateKeysMixin, page_number
from .stories import KeptStoryMixin


class PublishedArticleListView(ReaderListMixin, ListView):
    pass


class CuratedListMixin:
    """A front page editors arrange (models/frontpage.py): its first page leads with the
    articles placed on it, in their order, then the newest; later pages go on with the newest
    that page 1 did not show."""

    front_section = None  # the section whose page this is; None: the home page

    def in_order(self, articles):
        if page_number(self.request, self.page_kwarg) == 1:
            return placed_first(
                articles, get_language(), self.front_section, limit=self.paginate_by + 1
            )
        # Later pages go on where the first left off: without the placed articles it showed
        # first, which pushed as many of the newest down the list. Nothing is lost between
        # page 1 and page 2, and nothing is shown twice.
        placed = list(
            Placement.objects.on_page(get_language(), self.front_section)
            .active()
            .filter(article__in=articles)
            .order_by("position", "pk")
            .values_list("article_id", flat=True)[: self.paginate_by]
        )
        self.page_shift = len(placed)
        return articles.exclude(pk__in=placed) if placed else articles

    def surrogate_keys(self, context):
        section_id = self.front_section.pk if self.front_section else None
        return {cache.front_key(get_language(), section_id), *super().surrogate_keys(context)}


class HomeView(CuratedListMixin, KeptStoryMixin, PublishedArticleListView):
    """The front page: the lead story, the latest news, and the newest of each section; the
    lead and the top stories as editors placed them, where they did.

    Later pages (?page=2, …) list older articles, newest first, after those of page 1.
    """

    template_name = "articles/home.html"
    story_template = "articles/stories/home.html"

    def surrogate_keys(self, context):
        return {cache.HOME, *super().surrogate_keys(context)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        readers = context["readers"]
        if context["page_obj"].number == 1 and readers:
            by_section = {}
            for reader in readers[7:]:
                by_section.setdefault(reader.section, []).append(reader)
            fetch_tags(readers[:1])  # the lead's topics
            context.update(
                lead=readers[0],
                latest=readers[1:7],
                sections=sorted(by_section.items(), key=lambda item: item[0].position),
            )
        return context


class SectionDetailView(CuratedListMixin, KeptStoryMixin, PublishedArticleListView):
    template_name = "articles/page.html"
    story_template = "articles/stories/section.html"
    story_head_template = "articles/stories/section_head.html"
    page_context_names = ("meta", "section")

    def meta_title(self):
        return self.section.localized("name")

    def meta_description(self):
        return self.section.localized("description") or _("Articles in %(section)s") % {
            "section": self.section.localized("name")
        }

    def get_articles(self):
        self.section = self.front_section = get_object_or_404(
            Section.objects.annotate(**local_texts(Section, "name", "description")),
            slug=self.kwargs["slug"],
        )
        return super().get_articles().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)

    def surrogate_keys(self, context):
        return {cache.key(self.section), *super().surrogate_keys(context)}


class TagDetailView(KeptStoryMixin, PublishedArticleListView):
    template_name = "articles/page.html"
    story_template = "articles/stories/tag.html"
    story_head_template = "articles/stories/tag_head.html"

    def meta_title(self):
        return self.tag.name

    def meta_description(self):
        return _("Articles about %(tag)s") % {"tag": self.tag.name}

    def get_articles(self):
        # A tag used only on drafts must not reveal itself.
        self.tag = get_object_or_404(Article.objects.published().tags(), slug=self.kwargs["slug"])
        return super().get_articles().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)

    def surrogate_keys(self, context):
        return {cache.key(self.tag), *super().surrogate_keys(context)}


class AuthorDetailView(KeptStoryMixin, PublishedArticleListView):
    template_name = "articles/page.html"
    story_template = "articles/stories/author.html"
    story_head_template = "articles/stories/author_head.html"

    def meta_title(self):
        return self.author.name

    def meta_description(self):
        return self.author.localized("bio") or _("Articles by %(name)s") % {
            "name": self.author.name
        }

    def get_articles(self):
        # An author with nothing published has no public page.
        self.author = get_object_or_404(
            Article.objects.published()
            .authors()
            .annotate(**local_texts(Author, "job_title", "bio")),
            slug=self.kwargs["slug"],
        )
        # A subquery, not a join + DISTINCT: the list's index then serves its order.
        bylines = Byline.objects.filter(author=self.author).values("article_id")
        return super().get_articles().filter(pk__in=bylines)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)

    def surrogate_keys(self, context):
        return {cache.key(self.author), *super().surrogate_keys(context)}


def archive_years(months) -> list[dict]:
    """Rows of Article.objects.months() grouped by year: each year's total and its months."""
    years: dict[int, dict] = {}
    for row in months:
        month = (
            timezone.localtime(row["month"]) if timezone.is_aware(row["month"]) else row["month"]
        )
        year = years.setdefault(month.year, {"year": month.year, "count": 0, "months": []})
        year["count"] += row["count"]
        year["months"].append({"date": month.date(), "count": row["count"]})
    return list(years.values())


class ArchiveIndexView(SurrogateKeysMixin, PageMetaMixin, TemplateView):
    """The archive's front door: every year and month with published articles, with counts."""

    template_name = "articles/archive_index.html"

    def meta_title(self):
        return _("Archive")

    def meta_description(self):
        return _("Everything we have published, by year and month.")

    def get_context_data(self, **kwargs):
        years = archive_years(Article.objects.published().months())
        return super().get_context_data(years=years, **kwargs)

    def surrogate_keys(self, context):
        # Any publication, withdrawal or change of date changes the counts.
        return {cache.LIST}


class ArchiveView(PublishedArticleListView):
    """Articles published in a year, or in one month of it (in the site's time zone)."""

    template_name = "articles/archive.html"

    def meta_title(self):
        if "month" in self.kwargs:
            return date_format(self.period, "YEAR_MONTH_FORMAT")
        return str(self.period.year)

    def meta_description(self):
        return _("Articles published in %(period)s") % {"period": self.meta_title()}

    def get_articles(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        if not 1 <= year <= 9999 or (month is not None and not 1 <= month <= 12):
            raise Http404
        self.period = date(year, month or 1, 1)
        articles = super().get_articles().filter(published_at__year=year)
        return articles.filter(published_at__month=month) if month else articles

    def get_context_data(self, **kwargs):
        monthly = "month" in self.kwargs
        if not monthly:
            # The year's months, to go on to one of them.
            months = Article.objects.published().filter(published_at__year=self.period.year)
            kwargs["months"] = next(iter(archive_years(months.months())), {}).get("months", [])
        return super().get_context_data(period=self.period, monthly=monthly, **kwargs)


class SearchView(PublishedArticleListView):
    """Full-text search of what a reader of this language can read (see search.py)."""

    template_name = "articles/search.html"

    def surrogate_keys(self, context):
        # What matches depends on every article's text, not only on the articles listed.
        return {cache.SEARCH, *super().surrogate_keys(context)}

    def paginate_queryset(self, queryset, page_size):
        """The one list that says how many it found: counted in the page's own query (a
        window over the matches), not by a COUNT(*) that would match them all again."""
        number = page_number(self.request, self.page_kwarg)
        start = (number - 1) * page_size
        rows = list(queryset.annotate(found=Window(Count("pk")))[start : start + page_size])
        mark_snippets(rows, self.query)
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
        return search(self.query, get_language())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        found = context["paginator"].count
        context["capped"] = found if ranked_only_the_newest(found) else None
        return context


class CorrectionListView(SurrogateKeysMixin, PageMetaMixin, ListView):
    """Every correction and clarification on a published article, newest first."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 50

    def meta_title(self):
        return _("Corrections and clarifications")

    def meta_description(self):
        return _("Every correction and clarification we have made to our reporting.")

    def get_queryset(self):
        return (
            Correction.objects.filter(
                article__in=Article.objects.published(), kind__in=CORRECTING_KINDS
            )
            .select_related("article")
            .defer("article__search_document", "article__body", "article__body_html")
            .prefetch_related(reader_translation(get_language(), lookup="article__translations"))
            .order_by("-noted_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        language = get_language()
        context["corrections"] = [
            (correction, ReaderArticle(correction.article, language))
            for correction in context["corrections"]
        ]
        return context

    def surrogate_keys(self, context):
        articles = {cache.key(reader.article) for _note, reader in context["corrections"]}
        return {cache.LIST, *articles}
