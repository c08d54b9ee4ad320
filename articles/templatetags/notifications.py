"""The desk home page's "Notifications" panel: the newest few, and how many are unread."""

from django import template

from ..mail import describe
from ..models import Notification

register = template.Library()

PANEL_SIZE = 5


@register.inclusion_tag("admin/articles/includes/notifications_panel.html", takes_context=True)
def notifications_panel(context):
    user = context["request"].user
    mine = Notification.objects.for_user(user)
    newest = list(
        mine.select_related("actor", "article", "translation").only(
            "kind",
            "created_at",
            "read_at",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
            "article__headline",
            "translation__headline",
        )[:PANEL_SIZE]
    )
    return {
        "unread": mine.unread().count(),
        "rows": [{"notification": row, "text": describe(row)} for row in newest],
    }
