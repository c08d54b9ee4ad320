"""One editor-typed value in every field an editor can fill, and every page that shows it.

`Story` is a published article with its byline, section, tag, lead picture (from the media
library, with German texts), correction and German translation; `fill_everywhere(client, story,
value)` types `value` into every text field (the article's and the picture's through their admin
change forms, so that the desk's history holds the article's), and `surfaces(story)` lists each
page, feed, sitemap and admin page that shows any of it.
"""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleTranslation,
    Author,
    AuthorTranslation,
    Correction,
    MediaImage,
    MediaImageTranslation,
    Section,
    SectionTranslation,
    Status,
)
from articles.sitemaps import SITEMAPS

from .factories import make_article, make_author, make_image, make_section
from .forms import change_url, form_data

ARTICLE_FORM = "article_form"
# Every article field an editor types text into, on the article's change form.
ARTICLE_TEXT_FIELDS = [
    "headline",
    "standfirst",
    "body",
]
PICTURE_FORM = "mediaimage_form"
# Every text field of a library picture an editor types into (its change form), and those of its
# texts in another language (the first inline row).
PICTURE_TEXT_FIELDS = ["title", "alt", "caption", "credit", "creator", "copyright_notice"]
PICTURE_TRANSLATION_FIELDS = ["localizations-0-alt", "localizations-0-caption"]
SEARCH_WORD = "Quokka"


def png_upload(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 60, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@dataclass
class Story:
    article: Article
    author: Author
    section: Section
    tag: Tag
    correction: Correction
    translation: ArticleTranslation
    picture: MediaImage


def make_story() -> Story:
    """A published article with everything around it, in plain words."""
    section = make_section(name="Weather", description="Storms and sun.")
    SectionTranslation.objects.create(section=section, language="de", name="Wetter")
    author = make_author(name="Ada Writer", job_title="Reporter", bio="Writes about weather.")
    AuthorTranslation.objects.create(author=author, language="de", bio="Schreibt über Wetter.")
    picture = make_image(
        title="Clouds over the bay",
        slug="clouds",
        file=png_upload(),
        alt="Clouds",
        caption="Clouds over the bay.",
        credit="Ada Writer",
        creator="Ada Writer",
        copyright_notice="© 2026 Ada Writer",
    )
    MediaImageTranslation.objects.create(
        image=picture, language="de", alt="Wolken", caption="Wolken über der Bucht."
    )
    article = make_article(
        headline="Storm ahead",
        standfirst="A storm is coming.",
        body=f"The storm comes on Monday. {SEARCH_WORD}.",
        section=section,
        authors=[author],
        tags=["Storms"],
        lead_picture=picture,
    )
    correction = Correction.objects.create(article=article, text="The storm comes on Tuesday.")
    german = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Sturm zieht auf",
        slug="sturm-zieht-auf",
        standfirst="Ein Sturm kommt.",
        body=f"Der Sturm kommt am Montag. {SEARCH_WORD}.",
        status=Status.PUBLISHED,
    )
    return Story(article, author, section, article.tags.get(), correction, german, picture)


def save_article_through_admin(client, article, **changes):
    """Post the article's change form as the browser would, with `changes`; the response."""
    data = form_data(client.get(change_url(article)), ARTICLE_FORM)
    data.update(changes)
    return client.post(change_url(article), data)


def save_picture_through_admin(client, picture, **changes):
    """Post the library picture's change form as the browser would, with `changes`."""
    data = form_data(client.get(change_url(picture)), PICTURE_FORM)
    data.update(changes)
    return client.post(change_url(picture), data)


def fill_everywhere(client, story: Story, value: str) -> None:
    """`value` in every text field of the story; the article's typed into the admin form.

    The article is saved once unchanged first, so that its history has a diff to show.
    """
    response = save_article_through_admin(client, story.article)
    assert response.status_code == 302, field_errors(response)
    changes = {field: value for field in ARTICLE_TEXT_FIELDS}
    changes["body"] = f"{value}\n\n{SEARCH_WORD}"
    response = save_article_through_admin(client, story.article, **changes)
    assert response.status_code == 302, field_errors(response)
    picture_changes = {field: value for field in PICTURE_TEXT_FIELDS + PICTURE_TRANSLATION_FIELDS}
    response = save_picture_through_admin(client, story.picture, **picture_changes)
    assert response.status_code == 302, field_errors(response)
    Section.objects.filter(pk=story.section.pk).update(name=value[:100], description=value)
    SectionTranslation.objects.filter(section=story.section).update(
        name=value[:100], description=value
    )
    Author.objects.filter(pk=story.author.pk).update(name=value, job_title=value, bio=value)
    AuthorTranslation.objects.filter(author=story.author).update(job_title=value, bio=value)
    # Not through the form's tag list, whose comma-separated syntax would split some values.
    Tag.objects.filter(pk=story.tag.pk).update(name=value[:100])
    story.correction.text = value
    story.correction.save()
    german = story.translation
    german.headline, german.standfirst, german.body = value, value, f"{value}\n\n{SEARCH_WORD}"
    german.save()
    for obj in (
        story.article,
        story.author,
        story.section,
        story.tag,
        story.translation,
        story.picture,
    ):
        obj.refresh_from_db()


def field_errors(response) -> str:
    """The error lists of an admin form page, for assertion messages."""
    context = getattr(response, "context", None)
    if context and "adminform" in context:
        form = context["adminform"].form
        inline_errors = [
            (formset.formset.errors, formset.formset.non_form_errors())
            for formset in context.get("inline_admin_formsets", [])
        ]
        return f"{form.errors!r} {inline_errors!r}"
    return response.content.decode()[:2000]


def reader_pages(story: Story) -> list[str]:
    article, section, author, tag = story.article, story.section, story.author, story.tag
    year = article.published_at.year
    pages = []
    for language in ("en", "de"):
        with translation.override(language):
            pages += [
                reverse("articles:home"),
                reverse("articles:section-detail", kwargs={"slug": section.slug}),
                reverse("articles:tag-detail", kwargs={"slug": tag.slug}),
                reverse("articles:author-detail", kwargs={"slug": author.slug}),
                reverse("articles:archive-year", kwargs={"year": year}),
                reverse("articles:corrections"),
                reverse("articles:search") + f"?q={SEARCH_WORD}",
            ]
    pages += [article.get_original_url(), story.translation.get_absolute_url()]
    return pages


def feeds(story: Story) -> list[str]:
    section, author, tag = story.section, story.author, story.tag
    feeds = []
    for language in ("en", "de"):
        with translation.override(language):
            feeds += [
                reverse("articles:feed-rss"),
                reverse("articles:feed-atom"),
                reverse("articles:feed-json"),
            ]
    with translation.override("en"):
        for kind in ("rss", "atom"):
            feeds += [
                reverse(f"articles:section-feed-{kind}", kwargs={"slug": section.slug}),
                reverse(f"articles:tag-feed-{kind}", kwargs={"slug": tag.slug}),
                reverse(f"articles:author-feed-{kind}", kwargs={"slug": author.slug}),
            ]
    return feeds


def sitemaps() -> list[str]:
    return [reverse("sitemap-index")] + [
        reverse("sitemap-section", kwargs={"section": name}) for name in SITEMAPS
    ]


def admin_pages(story: Story) -> list[str]:
    from reversion.models import Version

    article = story.article
    pages = [
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_changelist") + f"?q={SEARCH_WORD}",
        change_url(article),
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_articletranslation_changelist"),
        change_url(story.translation),
        reverse("admin:articles_author_changelist"),
        change_url(story.author),
        reverse("admin:articles_section_changelist"),
        change_url(story.section),
        reverse("admin:taggit_tag_changelist"),
        change_url(story.tag),
        reverse("admin:articles_mediaimage_changelist"),
        change_url(story.picture),
    ]
    # The log of changes, and the delete confirmations that list what hangs on an object.
    for obj in (article, story.author, story.section, story.tag, story.picture):
        meta = obj._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]))
    for obj in (story.author, story.section, story.tag, story.picture):
        meta = obj._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk]))
    pages += [
        reverse("admin:articles_article_revision", args=[article.pk, version.revision_id])
        for version in Version.objects.get_for_object(article)
    ]
    return pages
