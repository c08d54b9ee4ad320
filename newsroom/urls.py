import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from articles import sitemaps

admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom desk")
admin.site.index_title = _("Editors' desk")
# The article list needs the width at 1280 px more than a second copy of the home page's menu.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # For crawlers, outside the language prefixes.
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    path("sitemap.xml", sitemaps.index, name="sitemap-index"),
    path("sitemap-<str:section>.xml", sitemaps.section, name="sitemap-section"),
]

# Every reader URL carries its language: /en/…, /de/…; "/" redirects to the reader's language.
urlpatterns += i18n_patterns(
    path("", include("pages.urls")),
    path("", include("articles.urls")),
    prefix_default_language=True,
)

if settings.SERVE_MEDIA or settings.DEBUG:
    # Uploads, for the local run (DJANGO_SERVE_MEDIA, debug off: Django's static() helper
    # would add nothing) and debugging; production serves MEDIA_ROOT from its web server.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# A database outage answers 503 with Retry-After (the designed page); anything else 500.
handler500 = "articles.errors.server_error"
# A refusal says why, in the editor's language, with a way back (the desk's design).
handler403 = "articles.admin.denied.permission_denied"
