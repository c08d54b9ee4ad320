from django.conf import settings
from django.urls import translate_url

from .models import Section


def site_navigation(request):
    # Lazy: evaluated (one query) only by templates that draw the navigation.
    return {"navigation_sections": Section.objects.only("name", "slug")}


def language_links(request):
    """The current page in each readers' language, for the language switcher."""
    path = request.path
    return {
        "language_links": [
            {"code": code, "name": name, "url": translate_url(path, code)}
            for code, name in settings.LANGUAGES
        ]
    }
