from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus

from .. import jobs
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
                "count": ArticleTranslation.objects.filter(is_stale=True).count(),
                "url": f"{translations}?stale=yes",
            }
        )
    if user.has_perm("django_tasks_database.view_dbtaskresult"):
        rows += cdn_purge_rows()
    return {"rows": rows}


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
