from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
    return {"rows": rows}
