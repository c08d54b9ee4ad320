"""Editorial notes: the desk's conversation about an article, kept with it, never for readers.

Adding a note is an editorial action like the others (actions.py): one transaction, checked,
announced by a domain signal (`note_added`) once it has committed. There is no action to edit
or delete a note: what was said stays said, with who said it and when.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Article, Note
from .signals import EVENTS, announce
from .workflow import WorkflowError

# @username: the characters Django's usernames may hold; a trailing full stop or hyphen ends
# the sentence, not the name. Not after a word character, so that an e-mail address is none.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]*[\w@+])")


def mentioned_usernames(text: str) -> list[str]:
    """The usernames `text` mentions ("@rita"), each once, in order."""
    return list(dict.fromkeys(MENTION.findall(text)))


def add_note(article_or_pk, user, *, text: str, parent=None, now=None) -> Note:
    """Add a note (or, with `parent`, a reply to one) to an article, as `user`.

    Whether `user` may see the article is the caller's to check (the desk asks its view
    permission); the action refuses an empty note and a reply to another article's note."""
    with transaction.atomic():
        pk = article_or_pk.pk if isinstance(article_or_pk, Article) else article_or_pk
        article = Article.objects.only("pk").get(pk=pk)
        parent_pk = parent.pk if isinstance(parent, Note) else parent
        if parent_pk is not None:
            parent = Note.objects.filter(pk=parent_pk, article=article).first()
            if parent is None:
                raise WorkflowError(_("That note belongs to another article."))
        note = Note(
            article=article,
            parent=parent,
            text=text.strip(),
            author=user if user is not None and user.is_authenticated else None,
            created_at=now or timezone.now(),
        )
        if not note.text:
            raise WorkflowError(_("Write something in the note."))
        try:
            note.full_clean(exclude=["article", "parent", "author"])
        except ValidationError as invalid:
            raise WorkflowError(" ".join(invalid.messages)) from None
        note.save()
        announce(EVENTS["note_added"], note, user)
    return note
