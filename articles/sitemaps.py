"""Sitemaps, the Google News sitemap and robots.txt, thin on django.contrib.sitemaps.

Every address is absolute on the site's own origin (DJANGO_SITE_URL, else the request's), and
every <loc> is a page that answers 200 without a redirect.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from . import cache
from .languages import default_language, site_language_codes, url_language
from .models import Article, ArticleTranslation, MediaUse, Section, article_page_url
from .reading import ReaderArticle, modified_expression
from .site import absolute_url, site_origin
from .validators import xml_text


def listed_originals():
    """Published originals that are pages of their own.

    An original in a language the site is not served in lives under the default language's
    prefix, and once it has a translation into that language its address redirects there.
    """
    redirected = ArticleTranslation.objects.published().filter(language=default_language())
    return Article.objects.published().exclude(
        ~Q(language__in=site_language_codes()), pk__in=redirected.values("article")
    )


def public_translations(lookup="translations"):
    return Prefetch(
        lookup,
        queryset=ArticleTranslation.objects.published().only("article_id", "language", "slug"),
        to_attr="public_translations",
    )


def pictures_shown(lookup="media_uses"):
    """The library pictures an article shows (lead and body), as `pictures_shown`."""
    uses = MediaUse.objects.filter(image__isnull=False).select_related("image")
    return Prefetch(
        lookup,
        queryset=uses.only("article_id", "image__file").order_by("pk"),
        to_attr="pictures_shown",
    )


class SiteSitemap(Sitemap):
    """A sitemap whose addresses start with the site's origin rather than contrib.sites'."""

    template_name = "sitemaps/sitemap.xml"

    def __init__(self, origin: str):
        self.origin = origin
        self.protocol, self.domain = origin.split("://", 1)

    def get_domain(self, site=None):
        return self.domain

    @cached_property
    def paginator(self):
        # Once per request: contrib builds a paginator, and counts, each time it is asked.
        return Paginator(self._items(), self.limit)


class ArticleVersionsSitemap(SiteSitemap):
    """Pages of articles, each with hreflang alternates to the article's other pages."""

    def read(self, item) -> ReaderArticle:
        raise NotImplementedError

    def reader(self, item) -> ReaderArticle:
        """The page as readers see it, made once per item (location, lastmod, alternates)."""
        readers = self.__dict__.setdefault("readers", {})
        if item not in readers:
            readers[item] = self.read(item)
        return readers[item]

    # The newest change an item's page shows, for get_latest_lastmod().
    lastmod_expression = modified_expression()

    @cached_property
    def summary(self) -> dict:
        """How many pages there are and when the newest changed, in one query for the index."""
        return self.items().aggregate(count=Count("pk"), latest=Max(self.lastmod_expression))

    @cached_property
    def paginator(self):
        paginator = super().paginator
        paginator.count = self.summary["count"]
        return paginator

    def get_latest_lastmod(self):
        return self.summary["latest"]

    def location(self, item):
        return self.reader(item).canonical_url

    def lastmod(self, item):
        return self.reader(item).modified_at

    def images(self, item) -> list[str]:
        return []

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            # The image sitemap extension: the pictures the page shows, as uploaded.
            url["images"] = [
                image if "://" in image else self.origin + image
                for image in self.images(url["item"])
            ]
            pages = self.reader(url["item"]).pages
            if len(pages) > 1:
                url["alternates"] = [
                    {"lang_code": language, "location": self.origin + path}
                    for language, path in [*pages, ("x-default", pages[0][1])]
                ]
        return urls


class ArticleSitemap(ArticleVersionsSitemap):
    """Every published original at its own address."""

    def items(self):
        return (
            listed_originals()
            .prefetch_related(public_translations(), pictures_shown())
            .only("slug", "language", "revised_at", "published_at")
        )

    def read(self, article):
        return ReaderArticle(article, url_language(article.language))

    def images(self, article):
        return [use.image.file.url for use in article.pictures_shown]


class TranslationSitemap(ArticleVersionsSitemap):
    """Every published translation at its own address."""

    lastmod_expression = modified_expression("article__")

    def items(self):
        return (
            ArticleTranslation.objects.published()
            .select_related("article")
            .prefetch_related(
                public_translations("article__translations"), pictures_shown("article__media_uses")
            )
            .only(
                "language",
                "slug",
                "article__slug",
                "article__language",
                "article__revised_at",
                "article__published_at",
            )
            .order_by("pk")
        )

    def read(self, translation):
        return ReaderArticle(translation.article, translation.language, translation)

    def images(self, translation):
        return [use.image.file.url for use in translation.article.pictures_shown]


class ListingSitemap(SiteSitemap):
    """Pages that exist in every site language: Django writes the hreflang alternates."""

    i18n = True
    alternates = True
    x_default = True


class SectionSitemap(ListingSitemap):
    def items(self):
        return Section.objects.only("slug")


class TagSitemap(ListingSitemap):
    """Tags on published articles; the others have no public page."""

    def items(self):
        return Article.objects.published().tags().order_by("name")

    def location(self, tag):
        return reverse("articles:tag-detail", kwargs={"slug": tag.slug})


class AuthorSitemap(ListingSitemap):
    """Authors of published articles; the others have no public page."""

    def items(self):
        return Article.objects.published().authors().only("slug")


@dataclass(frozen=True)
class NewsItem:
    path: str
    language: str
    title: str
    published_at: datetime


class NewsSitemap(SiteSitemap):
    """Google News: originals and translations of articles published in the last two days."""

    template_name = "sitemaps/news.xml"
    limit = 1000  # Google News reads at most 1,000 addresses a file.
    window = timedelta(days=2)

    def items(self):
        since = timezone.now() - self.window
        fields = ["slug", "language", "headline"]
        originals = listed_originals().filter(published_at__gte=since).order_by()
        translations = (
            ArticleTranslation.objects.published()
            .filter(article__published_at__gte=since)
            .order_by()
        )
        # Originals and translations have their addresses made alike: one query for both.
        rows = originals.values_list(*fields, "published_at").union(
            translations.values_list(*fields, "article__published_at"), all=True
        )
        items = [
            # Without what XML cannot carry, should an old row hold it (validators.py).
            NewsItem(article_page_url(slug, language), language, xml_text(headline), published_at)
            for slug, language, headline, published_at in rows
        ]
        return sorted(items, key=lambda item: (item.published_at, item.path), reverse=True)

    def location(self, item):
        return item.path


SITEMAPS = {
    "articles": ArticleSitemap,
    "translations": TranslationSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "news": NewsSitemap,
}


def site_sitemaps(request) -> dict[str, SiteSitemap]:
    origin = site_origin(request)
    return {name: sitemap(origin) for name, sitemap in SITEMAPS.items()}


def index(request):
    """/sitemap.xml: contrib's index of the sitemaps above that list something, every page of
    each. An empty one (no translations yet, say) still answers at its address, unlisted."""
    cache.shows(request, cache.SITEMAPS, cache.LIST)
    # The paginators' counts, kept for contrib's index: no query more.
    listed = {
        name: sitemap for name, sitemap in site_sitemaps(request).items() if sitemap.paginator.count
    }
    response = sitemap_views.index(request, listed, sitemap_url_name="sitemap-section")
    # contrib puts the request's host into these addresses; DJANGO_SITE_URL may name another.
    for entry in response.context_data["sitemaps"]:
        parts = urlsplit(entry.location)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        entry.location = absolute_url(path, request)
    return response


def section(request, section):
    """/sitemap-<section>.xml: one of the sitemaps above, in its own template."""
    cache.shows(request, cache.SITEMAPS, cache.LIST)
    sitemaps = site_sitemaps(request)
    template_name = getattr(sitemaps.get(section), "template_name", SiteSitemap.template_name)
    response = sitemap_views.sitemap(
        request, sitemaps, section=section, template_name=template_name
    )
    response.context_data["publication_name"] = settings.PUBLISHER_NAME
    return response


def robots_txt(request):
    """Crawl everything but previews and search results; name the sitemap index.

    Not the desk: robots.txt is public, and DJANGO_ADMIN_PATH is not. Nothing links to the
    desk, and its pages tell robots to stay out themselves (<meta name="robots">).
    """
    lines = ["User-agent: *"]
    for language in site_language_codes():
        with override(language):
            lines.append(f"Disallow: {reverse('articles:home')}preview/")
            lines.append(f"Disallow: {reverse('articles:search')}")
    lines += ["", f"Sitemap: {absolute_url(reverse('sitemap-index'), request)}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
