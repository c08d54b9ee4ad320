"""Template helpers for the readers' site."""

from django import template

register = template.Library()


@register.filter
def localized(obj, field):
    """`{{ section|localized:"name" }}`: the field in the reader's language, else the original."""
    return obj.localized(field)
