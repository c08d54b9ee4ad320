"""Template helpers for the readers' site."""

from django import template
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from .. import search, seo
from ..addresses import slug_url

register = template.Library()


@register.filter
def localized(obj, field):
    """`{{ section|localized:"name" }}`: the field in the reader's language, else the original."""
    return obj.localized(field)


@register.filter
def iso_datetime(value):
    """`<time datetime>` text: local time with its offset, to the second ("…T10:30:00+01:00")."""
    return seo.iso_datetime(value) or ""


@register.filter
def highlighted(snippet):
    """A search result's snippet with the matched words marked (search.highlighted())."""
    return search.highlighted(snippet or "")


@register.filter
def tag_url(tag):
    """`{{ tag|tag_url }}`: the tag's page, as `{% url 'articles:tag-detail' slug=tag.slug %}`."""
    return slug_url("articles:tag-detail", tag.slug)


@register.simple_tag(takes_context=True)
def article_meta(context, article, full=False):
    """`{% article_meta article %}`: the bylines and the date of publication of a ReaderArticle;
    with `full=True` (the article page) the time of day too, unless it is midnight to the
    second (dates without a time of day, as the seed's, are stored so), and when it was updated.

    Python, not an included template: a list shows twenty, and as a template each took most of
    a teaser's rendering (about 800 function calls; here about a third of that).
    """
    bylines, published_at = article.bylines, article.published_at
    if not bylines and not published_at:
        return "\n"
    lang = ""
    language = context.get("LANGUAGE_CODE")
    if article.text_language != language:
        lang = format_html(' lang="{}"', language)
    credits = ""
    if bylines:
        names = []
        for number, byline in enumerate(bylines, start=1):
            role = (
                "" if byline.role == "reporter" else format_html(" ({})", byline.get_role_display())
            )
            if number == len(bylines) - 1:
                after = format_html(" {} ", gettext("and"))
            else:
                after = ", " if number < len(bylines) else ""
            names.append(
                format_html(
                    '<a href="{}" rel="author">{}</a>{}{}',
                    byline.author.get_absolute_url(),
                    byline.author.name,
                    role,
                    after,
                )
            )
        credits = format_html(
            '<span class="byline">{} {}</span>', gettext("By"), mark_safe("".join(names))
        )
    separator = '<span aria-hidden="true">·</span>' if bylines and published_at else ""
    published = ""
    if published_at:
        local = template_localtime(published_at)
        label = ""
        if full:
            label = format_html('<span class="meta__label">{}</span> ', gettext("Published"))
        if full and time_format(local, "His") != "000000":
            shown = date_format(local, "DATETIME_FORMAT")
        else:
            shown = date_format(local, "DATE_FORMAT")
        published = format_html(
            '{}<time datetime="{}">{}</time>', label, seo.iso_datetime(published_at), shown
        )
    updated = ""
    if full and article.revised_at:
        updated = format_html(
            '<span aria-hidden="true">·</span> <span class="meta__label">{}</span> '
            '<time datetime="{}">{}</time>',
            gettext("Updated"),
            seo.iso_datetime(article.revised_at),
            date_format(template_localtime(article.revised_at), "DATETIME_FORMAT"),
        )
    return format_html(
        '<p class="meta"{}>\n  {}\n  {}\n  {}\n  {}\n</p>\n',
        lang,
        credits,
        mark_safe(separator),
        published,
        updated,
    )
