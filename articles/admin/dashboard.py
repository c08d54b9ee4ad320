"""The desk's home page for a working day: the person's drafts, what waits for review, what
goes live today, stale translations, recent corrections and failed jobs — each a short list
with a link to all of it. Every panel's query is here, built on the models' querysets (what
"draft", "scheduled" or "stale" means is theirs); a panel costs a fixed number of queries,
however many rows it has."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from .. import jobs
from ..editorial import workflow
from ..models import (
    Article,
    ArticleTranslation,
    Correction,
    PublicationState,
    Status,
    StatusChange,
)
from .jobs import FAILED, JOB_NAMES

# Rows a panel shows; the rest are a click away ("See all").
ROWS = 8
# How far back "recent corrections" reach.
CORRECTION_DAYS = 7

ARTICLE_FIELDS = ("pk", "headline", "language", "status", "published_at", "updated_at")
TRANSLATION_FIELDS = (
    "pk",
    "headline",
    "language",
    "status",
    "updated_at",
    "article",
    "article__headline",
    "article__updated_at",
    "article__published_at",
)


@dataclass
class Row:
    title: str
    url: str
    kind: str  # "Article", or "Translation (de)"
    when: datetime  # the moment the panel is about (changed, waits since, goes live)
    note: str = ""  # a failed job's error


@dataclass
class Panel:
    key: str
    title: str
    rows: list[Row]
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url): "See all"


def changelist(model: str, **params) -> str:
    url = reverse(f"admin:articles_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def article_row(article, when) -> Row:
    return Row(
        title=article.headline,
        url=reverse("admin:articles_article_change", args=[article.pk]),
        kind=_("Article"),
        when=when,
    )


def translation_row(translation, when) -> Row:
    return Row(
        title=translation.headline,
        url=reverse("admin:articles_articletranslation_change", args=[translation.pk]),
        kind=_("Translation (%(language)s)") % {"language": translation.language},
        when=when,
    )


def merged(rows: list[Row], *, newest_first: bool) -> list[Row]:
    """Articles and translations in one list by their time, at most ROWS."""
    rows.sort(key=lambda row: row.when, reverse=newest_first)
    return rows[:ROWS]


def articles(state):
    return Article.objects.in_state(state).only(*ARTICLE_FIELDS)


def translations(state):
    return (
        ArticleTranslation.objects.in_state(state)
        .select_related("article")
        .only(*TRANSLATION_FIELDS)
    )


def waiting_since(model):
    """When each row last went into review (its newest step to "review"), else its last save."""
    subject = "translation" if model is ArticleTranslation else "article"
    steps = StatusChange.objects.filter(
        **{subject: OuterRef("pk")}, to_status=Status.IN_REVIEW
    ).order_by("-changed_at")
    return Coalesce(Subquery(steps.values("changed_at")[:1]), "updated_at")


def my_drafts(user, may_translate: bool) -> Panel:
    draft = PublicationState.DRAFT
    rows = [
        article_row(article, article.updated_at)
        for article in articles(draft).mine(user).order_by("-updated_at")[:ROWS]
    ]
    links = [(_("All my draft articles"), changelist("article", state=draft, mine="yes"))]
    if may_translate:
        rows += [
            translation_row(translation, translation.updated_at)
            for translation in translations(draft).mine(user).order_by("-updated_at")[:ROWS]
        ]
        links.append(
            (
                _("All my draft translations"),
                changelist("articletranslation", state=draft, mine="yes"),
            )
        )
    return Panel("drafts", _("My drafts"), merged(rows, newest_first=True), links)


def in_review(user, may_translate: bool) -> Panel:
    """For those who publish: everything in review, the longest waiting first. For the others:
    their own work in review, waiting for an editor."""
    review = PublicationState.IN_REVIEW
    editor = workflow.can_publish(user)
    mine = {} if editor else {"mine": "yes"}
    found = articles(review).annotate(since=waiting_since(Article))
    if not editor:
        found = found.mine(user)
    rows = [article_row(article, article.since) for article in found.order_by("since", "pk")[:ROWS]]
    links = [(_("All articles in review"), changelist("article", state=review, **mine))]
    if may_translate:
        found = translations(review).annotate(since=waiting_since(ArticleTranslation))
        if not editor:
            found = found.mine(user)
        rows += [
            translation_row(translation, translation.since)
            for translation in found.order_by("since", "pk")[:ROWS]
        ]
        links.append(
            (
                _("All translations in review"),
                changelist("articletranslation", state=review, **mine),
            )
        )
    title = _("Waiting for my review") if editor else _("Waiting for an editor")
    return Panel("review", title, merged(rows, newest_first=False), links)


def end_of_today(now: datetime) -> datetime:
    """The next midnight in the site's time zone (the desk's day), as an aware moment."""
    zone = timezone.get_current_timezone()
    tomorrow = timezone.localtime(now, zone).date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min), zone)


def scheduled_today(now: datetime, may_translate: bool) -> Panel:
    """What goes live from now until midnight (the site's time zone), the soonest first."""
    until = end_of_today(now)
    found = Article.objects.scheduled(now, until).only(*ARTICLE_FIELDS)
    rows = [
        article_row(article, article.published_at)
        for article in found.order_by("published_at", "pk")[:ROWS]
    ]
    if may_translate:
        found = (
            ArticleTranslation.objects.scheduled(now, until)
            .select_related("article")
            .only(*TRANSLATION_FIELDS)
        )
        rows += [
            translation_row(translation, translation.article.published_at)
            for translation in found.order_by("article__published_at", "pk")[:ROWS]
        ]
    today = timezone.localtime(now).date()
    links = [
        (
            _("All scheduled articles"),
            changelist(
                "article",
                state=PublicationState.SCHEDULED,
                published_at__year=today.year,
                published_at__month=today.month,
                published_at__day=today.day,
            ),
        )
    ]
    return Panel("scheduled", _("Scheduled today"), merged(rows, newest_first=False), links)


def stale_translations() -> Panel:
    """Translations whose original changed since, the most recently changed original first."""
    found = (
        ArticleTranslation.objects.stale()
        .select_related("article")
        .only(*TRANSLATION_FIELDS)
        .order_by("-article__updated_at", "pk")[:ROWS]
    )
    rows = [translation_row(translation, translation.article.updated_at) for translation in found]
    links = [(_("All stale translations"), changelist("articletranslation", stale="yes"))]
    return Panel("stale", _("Stale translations"), rows, links)


def recent_corrections(now: datetime) -> Panel:
    """Corrections, clarifications, updates and editor's notes of the last CORRECTION_DAYS."""
    found = (
        Correction.objects.filter(noted_at__gte=now - timedelta(days=CORRECTION_DAYS))
        .select_related("article")
        .only("pk", "kind", "noted_at", "article", "article__headline")
        .order_by("-noted_at", "-pk")[:ROWS]
    )
    rows = [
        Row(
            title=correction.article.headline,
            url=reverse("admin:articles_article_change", args=[correction.article.pk]),
            kind=correction.get_kind_display(),
            when=correction.noted_at,
        )
        for correction in found
    ]
    links = [(_("The corrections page"), reverse("articles:corrections"))]
    return Panel("corrections", _("Recent corrections"), rows, links)


def failed_jobs() -> Panel:
    """Failed jobs nobody tried again since (jobs.still_failed), the newest first."""
    found = jobs.still_failed(DBTaskResult.objects.all()).order_by("-enqueued_at")[:ROWS]
    rows = [
        Row(
            title=str(JOB_NAMES.get(result.task_path, result.task_path.rsplit(".", 1)[-1])),
            url=reverse("admin:django_tasks_database_dbtaskresult_change", args=[result.pk]),
            kind=_("Job"),
            when=result.finished_at or result.enqueued_at,
            note=jobs.last_error(result),
        )
        for result in found
    ]
    url = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    links = [(_("All failed jobs"), f"{url}?{urlencode({'status': FAILED})}")]
    return Panel("jobs", _("Jobs that failed"), rows, links)


def panels_for(user, now: datetime | None = None) -> list[Panel]:
    """The dashboard of `user`: only the panels their permissions let them open."""
    now = now or timezone.now()
    may_translate = user.has_perm("articles.view_articletranslation")
    panels = []
    if user.has_perm("articles.view_article"):
        panels += [
            my_drafts(user, may_translate),
            in_review(user, may_translate),
            scheduled_today(now, may_translate),
        ]
    if may_translate:
        panels.append(stale_translations())
    if user.has_perm("articles.view_correction"):
        panels.append(recent_corrections(now))
    if user.has_perm("django_tasks_database.view_dbtaskresult"):
        panels.append(failed_jobs())
    return panels
