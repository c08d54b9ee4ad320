"""The desk's forms: workflow rules, stale-form protection and clean text, checked on the server."""

from django import forms
from django.db import models
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import localize, number_format, time_format
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag

from ..diff import field_diffs
from ..editorial import locks, revisions, workflow
from ..images import validate_image
from ..languages import language_choices as known_language_choices
from ..media import library
from ..models import (
    Article,
    ArticleTranslation,
    Author,
    Byline,
    Correction,
    Status,
    normalize_newlines,
)
from ..validators import validate_tag_name

# Tags on one article. Readers see five on a teaser and all on the article; each tag is a
# lookup when the article is saved, and 3,000 of them took 42 s (docs/reliability.md).
MAX_TAGS = 50

TEXT_LABELS = {
    "headline": gettext_lazy("Headline"),
    "standfirst": gettext_lazy("Standfirst"),
    "body": gettext_lazy("Body"),
}


class NormalizedTextField(forms.CharField):
    """Textarea text with the LF line breaks it is stored with.

    Browsers send CRLF; without this an untouched body counts as changed on every save.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if value else value


class UploadedImageField(forms.ImageField):
    """Django's image field, with validate_image first: the editor reads why a file was refused
    (not Pillow's "not an image" for a picture with too many pixels), and no file is decoded
    before its size is known to be within the limits."""

    def to_python(self, data):
        if data not in self.empty_values:
            validate_image(data)
        return super().to_python(data)


def language_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The site's languages first, then every other language Django knows, as BCP 47 tags."""
    site, others = known_language_choices()
    site = [(code, str(name)) for code, name in site]
    known = {code for code, _name in site}
    others = sorted(((code, _(name)) for code, name in others), key=lambda choice: choice[1])
    choices = [*site, (_("Other languages"), others)]
    if current and current not in known and current not in {code for code, _n in others}:
        choices.insert(0, (current, current))
    return choices


def describe_user(user) -> str:
    if user is None:
        return _("someone")
    return user.get_full_name() or user.get_username()


def describe_moment(user, when) -> str:
    if user is None:
        return localize(template_localtime(when))
    return _("%(name)s at %(time)s") % {
        "name": describe_user(user),
        "time": localize(template_localtime(when)),
    }


def describe_time(when) -> str:
    """A time of today as the desk shows times ("10:02"), in its time zone; an earlier one
    with its date."""
    local = template_localtime(when)
    if local.date() == template_localtime(timezone.now()).date():
        return time_format(local)
    return localize(local)


class LanguageChoiceForm(forms.ModelForm):
    """A form whose `language` is chosen from a list, the site's languages first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "language" in self.fields:
            choices = language_choices(self.initial.get("language"))
            if self.empty_permitted:
                # An inline's blank row: it must stay blank (unchanged, so not validated or
                # saved) when the editor leaves it, not take the first language on the list.
                choices = [("", "---------"), *choices]
            self.fields["language"] = forms.ChoiceField(
                label=self.fields["language"].label,
                help_text=self.fields["language"].help_text,
                choices=choices,
                initial=self.fields["language"].initial,
            )


class DeskForm(LanguageChoiceForm):
    """Base of the article and translation forms.

    - `version`: the version the editor opened. A save from an older version is refused with
      who saved since and a diff of what they changed; nothing is overwritten.
    - the status may only move along the workflow, and only as far as the user may take it.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    user = None  # set per request by the ModelAdmin's get_form()
    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        if "status" in self.fields:
            # Offer only the steps this user may take from here; clean_status still checks.
            self.fields["status"].widget.choices = [
                (value, label)
                for value, label in self.fields["status"].choices
                if value == self.instance.status
                or workflow.allowed(self.instance, value, self.user)
            ]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if errors := library.reference_errors(body):
            raise forms.ValidationError(errors, code="media_reference")
        # An embed is fetched from its provider once, when it is first written in a body.
        library.fetch_embeds(library.unknown_embeds(body))
        return body

    def clean_version(self):
        # A new object starts at its default; an existing one is checked against the database.
        return self.cleaned_data.get("version") if self.instance.pk else self.instance.version

    def clean_status(self):
        status = self.cleaned_data["status"]
        try:
            workflow.check_transition(self.instance, status, self.user)
        except workflow.WorkflowError as error:
            raise forms.ValidationError(str(error), code="workflow") from None
        return status

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._check_lock()
            self._check_version(cleaned_data)
        return cleaned_data

    def _check_lock(self):
        """Refused while someone else holds the object's edit lock (editorial/locks.py)."""
        lock = locks.blocking_lock(self.instance, self.user) if self.user else None
        if lock is None:
            return
        if lock.taken_from_id == self.user.pk:
            message = _(
                "%(name)s took over at %(time)s; your changes are not saved. Your text is "
                "still in the form: copy it before leaving."
            ) % {"name": describe_user(lock.holder), "time": describe_time(lock.taken_at)}
        else:
            message = _(
                "%(name)s is editing this since %(time)s, so nothing was saved. Take over "
                "editing to save your changes, or copy them and try again later."
            ) % {"name": describe_user(lock.holder), "time": describe_time(lock.since)}
        raise forms.ValidationError(message, code="locked")

    def _check_version(self, cleaned_data):
        # The instance is the row as stored, locked by the desk until the save commits
        # (DeskAdminMixin.get_object): two saves cannot both pass this check.
        stored = self.instance
        seen = cleaned_data.get("version")
        if seen == stored.version:
            return
        before = self._version_opened(seen, stored)
        current = {name: getattr(stored, name) for name in TEXT_LABELS}
        self.conflict = {
            "by": describe_user(stored.updated_by),
            "at": stored.updated_at,
            # Their changes when the version you opened is on record; else yours against theirs.
            "theirs_only": before is not None,
            "diffs": [
                diff
                for diff in field_diffs(
                    before or {name: cleaned_data.get(name, "") for name in TEXT_LABELS},
                    current,
                    TEXT_LABELS,
                )
                if diff["changed"]
            ],
        }
        if stored.updated_by is None:
            message = _(
                "This was saved again at %(time)s, after you opened it. Nothing was saved: your "
                "text is still in the form. Compare below, then reload the page to edit the "
                "latest version."
            ) % {"time": localize(template_localtime(stored.updated_at))}
        else:
            message = _(
                "%(who)s saved this since you opened it. Nothing was saved: your text is still "
                "in the form. Compare their changes below, then reload the page to edit the "
                "latest version."
            ) % {"who": describe_moment(stored.updated_by, stored.updated_at)}
        raise forms.ValidationError(message, code="stale")

    def _version_opened(self, seen, stored):
        """The texts of the version the editor opened, if the history holds it."""
        if seen is None:
            return None
        for version in revisions.history(stored)[:50]:
            if version.field_dict.get("version") == seen:
                return version.field_dict
        return None


class ArticleForm(DeskForm):
    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "standfirst",
            "body",
            "section",
            "language",
            "tags",
            "related_articles",
            "unsigned",
            "lead_picture",
            "status",
            "published_at",
            "version",
        ]

    def clean_published_at(self):
        # The desk shows the time to the second; a time nobody touched keeps the stored one,
        # fractions included, so that saving the text does not move the publication.
        if self.instance.pk and "published_at" not in self.changed_data:
            return self.instance.published_at
        return self.cleaned_data["published_at"]

    def clean_tags(self):
        names = self.cleaned_data.get("tags") or []
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(
                _(
                    "An article can have at most %(limit)d tags; this one has %(count)s. Keep "
                    "the ones readers would look for."
                ),
                code="too_many_tags",
                params={"limit": MAX_TAGS, "count": number_format(len(names), force_grouping=True)},
            )
        for name in names:
            validate_tag_name(name)
        if names and self.user is not None and not self.user.has_perm("taggit.add_tag"):
            self._check_tags_exist(names)
        return names

    def _check_tags_exist(self, names):
        """Without the permission to add tags, only existing ones (found as taggit finds them
        when it saves: by name, case aside)."""
        lookup = Q()
        for name in names:
            lookup |= Q(name__iexact=name)
        existing = {
            name.lower() for name in Tag.objects.filter(lookup).values_list("name", flat=True)
        }
        new = [name for name in names if name.lower() not in existing]
        if new:
            raise forms.ValidationError(
                [
                    forms.ValidationError(
                        _(
                            "“%(tag)s” is not a tag yet: choose an existing tag, or ask an editor "
                            "to add it."
                        ),
                        code="new_tag",
                        params={"tag": name},
                    )
                    for name in new
                ]
            )

    def _get_validation_exclusions(self):
        # The section field found its section by id a moment ago; the model's own check of
        # the foreign key would look it up again.
        return {*super()._get_validation_exclusions(), "section"}

    def _save_m2m(self):
        """Tags and related articles are written only when the editor changed them (taggit
        looks each tag up to set them, even unchanged)."""
        unchanged = {
            name: self.cleaned_data.pop(name)
            for name in ("tags", "related_articles")
            if name in self.cleaned_data and name not in self.changed_data
        }
        try:
            super()._save_m2m()
        finally:
            self.cleaned_data.update(unchanged)


class TranslationForm(DeskForm):
    # The original's version as this form showed it: "mark up to date" may only claim that one.
    original_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["original_version"].initial = self.instance.article.version
        elif str(self.initial.get("article", "")).isdigit() and not self.instance.article_id:
            # "Translate into …" from the article: the original shows beside the new
            # translation from the start (ArticleTranslationAdmin.original_text).
            self.instance.article_id = int(self.initial["article"])

    def clean(self):
        cleaned_data = super().clean()
        marking = "_mark_current" in self.data and self.instance.pk
        if marking and cleaned_data.get("original_version") != self.instance.article.version:
            raise forms.ValidationError(
                _(
                    "The original was saved again after you opened this form, so this "
                    "translation cannot be marked up to date yet. Reload the page to see what "
                    "changed in the original."
                ),
                code="original_changed",
            )
        return cleaned_data

    class Meta:
        model = ArticleTranslation
        fields = [
            "article",
            "language",
            "headline",
            "slug",
            "standfirst",
            "body",
            "translators",
            "status",
            "version",
        ]


class KnownChoiceField(forms.ModelChoiceField):
    """A choice among objects its formset read for all of its forms at once (`known`, by
    primary key), instead of one query per form; any other value is looked up as usual."""

    known: dict = {}

    def to_python(self, value):
        if value not in self.empty_values:
            key = self.queryset.model._meta.pk.to_python(value) if str(value).isdigit() else None
            if key in self.known:
                return self.known[key]
        return super().to_python(value)


class BylineForm(forms.ModelForm):
    class Meta:
        model = Byline
        fields = ["author", "role", "position"]
        field_classes = {"author": KnownChoiceField}

    def _get_validation_exclusions(self):
        # The author field found its author by id a moment ago (see ArticleForm).
        return {*super()._get_validation_exclusions(), "author"}


class BylineInlineFormSet(BaseInlineFormSet):
    """A published article needs a byline unless an editor marked it unsigned.

    Its forms find their bylines and authors in two queries for all of them, not two each.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk_field = form.fields.get(self._pk_field.name)
        if isinstance(pk_field, forms.ModelChoiceField):
            form.fields[self._pk_field.name] = KnownChoiceField(
                pk_field.queryset,
                initial=pk_field.initial,
                required=False,
                widget=pk_field.widget,
            )

    def full_clean(self):
        if self.is_bound:
            bylines = {byline.pk: byline for byline in self.get_queryset()}
            posted = {self.data.get(form.add_prefix("author")) for form in self.forms}
            ids = [int(value) for value in posted if value and str(value).isdigit()]
            authors = Author.objects.in_bulk(ids)
            for form in self.forms:
                form.fields[self._pk_field.name].known = bylines
                form.fields["author"].known = authors
        super().full_clean()

    def clean(self):
        super().clean()
        article = self.instance
        if article.status != Status.PUBLISHED or article.unsigned:
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("author") and not form.cleaned_data.get("DELETE")
        ]
        # Stored bylines the submission did not mention stay as they are. The formset's own
        # queryset (read once, to bind its forms) holds every stored byline.
        mentioned = {form.instance.pk for form in self.initial_forms}
        stored = {byline.pk for byline in self.get_queryset()} if article.pk else set()
        untouched = len(stored - mentioned)
        problems = workflow.publication_problems(article, byline_count=len(kept) + untouched)
        if problems:
            raise forms.ValidationError(problems)


class CorrectionForm(forms.ModelForm):
    class Meta:
        model = Correction
        fields = ["kind", "text", "noted_at"]


class CorrectionInlineFormSet(BaseInlineFormSet):
    """Corrections are appended to what readers have seen: published articles only."""

    def clean(self):
        super().clean()
        added = [form for form in self.extra_forms if form.has_changed()]
        if added and not self.instance.is_public():
            raise forms.ValidationError(
                _("Corrections and updates are for published articles; edit a draft directly.")
            )


def text_field_overrides():
    return {models.TextField: {"form_class": NormalizedTextField}}
