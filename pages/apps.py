from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The site's own pages (About, Contact, Impressum, Datenschutz) and the editors' menus."""

    name = "pages"
    verbose_name = _("Site pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import sitemaps

        from . import revisions, signals  # noqa: F401
        from .sitemaps import PageSitemap

        # The sitemap index lists the pages; the news sitemap and feeds never read them.
        sitemaps.SITEMAPS.setdefault("pages", PageSitemap)
