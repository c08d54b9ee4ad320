"""The front page as editors arrange it: which article leads, and in which order the top
stories follow, per site language and per section, for all time or from one time to another.

A placement only moves an article up a list it is already on: the lists read published() and
the article's rank among the placements (`placed_first`), so a placed article that readers may
not see (a draft, withdrawn, scheduled for later) is simply not there, and the newest fill in.
"""

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..validators import validate_moment
from .article import Article, Section, is_published
from .base import moments_in_range


def readable_now():
    """What an editor may place: articles readers may see now (the one gate, is_published)."""
    return is_published()


class PlacementQuerySet(models.QuerySet):
    def on_page(self, language: str, section=None):
        """The placements of one front page: a language's home page, or one of its sections."""
        return self.filter(language=language, section=section)

    def active(self, now=None):
        """Placements in force at `now`: started (or never timed) and not yet ended."""
        now = now or timezone.now()
        return self.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )

    def next_change(self, now=None):
        """When a timed placement next starts or ends (None: none will)."""
        now = now or timezone.now()
        moments = self.aggregate(
            starts=models.Min("starts_at", filter=Q(starts_at__gt=now)),
            ends=models.Min("ends_at", filter=Q(ends_at__gt=now)),
        )
        return min((moment for moment in moments.values() if moment), default=None)


class Placement(models.Model):
    language = models.CharField(
        _("language"),
        max_length=35,
        help_text=_("The readers' site this front page belongs to (its address: /en/, /de/)."),
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="placements",
        help_text=_("Empty: the home page. A section: the top of that section's page."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=1,
        help_text=_(
            "1 leads; the others follow in this order. A placement not in force leaves its "
            "place to the next one."
        ),
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="placements",
        limit_choices_to=readable_now,
        help_text=_("Shown only while readers may read it; otherwise the newest articles fill in."),
    )
    starts_at = models.DateTimeField(
        pgettext_lazy("a placement's time", "from"),
        null=True,
        blank=True,
        validators=[validate_moment],
        help_text=_("Empty: from now on."),
    )
    ends_at = models.DateTimeField(
        pgettext_lazy("a placement's time", "until"),
        null=True,
        blank=True,
        validators=[validate_moment],
        help_text=_("Empty: until removed."),
    )

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["language", "section", "position", "pk"]
        verbose_name = _("front page placement")
        # The desk lists it as its page "Front page" (admin/frontpage.py).
        verbose_name_plural = _("front page")
        constraints = [
            models.CheckConstraint(
                condition=Q(position__gte=1),
                name="placement_position_at_least_one",
                violation_error_message=_("Positions start at 1, the lead."),
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="placement_ends_after_it_starts",
                violation_error_message=_("“Until” must be later than “from”."),
            ),
            *moments_in_range("placement", "starts_at", "ends_at"),
        ]
        indexes = [
            models.Index(fields=["language", "section", "position"], name="placement_page_idx")
        ]

    def __str__(self):
        return f"{self.position}. {self.article}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or self.ends_at > now
        )


def placed_first(articles, language: str, section=None, *, limit: int, now=None):
    """The first `limit` of `articles` (a queryset readers may see: published()) with the
    articles placed on this front page first, in their placements' order, then the newest.

    One query, whatever the placements: the rows are the placed articles and the newest
    `limit` (one set, so that the index of the lists' order still serves the newest and the
    rest are found by key, not by a scan of every published article), ranked by placement.
    """
    placements = Placement.objects.on_page(language, section).active(now)
    rank = placements.filter(article=OuterRef("pk")).order_by("position", "pk")
    # The newest nested once more: a compound statement's parts may not be limited (SQLite).
    newest = Article.objects.filter(pk__in=articles.values("pk")[:limit]).values("pk")
    candidates = placements.order_by().values("article_id").union(newest.order_by())
    return (
        articles.filter(pk__in=candidates)
        .annotate(front_position=Subquery(rank.values("position")[:1]))
        .order_by(F("front_position").asc(nulls_last=True), *Article._meta.ordering)
    )
