from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .languages import page_in_each_language
from .models import Section
from .models.rows import local_text


def publisher(request):
    """The publisher's name (settings.PUBLISHER_NAME) for the masthead, footer and titles."""
    return {"publisher_name": settings.PUBLISHER_NAME}


def site_navigation(request):
    # Lazy: built and evaluated (one query) only by templates that draw the navigation.
    return {"navigation_sections": SimpleLazyObject(navigation_sections)}


def navigation_sections():
    sections = Section.objects.only("name", "slug", "position")
    return list(sections.annotate(local_name=local_text(Section, "name")))


def language_links(request):
    """The current page in each readers' language, for the language switcher; lazy, as the
    article page gives its own (its versions) and most pages none."""
    return {"language_links": SimpleLazyObject(lambda: links_to(request.path))}


def links_to(path):
    return [
        {"code": language.code, "name": language.label, "url": url, "exists": True}
        for language, url in page_in_each_language(path)
    ]
