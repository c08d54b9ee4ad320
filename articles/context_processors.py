from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from .addresses import slug_url
from .cache.fragments import kept
from .languages import page_in_each_language
from .models import Section
from .models.rows import local_text


def publisher(request):
    """The publisher's name (settings.PUBLISHER_NAME) for the masthead, footer and titles."""
    return {"publisher_name": settings.PUBLISHER_NAME}


def site_navigation(request):
    # Lazy: only templates that draw the navigation ask for it. Kept between changes to
    # sections (which renew every page: cache/fanout.py), so most pages make no query for it.
    return {"navigation_sections": SimpleLazyObject(kept_navigation)}


def kept_navigation() -> list[dict]:
    return kept(f"navigation:{get_language()}", lambda: (navigation_sections(), ()))


def navigation_sections() -> list[dict]:
    """Each section's slug, address and name in the reader's language, in navigation order:
    plain rows, with the addresses built from one reverse()."""
    sections = Section.objects.annotate(local_name=local_text(Section, "name"))
    return [
        {
            "slug": row["slug"],
            "url": slug_url("articles:section-detail", row["slug"]),
            "name": row["local_name"] or row["name"],
        }
        for row in sections.values("slug", "name", "local_name")
    ]


def language_links(request):
    """The current page in each readers' language, for the language switcher; lazy, as the
    article page gives its own (its versions) and most pages none."""
    return {"language_links": SimpleLazyObject(lambda: links_to(request.path))}


def links_to(path):
    return [
        {"code": language.code, "name": language.label, "url": url, "exists": True}
        for language, url in page_in_each_language(path)
    ]
