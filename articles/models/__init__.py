"""The newsroom's content: articles and their people (article.py), translations, desk records."""

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
    bcp47_validator,
    normalize_newlines,
    text_digest,
)
from .desk import (
    REVISING_KINDS,
    Correction,
    CorrectionKind,
    ShareLink,
    StatusChange,
)
from .translation import ArticleTranslation

__all__ = [
    "PUBLISHING_STATUSES",
    "REVISING_KINDS",
    "Article",
    "ArticleQuerySet",
    "ArticleTranslation",
    "Author",
    "Byline",
    "BylineRole",
    "Correction",
    "CorrectionKind",
    "PublicationState",
    "Section",
    "ShareLink",
    "Status",
    "StatusChange",
    "TaggedArticle",
    "bcp47_validator",
    "normalize_newlines",
    "text_digest",
]
