"""What a text may hold, checked alike by the models, the desk's forms and fixtures."""

import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# A pragmatic BCP 47 shape check: language, optional script, region and variants ("en", "de-CH",
# "zh-Hant-TW", "sr-Latn"). Full registry validation is not an editor's problem.
bcp47_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*$",
    _('Enter a BCP 47 language tag such as "en", "de" or "de-CH".'),
)

# Invisible characters no editor means to publish. Control characters (but tab and line
# breaks): C0 ones XML (feeds, sitemaps) cannot carry, and PostgreSQL refuses NUL; DEL and the
# C1 controls U+0080-U+009F are what a text pasted through the wrong encoding leaves behind, and
# XML 1.0 discourages them. Noncharacters (U+FFFE and U+FFFF, which XML cannot carry, U+FDD0-
# U+FDEF and the last two of every plane) and lone surrogates are no character of any text.
# Bidi embeddings, overrides and isolates: their effect reaches past the field into the page
# around it, reversing a byline or a credit ("Trojan Source"); right-to-left text needs none of
# them, and the marks U+200E, U+200F and U+061C, which have no such reach, stay allowed. The
# Markdown body holds the same: Markdown needs no character plain text may not hold.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NONCHARACTERS = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What XML 1.0 cannot carry at all (its Char production): feeds and sitemaps leave it out, as a
# last line of defence for texts stored before the checks above refused it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def validate_plain_text(value: str) -> None:
    """Refuse control characters, noncharacters and bidi embeddings, overrides and isolates."""
    for pattern, message in (
        (
            _CONTROL_CHARACTERS,
            _(
                "Remove the invisible control character %(character)s (character "
                "%(position)s): it cannot be shown on the site."
            ),
        ),
        (
            _NONCHARACTERS,
            _(
                "Remove the character %(character)s (character %(position)s): it is no "
                "character of any text, and feeds cannot carry it."
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


# The times the site keeps, in UTC: from 1600 (before the first printed newspapers, such as
# Strasbourg's "Relation" of 1605, so any newspaper's archive fits) to the end of 2200 (far past
# any schedule). Both lie far from the years 1 and 9999, where a time moved into another time
# zone no longer exists in Python: PostgreSQL stored 0001-01-01 00:00 in Berlin as a time in
# the year 0, which psycopg cannot read back, and every page listing it failed.
EARLIEST_MOMENT = datetime(1600, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2201, 1, 1, tzinfo=UTC)  # the first moment no longer allowed

MOMENT_OUT_OF_RANGE = _("Enter a time between the years %(earliest)d and %(latest)d.")


def validate_moment(value: datetime | None) -> None:
    """Refuse a time outside EARLIEST_MOMENT and LATEST_MOMENT (checked by the database too)."""
    if value is None:
        return
    if timezone.is_naive(value):
        # How Django stores a naive time (a fixture's "2026-11-22T09:30:00"): in TIME_ZONE.
        value = value.replace(tzinfo=timezone.get_default_timezone())
    if not EARLIEST_MOMENT <= value < LATEST_MOMENT:
        raise ValidationError(
            MOMENT_OUT_OF_RANGE,
            code="moment_out_of_range",
            params={"earliest": EARLIEST_MOMENT.year, "latest": LATEST_MOMENT.year - 1},
        )
