"""The pages in the sitemap index (never in the news sitemap), each with its translations as
hreflang alternates."""

from django.db.models import Prefetch

from articles.sitemaps import SiteSitemap

from .models import Page


class PageSitemap(SiteSitemap):
    def items(self):
        published = Page.objects.published()
        return (
            published.select_related("translation_of")
            .prefetch_related(
                Prefetch("translations", queryset=published.order_by("language"), to_attr="public"),
                Prefetch(
                    "translation_of__translations",
                    queryset=published.order_by("language"),
                    to_attr="public",
                ),
            )
            .order_by("pk")
        )

    def location(self, page):
        return page.get_absolute_url()

    def lastmod(self, page):
        return page.updated_at

    @staticmethod
    def versions(page) -> list[Page]:
        """The page and its published translations, the original first."""
        original = page.translation_of
        if original is None:
            return [page, *page.public]
        if not original.is_public():
            return [version for version in original.public]
        return [original, *original.public]

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            versions = self.versions(url["item"])
            if len(versions) > 1:
                paths = [(version.language, version.get_absolute_url()) for version in versions]
                url["alternates"] = [
                    {"lang_code": language, "location": self.origin + path}
                    for language, path in [*paths, ("x-default", paths[0][1])]
                ]
        return urls
