from django.db import migrations


class Migration(migrations.Migration):
    """The uploaded lead image's columns go: the lead picture is the library's (0019, 0020)."""

    dependencies = [("articles", "0020_lead_images_into_the_library")]

    operations = [
        migrations.RemoveField(model_name="article", name="lead_image"),
        migrations.RemoveField(model_name="article", name="lead_image_width"),
        migrations.RemoveField(model_name="article", name="lead_image_height"),
        migrations.RemoveField(model_name="article", name="lead_image_alt"),
        migrations.RemoveField(model_name="article", name="lead_image_caption"),
        migrations.RemoveField(model_name="article", name="lead_image_credit"),
    ]
