import datetime
import sys

from django.db import migrations
from django.db.models import F

# The longest a share link may be valid after it is made (articles/models/desk.py).
MAX_SHARE = datetime.timedelta(days=30)


def cut_share_links_to_the_limit(apps, schema_editor):
    """Share links loaded from fixtures before the limit applied to them (one was valid until
    2099) end when a link made at the desk would have: 30 days after they were made."""
    ShareLink = apps.get_model("articles", "ShareLink")
    too_long = ShareLink.objects.using(schema_editor.connection.alias).filter(
        expires_at__gt=F("created_at") + MAX_SHARE
    )
    if cut := too_long.update(expires_at=F("created_at") + MAX_SHARE):
        links = "share link" if cut == 1 else "share links"
        sys.stdout.write(
            f"  {cut} {links} valid for longer than 30 days after it was made now end then.\n"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_times_in_range"),
    ]

    operations = [
        migrations.RunPython(cut_share_links_to_the_limit, reverse_code=migrations.RunPython.noop),
    ]
