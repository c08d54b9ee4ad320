"""Every uploaded lead image becomes a picture in the media library, with its alt text, caption
and credit, in the article's language; the file stays where it is. Backwards, each article gets
its library picture's file and texts again."""

from django.db import migrations
from django.utils.text import slugify


def _free_slug(MediaImage, wanted: str) -> str:
    base = slugify(wanted)[:90] or "lead-image"
    slug, n = base, 1
    while MediaImage.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def into_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    MediaImage = apps.get_model("articles", "MediaImage")
    MediaUse = apps.get_model("articles", "MediaUse")
    for article in Article.objects.exclude(lead_image="").order_by("pk").iterator():
        image = MediaImage.objects.create(
            title=article.headline[:200],
            slug=_free_slug(MediaImage, f"{article.slug}-lead"),
            file=article.lead_image.name,
            width=article.lead_image_width or 0,
            height=article.lead_image_height or 0,
            language=article.language,
            alt=article.lead_image_alt,
            caption=article.lead_image_caption,
            credit=article.lead_image_credit,
            created_at=article.created_at,
        )
        Article.objects.filter(pk=article.pk).update(lead_picture=image)
        MediaUse.objects.get_or_create(article_id=article.pk, image=image)


def out_of_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.filter(lead_picture__isnull=False).select_related(
        "lead_picture"
    ):
        image = article.lead_picture
        Article.objects.filter(pk=article.pk).update(
            lead_image=image.file.name,
            lead_image_width=image.width or None,
            lead_image_height=image.height or None,
            lead_image_alt=image.alt,
            lead_image_caption=image.caption,
            lead_image_credit=image.credit,
            lead_picture=None,
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0019_lead_picture_from_the_library")]

    operations = [migrations.RunPython(into_library, reverse_code=out_of_library)]
