from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    """The site's own pages (About, Contact, Impressum, Datenschutz) and the editors' menus."""

    name = "pages"
    verbose_name = _("Site pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import sitemaps
        from articles.views import stories

        from . import revisions, signals  # noqa: F401
        from .context_processors import active_menus
        from .sitemaps import PageSitemap

        # The sitemap index lists the pages; the news sitemap and feeds never read them.
        sitemaps.SITEMAPS.setdefault("pages", PageSitemap)
        # Kept with each page's story, as the section navigation is: no read of its own.
        stories.SITE_PARTS.setdefault("site_menus", active_menus)
