"""What every reader page shares: what it shows (for the caches), its <head>, and lists."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import translate_url
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import cache, seo
from ..languages import default_language, page_in_each_language
from ..models import Article
from ..reading import for_readers, read


class SurrogateKeysMixin:
    """Names what a page shows, so that a CDN purges it when any of that changes (cache/)."""

    def surrogate_keys(self, context) -> set[str]:
        return set()

    def last_modified(self, context):
        """When readers were last told of a change to what the page shows, where that is one
        date (an article page); else None."""
        return None

    def render_to_response(self, context, **response_kwargs):
        cache.shows(self.request, *self.surrogate_keys(context))
        response = super().render_to_response(context, **response_kwargs)
        modified = self.last_modified(context)
        if modified is not None:
            response.headers["Last-Modified"] = http_date(modified.timestamp())
        return response


def with_document_title(meta, title):
    """The <title>: "Page — Publication", or the publication alone for the front page."""
    site = settings.PUBLISHER_NAME
    meta["document_title"] = f"{title} — {site}" if title and title != site else site
    return meta


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
            alternates=[(language.code, url) for language, url in page_in_each_language(canonical)],
            x_default=translate_url(canonical, default_language()),
        )
        return with_document_title(meta, title)


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


class ReaderListMixin(SurrogateKeysMixin, PageMetaMixin):
    """Every public list: what published() lets through, each article as the reader sees it."""

    context_object_name = "articles"
    paginate_by = 20
    page_shift = 0

    def surrogate_keys(self, context):
        return {cache.LIST, *(cache.key(reader.article) for reader in context["readers"])}

    def get_articles(self):
        """The articles of this list, before the reader's prefetching."""
        return Article.objects.published()

    def in_order(self, articles):
        """The list's articles in the order it shows them (front pages: lists.CuratedListMixin)."""
        return articles

    def get_queryset(self):
        # Teasers show no topics: the front page's lead does, with its tags fetched apart.
        return for_readers(self.in_order(self.get_articles()), get_language(), tags=False)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        readers = read(context["object_list"], get_language())
        context.update(readers=readers, **{self.context_object_name: readers})
        return context

    def paginate_queryset(self, queryset, page_size):
        """Pages without COUNT(*): one row more than a page says whether another follows."""
        number = page_number(self.request, self.page_kwarg)
        # A curated front page's first page shows placed articles besides the newest
        # (lists.CuratedListMixin): the later pages start that many rows earlier.
        start = max((number - 1) * page_size - self.page_shift, 0)
        rows = list(queryset[start : start + page_size + 1])
        page = NewsPage(rows[:page_size], number, has_next=len(rows) > page_size)
        if not page.object_list and number > 1:
            raise Http404
        return None, page, page.object_list, page.has_other_pages()
