from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from articles.cache.fragments import kept

from .models import MenuLink


def site_menus(request):
    """The editors' links for the main menu and the footer (`site_menus.main`,
    `site_menus.footer`), in the reader's language: one query, kept between changes (a change
    to a page or a link renews every page: signals.py)."""
    return {"site_menus": SimpleLazyObject(kept_menus)}


def kept_menus() -> dict:
    language = get_language()
    return kept(f"menus:{language}", lambda: (menus(language), ()))


def active_menus() -> dict[str, list[dict]]:
    return menus(get_language())


def menus(language: str) -> dict[str, list[dict]]:
    places = {"main": [], "footer": []}
    for link in MenuLink.objects.shown(language):
        places[link.place].append({"label": link.label, "url": link.href, "page": link.page_id})
    return places
