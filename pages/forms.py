"""The desk's page form: the workflow's steps as far as the user may take them, and a save
from a stale form refused."""

from django import forms
from django.utils.translation import gettext as _

from articles.admin.forms import describe_moment
from articles.editorial import workflow

from .models import Page


class PageForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    user = None  # set per request by PageAdmin.get_form()

    class Meta:
        model = Page
        fields = ["title", "slug", "language", "translation_of", "status", "body", "version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        if "status" in self.fields:
            # Only the steps this user may take from here; clean_status() checks again.
            self.fields["status"].widget.choices = [
                (value, label)
                for value, label in self.fields["status"].choices
                if value == self.instance.status
                or workflow.allowed(self.instance, value, self.user)
            ]

    def clean_version(self):
        seen = self.cleaned_data.get("version")
        if self.instance.pk and seen is not None and seen != self.instance.version:
            raise forms.ValidationError(
                _(
                    "%(who)s saved this page after you opened it; nothing was saved. Reload "
                    "the page to see their changes, then make yours again."
                )
                % {"who": describe_moment(self.instance.updated_by, self.instance.updated_at)}
            )
        return seen if self.instance.pk else self.instance.version

    def clean_status(self):
        status = self.cleaned_data["status"]
        try:
            workflow.check_transition(self.instance, status, self.user)
        except workflow.WorkflowError as error:
            raise forms.ValidationError(str(error), code="workflow") from None
        return status
