"""What search engines and social networks read: JSON-LD and <head> metadata, as plain data.

Plain functions from an article as a reader sees it (reading.ReaderArticle), or from a page's
texts, to dicts; templates only print them, through
`{{ data|jsonld }}` and `{% seo_head meta %}` (articles/templatetags/seo.py). Every URL in the
output is absolute, built by `site.absolute_url`, so DJANGO_SITE_URL is honoured everywhere.
"""

from datetime import datetime

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from .languages import og_locale, url_language
from .markdown import collapse_whitespace, plain_text, truncate_on_word
from .models import BylineRole
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


def lead_image(reader, request) -> dict | None:
    """The article's card picture: its lead picture's 16:9 crop around the focal point, as
    {url, width, height, alt, caption, credit}; None without a lead picture."""
    image = reader.image
    if image is None:
        return None
    wide = image.crops["16:9"]
    return {
        "url": _absolute(wide.url, request),
        "width": wide.width,
        "height": wide.height,
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
    }


def image_objects(reader, request) -> list[dict]:
    """Every picture the article shows, as schema.org ImageObjects with the credit readers
    see: the lead picture cropped to 16:9, 4:3 and 1:1 (what search engines ask for), then
    the pictures in its body."""
    objects = []
    if reader.image is not None:
        objects += [
            _image_object(reader.image, crop, request) for crop in reader.image.crops.values()
        ]
    objects += [_image_object(shown, None, request) for shown in reader.body_pictures]
    return objects


def _headline(reader) -> str:
    return collapse_whitespace(reader.headline)


# JSON-LD ----------------------------------------------------------------------------------------


def _organization(request) -> dict:
    """The publisher as a schema.org Organization: its name, and its home page in the active
    language."""
    return {
        "@type": "Organization",
        "name": settings.PUBLISHER_NAME,
        "url": _absolute(reverse("articles:home"), request),
    }


def publisher(request) -> dict:
    """The publisher as a schema.org Organization with its logo."""
    return {
        **_organization(request),
        "logo": {"@type": "ImageObject", **_static_image(settings.PUBLISHER_LOGO, request)},
    }


def _person(author, request) -> dict:
    return {
        "@type": "Person",
        "name": author.name,
        "url": _absolute(author.get_absolute_url(), request),
    }


def _image_object(image, rendition, request) -> dict:
    """A picture (media.figures.Figure; `rendition` one of its crops, else the picture as
    shown) as a schema.org ImageObject: its address and size, caption, and rights."""
    shown = rendition or image
    data = {
        "@type": "ImageObject",
        "url": _absolute(shown.url, request),
        "contentUrl": _absolute(shown.url, request),
        "width": shown.width,
        "height": shown.height,
    }
    rights = {
        "caption": collapse_whitespace(image.caption),
        "creditText": image.credit,
        "copyrightNotice": image.copyright_notice,
        "license": image.license_url,
        "acquireLicensePage": image.acquire_license_url,
    }
    data |= {key: value for key, value in rights.items() if value}
    if image.creator:
        data["creator"] = {"@type": "Person", "name": image.creator}
    return data


def _default_image_object(request) -> dict:
    image = default_image(request)
    return {
        "@type": "ImageObject",
        "url": image["url"],
        "width": image["width"],
        "height": image["height"],
    }


def _people(reader, request) -> dict:
    """`author` (always), and `editor`, `contributor`, `translator` when the bylines have them."""
    people: dict[str, list] = {}
    for byline in reader.bylines:
        key = "author" if byline.role in WRITING_ROLES else ROLE_PROPERTIES.get(byline.role)
        if key:
            people.setdefault(key, []).append(byline.author)
    if reader.translators:
        people.setdefault("translator", []).extend(reader.translators)
    data = {}
    for key, authors in people.items():
        unique = list({author.pk: author for author in authors}.values())
        data[key] = [_person(author, request) for author in unique]
    if reader.unsigned or not data.get("author"):
        # An editorial or a brief: the publication itself answers for it.
        data["author"] = [_organization(request)]
    return data


def _corrections(reader) -> list[dict]:
    return [
        {
            "@type": "CorrectionComment",
            "text": plain_text(note.text_html) or collapse_whitespace(note.text),
            "datePublished": iso_datetime(note.noted_at),
        }
        for note in reader.correcting_notes
    ]


def _work(url: str, language: str | None = None) -> dict:
    data = {"@type": "NewsArticle", "@id": f"{url}#article", "url": url}
    if language:
        data["inLanguage"] = language
    return data


def news_article(reader, request) -> dict:
    """schema.org NewsArticle for the page showing `reader` (a reading.ReaderArticle): the
    original, naming its published translations as `workTranslation`, or a translation, naming
    its original as `translationOfWork`."""
    url = _absolute(reader.canonical_url, request)
    language = reader.text_language
    # Author and section pages in the language of the text, whatever the reader's interface.
    with override(url_language(language)):
        people = _people(reader, request)
        section = str(reader.section_name_in(language))
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "@id": f"{url}#article",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "url": url,
            "headline": truncate_on_word(_headline(reader), HEADLINE_LIMIT),
            "description": reader.summary,
            "inLanguage": language,
            **people,
            "publisher": publisher(request),
        }
    if reader.published_at is not None:
        data["datePublished"] = iso_datetime(reader.published_at)
    if reader.modified_at is not None:
        data["dateModified"] = iso_datetime(reader.modified_at)
    data["image"] = image_objects(reader, request) or _default_image_object(request)
    data["articleSection"] = section
    if keywords := [tag.name for tag in reader.tags]:
        data["keywords"] = keywords
    if corrections := _corrections(reader):
        data["correction"] = corrections
    if reader.is_translation:
        data["translationOfWork"] = _work(_absolute(reader.original_url, request))
    elif reader.public_translations:
        data["workTranslation"] = [
            _work(_absolute(t.get_absolute_url(), request), t.language)
            for t in reader.public_translations
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


def article_meta(reader, request) -> dict:
    """`page_meta` for an article page (a reading.ReaderArticle), with article:* tags: every
    page of the article as an hreflang alternate, the first (the original) also x-default."""
    pages = reader.pages
    meta = page_meta(
        request,
        title=_headline(reader),
        description=reader.summary,
        canonical=reader.canonical_url,
        og_type="article",
        image=lead_image(reader, request),
        locale=reader.text_language,
        alternates=pages,
        x_default=pages[0][1] if pages else reader.original_url,
    )
    meta["og"]["article"] = {
        "published_time": iso_datetime(reader.published_at),
        "modified_time": iso_datetime(reader.modified_at),
        "section": str(reader.section_name_in(reader.text_language)),
        "tags": [tag.name for tag in reader.tags],
    }
    return meta
