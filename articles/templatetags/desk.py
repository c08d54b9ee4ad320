from datetime import datetime

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus

from .. import jobs
from ..admin import dashboard
from ..cache import edge_in_front
from ..models import Article, ArticleTranslation, PublicationState

register = template.Library()


@register.inclusion_tag("admin/articles/includes/desk_summary.html", takes_context=True)
def desk_summary(context):
    """The desk's to-do list for the admin home page: what waits for someone."""
    user = context["request"].user
    articles = reverse("admin:articles_article_changelist")
    translations = reverse("admin:articles_articletranslation_changelist")
    rows = []
    if user.has_perm("articles.view_article"):
        rows += [
            {
                "label": _("In review"),
                "count": Article.objects.in_state(PublicationState.IN_REVIEW).count(),
                "url": f"{articles}?state={PublicationState.IN_REVIEW}",
            },
            {
                "label": _("Scheduled"),
                "count": Article.objects.scheduled().count(),
                "url": f"{articles}?state={PublicationState.SCHEDULED}",
            },
        ]
    if user.has_perm("articles.view_articletranslation"):
        rows.append(
            {
                "label": _("Stale translations"),
                "count": ArticleTranslation.objects.stale().count(),
                "url": f"{translations}?stale=yes",
            }
        )
    if user.has_perm("django_tasks_database.view_dbtaskresult"):
        rows += cdn_purge_rows()
    return {"rows": rows}


@register.inclusion_tag("admin/articles/includes/dashboard.html", takes_context=True)
def desk_dashboard(context):
    """The working day's panels of the person at the desk (admin/dashboard.py)."""
    return {"panels": dashboard.panels_for(context["request"].user)}


def cdn_purge_rows() -> list[dict]:
    """Purges waiting (first attempts and retries), and failed ones nobody tried again; shown
    with a CDN in front, or while any is left from one."""
    purges = jobs.results_of(jobs.purge_pages)
    waiting = purges.filter(status=TaskResultStatus.READY).count()
    failed = jobs.still_failed(purges).count()
    if not (waiting or failed or edge_in_front()):
        return []
    url = f"{reverse('admin:django_tasks_database_dbtaskresult_changelist')}?job=purge_pages"
    return [
        {"label": _("CDN purges waiting"), "count": waiting, "url": f"{url}&status=waiting"},
        {"label": _("CDN purges failed"), "count": failed, "url": f"{url}&status=failed"},
    ]


@register.inclusion_tag("admin/date_hierarchy.html")
def desk_date_hierarchy(cl):
    """Django's date drill-down (admin_list.date_hierarchy), except that the years of the
    whole, unfiltered list are found by one probe of the date's index a year (years_with())
    rather than by truncating the date of every row: 20 ms of the article list at 100,000
    articles, well under 1 ms now. A filtered or searched list, and a year, month or day, are
    Django's: their rows are fewer, and a probe a year would repeat the filter's work."""
    field = cl.date_hierarchy
    drilled = any(f"{field}__{part}" in cl.params for part in ("year", "month", "day"))
    if not drilled and not cl.queryset.query.where:
        years = years_with(cl.queryset, field)
        if len(years) > 1:

            def link(filters):
                return cl.get_query_string(filters, [f"{field}__"])

            choices = [{"link": link({f"{field}__year": str(y)}), "title": str(y)} for y in years]
            return {"show": True, "back": None, "choices": choices}
    # One year or none: Django's goes on to that year's months (or a month's days).
    return date_hierarchy(cl)


def years_with(queryset, field: str) -> list[int]:
    """The years (in the current time zone) in which `field` of some row of `queryset` falls,
    oldest first: the first date, then the first on or after the next New Year, and so on."""
    zone = timezone.get_current_timezone()
    dates = (
        queryset.prefetch_related(None)
        .filter(**{f"{field}__isnull": False})
        .order_by(field)
        .values_list(field, flat=True)
    )
    years = []
    first = dates.first()
    while first is not None:
        years.append(timezone.localtime(first, zone).year)
        if years[-1] == datetime.max.year:
            break
        new_year = datetime(years[-1] + 1, 1, 1, tzinfo=zone)
        first = dates.filter(**{f"{field}__gte": new_year}).first()
    return years
