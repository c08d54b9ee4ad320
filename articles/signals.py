"""Receivers of model changes: derived fields, staleness, corrections, tag slugs, old addresses,
and the fan-out to the page cache and the CDN (cache/fanout.py)."""

from django.apps import apps
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from taggit.models import Tag

from . import cache, jobs
from .cache import fanout
from .media.library import measure, record_uses
from .models import (
    Article,
    ArticleTranslation,
    Correction,
    MediaImage,
    SlugRedirect,
    Status,
)
from .tags import needs_new_slug, unique_tag_slug


@receiver(pre_save, sender=Article)
@receiver(pre_save, sender=ArticleTranslation)
@receiver(pre_save, sender=Correction)
def refresh_derived_fields(sender, instance, **kwargs):
    # A signal rather than save(): loaddata saves raw, bypassing save(), and fixtures must
    # still get their reader HTML without carrying a copy of it.
    instance.refresh_derived_fields()


@receiver(post_save, sender=Article)
def mark_translations_stale(sender, instance, raw=False, update_fields=None, **kwargs):
    """Translations made from other text than the original's current one are stale."""
    if update_fields is not None and "content_digest" not in update_fields:
        return
    instance.translations.filter(is_stale=False).exclude(
        source_digest=instance.content_digest
    ).update(is_stale=True)


@receiver(post_save, sender=Article)
@receiver(post_save, sender=ArticleTranslation)
def record_media_uses(sender, instance, raw=False, update_fields=None, **kwargs):
    """Which library images and embeds the article shows, from its texts (media/library.py)."""
    if raw:  # loaddata records them once everything is loaded (media/library.py)
        return
    # A save naming what it changed, and not what the text shows of the library: nothing to do.
    if update_fields is not None and not {"media_shown", "lead_picture"} & set(update_fields):
        return
    record_uses(instance if sender is Article else instance.article)


@receiver(pre_save, sender=MediaImage)
def measure_picture(sender, instance, raw=False, **kwargs):
    measure(instance, loading=raw)


@receiver(post_delete, sender=MediaImage)
def forget_deleted_picture(sender, instance, **kwargs):
    """A picture deleted from the library: its file and renditions go once that commits. (A
    replaced file stays: the picture's History may bring it back.)"""
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: jobs.forget_picture.enqueue(name=name), robust=True)


@receiver(post_save, sender=MediaImage)
def make_renditions_soon(sender, instance, raw=False, update_fields=None, **kwargs):
    """A new picture or focal point: its renditions are made by a job once the save commits."""
    if update_fields is not None and not {"file", "focal_x", "focal_y"} & set(update_fields):
        return
    pk = instance.pk
    transaction.on_commit(lambda: jobs.make_renditions.enqueue(image_pk=pk), robust=True)


@receiver(post_save, sender=Correction)
def correction_updates_article(sender, instance, raw=False, **kwargs):
    """A correction or update moves the article's "updated" time; other notes do not."""
    if not instance.revises_article:
        return
    Article.objects.filter(pk=instance.article_id).filter(
        Q(revised_at__isnull=True) | Q(revised_at__lt=instance.noted_at)
    ).update(revised_at=instance.noted_at)


@receiver(pre_save, sender=Tag)
def give_tag_a_working_slug(sender, instance, raw=False, **kwargs):
    # taggit's own slugs can be empty ("🔥") or outgrow the column on a clash; ours cannot.
    if needs_new_slug(instance):
        instance.slug = unique_tag_slug(instance.name, exclude_pk=instance.pk)


@receiver(pre_save, sender=Article)
@receiver(pre_save, sender=ArticleTranslation)
def keep_old_addresses(sender, instance, raw=False, update_fields=None, **kwargs):
    """A published article or translation that changes its slug keeps its old address (301)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "slug" not in update_fields:
        return
    before = sender.objects.filter(pk=instance.pk).values("slug", "status").first()
    if before is None or before["slug"] == instance.slug:
        return
    is_translation = isinstance(instance, ArticleTranslation)
    scope = {"language": instance.language if is_translation else ""}
    # Taking a slug back: its old address is the live one again.
    SlugRedirect.objects.filter(old_slug=instance.slug, **scope).delete()
    if before["status"] != Status.PUBLISHED:
        return
    SlugRedirect.objects.update_or_create(
        old_slug=before["slug"],
        **scope,
        defaults={
            "article_id": instance.article_id if is_translation else instance.pk,
            "translation": instance if is_translation else None,
        },
    )


# Every change pages depend on renews the page cache and purges the CDN: the fan-out registry
# (cache/fanout.py) lists the models and what their changes touch.
for _dependency in fanout.DEPENDENCIES:
    _model = apps.get_model(_dependency.model)
    post_save.connect(cache.changed, sender=_model, dispatch_uid=f"page-cache-save-{_model}")
    post_delete.connect(cache.changed, sender=_model, dispatch_uid=f"page-cache-del-{_model}")
    for _relation in _dependency.through:
        _through = getattr(_model, _relation).through
        m2m_changed.connect(
            cache.changed, sender=_through, dispatch_uid=f"page-cache-m2m-{_through}"
        )


@receiver(setting_changed)
def forget_what_settings_made(**kwargs):
    """The parts of pages rendered once per process (templates/base.html) come from settings
    (the publisher's name, static files, URLs): made anew when one changes (tests do)."""
    caches["local"].clear()
