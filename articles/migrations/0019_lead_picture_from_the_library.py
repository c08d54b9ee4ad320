import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A lead picture from the media library, beside the uploaded one until 0020 moves them.

    Not named `lead_image`: earlier revisions keep a file name under that name."""

    dependencies = [("articles", "0018_media_library")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="lead_picture",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="leads",
                to="articles.mediaimage",
                verbose_name="lead image",
                help_text=(
                    "The picture at the top of the article, from the media library: its alt "
                    "text, caption and credit are the library's."
                ),
            ),
        ),
    ]
