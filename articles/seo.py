"""What search engines and social networks read: JSON-LD and <head> metadata, as plain data.

Plain functions from an article (or a page's texts) to dicts; templates only print them, through
`{{ data|jsonld }}` and `{% seo_head meta %}` (articles/templatetags/seo.py). Every URL in the
output is absolute, built by `site.absolute_url`, so DJANGO_SITE_URL is honoured everywhere.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from .languages import og_locale, url_language
from .markdown import collapse_whitespace, opening_sentence, plain_text, truncate_on_word
from .models import BylineRole, CorrectionKind, translators_from_rows
from .site import absolute_url

HEADLINE_LIMIT = 110  # Google's limit for a NewsArticle headline.
DESCRIPTION_LIMIT = 160  # What result pages show of a meta description.

# Bylines whose people wrote the text: schema.org `author`. Editors, photographers and translators
# are credited under their own schema.org properties, so "author" matches the writing byline.
WRITING_ROLES = (BylineRole.REPORTER, BylineRole.CONTRIBUTOR)
ROLE_PROPERTIES = {
    BylineRole.EDITOR: "editor",
    BylineRole.PHOTOGRAPHER: "contributor",
    BylineRole.TRANSLATOR: "translator",
}
# Notes that say the article was wrong or unclear; updates and editor's notes are not
# corrections, and schema.org `correction` would misreport them as such.
CORRECTING_KINDS = (CorrectionKind.CORRECTION, CorrectionKind.CLARIFICATION)


# Text -------------------------------------------------------------------------------------------


def iso_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in the site's time zone, with its offset: `2024-09-14T09:30:00+02:00`."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _absolute(url: str, request) -> str:
    # Storages on another host (a CDN's STATIC_URL or MEDIA_URL) already give absolute URLs.
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("//"):
        return absolute_url("", request).split("//", 1)[0] + url
    return absolute_url(url, request)


def _static_image(config: dict, request) -> dict:
    return {
        "url": _absolute(static(config["path"]), request),
        "width": config["width"],
        "height": config["height"],
    }


def default_image(request) -> dict:
    """The site's social image, for pages without a picture: {url, width, height, alt}."""
    return {**_static_image(settings.DEFAULT_SOCIAL_IMAGE, request), "alt": settings.PUBLISHER_NAME}


def lead_image(article, request) -> dict | None:
    """The article's lead image as {url, width, height, alt, caption, credit}, or None."""
    if not article.lead_image:
        return None
    return {
        "url": _absolute(article.lead_image.url, request),
        "width": article.lead_image_width,
        "height": article.lead_image_height,
        "alt": article.lead_image_alt,
        "caption": article.lead_image_caption,
        "credit": article.lead_image_credit,
    }


# The text a page shows --------------------------------------------------------------------------


@dataclass
class _Shown:
    """The original, or one of its translations: what the page's metadata describes."""

    headline: str
    description: str
    language: str
    path: str
    modified: datetime | None


def _original_language(article) -> str:
    # The article views dress an article in the translation they show (views.show_translation)
    # and keep its own language aside.
    return getattr(article, "original_language", article.language)


def _shown(article, translation) -> _Shown:
    text = translation or article
    if translation is None:
        path = article.get_original_url()
        modified = [article.updated_at, article.revised_at]
    else:
        path = translation.get_absolute_url()
        # Corrections are the article's and are shown with every language of it.
        modified = [translation.updated_at, article.revised_at]
    # A scheduled article may have been saved before it went out; it cannot change before.
    modified.append(article.published_at)
    return _Shown(
        headline=collapse_whitespace(text.headline),
        description=collapse_whitespace(text.standfirst) or opening_sentence(text.body_html),
        language=text.language,
        path=path,
        modified=max((value for value in modified if value is not None), default=None),
    )


def _published_translations(article, translation, translations) -> list:
    """The translations to announce: those given, and the one shown, once per language."""
    found = {t.language: t for t in translations}
    if translation is not None:
        found.setdefault(translation.language, translation)
    return [found[language] for language in sorted(found)]


# JSON-LD ----------------------------------------------------------------------------------------


def publisher(request) -> dict:
    """The publisher as a schema.org Organization with its logo."""
    return {
        "@type": "Organization",
        "name": settings.PUBLISHER_NAME,
        "url": _absolute(reverse("articles:home"), request),
        "logo": {"@type": "ImageObject", **_static_image(settings.PUBLISHER_LOGO, request)},
    }


def _person(author, request) -> dict:
    return {
        "@type": "Person",
        "name": author.name,
        "url": _absolute(author.get_absolute_url(), request),
    }


def _image_object(image: dict) -> dict:
    data = {"@type": "ImageObject", "url": image["url"]}
    if image.get("width") and image.get("height"):
        data |= {"width": image["width"], "height": image["height"]}
    if image.get("caption"):
        data["caption"] = collapse_whitespace(image["caption"])
    if image.get("credit"):
        data["creditText"] = image["credit"]
        data["copyrightNotice"] = image["credit"]
    return data


def _people(article, translation, request) -> dict:
    """`author` (always), and `editor`, `contributor`, `translator` when the bylines have them."""
    people: dict[str, list] = {}
    for byline in article.bylines.all():
        key = "author" if byline.role in WRITING_ROLES else ROLE_PROPERTIES.get(byline.role)
        if key:
            people.setdefault(key, []).append(byline.author)
    if translation is not None:
        # Translation pages fetch the translators with the translation (translator_rows).
        translators = (
            translators_from_rows(translation)
            if hasattr(translation, "translator_rows")
            else translation.translators.all()
        )
        people.setdefault("translator", []).extend(translators)
    data = {}
    for key, authors in people.items():
        unique = list({author.pk: author for author in authors}.values())
        data[key] = [_person(author, request) for author in unique]
    if article.unsigned or not data.get("author"):
        # An editorial or a brief: the publication itself answers for it.
        data["author"] = [{"@type": "Organization", "name": settings.PUBLISHER_NAME}]
    return data


def _corrections(article) -> list[dict]:
    # Article pages fetch the notes with the article (loaded_corrections): no query here.
    notes = getattr(article, "loaded_corrections", None)
    if notes is None:
        notes = article.corrections.all()
    return [
        {
            "@type": "CorrectionComment",
            "text": plain_text(note.text_html) or collapse_whitespace(note.text),
            "datePublished": iso_datetime(note.noted_at),
        }
        for note in notes
        if note.kind in CORRECTING_KINDS
    ]


def _work(url: str, language: str | None = None) -> dict:
    data = {"@type": "NewsArticle", "@id": f"{url}#article", "url": url}
    if language:
        data["inLanguage"] = language
    return data


def news_article(article, request, *, translation=None, translations=()) -> dict:
    """schema.org NewsArticle for the page showing `article`, or its `translation` if given.

    `translations`: the article's published translations (ArticleTranslation.objects.published()),
    listed as `workTranslation` on the original's page.
    """
    shown = _shown(article, translation)
    url = _absolute(shown.path, request)
    # Author and section pages in the language of the text, whatever the reader's interface.
    with override(url_language(shown.language)):
        people = _people(article, translation, request)
        section = str(article.section.localized("name", shown.language))
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "@id": f"{url}#article",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "url": url,
            "headline": truncate_on_word(shown.headline, HEADLINE_LIMIT),
            "description": shown.description,
            "inLanguage": shown.language,
            **people,
            "publisher": publisher(request),
        }
    if article.published_at is not None:
        data["datePublished"] = iso_datetime(article.published_at)
    if shown.modified is not None:
        data["dateModified"] = iso_datetime(shown.modified)
    data["image"] = _image_object(lead_image(article, request) or default_image(request))
    data["articleSection"] = section
    if keywords := [tag.name for tag in article.tags.all()]:
        data["keywords"] = keywords
    if corrections := _corrections(article):
        data["correction"] = corrections
    if translation is not None:
        data["translationOfWork"] = _work(_absolute(article.get_original_url(), request))
    elif translations:
        data["workTranslation"] = [
            _work(_absolute(t.get_absolute_url(), request), t.language)
            for t in _published_translations(article, None, translations)
        ]
    return data


# <head> metadata --------------------------------------------------------------------------------


def page_meta(
    request,
    *,
    title,
    description,
    canonical,
    og_type="website",
    image=None,
    locale="en",
    alternates=(),
    x_default=None,
) -> dict:
    """What a page's <head> says about it, for `{% seo_head meta %}`; `meta.title` is for <title>.

    `canonical`, the URLs in `alternates` ((hreflang, path or URL) pairs; list the page itself
    too) and `x_default` may be paths. `image`: {url, width, height, alt}, else the default image.
    """
    title = collapse_whitespace(str(title))
    description = truncate_on_word(str(description), DESCRIPTION_LIMIT)
    canonical = _absolute(str(canonical), request)
    image = image or default_image(request)
    image = {**image, "url": _absolute(image["url"], request), "alt": image.get("alt") or ""}
    og_image = {key: image.get(key) for key in ("url", "width", "height", "alt")}
    alternates = [
        {"hreflang": str(hreflang), "href": _absolute(str(url), request)}
        for hreflang, url in alternates
    ]
    locale_code = og_locale(locale)
    locale_alternates = []
    for alternate in alternates:
        code = og_locale(alternate["hreflang"])
        if code not in {locale_code, *locale_alternates}:
            locale_alternates.append(code)
    return {
        "title": title,
        "description": description,
        "canonical": canonical,
        "og": {
            "type": og_type,
            "title": title,
            "description": description,
            "url": canonical,
            "image": og_image,
            "site_name": settings.PUBLISHER_NAME,
            "locale": locale_code,
            "locale_alternates": locale_alternates,
            "article": None,
        },
        "twitter": {
            "card": "summary_large_image",
            "title": title,
            "description": description,
            "image": og_image["url"],
            "image_alt": og_image["alt"],
        },
        "alternates": alternates,
        "x_default": _absolute(str(x_default), request) if x_default else None,
    }


def article_meta(article, request, *, translation=None, translations=()) -> dict:
    """`page_meta` for an article page (the original, or its `translation`), with article:* tags.

    `translations`: the article's published translations; they and the original become the
    hreflang alternates, the original also `x-default`.
    """
    shown = _shown(article, translation)
    original = article.get_original_url()
    alternates = [(_original_language(article), original)] + [
        (t.language, t.get_absolute_url())
        for t in _published_translations(article, translation, translations)
    ]
    meta = page_meta(
        request,
        title=shown.headline,
        description=shown.description,
        canonical=shown.path,
        og_type="article",
        image=lead_image(article, request),
        locale=shown.language,
        alternates=alternates,
        x_default=original,
    )
    meta["og"]["article"] = {
        "published_time": iso_datetime(article.published_at),
        "modified_time": iso_datetime(shown.modified),
        "section": str(article.section.localized("name", shown.language)),
        "tags": [tag.name for tag in article.tags.all()],
    }
    return meta
