"""Template helpers for the readers' site."""

from django import template

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
