"""Small builders for test data: each makes one valid object and takes overrides."""

from datetime import timedelta
from itertools import count

from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles.models import Article, Author, Byline, BylineRole, Section, Status

_sequence = count(1)


def make_section(**fields) -> Section:
    n = next(_sequence)
    fields.setdefault("name", f"Section {n}")
    fields.setdefault("slug", f"section-{n}")
    return Section.objects.create(**fields)


def make_author(**fields) -> Author:
    n = next(_sequence)
    fields.setdefault("name", f"Author {n}")
    fields.setdefault("slug", f"author-{n}")
    return Author.objects.create(**fields)


def make_article(*, authors=(), tags=(), **fields) -> Article:
    """A published article from an hour ago, unless told otherwise."""
    n = next(_sequence)
    fields.setdefault("headline", f"Headline number {n}")
    fields.setdefault("slug", f"headline-{n}")
    fields.setdefault("standfirst", f"Standfirst of article {n}.")
    fields.setdefault("body", f"Body paragraph of article {n}.")
    fields.setdefault("status", Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(hours=1))
    if "section" not in fields:
        fields["section"] = make_section()
    article = Article.objects.create(**fields)
    for position, author in enumerate(authors):
        Byline.objects.create(
            article=article, author=author, position=position, role=BylineRole.REPORTER
        )
    if tags:
        article.tags.add(*tags)
    return article


def make_staff(group_name: str, username: str | None = None, **fields) -> User:
    """A staff account in one of the editorial groups (Reporters, Editors, Translators)."""
    user = User.objects.create_user(
        username or f"{group_name.lower()}-{next(_sequence)}", password="x", is_staff=True, **fields
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


def picture_file(width=1600, height=900, name="photo.jpg", colour=(120, 60, 30)):
    """An uploaded JPEG of `width` × `height` pixels, made here (no file on disk)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def make_image(**fields):
    """A library picture with alt text and a credit, ready to publish, unless told otherwise."""
    from articles.models import MediaImage

    n = next(_sequence)
    fields.setdefault("title", f"Picture {n}")
    fields.setdefault("slug", f"picture-{n}")
    fields.setdefault("alt", f"What picture {n} shows")
    fields.setdefault("caption", f"Caption of picture {n}.")
    fields.setdefault("credit", f"Photographer {n} / Agency")
    if "file" not in fields:
        fields["file"] = picture_file()
    return MediaImage.objects.create(**fields)
