"""What a text may hold, checked alike by the models, the desk's forms and fixtures."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# A pragmatic BCP 47 shape check: language, optional script, region and variants ("en", "de-CH",
# "zh-Hant-TW", "sr-Latn"). Full registry validation is not an editor's problem.
bcp47_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*$",
    _('Enter a BCP 47 language tag such as "en", "de" or "de-CH".'),
)

# Invisible characters no editor means to publish. C0 controls (but tab and line breaks): XML
# (feeds, sitemaps) cannot carry them and PostgreSQL refuses NUL. Bidi embeddings, overrides
# and isolates: their effect reaches past the field into the page around it, reversing a
# byline or a credit ("Trojan Source"); right-to-left text needs none of them, and the marks
# U+200E, U+200F and U+061C, which have no such reach, stay allowed.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def validate_plain_text(value: str) -> None:
    """Refuse control characters and bidi embeddings, overrides and isolates."""
    for pattern, message in (
        (
            _CONTROL_CHARACTERS,
            _(
                "Remove the invisible control character %(character)s (character "
                "%(position)s): it cannot be shown on the site."
            ),
        ),
        (
            _BIDI_CONTROLS,
            _(
                "Remove the text direction control %(character)s (character %(position)s): it "
                "can reverse the text around this field on the page. The site sets the "
                "direction from the language; the marks U+200E and U+200F are fine."
            ),
        ),
    ):
        if found := pattern.search(value or ""):
            raise ValidationError(
                message,
                code="control_character",
                params={
                    "character": f"U+{ord(found.group()):04X}",
                    "position": found.start() + 1,
                },
            )


# The longest body, in characters, of an article or a translation. A long read fits with room to
# spare: the longest magazine features run to 20,000 words, about 130,000 characters, and this
# is some 30,000 words. It bounds the work one save, one preview and one search snippet can
# cost: rendering 2.4 MB of Markdown outlasted gunicorn's 30 s timeout (docs/reliability.md).
BODY_MAX_LENGTH = 200_000


def validate_body_length(value: str) -> None:
    """Refuse a body longer than BODY_MAX_LENGTH characters, saying by how much."""
    if len(value or "") > BODY_MAX_LENGTH:
        raise ValidationError(
            _(
                "The body can be at most %(limit)s characters long; this one has %(length)s. "
                "Split a longer text into parts."
            ),
            code="body_too_long",
            params={
                "limit": number_format(BODY_MAX_LENGTH, force_grouping=True),
                "length": number_format(len(value), force_grouping=True),
            },
        )


# taggit's Tag.name column.
TAG_NAME_LENGTH = 100


def validate_tag_name(name: str) -> None:
    """A tag name any surface can show and the article form can give back unchanged."""
    if len(name) > TAG_NAME_LENGTH:
        raise ValidationError(
            _("A tag can be at most %(limit)d characters long: “%(tag)s…” has %(length)d."),
            code="tag_too_long",
            params={"limit": TAG_NAME_LENGTH, "tag": name[:40], "length": len(name)},
        )
    validate_plain_text(name)
    if '"' in name:
        # The article form's tag list groups words with double quotes; a name holding one
        # would be split in two the next time its article is saved.
        raise ValidationError(
            _('A tag cannot contain a double quote ("); use typographic quotes “ ”.'),
            code="tag_quote",
        )
