"""The media library: pictures referenced from bodies, where they are used, what the desk
refuses, and what readers see of them."""

import re

import pytest
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains

from articles import editorial
from articles.editorial.workflow import WorkflowError
from articles.markdown import media_references, render_markdown
from articles.models import (
    ArticleTranslation,
    MediaImage,
    MediaImageTranslation,
    MediaUse,
    Status,
)

from .factories import make_article, make_image, make_staff, picture_file
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


def publish(obj, user):
    with transaction.atomic():
        locked = editorial.lock(type(obj), obj.pk)
        locked.status = Status.PUBLISHED
        return editorial.save(locked, user)


@pytest.fixture
def editor(client):
    user = make_staff("Editors")
    client.force_login(user)
    return user


# How a body writes them


def test_a_reference_alone_on_its_line_becomes_a_placeholder_figure():
    html = render_markdown("Before.\n\n[[image harbour | caption: The harbour & its boats]]\n")

    assert html == (
        "<p>Before.</p>\n"
        '<figure data-media="image" data-targets="harbour" '
        'data-caption="The harbour &amp; its boats"></figure>\n'
    )


def test_a_gallery_lists_its_pictures_and_an_embed_its_address():
    refs = media_references("[[gallery a, b c]]\n\n[[embed https://vimeo.com/1?x=1&y=2]]")

    assert [(ref.kind, ref.targets) for ref in refs] == [
        ("gallery", ("a", "b", "c")),
        ("embed", ("https://vimeo.com/1?x=1&y=2",)),
    ]


def test_references_in_code_or_inside_a_sentence_are_text():
    source = "    [[image code]]\n\nSay [[image harbour]] here.\n\n`[[image inline]]`"

    assert media_references(source) == []
    assert "data-media" not in render_markdown(source)


def test_a_figure_typed_as_html_does_not_reach_readers():
    html = render_markdown('<figure data-media="image" data-targets="x"></figure>')

    assert "<figure" not in html
    assert "&lt;figure" in html


# Where a picture is used


def test_an_article_records_the_pictures_its_body_and_translations_show():
    harbour, storm, unused = make_image(), make_image(), make_image()
    article = make_article(body=f"Text.\n\n[[image {harbour.slug}]]\n")
    ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafen",
        slug="hafen",
        body=f"Text.\n\n[[gallery {harbour.slug}, {storm.slug}]]\n",
    )

    assert set(MediaUse.objects.values_list("image__slug", flat=True)) == {
        harbour.slug,
        storm.slug,
    }
    assert not unused.uses.exists()


def test_taking_a_picture_out_of_the_body_ends_its_use():
    harbour = make_image()
    article = make_article(body=f"[[image {harbour.slug}]]")

    article.body = "No picture now."
    article.save()

    assert not harbour.uses.exists()


def test_a_used_picture_cannot_be_deleted():
    harbour = make_image()
    make_article(body=f"[[image {harbour.slug}]]")

    with pytest.raises(ProtectedError):
        harbour.delete()


def test_the_desk_refuses_to_delete_a_used_picture_and_says_where_it_is_used(client, editor):
    harbour = make_image(title="The harbour at dawn")
    article = make_article(headline="Storm over the harbour", body=f"[[image {harbour.slug}]]")
    url = reverse("admin:articles_mediaimage_delete", args=[harbour.pk])

    page = client.get(url)
    client.post(url, {"post": "yes"})

    assertContains(page, "would require deleting the following protected related objects")
    assertContains(page, "Storm over the harbour")
    assert MediaImage.objects.filter(pk=harbour.pk).exists()
    assert article.media_uses.count() == 1


def test_the_library_page_of_a_picture_lists_the_articles_using_it(client, editor):
    harbour = make_image()
    article = make_article(headline="Storm over the harbour", body=f"[[image {harbour.slug}]]")

    page = client.get(change_url(harbour))

    assertContains(page, f'<a href="{change_url(article)}">Storm over the harbour</a>', html=True)


def test_an_unused_picture_can_be_deleted_at_the_desk(client, editor):
    harbour = make_image()

    client.post(reverse("admin:articles_mediaimage_delete", args=[harbour.pk]), {"post": "yes"})

    assert not MediaImage.objects.filter(pk=harbour.pk).exists()


# The desk's refusals


def test_a_body_naming_a_picture_not_in_the_library_is_refused_with_its_name(client, editor):
    article = make_article(status=Status.DRAFT, published_at=None)
    data = form_data(client.get(change_url(article)), "article_form")
    data["body"] = "Text.\n\n[[image no-such-picture]]"

    response = client.post(change_url(article), data)

    assertContains(response, "There is no image “no-such-picture” in the library.")
    article.refresh_from_db()
    assert "no-such-picture" not in article.body


def test_a_misspelt_media_line_is_refused_with_its_line_number(client, editor):
    article = make_article(status=Status.DRAFT, published_at=None)
    data = form_data(client.get(change_url(article)), "article_form")
    data["body"] = "Text.\n\n[[picture harbour]]"

    response = client.post(change_url(article), data)

    assertContains(response, "Line 3 is not a media reference")


def test_publishing_needs_alt_text_and_a_credit_for_every_picture(editor):
    bare = make_image(alt="", credit="")
    article = make_article(status=Status.DRAFT, published_at=None, body=f"[[image {bare.slug}]]")

    with pytest.raises(WorkflowError) as refusal:
        publish(article, editor)

    assert f"The image “{bare.slug}” needs alt text and a credit" in str(refusal.value)


def test_a_credit_given_for_this_use_is_enough_to_publish(editor):
    bare = make_image(credit="")
    article = make_article(
        status=Status.DRAFT,
        published_at=None,
        body=f"[[image {bare.slug} | credit: Jane Doe / Reuters]]",
        unsigned=True,
    )

    publish(article, editor)

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_a_german_translation_needs_german_alt_text_to_be_published(editor):
    harbour = make_image(language="en")
    article = make_article(body=f"[[image {harbour.slug}]]")
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Hafen", slug="hafen", body=article.body
    )

    with pytest.raises(WorkflowError):
        publish(translation, editor)
    MediaImageTranslation.objects.create(image=harbour, language="de", alt="Der Hafen")
    publish(translation, editor)

    translation.refresh_from_db()
    assert translation.status == Status.PUBLISHED


# The library at the desk


def test_the_library_finds_a_picture_by_its_german_caption(client, editor):
    harbour = make_image(title="Harbour")
    make_image(title="Parliament")
    MediaImageTranslation.objects.create(image=harbour, language="de", caption="Der Hafen")

    page = client.get(reverse("admin:articles_mediaimage_changelist"), {"q": "hafen"})

    assert [image.title for image in page.context["cl"].result_list] == ["Harbour"]


def test_the_library_lists_pictures_lacking_alt_text_or_credit(client, editor):
    make_image(title="Ready")
    make_image(title="No credit", credit="")

    page = client.get(reverse("admin:articles_mediaimage_changelist"), {"ready": "no"})

    assert [image.title for image in page.context["cl"].result_list] == ["No credit"]


def test_the_picker_answers_with_references_the_body_can_use(client, editor):
    make_image(title="Harbour at dawn", slug="harbour-dawn")
    make_image(title="Parliament")

    answer = client.get(reverse("admin:articles_mediaimage_picker"), {"q": "harbour"}).json()

    assert [(found["reference"], found["title"]) for found in answer["results"]] == [
        ("harbour-dawn", "Harbour at dawn")
    ]
    assert answer["results"][0]["thumbnail"].startswith("/media/renditions/library/")


def test_the_picker_is_closed_to_visitors_who_are_not_staff(client):
    response = client.get(reverse("admin:articles_mediaimage_picker"))

    assert response.status_code == 302


def test_a_picture_uploaded_at_the_desk_is_stamped_with_who_added_it(client, editor):
    response = client.post(
        reverse("admin:articles_mediaimage_add"),
        {
            "title": "Harbour",
            "slug": "harbour",
            "file": picture_file(800, 600),
            "focal_x": "0.25",
            "focal_y": "0.75",
            "language": "en",
            "alt": "Boats in a harbour",
            "credit": "Jane Doe / Reuters",
            "localizations-TOTAL_FORMS": "0",
            "localizations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    image = MediaImage.objects.get(slug="harbour")
    assert (image.width, image.height, image.focal_x, image.focal_y) == (800, 600, 0.25, 0.75)
    assert image.created_by == editor
    assert re.match(r"library/\d{4}/\d{2}/[\w-]{16}/", image.file.name)


def test_a_focal_point_outside_the_picture_is_refused(client, editor):
    response = client.post(
        reverse("admin:articles_mediaimage_add"),
        {
            "title": "Harbour",
            "slug": "harbour",
            "file": picture_file(800, 600),
            "focal_x": "1.5",
            "focal_y": "0.5",
            "language": "en",
            "localizations-TOTAL_FORMS": "0",
            "localizations-INITIAL_FORMS": "0",
        },
    )

    assertContains(response, "Ensure this value is less than or equal to 1.0.")


# What readers see


def figures_of(html: str) -> list[str]:
    return re.findall(r'<figure class="figure[^"]*".*?</figure>', html, flags=re.S)


def test_readers_see_a_picture_in_avif_webp_and_jpeg_with_its_caption_and_credit(client):
    harbour = make_image(
        file=picture_file(2000, 1000), alt="Boats in a harbour", caption="The harbour at dawn."
    )
    article = make_article(body=f"First.\n\n[[image {harbour.slug}]]\n\nLast.")

    html = client.get(article.get_absolute_url()).content.decode()

    [figure] = figures_of(html)
    assert '<source type="image/avif" srcset="' in figure
    assert '<source type="image/webp" srcset="' in figure
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert 'width="1600" height="800"' in img
    assert 'alt="Boats in a harbour"' in img
    assert 'loading="lazy"' in img
    assert re.search(r'srcset="[^"]+ 480w, [^"]+ 960w, [^"]+ 1600w"', img)
    assert "The harbour at dawn." in figure
    assert f"Photo: {harbour.credit}" in figure
    assert html.index("First.") < html.index(figure) < html.index("Last.")


def test_a_caption_and_credit_given_for_this_use_replace_the_librarys(client):
    harbour = make_image(caption="Library caption.", credit="Library credit")
    article = make_article(
        body=f"[[image {harbour.slug} | caption: Just here. | credit: Jane Doe / Reuters]]"
    )

    [figure] = figures_of(client.get(article.get_absolute_url()).content.decode())

    assert "Just here." in figure and "Photo: Jane Doe / Reuters" in figure
    assert "Library caption." not in figure and "Library credit" not in figure


def test_a_german_reader_of_the_translation_sees_the_german_alt_text_and_caption(client):
    harbour = make_image(alt="Boats", caption="The harbour.", language="en")
    MediaImageTranslation.objects.create(
        image=harbour, language="de", alt="Boote", caption="Der Hafen."
    )
    article = make_article(body=f"[[image {harbour.slug}]]")
    translation = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafen",
        slug="hafen",
        body=article.body,
        status=Status.PUBLISHED,
    )

    english = figures_of(client.get(article.get_absolute_url()).content.decode())[0]
    german = figures_of(client.get(translation.get_absolute_url()).content.decode())[0]

    assert 'alt="Boats"' in english and "The harbour." in english
    assert 'alt="Boote"' in german and "Der Hafen." in german
    assert harbour.credit in german


def test_a_gallery_shows_every_picture_with_its_own_credit(client):
    first, second = make_image(credit="Ann / dpa"), make_image(credit="Bo / AP")
    article = make_article(body=f"[[gallery {first.slug}, {second.slug} | caption: The day.]]")

    html = client.get(article.get_absolute_url()).content.decode()

    gallery = re.search(r'<figure class="figure figure--gallery".*?</ul>.*?</figure>', html, re.S)
    assert gallery.group(0).count("<picture>") == 2
    assert "Photo: Ann / dpa" in gallery.group(0) and "Photo: Bo / AP" in gallery.group(0)
    assert 'aria-label="The day."' in gallery.group(0)


def test_a_caption_corrected_in_the_library_shows_at_once_on_kept_pages(client, page_cache_on):
    harbour = make_image(caption="Teh harbour.")
    article = make_article(body=f"[[image {harbour.slug}]]")
    assert "Teh harbour." in client.get(article.get_absolute_url()).content.decode()

    harbour.caption = "The harbour."
    harbour.save()

    html = client.get(article.get_absolute_url()).content.decode()
    assert "The harbour." in html and "Teh harbour." not in html


def test_feeds_show_pictures_at_absolute_addresses(client):
    harbour = make_image()
    make_article(body=f"Text.\n\n[[image {harbour.slug}]]")

    feed = client.get(reverse("articles:feed-rss")).content.decode()

    assert "&lt;picture&gt;" in feed
    assert re.search(r' src="http://testserver/media/renditions/library/[^"]+\.jpg"', feed)
    assert 'src="/media' not in feed and 'srcset="/media' not in feed


def test_the_desk_preview_shows_the_picture_as_readers_will(client, editor):
    harbour = make_image(caption="The harbour at dawn.")

    answer = client.post(
        reverse("admin:articles_article_markdown_preview"),
        {"text": f"[[image {harbour.slug}]]", "language": "en"},
    ).json()

    assert "<picture>" in answer["html"] and "The harbour at dawn." in answer["html"]


def test_an_article_page_with_pictures_takes_one_query_more_than_one_without(client):
    plain = make_article()
    pictures = [make_image() for _ in range(4)]
    body = "\n\n".join(f"[[image {p.slug}]]" for p in pictures[:2])
    rich = make_article(body=f"{body}\n\n[[gallery {pictures[2].slug}, {pictures[3].slug}]]")
    client.get(plain.get_absolute_url())  # what only a first request reads

    with CaptureQueriesContext(connection) as without:
        client.get(plain.get_absolute_url())
    with CaptureQueriesContext(connection) as with_media:
        client.get(rich.get_absolute_url())

    assert len(with_media) == len(without) + 1


def test_an_older_version_of_a_pictures_texts_can_be_brought_back(client, editor):
    harbour = make_image(caption="The first caption.")
    url = change_url(harbour)
    for caption in ("The second caption.", "The third caption."):
        data = form_data(client.get(url), "mediaimage_form")
        data.pop("file", None)
        data["caption"] = caption
        assert client.post(url, data).status_code == 302
    history = client.get(reverse("admin:articles_mediaimage_history", args=[harbour.pk]))
    versions = re.findall(r'href="([^"]*/history/\d+/)"', history.content.decode())
    assert len(versions) == 2

    oldest = versions[0]  # listed oldest first
    data = form_data(client.get(oldest), "mediaimage_form")
    assert data["caption"] == "The second caption."
    data.pop("file", None)
    client.post(oldest, data)

    file = harbour.file.name
    harbour.refresh_from_db()
    assert harbour.caption == "The second caption."
    assert (harbour.file.name, harbour.width) == (file, 1600)


def test_a_lead_pictures_new_alt_text_shows_at_once_in_kept_lists(client, page_cache_on):
    harbour = make_image(alt="Boats at dawm")
    make_article(lead_picture=harbour)
    home = reverse("articles:home")
    assert 'alt="Boats at dawm"' in client.get(home).content.decode()

    harbour.alt = "Boats at dawn"
    harbour.save()

    html = client.get(home).content.decode()
    assert 'alt="Boats at dawn"' in html and "dawm" not in html


def test_publishing_needs_alt_text_for_the_lead_picture_too(editor):
    bare = make_image(alt="")
    article = make_article(status=Status.DRAFT, published_at=None, lead_picture=bare, unsigned=True)

    with pytest.raises(WorkflowError) as refusal:
        publish(article, editor)

    assert f"The image “{bare.slug}” needs alt text before it can be published." in str(
        refusal.value
    )


def test_a_picture_written_into_the_body_at_the_desk_is_recorded_as_used(client, editor):
    harbour = make_image()
    article = make_article(status=Status.DRAFT, published_at=None)
    data = form_data(client.get(change_url(article)), "article_form")
    data["body"] = f"Text.\n\n[[image {harbour.slug}]]"

    assert client.post(change_url(article), data).status_code == 302

    assert list(harbour.uses.values_list("article", flat=True)) == [article.pk]
    data = form_data(client.get(change_url(article)), "article_form")
    data["body"] = "Text only."
    client.post(change_url(article), data)
    assert not harbour.uses.exists()
