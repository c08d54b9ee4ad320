"""Receivers: the pages' reader HTML, and the page cache when a page or a menu link changes."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from articles import cache

from .models import MenuLink, Page


@receiver(pre_save, sender=Page)
def render_body(sender, instance, **kwargs):
    instance.refresh_derived_fields()


# Every public page shows the menus, and the sitemap lists the pages: a change to either renews
# every page, as a renamed section does. cache.changed() knows neither model, so it renews all
# (cache/fanout.py changed_keys(): an unlisted model touches ALL).
for _model in (Page, MenuLink):
    post_save.connect(cache.changed, sender=_model, dispatch_uid=f"pages-cache-save-{_model}")
    post_delete.connect(cache.changed, sender=_model, dispatch_uid=f"pages-cache-del-{_model}")
