"""The front page's editorial actions: place an article, move it up or down, take it off.

Each runs in one transaction with the page's placements locked (two editors arranging the same
page at once cannot interleave), keeps the page's positions 1, 2, 3, … in order, and sends
`front_page_changed` once it commits. The page caches follow every placement row's change
(cache/fanout.py), so readers see the new order on their next request.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ..languages import site_language_codes
from ..models import Placement
from .signals import EVENTS, announce
from .workflow import WorkflowError


def _page(language: str, section):
    """The page's placements, locked, in their order."""
    if language not in site_language_codes():
        raise WorkflowError(_("The readers' site has no language “%(code)s”.") % {"code": language})
    return list(
        Placement.objects.select_for_update().on_page(language, section).order_by("position", "pk")
    )


def _renumber(placements) -> None:
    """Positions 1, 2, 3, … in the list's order; only the rows whose position changed are
    saved (each save renews the page in the caches)."""
    for position, placement in enumerate(placements, start=1):
        if placement.position != position:
            placement.position = position
            placement.save(update_fields=["position"])


def place(language: str, section, article, user, *, position=None, starts_at=None, ends_at=None):
    """Put `article` on the front page of `language` (its home page, or `section`'s page) at
    `position` (1 leads; None: after the others), from `starts_at` until `ends_at`."""
    with transaction.atomic():
        placements = _page(language, section)
        placement = Placement(
            language=language,
            section=section,
            article=article,
            position=len(placements) + 1,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        placement.full_clean()
        placement.save()
        at = len(placements) if position is None else max(0, min(position - 1, len(placements)))
        placements.insert(at, placement)
        _renumber(placements)
        announce(EVENTS["front_page_changed"], placement, user)
    return placement


def move(placement_pk, user, *, by: int):
    """Move a placement `by` places (-1: up, towards the lead; 1: down)."""
    with transaction.atomic():
        placement = Placement.objects.get(pk=placement_pk)
        placements = _page(placement.language, placement.section)
        index = next(i for i, row in enumerate(placements) if row.pk == placement.pk)
        placement = placements.pop(index)
        placements.insert(max(0, min(index + by, len(placements))), placement)
        _renumber(placements)
        announce(EVENTS["front_page_changed"], placement, user)
    return placement


def remove(placement_pk, user):
    """Take a placement off its front page; the ones after it move up."""
    with transaction.atomic():
        placement = Placement.objects.get(pk=placement_pk)
        placements = _page(placement.language, placement.section)
        placement = next(row for row in placements if row.pk == placement.pk)
        placements.remove(placement)
        placement.delete()
        placement.pk = placement_pk  # for the signal's receivers: which one it was
        _renumber(placements)
        announce(EVENTS["front_page_changed"], placement, user)
    return placement
