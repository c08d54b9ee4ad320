"""What happened, in the newsroom's words: one domain signal per editorial action.

Each signal is sent once the change has committed, with `sender` the model class, `instance`
the article, translation, correction, share link, note or front-page placement as saved, and
`user` who did it. Webhooks, feed pings and e-mail notifications listen here; page caches and
CDN purges do not need to, they follow every row change (signals.py, cache/).
"""

import logging

from django.db import transaction
from django.dispatch import Signal, receiver

article_saved = Signal()  # its text or filing changed, its state did not
article_submitted = Signal()  # sent for review
article_published = Signal()  # live now
article_scheduled = Signal()  # to go live at its publication time
article_unpublished = Signal()  # back to draft (taken off the schedule, or from withdrawn)
article_sent_back = Signal()  # from review back to draft
article_withdrawn = Signal()
article_restored = Signal()  # an earlier version's text brought back
article_corrected = Signal()  # a correction, clarification, update or editor's note added
translation_saved = Signal()
translation_submitted = Signal()
translation_published = Signal()
translation_unpublished = Signal()
translation_sent_back = Signal()
translation_withdrawn = Signal()
translation_restored = Signal()
translation_marked_current = Signal()  # follows the original's current text again
share_link_made = Signal()
share_link_revoked = Signal()
note_added = Signal()  # an editorial note (instance) on an article
front_page_changed = Signal()  # a placement made, moved or removed (instance: the placement)

EVENTS = {
    "article_saved": article_saved,
    "article_submitted": article_submitted,
    "article_published": article_published,
    "article_scheduled": article_scheduled,
    "article_unpublished": article_unpublished,
    "article_sent_back": article_sent_back,
    "article_withdrawn": article_withdrawn,
    "article_restored": article_restored,
    "article_corrected": article_corrected,
    "translation_saved": translation_saved,
    "translation_submitted": translation_submitted,
    "translation_published": translation_published,
    "translation_unpublished": translation_unpublished,
    "translation_sent_back": translation_sent_back,
    "translation_withdrawn": translation_withdrawn,
    "translation_restored": translation_restored,
    "translation_marked_current": translation_marked_current,
    "share_link_made": share_link_made,
    "share_link_revoked": share_link_revoked,
    "note_added": note_added,
    "front_page_changed": front_page_changed,
}

logger = logging.getLogger("newsroom.editorial")


def announce(signal: Signal, instance, user) -> None:
    """Send `signal` for `instance` once the current transaction commits (never if it rolls
    back: nothing happened)."""
    transaction.on_commit(
        lambda: signal.send(sender=type(instance), instance=instance, user=user), robust=True
    )


def _audit(signal, sender, instance, user, **kwargs):
    """One log line per editorial event: what, which, who."""
    name = next(name for name, known in EVENTS.items() if known is signal)
    who = user.get_username() if user is not None and user.is_authenticated else "-"
    logger.info("%s %s %s by %s", name, sender._meta.model_name, instance.pk, who)


for _signal in EVENTS.values():
    receiver(_signal, dispatch_uid="newsroom.editorial.audit")(_audit)
