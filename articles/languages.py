"""The languages of the readers' site, in one place.

`settings.LANGUAGES` names them and orders them (their URL prefixes: /en/, /de/); this module
adds what settings cannot hold for each: how PostgreSQL's full-text search stems its texts and
how OpenGraph names its locale. Every part of the site that asks "which languages", "which
search configuration" or "which og:locale" asks here.

Texts may be written in any language Django knows (BCP 47 tags such as "pt-BR"); only site
languages have pages of their own. A text in another language is shown under the default
language's prefix (`url_language`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils.translation import override, to_locale

# PostgreSQL text search configuration (stemmer and stop words) per language of a text. Adding a
# language here needs a migration adding its stored search documents' rules (see
# migrations/0009_stored_search_documents.py); tests/test_search.py fails until it exists.
SEARCH_CONFIGS = {"en": "english", "de": "german"}
FALLBACK_SEARCH_CONFIG = "simple"

# og:locale wants language_TERRITORY; a tag with a region ("de-CH") carries its own.
OG_LOCALES = {"en": "en_GB", "de": "de_DE"}


@dataclass(frozen=True)
class SiteLanguage:
    """A language the readers' site is served in."""

    code: str  # the URL prefix and BCP 47 tag: "en"
    label: str  # "English", translated when shown
    search_config: str  # "english"
    og_locale: str  # "en_GB"


def site_languages() -> list[SiteLanguage]:
    """The site's languages, in the order of settings.LANGUAGES (the default first)."""
    return [
        SiteLanguage(code, label, search_config(code), og_locale(code))
        for code, label in settings.LANGUAGES
    ]


def site_language_codes() -> list[str]:
    """["en", "de"]: the URL prefixes of the readers' site."""
    return [code for code, _label in settings.LANGUAGES]


def default_language() -> str:
    """The language of the site's canonical addresses, and of texts in no site language."""
    return settings.LANGUAGE_CODE


def url_language(language: str) -> str:
    """The site language whose URLs show text in `language`: itself, or the default."""
    return language if language in site_language_codes() else default_language()


def search_config(language: str) -> str:
    """The PostgreSQL text search configuration for text written in `language`."""
    return SEARCH_CONFIGS.get(language, FALLBACK_SEARCH_CONFIG)


def og_locale(language: str) -> str:
    """`en` → `en_GB`, `de-CH` → `de_CH`: the form OpenGraph wants."""
    base, _, region = language.partition("-")
    if region and len(region) == 2:
        return f"{base}_{region.upper()}"
    return OG_LOCALES.get(base, base)


def bcp47(code: str) -> str:
    """Django's "pt-br" as the BCP 47 tag "pt-BR" (and "sr-latn" as "sr-Latn")."""
    return to_locale(code).replace("_", "-")


def known_languages() -> set[str]:
    """The languages the desk offers for a text: the site's and every other Django knows."""
    return {bcp47(code) for code, _name in (*settings.LANGUAGES, *ALL_LANGUAGES)}


def language_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the site's languages, every other language Django knows) as (BCP 47 tag, name) pairs,
    names untranslated, for the desk's language menus."""
    site = [(bcp47(code), name) for code, name in settings.LANGUAGES]
    taken = {code for code, _name in site}
    others = [(bcp47(code), name) for code, name in ALL_LANGUAGES if bcp47(code) not in taken]
    return site, others


def page_in_each_language(path: str) -> list[tuple[SiteLanguage, str]]:
    """The page at `path` under each site language's prefix: the language switcher's links and
    a list page's hreflang alternates (an article's come from reading.ReaderArticle).

    Only paths that resolve to one of the site's pages are translated; anything else (a 404, a
    hostile "//other.example/…") gives each language's front page, so links stay here.
    """
    try:
        resolve(path.split("?", 1)[0])
        known = not path.startswith("//")
    except Resolver404:
        known = False
    pages = []
    for language in site_languages():
        if known:
            url = translate_url(path, language.code)
        else:
            with override(language.code):
                url = reverse("articles:home")
        pages.append((language, url))
    return pages
