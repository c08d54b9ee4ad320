"""Addresses of the pages named by a slug (articles, sections, authors, tags), built cheaply.

A list page links each of its twenty articles, their sections and their authors: one reverse()
each cost about a tenth of the page's time, and an article's address in another language an
override() of the active translation too. Here a page name is reversed once per language, with
a placeholder for the slug; each address is then that text with the slug put in (an ASCII
slug, which reverse() would not quote). Only the URL patterns are kept, never any content.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.regex_helper import _lazy_re_compile
from django.utils.translation import get_language, override

# Matches both the "slug" ([-a-zA-Z0-9_]+) and the tags' "uslug" ([-\w]+) converters.
_PLACEHOLDER = "0slug0placeholder0"
# Slugs put in as they are; any other (a tag's in another script) goes through reverse().
_ASCII_SLUG = _lazy_re_compile(r"[-a-zA-Z0-9_]+")


@lru_cache(maxsize=256)
def _around_slug(viewname: str, language: str, prefix: str, urlconf, root_urlconf) -> tuple:
    with override(language):
        head, _, tail = reverse(viewname, kwargs={"slug": _PLACEHOLDER}).partition(_PLACEHOLDER)
    return head, tail


def slug_url(viewname: str, slug: str, language: str | None = None) -> str:
    """reverse(viewname, kwargs={"slug": slug}) under `language`'s prefix (default: the active
    language's), for a URL pattern whose only argument is a slug."""
    slug = str(slug)
    if not _ASCII_SLUG.fullmatch(slug):
        with override(language or get_language()):
            return reverse(viewname, kwargs={"slug": slug})
    head, tail = _around_slug(
        viewname,
        language or get_language(),
        get_script_prefix(),
        get_urlconf(),
        settings.ROOT_URLCONF,
    )
    return f"{head}{slug}{tail}"
