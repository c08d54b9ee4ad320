"""The desk's "Front page": editors place articles in the order a language's home page (or a
section's page) shows them, from one time to another if they like; everyone at the desk sees
the page as readers will.

One page of the desk per front page (?language=de&section=3), with plain forms: place, up,
down, remove each POST and come back, so it works without JavaScript (the article picker
autocompletes with it). The changes go through editorial/frontpage.py.
"""

from csp.constants import SELF
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..editorial import WorkflowError, frontpage
from ..languages import default_language, site_languages
from ..models import Article, Placement, Section, placed_first
from ..reading import for_readers, read
from ..validators import validate_moment


class PlacementForm(forms.Form):
    article = forms.ModelChoiceField(
        queryset=Article.objects.none(),
        label=gettext_lazy("Article"),
        help_text=gettext_lazy("Type words of its headline; only published articles are offered."),
    )
    position = forms.IntegerField(
        label=gettext_lazy("Position"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=gettext_lazy("1 leads. Empty: after the others."),
    )
    starts_at = forms.SplitDateTimeField(
        label=gettext_lazy("From"),
        required=False,
        widget=AdminSplitDateTime,
        validators=[validate_moment],
        help_text=gettext_lazy("Empty: from now on."),
    )
    ends_at = forms.SplitDateTimeField(
        label=gettext_lazy("Until"),
        required=False,
        widget=AdminSplitDateTime,
        validators=[validate_moment],
        help_text=gettext_lazy("Empty: until removed."),
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = Placement._meta.get_field("article")
        article = self.fields["article"]
        article.widget = AutocompleteSelect(field, admin_site)
        for name in ("starts_at", "ends_at"):
            date, time = self.fields[name].widget.widgets
            label = self.fields[name].label
            date.attrs["aria-label"] = _("%(field)s: date") % {"field": label}
            time.attrs["aria-label"] = _("%(field)s: time") % {"field": label}
        # The model's own choice: what readers may see now (limit_choices_to, is_published).
        # Set after the widget, which takes its choices from it.
        article.queryset = Article.objects.complex_filter(field.get_limit_choices_to()).only(
            "pk", "headline"
        )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("“Until” must be later than “from”."))
        return cleaned


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    """No list or forms of its own: the changelist is the front page desk."""

    change_list_template = "admin/articles/placement/front_page.html"

    class Media:
        # Django's forms.css for its date and time pickers, as on every change form.
        css = {"all": ["admin/css/forms.css", "articles/admin.css", "articles/frontpage.css"]}
        js = ["articles/frontpage.js"]

    def has_add_permission(self, request):
        return False  # placed from the front page desk, never by Django's own add form

    def get_urls(self):
        # Only the changelist (the desk); Django's autocomplete goes through the site.
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "",
                # The page frames its preview, from this site (views/preview.py).
                self.admin_site.admin_view(csp_update({"frame-src": [SELF]})(self.changelist_view)),
                name="{}_{}_changelist".format(*info),
            )
        ]

    def front_page(self, request):
        """The front page asked for: (language, section or None), or a 404."""
        codes = [language.code for language in site_languages()]
        language = request.GET.get("language") or translation.get_language()
        if language not in codes:
            language = default_language()
        section = None
        if request.GET.get("section"):
            section_pk = forms.IntegerField().clean(request.GET["section"])
            section = get_object_or_404(Section, pk=section_pk)
        return language, section

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            language, section = self.front_page(request)
        except ValidationError:
            return HttpResponseRedirect(request.path)
        form = PlacementForm(admin_site=self.admin_site)
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied(_("Only editors arrange the front pages."))
            form, done = self.change(request, language, section)
            if done:
                return HttpResponseRedirect(request.get_full_path())
        return TemplateResponse(
            request,
            self.change_list_template,
            {
                **self.admin_site.each_context(request),
                **self.page_context(request, language, section),
                "form": form,
                "media": self.media + form.media,
                "opts": self.opts,
                "can_change": self.has_change_permission(request),
            },
        )

    def change(self, request, language, section):
        """Carry out the POSTed change; (the form, whether it was done)."""
        user, action = request.user, request.POST.get("action")
        if action == "place":
            form = PlacementForm(request.POST, admin_site=self.admin_site)
            if not form.is_valid():
                if "article" in form.errors:
                    # Shown again empty: the picker looks a value up as given ("x": a 500).
                    form.data = form.data.copy()
                    form.data.pop("article", None)
                return form, False
            data = form.cleaned_data
            try:
                placement = frontpage.place(
                    language,
                    section,
                    data["article"],
                    user,
                    position=data["position"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                )
            except (ValidationError, WorkflowError) as error:
                form.add_error(None, error)
                return form, False
            messages.success(request, _("Placed “%(article)s”.") % {"article": placement.article})
            return form, True
        form = PlacementForm(admin_site=self.admin_site)
        try:
            pk = forms.IntegerField().clean(request.POST.get("placement"))
            placement = Placement.objects.get(pk=pk, language=language, section=section)
        except (ValidationError, Placement.DoesNotExist):
            messages.error(request, _("That placement is no longer on this page."))
            return form, True
        if action in {"up", "down"}:
            frontpage.move(pk, user, by=-1 if action == "up" else 1)
        elif action == "remove":
            frontpage.remove(pk, user)
            messages.success(request, _("Removed “%(article)s”.") % {"article": placement.article})
        else:
            messages.error(request, _("Nothing was changed."))
        return form, True

    def page_context(self, request, language, section):
        now = timezone.now()
        placements = list(
            Placement.objects.on_page(language, section)
            .select_related("article")
            .defer("article__body", "article__body_html", "article__search_document")
            .order_by("position", "pk")
        )
        public = set(
            Article.objects.published(now)
            .filter(pk__in=[placement.article_id for placement in placements])
            .values_list("pk", flat=True)
        )
        for placement in placements:
            placement.shown = placement.is_active(now) and placement.article_id in public
            placement.state = (
                _("Not public: the newest fill in")
                if placement.article_id not in public
                else _("Shown")
                if placement.is_active(now)
                else _("Ended")
                if placement.ends_at and placement.ends_at <= now
                else _("Waits for its time")
            )
        articles = Article.objects.published(now)
        if section is not None:
            articles = articles.filter(section=section)
        with translation.override(language):
            top = placed_first(articles, language, section, limit=7, now=now)[:7]
            shown = read(for_readers(top, language, tags=False), language)
            preview_url = (
                reverse("articles:section-front-preview", kwargs={"slug": section.slug})
                if section
                else reverse("articles:front-preview")
            )
            reader_url = section.get_absolute_url() if section else reverse("articles:home")
        languages = site_languages()
        label = next(lang.label for lang in languages if lang.code == language)
        return {
            "title": _("Front page"),
            "language": language,
            "language_label": _(label),
            "section": section,
            "sections": Section.objects.order_by("position", "name"),
            "languages": [(lang.code, _(lang.label)) for lang in languages],
            "placements": placements,
            "shown": shown,
            "preview_url": preview_url,
            "reader_url": reader_url,
            "here": "?"
            + urlencode({"language": language, "section": section.pk if section else ""}),
        }
