"""The desk's notifications: each person's own list (newest first, unread marked), "mark all
read", opening one (which marks it read), and their notification settings. Nobody sees
another person's notifications: every query here is the requesting user's."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..languages import site_languages
from ..mail import describe, desk_path
from ..models import Notification, NotificationPreference


class NotificationPreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label=gettext_lazy("language of e-mails"), choices=())

    class Meta:
        model = NotificationPreference
        fields = ["email_review_requests", "email_publication", "email_mentions", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (language.code, language.label) for language in site_languages()
        ]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["state_column", "what_column", "created_at"]
    list_display_links = None
    list_per_page = 50
    actions = None
    change_list_template = "admin/articles/notification/change_list.html"

    class Media:
        css = {"all": ["articles/admin.css"]}

    def has_view_permission(self, request, obj=None):
        # Everyone at the desk has notifications; get_queryset() keeps each to their own.
        user = request.user
        return user.is_active and user.is_staff and (obj is None or obj.recipient_id == user.pk)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .for_user(request.user)
            .select_related("actor", "article", "translation")
            .only(
                "kind",
                "created_at",
                "read_at",
                "note_id",
                "actor__username",
                "actor__first_name",
                "actor__last_name",
                "article__headline",
                "translation__headline",
            )
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("", view(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path(
                "read-all/",
                view(require_POST(self.mark_all_read_view)),
                name="{}_{}_read_all".format(*info),
            ),
            path("<int:pk>/open/", view(self.open_view), name="{}_{}_open".format(*info)),
            path("settings/", view(self.settings_view), name="{}_{}_settings".format(*info)),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise Http404
        unread = Notification.objects.for_user(request.user).unread().count()
        context = {"title": _("Your notifications"), "unread": unread, **(extra_context or {})}
        return super().changelist_view(request, context)

    @admin.display(description=gettext_lazy("state"))
    def state_column(self, notification):
        if notification.read_at is None:
            return format_html('<strong class="notification-unread">{}</strong>', _("unread"))
        return _("read")

    @admin.display(description=gettext_lazy("what"))
    def what_column(self, notification):
        url = reverse("admin:articles_notification_open", args=[notification.pk])
        return format_html('<a href="{}">{}</a>', url, describe(notification))

    def mark_all_read_view(self, request):
        if not self.has_view_permission(request):
            raise Http404
        marked = Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
        messages.success(request, _("Marked %(count)d notifications read.") % {"count": marked})
        return HttpResponseRedirect(reverse("admin:articles_notification_changelist"))

    def open_view(self, request, pk):
        """Mark one's own notification read, and go to what it is about."""
        if not self.has_view_permission(request):
            raise Http404
        notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return HttpResponseRedirect(desk_path(notification))

    def settings_view(self, request):
        """Which notifications come by e-mail too, and in which language."""
        if not self.has_view_permission(request):
            raise Http404
        preference = NotificationPreference.of(request.user)
        form = NotificationPreferenceForm(request.POST or None, instance=preference)
        if request.method == "POST":
            if form.is_valid():
                form.save()
                messages.success(request, _("Your notification settings were saved."))
                return HttpResponseRedirect(reverse("admin:articles_notification_settings"))
            status = 400
        else:
            status = 200
        context = {
            **self.admin_site.each_context(request),
            "title": _("Notification settings"),
            "form": form,
            "opts": self.opts,
            "has_email": bool(request.user.email),
        }
        return TemplateResponse(
            request, "admin/articles/notification/settings.html", context, status=status
        )
