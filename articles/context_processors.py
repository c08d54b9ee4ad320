from django.conf import settings
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils.translation import override

from .languages import site_languages
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
    for language in site_languages():
        if known:
            url = translate_url(path, language.code)
        else:
            with override(language.code):
                url = reverse("articles:home")
        links.append({"code": language.code, "name": language.label, "url": url, "exists": True})
    return {"language_links": links}
