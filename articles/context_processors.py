from django.conf import settings
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils.translation import override

from .models import Section
from .models.article import local_section_name


def publisher(request):
    """The publisher's name (settings.PUBLISHER_NAME) for the masthead, footer and titles."""
    return {"publisher_name": settings.PUBLISHER_NAME}


def site_navigation(request):
    # Lazy: evaluated (one query) only by templates that draw the navigation.
    return {
        "navigation_sections": Section.objects.only("name", "slug", "position").annotate(
            local_name=local_section_name("pk")
        )
    }


def language_links(request):
    """The current page in each readers' language, for the language switcher.

    Only paths that resolve to one of our pages are translated; anything else (a 404, a
    hostile "//other.example/…") links to each language's front page, so links stay here.
    """
    path = request.path
    try:
        resolve(path)
        known = not path.startswith("//")
    except Resolver404:
        known = False
    links = []
    for code, name in settings.LANGUAGES:
        if known:
            url = translate_url(path, code)
        else:
            with override(code):
                url = reverse("articles:home")
        links.append({"code": code, "name": name, "url": url, "exists": True})
    return {"language_links": links}
