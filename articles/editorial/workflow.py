"""The editorial workflow: which status changes exist, who may make them, what publishing needs.

Draft ⇄ in review → published (scheduled while its time is in the future) → withdrawn, and back
to draft from withdrawn, or from scheduled before it goes live. Anything that moves text into or
out of publication, and any change to published, scheduled or withdrawn work, needs
`articles.publish_article`; so does a change to the people that published or scheduled work
shows. This module states the rules; the editorial actions (actions.py) apply them to every
change of an article or translation, whoever asks (the desk, a command, an API), and the desk's
author pages apply author_is_locked().
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..media.library import missing_credits
from ..models import PUBLISHING_STATUSES, Article, ArticleTranslation, Status, StatusChange

PUBLISH_PERMISSION = "articles.publish_article"

TRANSITIONS = frozenset(
    {
        (Status.DRAFT, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.DRAFT),
        (Status.DRAFT, Status.PUBLISHED),
        (Status.IN_REVIEW, Status.PUBLISHED),
        (Status.PUBLISHED, Status.WITHDRAWN),
        # Only while the article is scheduled: taking it off the schedule.
        (Status.PUBLISHED, Status.DRAFT),
        (Status.WITHDRAWN, Status.DRAFT),
        (Status.WITHDRAWN, Status.PUBLISHED),
    }
)

REFUSED_PUBLISHING = gettext_lazy(
    "You may not publish, schedule or withdraw; ask an editor. Save as draft or in review."
)
REFUSED_LOCKED = gettext_lazy(
    "Published, scheduled and withdrawn work can only be changed by an editor."
)
REFUSED_PERSON = gettext_lazy(
    "“%(author)s” is shown on published articles, so only an editor can change this profile "
    "(name, address, job title, bio, texts in other languages and staff account)."
)


class WorkflowError(Exception):
    """A refused step, with the message the editor sees."""


class MayNotChange(WorkflowError):
    """The work, as stored, is out of this user's hands (published, scheduled, withdrawn)."""


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def is_locked(obj, user) -> bool:
    """Whether `obj`, as stored, is out of this user's hands (published, scheduled, withdrawn)."""
    return obj.pk is not None and is_locked_status(obj.status, user)


def is_locked_status(status, user) -> bool:
    return status in PUBLISHING_STATUSES and not can_publish(user)


def author_is_locked(author, user) -> bool:
    """Whether changes to `author` are out of this user's hands: readers see (or are about to
    see) the profile on published or scheduled work, in a byline or as a translator, so a
    change to it is an editor's, as a change to that work would be. New authors, and those
    only on drafts or withdrawn work, stay the reporters' to keep."""
    if author.pk is None or can_publish(user):
        return False
    going_out = Article.objects.filter(status=Status.PUBLISHED)
    translations = ArticleTranslation.objects.filter(
        status=Status.PUBLISHED, article__in=going_out, translators=author
    )
    return going_out.authors().filter(pk=author.pk).exists() or translations.exists()


def check_may_change(old_status, user) -> None:
    """Raise WorkflowError unless `user` may change work stored with `old_status`."""
    if is_locked_status(old_status, user):
        raise MayNotChange(REFUSED_LOCKED)


def check_step(old_status, new_status, user, *, is_live: bool) -> None:
    """Raise WorkflowError unless `user` may move work from `old_status` to `new_status`;
    `is_live`: whether it is published and readable now (not scheduled)."""
    if new_status == old_status:
        return
    touches_publication = new_status in PUBLISHING_STATUSES or old_status in PUBLISHING_STATUSES
    if touches_publication and not can_publish(user):
        raise WorkflowError(REFUSED_PUBLISHING)
    if (old_status, new_status) not in TRANSITIONS:
        raise WorkflowError(
            _("“%(old)s” cannot go straight to “%(new)s”.")
            % {"old": Status(old_status).label, "new": Status(new_status).label}
        )
    if (old_status, new_status) == (Status.PUBLISHED, Status.DRAFT) and is_live:
        raise WorkflowError(_("A live article is withdrawn, not sent back to draft."))


def check_transition(obj, new_status, user, now=None) -> None:
    """Raise WorkflowError unless `user` may move `obj` (as stored) to `new_status`."""
    old_status = obj.status if obj.pk else Status.DRAFT
    is_live = obj.pk is not None and obj.is_public(now)
    check_step(old_status, new_status, user, is_live=is_live)


def allowed(obj, new_status, user, now=None) -> bool:
    try:
        check_transition(obj, new_status, user, now)
    except WorkflowError:
        return False
    return True


def publication_problems(article: Article, byline_count: int | None = None) -> list[str]:
    """What keeps `article` from being published; `byline_count` overrides the stored bylines."""
    problems = []
    if not article.headline.strip():
        problems.append(_("It needs a headline."))
    if not article.body.strip():
        problems.append(_("It needs a body."))
    if not article.section_id:
        problems.append(_("It needs a section."))
    if byline_count is None:
        byline_count = article.bylines.count() if article.pk else 0
    if not byline_count and not article.unsigned:
        problems.append(_("Add at least one byline, or tick “unsigned” for an unsigned article."))
    return problems + missing_credits(article.body, article.language, article.lead_picture_id)


def record(obj, old_status, new_status, user, when=None) -> StatusChange | None:
    """Write down one workflow step of an article or translation."""
    if old_status == new_status:
        return None
    subject = {"translation": obj} if isinstance(obj, ArticleTranslation) else {"article": obj}
    return StatusChange.objects.create(
        **subject,
        from_status=old_status or "",
        to_status=new_status,
        changed_by=user if user is not None and user.is_authenticated else None,
        changed_at=when or timezone.now(),
    )
