from django.conf import settings

from .languages import page_in_each_language
from .models import Section
from .models.rows import local_text


def publisher(request):
    """The publisher's name (settings.PUBLISHER_NAME) for the masthead, footer and titles."""
    return {"publisher_name": settings.PUBLISHER_NAME}


def site_navigation(request):
    # Lazy: evaluated (one query) only by templates that draw the navigation.
    return {
        "navigation_sections": Section.objects.only("name", "slug", "position").annotate(
            local_name=local_text(Section, "name")
        )
    }


def language_links(request):
    """The current page in each readers' language, for the language switcher."""
    return {
        "language_links": [
            {"code": language.code, "name": language.label, "url": url, "exists": True}
            for language, url in page_in_each_language(request.path)
        ]
    }
