"""Preview and share links on the article change form: "View on site" for unpublished work,
and signed, expiring, revocable links for readers without an account."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import editorial
from ..models import ArticleTranslation, ShareLink
from ..models.desk import DEFAULT_SHARE_HOURS, MAX_SHARE_HOURS
from .forms import describe_moment, describe_user


class ShareLinkForm(forms.Form):
    """Checks the "create a share link" POST; share_links.html draws the inputs."""

    hours = forms.IntegerField(min_value=1, max_value=MAX_SHARE_HOURS)
    translation = forms.ModelChoiceField(queryset=ArticleTranslation.objects.none(), required=False)

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["translation"].queryset = ArticleTranslation.objects.filter(article=article)


class ShareLinkAdminMixin:
    """Adds the share-link views to an article admin and the preview link for unpublished work."""

    def view_on_site(self, obj):
        if obj.is_public():
            return obj.get_absolute_url()
        return reverse("articles:article-preview", kwargs={"pk": obj.pk})

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/share/",
                self.admin_site.admin_view(require_POST(self.create_share_link_view)),
                name="{}_{}_share".format(*info),
            ),
            path(
                "<path:object_id>/share/<int:link_id>/revoke/",
                self.admin_site.admin_view(require_POST(self.revoke_share_link_view)),
                name="{}_{}_share_revoke".format(*info),
            ),
            *super().get_urls(),
        ]

    def _shared_object(self, request, object_id, permission):
        if not request.user.has_perm(permission):
            raise PermissionDenied(_("Share links are made and revoked by editors."))
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        return obj

    def _back_to_change_form(self, obj):
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(f"{url}#share-links")

    def create_share_link_view(self, request, object_id):
        obj = self._shared_object(request, object_id, "articles.add_sharelink")
        data = request.POST.copy()
        data.setdefault("hours", str(DEFAULT_SHARE_HOURS))
        form = ShareLinkForm(data, article=obj)
        if not form.is_valid():
            problems = " ".join(error for errors in form.errors.values() for error in errors)
            messages.error(request, _("No share link was made: %s") % problems)
            return self._back_to_change_form(obj)
        hours = form.cleaned_data["hours"]
        try:
            link = editorial.make_share_link(
                obj, request.user, hours=hours, translation=form.cleaned_data["translation"]
            )
        except editorial.WorkflowError as refused:
            messages.error(request, _("No share link was made: %s") % refused)
            return self._back_to_change_form(obj)
        messages.success(
            request,
            _("Share link made, valid for %(hours)d hours: %(url)s")
            % {"hours": hours, "url": request.build_absolute_uri(link.get_absolute_url())},
        )
        return self._back_to_change_form(obj)

    def revoke_share_link_view(self, request, object_id, link_id):
        obj = self._shared_object(request, object_id, "articles.change_sharelink")
        try:
            link = editorial.revoke_share_link(link_id, request.user, article=obj)
        except ShareLink.DoesNotExist:
            raise Http404 from None
        messages.success(
            request,
            _("The share link is revoked; it now answers “no longer valid”: %s")
            % request.build_absolute_uri(link.get_absolute_url()),
        )
        return self._back_to_change_form(obj)

    def share_links_context(self, request, obj):
        """What the change form's "Preview and share links" section shows; empty hides it."""
        if not request.user.has_perm("articles.view_sharelink"):
            return {}
        can_create = request.user.has_perm("articles.add_sharelink")
        can_revoke = request.user.has_perm("articles.change_sharelink")
        info = self.opts.app_label, self.opts.model_name
        now = timezone.now()
        links = []
        for link in obj.share_links.select_related("translation", "created_by", "revoked_by"):
            if link.revoked_at is not None:
                state, state_label = "revoked", _("revoked")
            elif link.is_active(now):
                state, state_label = "active", _("active")
            else:
                state, state_label = "expired", _("expired")
            links.append(
                {
                    "link": link,
                    "state": state,
                    "state_label": state_label,
                    "created_by": describe_user(link.created_by),
                    "revoked": describe_moment(link.revoked_by, link.revoked_at)
                    if link.revoked_at
                    else "",
                    "url": request.build_absolute_uri(link.get_absolute_url())
                    if state == "active"
                    else "",
                    "revoke_url": reverse(
                        "admin:{}_{}_share_revoke".format(*info),
                        kwargs={"object_id": obj.pk, "link_id": link.pk},
                        current_app=self.admin_site.name,
                    ),
                }
            )
        # The change form's queryset has prefetched the translations (language, status).
        translations = sorted(obj.translations.all(), key=lambda translation: translation.language)
        return {
            "links": links,
            "can_create": can_create,
            "can_revoke": can_revoke,
            "create_url": reverse(
                "admin:{}_{}_share".format(*info),
                kwargs={"object_id": obj.pk},
                current_app=self.admin_site.name,
            ),
            "preview_url": reverse("articles:article-preview", kwargs={"pk": obj.pk}),
            "translations": [
                {
                    "pk": translation.pk,
                    "language": translation.language,
                    "preview_url": reverse(
                        "articles:translation-preview", kwargs={"pk": translation.pk}
                    ),
                }
                for translation in translations
            ],
            "default_hours": DEFAULT_SHARE_HOURS,
            "max_hours": MAX_SHARE_HOURS,
        }
