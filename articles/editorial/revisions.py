"""Revision history of articles and translations, kept by django-reversion.

Every save through the desk runs inside a revision, which stores the article with its bylines and
tags (or the translation with its translators). Fixture loads and data migrations run outside any
revision, so they leave the history alone. Restoring brings back the words, filing, bylines and
tags of a version as a new save; the workflow state (status, publication time) stays as it is,
because restoring must never publish, unpublish or reschedule.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Prefetch, prefetch_related_objects
from django.db.models.functions import Cast
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from reversion.models import Revision, Version
from taggit.models import Tag

from ..models import (
    Article,
    ArticleTranslation,
    Author,
    Byline,
    BylineRole,
    MediaImage,
    Section,
    TaggedArticle,
)
from ..wording import fill

reversion.register(Tag)
reversion.register(TaggedArticle, follow=["tag"])
reversion.register(Byline)
reversion.register(
    Article, follow=["bylines", "tagged_items"], exclude=["body_html", "media_shown"]
)
reversion.register(ArticleTranslation, exclude=["body_html", "media_shown"])

# What a restore brings back, by attname (the keys of Version.field_dict).
RESTORED_FIELDS = {
    Article: [
        "headline",
        "slug",
        "standfirst",
        "body",
        "section_id",
        "language",
        "unsigned",
        "lead_picture_id",
    ],
    ArticleTranslation: ["headline", "slug", "standfirst", "body"],
}


@contextmanager
def revision(user, comment):
    """Record what add_with_relations() puts inside the block as one revision by `user`.

    Managed by hand: a revision holds the objects as they are once everything is saved, not
    each row as it was when it was written. Inside the caller's transaction (the editorial
    actions are atomic), so no savepoint of its own.
    """
    with reversion.create_revision(manage_manually=True, atomic=False):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(str(comment))
        yield


def set_comment(comment) -> None:
    """Say what the current revision did, once it is known."""
    reversion.set_comment(str(comment))


def add_with_relations(obj):
    """Put `obj` into the current revision as it is now, with its bylines and tags (or
    translators), which the registration follows. They are read afresh, in two queries
    whatever their number (the follow would read each byline's author and each tag alone)."""
    if isinstance(obj, Article):
        cache = getattr(obj, "_prefetched_objects_cache", {})
        cache.pop("bylines", None)
        cache.pop("tagged_items", None)
        prefetch_related_objects(
            [obj],
            Prefetch("bylines", queryset=Byline.objects.select_related("author")),
            Prefetch("tagged_items", queryset=TaggedArticle.objects.select_related("tag")),
        )
    reversion.add_to_revision(obj)


def with_history_flag(queryset):
    """`queryset` annotated `has_history`: whether a row has a version yet, read with it."""
    content_type = ContentType.objects.get_for_model(queryset.model)
    versions = Version.objects.filter(
        content_type=content_type,
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        db=queryset.db,
    )
    return queryset.annotate(has_history=Exists(versions))


def ensure_baseline(obj) -> None:
    """Before the first desk edit of something loaded or made elsewhere, keep it as it was.

    Fixtures and data migrations write no history; without this, the first edit at the desk
    would lose the original text for good. `has_history` (with_history_flag()) saves a query.
    """
    has_history = getattr(obj, "has_history", None)
    if has_history is None:
        has_history = history(obj).exists()
    if has_history:
        return
    with reversion.create_revision(manage_manually=True, atomic=False):
        reversion.set_comment(_("As it was before the first edit at the desk."))
        if obj.updated_by_id:
            reversion.set_user(obj.updated_by)
        if obj.updated_at:
            reversion.set_date_created(obj.updated_at)
        add_with_relations(obj)
    obj.has_history = True


def history(obj):
    """The versions of `obj`, newest first, with who saved them."""
    return (
        Version.objects.get_for_object(obj)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


@dataclass
class Snapshot:
    """An article or translation as one revision stored it, in terms an editor reads."""

    revision: Revision
    version: Version
    fields: dict
    bylines: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    translator_ids: list[int] = field(default_factory=list)

    @property
    def byline_text(self) -> str:
        return ", ".join(
            byline["name"]
            if byline["role"] == BylineRole.REPORTER
            else f"{byline['name']} ({BylineRole(byline['role']).label})"
            for byline in self.bylines
        )


def snapshot(obj, revision_id) -> Snapshot | None:
    """What `obj` looked like in the revision `revision_id`; None if it is not in it."""
    content_type = ContentType.objects.get_for_model(type(obj))
    version = (
        Version.objects.filter(
            revision_id=revision_id, content_type=content_type, object_id=str(obj.pk)
        )
        .select_related("revision", "revision__user")
        .first()
    )
    if version is None:
        return None
    result = Snapshot(revision=version.revision, version=version, fields=version.field_dict)
    if isinstance(obj, Article):
        _read_article_relations(result, obj)
    else:
        result.translator_ids = list(result.fields.get("translators", []))
    return result


def _read_article_relations(result: Snapshot, article: Article) -> None:
    by_model = {}
    for version in result.revision.version_set.select_related("content_type"):
        by_model.setdefault(version.content_type.model_class(), []).append(version)
    bylines = [
        v.field_dict for v in by_model.get(Byline, []) if v.field_dict["article_id"] == article.pk
    ]
    bylines.sort(key=lambda byline: (byline["position"], byline["id"]))
    names = dict(
        Author.objects.filter(pk__in=[b["author_id"] for b in bylines]).values_list("pk", "name")
    )
    result.bylines = [
        {
            "author_id": byline["author_id"],
            "name": names.get(byline["author_id"], _("(deleted author)")),
            "exists": byline["author_id"] in names,
            "role": byline["role"],
            "position": byline["position"],
        }
        for byline in bylines
    ]
    tag_names = {int(v.object_id): v.field_dict["name"] for v in by_model.get(Tag, [])}
    tag_ids = [
        v.field_dict["tag_id"]
        for v in by_model.get(TaggedArticle, [])
        if v.field_dict["content_object_id"] == article.pk
    ]
    missing = [pk for pk in tag_ids if pk not in tag_names]
    tag_names.update(Tag.objects.filter(pk__in=missing).values_list("pk", "name"))
    result.tags = sorted((tag_names[pk] for pk in tag_ids if pk in tag_names), key=str.lower)


def restore(obj, old: Snapshot, user) -> list[str]:
    """Save `obj` again with the words, filing, bylines and tags of `old`; a new revision.

    Returns notes on what could not come back (a deleted author or section, a slug taken since).
    """
    notes = []
    with revision(user, _restore_comment(old)):
        for attname in RESTORED_FIELDS[type(obj)]:
            if attname in old.fields:
                setattr(obj, attname, old.fields[attname])
        if isinstance(obj, Article):
            notes += _keep_what_cannot_come_back(obj)
        else:
            notes += _keep_taken_slug(
                obj, ArticleTranslation.objects.filter(language=obj.language).exclude(pk=obj.pk)
            )
        obj.save()
        if isinstance(obj, Article):
            notes += _restore_article_relations(obj, old)
        else:
            obj.translators.set(Author.objects.filter(pk__in=old.translator_ids))
        add_with_relations(obj)
    return notes


def _restore_comment(old: Snapshot) -> str:
    return fill(
        _("Restored the version of %(date)s."),
        {"date": localize(template_localtime(old.revision.date_created))},
    )


def _keep_taken_slug(obj, same_space) -> list[str]:
    stored = type(obj).objects.only("slug").get(pk=obj.pk).slug
    if obj.slug != stored and (obj.is_public() or same_space.filter(slug=obj.slug).exists()):
        obj.slug = stored
        return [_("The web address stays as it is: published links must keep working.")]
    return []


def _keep_what_cannot_come_back(article: Article) -> list[str]:
    notes = _keep_taken_slug(article, Article.objects.exclude(pk=article.pk))
    if not Section.objects.filter(pk=article.section_id).exists():
        article.section_id = Article.objects.only("section").get(pk=article.pk).section_id
        notes.append(_("The old section no longer exists; the article stays in its section."))
    picture = article.lead_picture_id
    if picture is not None and not MediaImage.objects.filter(pk=picture).exists():
        article.lead_picture_id = (
            Article.objects.only("lead_picture").get(pk=article.pk).lead_picture_id
        )
        notes.append(
            _("The old lead image is no longer in the library; the article keeps its own.")
        )
    return notes


def _restore_article_relations(article: Article, old: Snapshot) -> list[str]:
    notes = []
    related = old.fields.get("related_articles", [])
    article.related_articles.set(Article.objects.filter(pk__in=related))
    article.bylines.all().delete()
    for byline in old.bylines:
        if not byline["exists"]:
            notes.append(_("A byline's author has been deleted and could not be restored."))
            continue
        Byline.objects.create(
            article=article,
            author_id=byline["author_id"],
            role=byline["role"],
            position=byline["position"],
        )
    article.tags.set(old.tags)
    return notes
