"""The newsroom's content: articles and what they are filed under (article.py), translations
and per-language texts (translation.py), the desk's records (desk.py), notes and notifications
(notes.py), editors' unsaved work (autosave.py), who has what open at the desk (presence.py), the
front page as editors arrange it (frontpage.py); shared bases (base.py) and query shapes
(rows.py)."""

from .article import (
    PUBLISHING_STATUSES,
    Article,
    ArticleQuerySet,
    Author,
    Byline,
    BylineRole,
    PublicationState,
    Section,
    Status,
    TaggedArticle,
    article_page_url,
)
from .autosave import Autosave, AutosaveKind
from .base import normalize_newlines, text_digest
from .desk import (
    REVISING_KINDS,
    Correction,
    CorrectionKind,
    ShareLink,
    SlugRedirect,
    StatusChange,
    correction_rows,
    corrections_from_rows,
)
from .frontpage import Placement, PlacementQuerySet, placed_first
from .media import Embed, MediaImage, MediaImageTranslation, MediaUse
from .notes import Note, Notification, NotificationKind, NotificationPreference
from .presence import EditLock, EditPresence
from .translation import (
    ArticleTranslation,
    AuthorTranslation,
    SectionTranslation,
    translator_rows,
    translators_from_rows,
)

__all__ = [
    "PUBLISHING_STATUSES",
    "REVISING_KINDS",
    "Article",
    "ArticleQuerySet",
    "ArticleTranslation",
    "Author",
    "AuthorTranslation",
    "Autosave",
    "AutosaveKind",
    "Byline",
    "BylineRole",
    "Correction",
    "CorrectionKind",
    "EditLock",
    "EditPresence",
    "Embed",
    "MediaImage",
    "MediaImageTranslation",
    "MediaUse",
    "Note",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "Placement",
    "PlacementQuerySet",
    "PublicationState",
    "Section",
    "SectionTranslation",
    "ShareLink",
    "SlugRedirect",
    "Status",
    "StatusChange",
    "TaggedArticle",
    "article_page_url",
    "correction_rows",
    "corrections_from_rows",
    "normalize_newlines",
    "placed_first",
    "text_digest",
    "translator_rows",
    "translators_from_rows",
]
