"""Tag slugs that always make a working URL, whatever an editor types as a tag."""

from django.utils.text import slugify
from taggit.models import Tag

SLUG_LENGTH = Tag._meta.get_field("slug").max_length
FALLBACK_SLUG = "tag"


def needs_new_slug(tag: Tag) -> bool:
    if not tag.slug or len(tag.slug) > SLUG_LENGTH:
        return True
    return Tag.objects.filter(slug=tag.slug).exclude(pk=tag.pk).exists()


def unique_tag_slug(name: str, exclude_pk=None) -> str:
    """A slug for `name` no other tag has, within the column's length; never empty."""
    base = slugify(name, allow_unicode=True)[:SLUG_LENGTH].strip("-_") or FALLBACK_SLUG
    taken = Tag.objects.exclude(pk=exclude_pk)
    candidate, number = base, 1
    while taken.filter(slug=candidate).exists():
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_LENGTH - len(suffix)].rstrip("-_") + suffix
    return candidate
