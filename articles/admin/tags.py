"""Tags at the desk: taggit's admin, with names checked like every other text."""

from django import forms
from django.contrib import admin
from taggit.admin import TagAdmin
from taggit.models import Tag

from ..validators import validate_tag_name


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        validate_tag_name(name)
        return name


admin.site.unregister(Tag)


@admin.register(Tag)
class NewsroomTagAdmin(TagAdmin):
    form = TagForm
    # taggit's inline and "Merge selected tags" work on its generic TaggedItem table, which
    # holds nothing here (articles are tagged through TaggedArticle): the inline would show no
    # articles, and a merge would delete nothing but leave every article on the old tag.
    inlines = []
    actions = []
